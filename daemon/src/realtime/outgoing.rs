//! What the hub hands the cross-daemon bus ([`crate::realtime::bus`]): encoded frames and
//! the envelopes for other daemons. Its own module so that the hub and the bus both
//! depend on it and not on each other's internals.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use citypulse::ids::{EventId, UserId};
use citypulse::model::Event;
use tokio::sync::{mpsc, watch};

/// An encoded text frame, shared by every connection it is queued on. The WebSocket
/// library's own text type (reference-counted bytes), so that a socket sends the shared
/// bytes as they are: a chat message in a room of 10,000 was copied 10,000 times.
pub type Frame = tokio_tungstenite::tungstenite::Utf8Bytes;

/// One join or leave of a big room ([`crate::realtime::presence_batch`]).
#[derive(Debug, Clone, PartialEq)]
pub enum PresenceChange {
    /// Someone came in.
    Joined {
        /// Who.
        user_id: UserId,
        /// Their name.
        name: String,
    },
    /// Someone went.
    Left(UserId),
}

/// Something to tell the other daemons.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// An encoded frame for these users (each daemon delivers to those connected to it).
    Users {
        /// Recipients.
        users: Vec<UserId>,
        /// The encoded frame.
        frame: Frame,
    },
    /// A join or leave of a big room: each daemon gathers it for its own members there.
    Presence {
        /// The room.
        event: EventId,
        /// What changed.
        change: PresenceChange,
    },
    /// A new event: each daemon runs its own geofence for `event_nearby`.
    NewEvent(Box<Event>),
    /// A user's token was reset: each daemon closes that user's sockets.
    Revoked(UserId),
    /// One session (token) was revoked: each daemon closes the sockets opened with it.
    SessionRevoked {
        /// The SHA-256 (hex) of the revoked token.
        token_hash: String,
    },
}

/// The sending side, held by the hub.
pub struct Publisher {
    tx: mpsc::Sender<Outgoing>,
    dropped: Arc<AtomicU64>,
    ready: watch::Receiver<bool>,
}

impl Publisher {
    /// A publisher feeding `tx`, counting what it drops into `dropped`; `ready` turns true
    /// once the bus sees the other daemons' envelopes.
    pub fn new(
        tx: mpsc::Sender<Outgoing>,
        dropped: Arc<AtomicU64>,
        ready: watch::Receiver<bool>,
    ) -> Self {
        Publisher { tx, dropped, ready }
    }

    /// Queues an envelope for the other daemons; never waits.
    pub fn publish(&self, out: Outgoing) {
        if self.tx.try_send(out).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits until the watcher has its change stream open (or `limit` passes); true
    /// when it does. Until then envelopes from other daemons are not seen.
    pub async fn wait_ready(&self, limit: Duration) -> bool {
        let mut ready = self.ready.clone();
        tokio::time::timeout(limit, ready.wait_for(|r| *r))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}
