//! The daemon's dealings with the host it runs on: the open-file limit it needs for its
//! sockets ([`fdlimit`]), systemd's readiness protocol ([`notify`]) and the process's own
//! CPU and memory use for `/metrics` ([`process`]).
//! A leaf: it knows nothing of the other layers; `main` passes it the numbers it needs.

pub mod fdlimit;
pub mod notify;
pub mod process;
