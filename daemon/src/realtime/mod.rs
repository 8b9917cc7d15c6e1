//! Real-time fan-out: the [`hub`] of open WebSockets on this daemon and the cross-daemon
//! [`bus`] that carries room broadcasts to the other daemons sharing a MongoDB.

pub mod bus;
pub mod hub;
pub mod outgoing;
pub mod presence_batch;
pub mod queue;
