//! The CityPulse Live wire contract.
//!
//! Every shape that crosses the wire between `cpld` and its clients lives here, once:
//! REST request and answer bodies ([`api`]), the model types they carry ([`model`]),
//! WebSocket frames ([`ws`]), the `{"detail": ...}` error body, id newtypes ([`ids`]),
//! validation of everything a client sends ([`validate`], [`geo`], [`time`], and strict
//! JSON in [`json`]) and a typed async client ([`client`], with a WebSocket that follows a
//! daemon's restart in [`reconnect`]) that the CLI, the tests and any Rust program use to
//! talk to a daemon.
//!
//! The daemon and the CLI define no wire shape of their own.

pub mod api;
pub mod auth;
pub mod client;
pub mod cursor;
pub mod geo;
pub mod ids;
pub mod json;
pub mod model;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(test)]
mod props;
pub mod reconnect;
pub mod time;
#[cfg(feature = "typescript")]
pub mod typescript;
pub mod validate;
pub mod ws;

pub use client::{Client, ClientError};
pub use geo::Coordinates;
pub use ids::{CollectibleId, EventId, MessageId, TranscriptId, UserId};

/// The version of this contract, reported by `/health` and the CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The close reason (with code 1001) of every WebSocket a stopping daemon closes:
/// clients reconnect, to this daemon once restarted or to another behind the same address.
pub const RESTART_REASON: &str = "server restarting; reconnect";

/// Largest REST body or WebSocket frame a daemon accepts (API.md: "Bodies over 64 KiB are refused").
pub const MAX_BODY_BYTES: u64 = 64 * 1024;
