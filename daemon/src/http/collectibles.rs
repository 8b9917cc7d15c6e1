//! `/api/collectibles/...` handlers.

use citypulse::ids::{CollectibleId, EventId};
use citypulse::model::User;
use citypulse::time;
use serde::Deserialize;
use warp::reply::Response;
use warp::Reply;

use super::auth::check_acting_as;
use super::error::ApiError;
use super::input;
use crate::domain::claims;
use crate::domain::state::State;

#[derive(Debug, Deserialize)]
struct ClaimQuery {
    collectible_id: String,
    user_id: Option<String>,
}

/// `POST /api/collectibles/claim?collectible_id=&user_id=`.
pub async fn claim(state: State, user: User, query: String) -> Result<Response, ApiError> {
    let q: ClaimQuery = input::parse_query(&query)?;
    check_acting_as(&user, q.user_id.as_deref(), "user_id")?;
    let id: CollectibleId = input::id(&q.collectible_id)?;
    let result = claims::claim(&state, &user, &id).await?;
    Ok(warp::reply::json(&result).into_response())
}

/// `GET /api/collectibles/active/{event_id}`.
pub async fn active(state: State, event: String) -> Result<Response, ApiError> {
    let event: EventId = input::id(&event)?;
    state.store.event(&event).await?;
    let list = state.store.active_collectibles(&event, time::now()).await?;
    Ok(warp::reply::json(&list).into_response())
}
