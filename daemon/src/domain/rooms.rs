//! Event rooms: joining, leaving, chatting, removing messages and ending, the same whether a
//! client comes over REST or WebSocket. The store records membership; the hub tells the room.

use citypulse::ids::{EventId, MessageId, UserId};
use citypulse::model::{ChatMessage, EventStatus, User};
use citypulse::time;
use citypulse::ws::{DeletedBy, EndedBy, ServerMessage};

use crate::domain::error::DomainError;
use crate::domain::state::State;
use crate::realtime::presence_batch::PresenceChange;
use crate::store::{JoinOutcome, MessageRemoval};

/// Who ends an event or removes a message: a user with their own token, held to what that
/// user may do, or a moderator (the admin token), who may do it to any event or message.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A user.
    User(&'a User),
    /// The holder of the admin token.
    Moderator,
}

/// Puts `user` in the event's room and tells the room (the joiner included) `user_joined`;
/// in a big room ([`is_big`]) the joiner hears theirs at once and the others hear it in
/// the room's next `presence` frame. Joining twice changes nothing and announces nothing.
pub async fn join(state: &State, user: &User, event: &EventId) -> Result<JoinOutcome, DomainError> {
    // The room limit (CPL_MAX_ROOMS_PER_USER) bounds what one account makes every drop
    // round and every broadcast do. Counted before joining, so one user's joins take turns
    // on this daemon: two at the same instant would both pass the count. Daemons sharing
    // a database do not take turns with each other, so a user joining through several at
    // once may end a room or two over; the per-client rate limit bounds that.
    let outcome = {
        let _turn = state.join_turns.take(&user.id).await;
        let max = state.config.max_rooms_per_user;
        if state.store.rooms_joined(&user.id).await? >= max as u64
            && !state.store.is_participant(event, &user.id).await?
        {
            return Err(DomainError::RoomLimit { max });
        }
        state.store.join_event(event, &user.id, time::now()).await?
    };
    if let JoinOutcome::Joined { .. } = outcome {
        let msg = ServerMessage::UserJoined {
            event_id: event.clone(),
            user_id: user.id.clone(),
            name: user.name.clone(),
        };
        let change = PresenceChange::Joined {
            user_id: user.id.clone(),
            name: user.name.clone(),
        };
        if is_big(state, event).await? && state.hub.batch_presence(event, change) {
            state.hub.send_to_user(&user.id, &msg);
        } else {
            state
                .hub
                .broadcast_room(state.store.as_ref(), event, &msg)
                .await?;
        }
    }
    Ok(outcome)
}

/// Whether the room has more than `CPL_PRESENCE_BATCH_ABOVE` members now (after the
/// change being announced): its joins and leaves are then gathered
/// ([`crate::realtime::presence_batch`]) rather than each sent to every member, which
/// would cost n² frames to fill a room of n. The event's stored count decides: one
/// document, not the member list.
async fn is_big(state: &State, event: &EventId) -> Result<bool, DomainError> {
    let members = state.store.event(event).await?.room.current_participants;
    Ok(members > state.config.presence_batch_above as u64)
}

/// Takes `user` out of the room; the room and the leaver hear `user_left`.
/// The event must exist; leaving a room one is not in is a no-op.
pub async fn leave(state: &State, user: &User, event: &EventId) -> Result<bool, DomainError> {
    state.store.event(event).await?;
    let was_in = state.store.leave_event(event, &user.id).await?;
    if was_in {
        announce_left(state, &user.id, event).await?;
    }
    Ok(was_in)
}

/// Tells a room and the leaver that someone left: the leaver at once with `user_left`, the
/// room with `user_left` too, or in its next `presence` frame when it is big ([`is_big`]).
pub async fn announce_left(
    state: &State,
    user: &citypulse::UserId,
    event: &EventId,
) -> Result<(), DomainError> {
    let msg = ServerMessage::UserLeft {
        event_id: event.clone(),
        user_id: user.clone(),
    };
    let change = PresenceChange::Left(user.clone());
    if !(is_big(state, event).await? && state.hub.batch_presence(event, change)) {
        state
            .hub
            .broadcast_room(state.store.as_ref(), event, &msg)
            .await?;
    }
    state.hub.send_to_user(user, &msg);
    Ok(())
}

