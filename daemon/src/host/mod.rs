//! The daemon's dealings with the host it runs on, outside the API: the open-file limit
//! it needs for its sockets ([`fdlimit`]) and systemd's readiness protocol ([`notify`]).
//! A leaf: it knows nothing of the other layers; `main` passes it the numbers it needs.

pub mod fdlimit;
pub mod notify;
