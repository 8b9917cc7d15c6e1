//! `cpld`, the CityPulse Live daemon: the REST + WebSocket API over a [`store::Store`].
//!
//! [`server::bind`] takes the configuration and a shutdown future and returns the bound
//! address, so tests start daemons on free ports (port 0) and stop them explicitly.

pub mod api;
pub mod bus;
pub mod claims;
pub mod client_addr;
pub mod config;
pub mod daily;
pub mod drops;
pub mod hub;
pub mod metrics;
pub mod presence;
pub mod ratelimit;
pub mod rooms;
pub mod scheduler;
pub mod seed;
pub mod server;
pub mod state;
pub mod store;
pub mod transcribe;
pub mod ws;
