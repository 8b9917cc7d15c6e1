//! Operator commands of `cpld` other than serving, each run once and exiting: they work on
//! stores directly (through [`crate::store::Store`]) and never through a running daemon.

pub mod migrate;
