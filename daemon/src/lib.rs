//! `cpld`, the CityPulse Live daemon: the REST + WebSocket API over a [`store::Store`].
//!
//! The folders are layers, and a request reads top-down through them; imports point down
//! only:
//!
//! - [`server`] wires everything together and serves; [`jobs`] run in the background;
//!   [`commands`] are the operator commands that run once (`cpld migrate`).
//! - [`http`]: routes, handlers, authentication, the WebSocket endpoints, HTTP errors.
//! - [`domain`]: the operations (rooms, claims, drops, presence) and the shared [`domain::state::State`].
//! - [`realtime`]: the hub of open sockets and the cross-daemon bus.
//! - [`clients`]: the cloud APIs (Daily.co video rooms, Deepgram live transcription).
//! - [`store`]: the [`store::Store`] trait and its SQLite and MongoDB backends.
//! - Leaves any layer may use: [`config`], [`metrics`], [`ratelimit`]; [`host`] (the
//!   open-file limit and systemd readiness for `main`, the process's usage for `/metrics`).
//!
//! [`server::bind`] takes the configuration and a shutdown future and returns the bound
//! address, so tests start daemons on free ports (port 0) and stop them explicitly.

pub mod clients;
pub mod commands;
pub mod config;
pub mod domain;
pub mod host;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod ratelimit;
pub mod realtime;
pub mod seed;
pub mod server;
pub mod store;
