//! `/api/collectibles/...` handlers.

use citypulse::api::{ClaimResult, ErrorBody};
use citypulse::ids::{CollectibleId, EventId};
use citypulse::model::{Collectible, User};
use citypulse::time;
use serde::Deserialize;
use warp::reply::Response;
use warp::Reply;

use super::auth::check_acting_as;
use super::error::ApiError;
use super::{input, openapi};
use crate::domain::claims;
use crate::domain::state::State;

#[derive(Debug, Deserialize)]
struct ClaimQuery {
    collectible_id: String,
    user_id: Option<String>,
}

/// `POST /api/collectibles/claim?collectible_id=&user_id=`.
#[utoipa::path(
    post,
    path = "/api/collectibles/claim",
    operation_id = "claimCollectible",
    tag = "collectibles",
    summary = "Try to win a collectible",
    description = "Exactly one claimer wins (`success: true`, message `claimed`, the collectible); everyone else gets 200 with `success: false` and message `already claimed` or `expired` (expired also when its event ended). The win, the inventory entry and `stats.collectibles_count` change together. The room hears `collectible_claimed`. Rate limited. No body.",
    security(("userToken" = [])),
    params(
        ("collectible_id" = String, Query, description = "The collectible. Malformed: 422; unknown: 404.", pattern = "^[0-9a-fA-F]{24}$"),
        ("user_id" = Option<String>, Query, description = "The original backend's `user_id`; kept for compatibility. When present it must be the token's own user id (compared case-insensitively), else 403; not an id at all: 422. Absent means the token's user.", pattern = "^[0-9a-fA-F]{24}$"),
    ),
    responses(
        (status = 200, description = "The outcome, won or lost.", body = ClaimResult),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = openapi::E401, body = ErrorBody),
        (status = 403, description = "The caller is not a participant of the collectible's event, `user_id` is not the token's user, or the admin token was sent.", body = ErrorBody),
        (status = 404, description = "No collectible has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 422, description = "`collectible_id` is missing or malformed, `user_id` is not an id, or the query string is malformed.", body = ErrorBody),
        (status = 429, description = openapi::E429_WRITE_OR_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn claim(state: State, user: User, query: String) -> Result<Response, ApiError> {
    let q: ClaimQuery = input::parse_query(&query)?;
    check_acting_as(&user, q.user_id.as_deref(), "user_id")?;
    let id: CollectibleId = input::id(&q.collectible_id)?;
    let result = claims::claim(&state, &user, &id).await?;
    Ok(warp::reply::json(&result).into_response())
}

/// `GET /api/collectibles/active/{event_id}`.
#[utoipa::path(
    get,
    path = "/api/collectibles/active/{event_id}",
    operation_id = "activeCollectibles",
    tag = "collectibles",
    summary = "An event's claimable collectibles, newest first",
    description = "Unclaimed and not expired.",
    security(),
    params(
        ("event_id" = String, Path, description = "The event's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
    ),
    responses(
        (status = 200, description = "The collectibles.", body = Vec<Collectible>),
        (status = 404, description = "No event has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 422, description = "The event id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid.", body = ErrorBody),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn active(state: State, event: String) -> Result<Response, ApiError> {
    let event: EventId = input::id(&event)?;
    state.store.event(&event).await?;
    let list = state.store.active_collectibles(&event, time::now()).await?;
    Ok(warp::reply::json(&list).into_response())
}
