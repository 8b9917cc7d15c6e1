//! What a domain operation can fail with, in the domain's words.
//!
//! Each variant says what happened; its `Display` is the whole sentence a client is given,
//! over REST and WebSocket alike. What a failure means on the wire is decided elsewhere, each
//! in exactly one exhaustive `match` with no wildcard arm, so a new variant does not compile
//! until both say what it means: the status in `http/error.rs` (`From<DomainError> for
//! ApiError`) and the `error` frame's code in `http/ws.rs` (`error_frame`).

use citypulse::ids::{EventId, MessageId};
use citypulse::validate::ValidationError;

use crate::clients::daily::DailyError;
use crate::store::StoreError;

/// A failed domain operation.
///
/// An unknown id is not a variant of its own: the store reports it as
/// [`StoreError::NotFound`], which already names what was asked for and its id.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Joining one more room would pass the per-user room limit (CPL_MAX_ROOMS_PER_USER).
    #[error(
        "you are in {max} event rooms already, the most one user can be in at once; \
         leave one (leave_event or POST /api/events/{{event_id}}/leave) before joining another"
    )]
    RoomLimit {
        /// The limit.
        max: usize,
    },
    /// A chat message for an event that has ended.
    #[error("event {event} has ended; its room is closed")]
    RoomClosed {
        /// The event.
        event: EventId,
    },
    /// A collectible dropped into an event that has ended.
    #[error("event {event} has ended; collectibles drop only into active events")]
    DropsClosed {
        /// The event.
        event: EventId,
    },
    /// A chat message from someone not in the event's room (API.md: "only participants").
    #[error(
        "you are not in the room of event {event}; join it first (join_event or POST /api/events/{event}/join)"
    )]
    NotInRoom {
        /// The event.
        event: EventId,
    },
    /// A claim by someone not in the room of the collectible's event.
    #[error("only participants of event {event} can claim its collectibles; join the event first")]
    NotInRoomToClaim {
        /// The collectible's event.
        event: EventId,
    },
    /// Ending an event by a user other than its creator.
    #[error("only the creator of event {event} (or a moderator, with the admin token) can end it")]
    NotCreator {
        /// The event.
        event: EventId,
    },
    /// Removing a chat message by someone other than its author without the admin token.
    #[error(
        "message {message} was written by someone else; only its author or a moderator (the admin token) can delete it"
    )]
    NotAuthor {
        /// The message.
        message: MessageId,
    },
    /// A chat message past the user's chat rate (CPL_RATE_LIMIT a second, all of the
    /// user's sockets together); it was not stored or sent.
    #[error(
        "more than {per_second} chat messages a second from this user (all of your connections together); \
         this message was not sent: send it again in a moment"
    )]
    ChatRateLimited {
        /// The rate.
        per_second: u32,
        /// How long until one more would pass.
        retry_after: std::time::Duration,
    },
    /// Input broke a rule of API.md (a chat message too long, a drop's points out of range).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The store refused or failed (unknown id, conflict, database unavailable, damage).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Daily.co (video) failed; `outcome` says what did not happen because of it.
    #[error("{outcome}: {source}")]
    Video {
        /// What did not happen ("the event was not created").
        outcome: String,
        /// Daily's failure, with the client's own sentence.
        source: DailyError,
    },
}
