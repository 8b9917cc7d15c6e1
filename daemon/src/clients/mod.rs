//! Clients of the cloud APIs the daemon calls: Daily.co (video rooms).

pub mod daily;
