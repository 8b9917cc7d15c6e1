//! Domain operations: what joining, leaving, chatting, ending an event, claiming and
//! dropping a collectible and being connected mean, over the store and the hub. The shared
//! handle every operation takes is [`state::State`]. Nothing here speaks HTTP.

pub mod accounts;
pub mod claims;
pub mod drops;
pub mod error;
pub mod presence;
pub mod rooms;
pub mod signin;
pub mod state;
pub mod tokens;
pub mod transcription;
