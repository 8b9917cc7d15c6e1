//! Scenario runs as data (`model`) and as pages and pictures.

pub mod model;