/// Stores a chat message and sends it to the room (its author included).
/// Only participants may chat (API.md: "only participants").
pub async fn chat(
    state: &State,
    user: &User,
    event: &EventId,
    text: &str,
) -> Result<ChatMessage, DomainError> {
    // Per user, not per socket: a user's 8 sockets share one allowance, so opening more
    // of them does not multiply what one account can make every room member receive
    // and the store keep. Checked first, so a refused message costs no store read.
    state
        .chat_limit
        .check(Some(user.id.clone()))
        .map_err(|retry_after| {
            state
                .metrics
                .rate_limited
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            DomainError::ChatRateLimited {
                per_second: state.config.rate_limit,
                retry_after,
            }
        })?;
    let text = citypulse::validate::chat_message(text)?;
    let ev = state.store.event(event).await?;
    if ev.status == EventStatus::Ended {
        return Err(DomainError::RoomClosed {
            event: event.clone(),
        });
    }
    if !state.store.is_participant(event, &user.id).await? {
        return Err(DomainError::NotInRoom {
            event: event.clone(),
        });
    }
    let message = ChatMessage {
        id: MessageId::generate(),
        event_id: event.clone(),
        user_id: user.id.clone(),
        name: user.name.clone(),
        message: text,
        timestamp: time::now(),
    };
    state.store.add_message(&message).await?;
    state
        .metrics
        .chat_messages
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    state
        .hub
        .broadcast_room(
            state.store.as_ref(),
            event,
            &ServerMessage::ChatMessage(message.clone()),
        )
        .await?;
    Ok(message)
}

/// Removes a chat message from the event's history (its author, or a moderator) and tells
/// the room `message_deleted`. Removing it again is a `NotFound`: the message is gone, and
/// a second removal has nothing to remove (API.md).
pub async fn delete_message(
    state: &State,
    actor: Actor<'_>,
    event: &EventId,
    message: &MessageId,
) -> Result<(), DomainError> {
    let (author, deleted_by) = match actor {
        Actor::User(user) => (Some(&user.id), DeletedBy::Author),
        Actor::Moderator => (None, DeletedBy::Moderator),
    };
    match state.store.delete_message(event, message, author).await? {
        MessageRemoval::Removed(m) => {
            // A removal leaves no trace in the store; the log keeps who removed whose message.
            tracing::info!(event = %event, message = %message, author = %m.user_id, by = ?deleted_by, "chat message removed");
        }
        MessageRemoval::NotAuthor => {
            return Err(DomainError::NotAuthor {
                message: message.clone(),
            })
        }
    }
    state
        .hub
        .broadcast_room(
            state.store.as_ref(),
            event,
            &ServerMessage::MessageDeleted {
                event_id: event.clone(),
                message_id: message.clone(),
                deleted_by,
            },
        )
        .await?;
    Ok(())
}

/// Ends an event (its creator, or a moderator): the store ends it and empties its room,
/// then everyone who was in the room hears `event_ended`, saying which of the two ended it.
pub async fn end(state: &State, actor: Actor<'_>, event: &EventId) -> Result<(), DomainError> {
    let ev = state.store.event(event).await?;
    let ended_by = match actor {
        Actor::Moderator => EndedBy::Moderator,
        Actor::User(user) if ev.creator_id == user.id => EndedBy::Creator,
        Actor::User(_) => {
            return Err(DomainError::NotCreator {
                event: event.clone(),
            })
        }
    };
    let (_, members) = state.store.end_event(event, time::now()).await?;
    state.hub.send_to_users(
        members.iter(),
        &ServerMessage::EventEnded {
            event_id: event.clone(),
            ended_by,
        },
    );
    // API.md: ending "deletes its video room". The event is ended whatever Daily says:
    // a room Daily cannot delete now (after the client's retries) is logged and still
    // expires at its `exp` with everyone ejected (`eject_at_room_exp`), and joining the
    // ended event is refused by the store, so nobody gets a token for it again.
    if let Some(room) = &ev.room.daily_room_name {
        match &state.daily {
            Some(daily) => {
                if let Err(e) = daily.delete_room(room).await {
                    tracing::warn!(event = %event, room = %room, "event ended but its Daily.co room was not deleted; it expires on its own: {e}");
                }
            }
            None => {
                tracing::warn!(event = %event, room = %room, "event ended but its Daily.co room was not deleted: DAILY_API_KEY is not set; it expires on its own")
            }
        }
    }
    Ok(())
}

/// One user's joins, one at a time on this daemon. Striped: users share a fixed set of
/// locks by the hash of their id, so nothing grows with the number of users, and two
/// users rarely wait for each other (a join holds its stripe for two reads and a write).
pub struct JoinTurns([tokio::sync::Mutex<()>; 64]);

impl Default for JoinTurns {
    fn default() -> Self {
        JoinTurns(std::array::from_fn(|_| tokio::sync::Mutex::new(())))
    }
}

impl JoinTurns {
    /// Waits for `user`'s turn; it lasts as long as the guard.
    pub async fn take(&self, user: &UserId) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        user.hash(&mut h);
        self.0[(h.finish() % self.0.len() as u64) as usize]
            .lock()
            .await
    }
}
