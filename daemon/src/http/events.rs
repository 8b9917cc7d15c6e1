//! `/api/events/...` handlers.

use citypulse::api::{
    nearby, page, CreateEventRequest, DropRequest, JoinResponse, MessageResponse, NearbyQuery,
    PageQuery,
};
use citypulse::geo::Coordinates;
use citypulse::ids::{EventId, InvalidId, MessageId, TranscriptId};
use citypulse::model::{EventStatus, User};
use citypulse::{time, validate};
use serde::Deserialize;
use warp::reply::Response;
use warp::Reply;

use super::auth::check_acting_as;
use super::error::ApiError;
use super::input;
use super::users::created;
use crate::clients::daily::TokenProperties;
use crate::domain::error::DomainError;
use crate::domain::state::State;
use crate::domain::{drops, rooms};
use crate::store::{Before, NewEvent};

/// The original's optional `?creator_id=` / `?user_id=`.
#[derive(Debug, Default, Deserialize)]
pub struct ActingAs {
    /// On create and end.
    pub creator_id: Option<String>,
    /// On join, leave and claim.
    pub user_id: Option<String>,
}

/// `POST /api/events`.
pub async fn create(
    state: State,
    user: User,
    query: String,
    req: CreateEventRequest,
) -> Result<Response, ApiError> {
    let acting: ActingAs = input::parse_query(&query)?;
    check_acting_as(&user, acting.creator_id.as_deref(), "creator_id")?;
    let title = validate::title(&req.title)?;
    let description = req
        .description
        .as_deref()
        .map(validate::description)
        .transpose()?
        .filter(|d| !d.is_empty());
    let category = validate::category(&req.category)?;
    let address = req
        .address
        .as_deref()
        .map(validate::address)
        .transpose()?
        .filter(|a| !a.is_empty());
    if let (Some(s), Some(e)) = (req.starts_at, req.ends_at) {
        if e <= s {
            return Err(ApiError::Validation(
                "ends_at must be after starts_at".into(),
            ));
        }
    }
    let id = EventId::generate();
    let starts_at = req.starts_at.map(time::truncate_millis);
    let ends_at = req.ends_at.map(time::truncate_millis);
    let created_at = time::now();
    // Either the event and its video room both exist, or neither (issue 5): the room is
    // made first under the pre-generated id (nothing is announced before it exists), and
    // deleted again if the event cannot be stored.
    let room = match &state.daily {
        Some(daily) => Some(
            daily
                .create_event_room(&id, starts_at, ends_at, created_at)
                .await
                .map_err(|source| DomainError::Video {
                    outcome: "the event was not created".into(),
                    source,
                })?,
        ),
        None => None,
    };
    let stored = state
        .store
        .create_event(NewEvent {
            id,
            title,
            description,
            category,
            creator_id: user.id.clone(),
            location: req.coordinates,
            address,
            starts_at,
            ends_at,
            created_at,
            daily_room_name: room.as_ref().map(|r| r.name.clone()),
            daily_room_url: room.as_ref().and_then(|r| r.url.clone()),
        })
        .await;
    let event = match stored {
        Ok(event) => event,
        Err(e) => {
            if let (Some(daily), Some(room)) = (&state.daily, &room) {
                daily.discard_room(&room.name).await;
            }
            return Err(e.into());
        }
    };
    state.hub.notify_new_event(&event);
    Ok(created(&event))
}

/// `GET /api/events/nearby`.
pub async fn nearby(state: State, query: String) -> Result<Response, ApiError> {
    let q: NearbyQuery = input::parse_query(&query)?;
    let center = Coordinates::new(q.lng, q.lat)?;
    let max_distance = q.max_distance.unwrap_or(nearby::DEFAULT_MAX_DISTANCE);
    if !(max_distance.is_finite() && (1.0..=nearby::MAX_DISTANCE).contains(&max_distance)) {
        return Err(ApiError::Validation(format!(
            "max_distance must be between 1 and {} metres, got {max_distance}",
            nearby::MAX_DISTANCE
        )));
    }
    let limit = q.limit.unwrap_or(nearby::DEFAULT_LIMIT);
    validate::in_range("limit", limit as i64, 1, nearby::MAX_LIMIT as i64)?;
    let category = q.category.as_deref().map(validate::category).transpose()?;
    let events = state
        .store
        .events_near(center, max_distance, limit, category.as_deref())
        .await?;
    Ok(warp::reply::json(&events).into_response())
}

/// `GET /api/events/{id}`.
pub async fn get(state: State, id: String) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let event = state.store.event(&id).await?;
    Ok(warp::reply::json(&event).into_response())
}

