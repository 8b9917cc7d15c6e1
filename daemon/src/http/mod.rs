//! The HTTP layer: everything that speaks HTTP or WebSocket. The route table
//! ([`routes`]), thin handlers per resource ([`users`], [`events`], [`collectibles`],
//! [`ops`]), the two WebSocket endpoints ([`ws`], [`transcribe`]), authentication
//! ([`auth`]), who the client is ([`client`]), CORS ([`cors`]), request parsing
//! ([`input`]), the OpenAPI document ([`openapi`]), the one place errors become statuses
//! ([`error`]) and the connections themselves ([`serve`]: time limits, the per-address
//! cap, HTTP/1.1 framing checks). Handlers call [`crate::domain`]; nothing below this
//! layer knows about HTTP.

pub mod asyncapi;
pub mod auth;
pub mod client;
pub mod collectibles;
pub mod cors;
pub mod docs;
pub mod error;
pub mod events;
pub mod input;
pub mod openapi;
pub mod ops;
pub mod paging;
pub mod routes;
pub mod serve;
pub mod signin;
pub mod transcribe;
pub mod upgrade;
pub mod users;
pub mod ws;

pub use routes::routes;
