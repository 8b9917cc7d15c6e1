//! Background jobs: collectible drop rounds, expiry sweeps and connection-lease renewal,
//! each stopping at the shutdown signal.

pub mod scheduler;
