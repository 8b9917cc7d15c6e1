//! Accounts: erasing a person (`DELETE /api/users/{id}`). The store erases what it holds;
//! here the rooms they were in hear that they left. Their token is revoked and their
//! sockets closed before this runs (by the caller, through the one token path), so no
//! request of theirs can join a room or write a message while they are being erased.

use citypulse::api::UserErased;
use citypulse::ids::UserId;
use citypulse::time;

use crate::domain::error::DomainError;
use crate::domain::rooms;
use crate::domain::state::State;

/// Erases `user` (see [`crate::store::Store::erase_user`]) and tells every room they were
/// in `user_left`, on every daemon (through the hub and its bus, like any room broadcast).
pub async fn erase(state: &State, user: &UserId, purge: bool) -> Result<UserErased, DomainError> {
    let erased = state.store.erase_user(user, purge, time::now()).await?;
    for event in &erased.rooms_left {
        // The erasure stands whatever a broadcast does; a room that missed it shows the
        // right participants at its next read.
        if let Err(e) = rooms::announce_left(state, user, event).await {
            tracing::warn!("announcing that erased user {user} left {event} failed: {e}");
        }
    }
    // The log keeps that an erasure happened and of which id, never who it was.
    tracing::info!(user = %user, purge, rooms = erased.rooms_left.len(), messages = erased.messages, "user erased");
    Ok(UserErased {
        user_id: user.clone(),
        purged: purge,
        rooms_left: erased.rooms_left.len() as u64,
        messages: erased.messages,
        transcriptions: erased.transcriptions,
    })
}
