//! Claiming a collectible, the same over REST and WebSocket: one store operation that can
//! have only one winner, then the room hears who won.

use std::sync::atomic::Ordering;

use citypulse::api::{claim_message, ClaimResult};
use citypulse::ids::CollectibleId;
use citypulse::model::{EventStatus, User};
use citypulse::time;
use citypulse::ws::ServerMessage;

use crate::domain::error::DomainError;
use crate::domain::state::State;
use crate::store::ClaimOutcome;

/// Tries to win `id` for `user`, who must be in the room of its event.
pub async fn claim(
    state: &State,
    user: &User,
    id: &CollectibleId,
) -> Result<ClaimResult, DomainError> {
    let collectible = state.store.collectible(id).await?;
    if !state
        .store
        .is_participant(&collectible.event_id, &user.id)
        .await?
    {
        // Ending an event empties its room, so after the end nobody is a participant:
        // the answer is the documented "expired" (API.md), not a refusal for a room that
        // is gone. Nothing is written either way.
        if state.store.event(&collectible.event_id).await?.status == EventStatus::Ended {
            return Ok(lost(state, claim_message::EXPIRED));
        }
        return Err(DomainError::NotInRoomToClaim {
            event: collectible.event_id,
        });
    }
    // The single-winner rule lives in the store operation (one conditional update in one
    // transaction); here we only report its outcome.
    let result = match state
        .store
        .claim_collectible(id, &user.id, time::now())
        .await?
    {
        ClaimOutcome::Won(won) => {
            state.metrics.claims_won.fetch_add(1, Ordering::Relaxed);
            let msg = ServerMessage::CollectibleClaimed {
                collectible_id: won.id.clone(),
                event_id: won.event_id.clone(),
                user_id: user.id.clone(),
                name: user.name.clone(),
            };
            state
                .hub
                .broadcast_room(state.store.as_ref(), &won.event_id, &msg)
                .await?;
            ClaimResult {
                success: true,
                message: claim_message::CLAIMED.into(),
                collectible: Some(won),
            }
        }
        ClaimOutcome::AlreadyClaimed => lost(state, claim_message::ALREADY_CLAIMED),
        ClaimOutcome::Expired => lost(state, claim_message::EXPIRED),
    };
    Ok(result)
}

fn lost(state: &State, why: &str) -> ClaimResult {
    state.metrics.claims_lost.fetch_add(1, Ordering::Relaxed);
    ClaimResult {
        success: false,
        message: why.into(),
        collectible: None,
    }
}