/// `POST /api/events/{id}/join`.
pub async fn join(
    state: State,
    id: String,
    user: User,
    query: String,
) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let acting: ActingAs = input::parse_query(&query)?;
    check_acting_as(&user, acting.user_id.as_deref(), "user_id")?;
    let event = state.store.event(&id).await?;
    // The token is minted before the store join, so a Daily failure leaves the caller out
    // of the room rather than in it without video. An ended event gets no token: the
    // store join below refuses it with 409. Video off, or an event made while it was off:
    // both fields null (API.md).
    let video = match (
        &state.daily,
        &event.room.daily_room_name,
        &event.room.daily_room_url,
    ) {
        (Some(daily), Some(room), Some(url)) if event.status == EventStatus::Active => {
            let is_owner = event.creator_id == user.id;
            let props = TokenProperties::new(room, &user.id, &user.name, is_owner, time::now());
            let token = daily
                .meeting_token(&props)
                .await
                .map_err(|source| DomainError::Video {
                    outcome: format!("could not join event {id}"),
                    source,
                })?;
            Some((url.clone(), token))
        }
        _ => None,
    };
    rooms::join(&state, &user, &id).await?;
    let (room_url, token) = video.unzip();
    Ok(warp::reply::json(&JoinResponse {
        event_id: id,
        room_url,
        token,
    })
    .into_response())
}

/// `POST /api/events/{id}/leave`.
pub async fn leave(
    state: State,
    id: String,
    user: User,
    query: String,
) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let acting: ActingAs = input::parse_query(&query)?;
    check_acting_as(&user, acting.user_id.as_deref(), "user_id")?;
    let was_in = rooms::leave(&state, &user, &id).await?;
    let message = if was_in {
        "Left event"
    } else {
        "You were not in this event's room"
    };
    Ok(warp::reply::json(&MessageResponse {
        message: message.into(),
    })
    .into_response())
}

/// `POST /api/events/{id}/end` (creator only).
pub async fn end(
    state: State,
    id: String,
    user: User,
    query: String,
) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let acting: ActingAs = input::parse_query(&query)?;
    check_acting_as(&user, acting.creator_id.as_deref(), "creator_id")?;
    rooms::end(&state, &user, &id).await?;
    Ok(warp::reply::json(&MessageResponse {
        message: "Event ended".into(),
    })
    .into_response())
}

/// `GET /api/events/{id}/participants`.
pub async fn participants(state: State, id: String) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    state.store.event(&id).await?;
    let list = state.store.participants(&id).await?;
    Ok(warp::reply::json(&list).into_response())
}

/// The size of the page a history query asks for, and where it starts; `Id` is the kind of
/// id its entries have (`before_id`).
fn page<Id>(q: &PageQuery) -> Result<(u32, Option<Before>), ApiError>
where
    Id: std::str::FromStr<Err = InvalidId> + std::fmt::Display,
{
    let limit = q.limit.unwrap_or(page::DEFAULT_LIMIT);
    validate::in_range("limit", limit as i64, 1, page::MAX_LIMIT as i64)?;
    let before = match (q.before, q.before_id.as_deref()) {
        (None, None) => None,
        (Some(at), None) => Some(Before::at(at)),
        (Some(at), Some(id)) => {
            let id: Id = id
                .parse()
                .map_err(|e| ApiError::Validation(format!("before_id: {e}")))?;
            Some(Before::entry(at, &id.to_string()))
        }
        (None, Some(_)) => {
            return Err(ApiError::Validation(
                "before_id needs before: pass the previous page's last timestamp as before \
                 and its id as before_id"
                    .into(),
            ))
        }
    };
    Ok((limit, before))
}

/// `GET /api/events/{id}/messages`, newest first.
pub async fn messages(state: State, id: String, query: String) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let q: PageQuery = input::parse_query(&query)?;
    let (limit, before) = page::<MessageId>(&q)?;
    state.store.event(&id).await?;
    let list = state.store.messages(&id, limit, before).await?;
    Ok(warp::reply::json(&list).into_response())
}

/// `GET /api/events/{id}/transcriptions`, newest first, `?q=` searches the text.
pub async fn transcriptions(state: State, id: String, query: String) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let q: PageQuery = input::parse_query(&query)?;
    let (limit, before) = page::<TranscriptId>(&q)?;
    let search =
        q.q.as_deref()
            .map(|s| validate::text("q", s, 1, 200))
            .transpose()?;
    state.store.event(&id).await?;
    let list = state
        .store
        .transcriptions(&id, limit, before, search.as_deref())
        .await?;
    Ok(warp::reply::json(&list).into_response())
}

/// `POST /api/events/{id}/collectibles` (admin): a manual drop.
pub async fn drop_collectible(
    state: State,
    id: String,
    req: DropRequest,
) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let ttl = state.config.drop_ttl;
    let c = drops::drop_into(&state, &id, req, ttl).await?;
    Ok(created(&c))
}
