//! `/api/events/...` handlers.

use citypulse::api::{
    event_list, nearby, page, CreateEventRequest, DropRequest, ErrorBody, EventListQuery,
    EventPage, JoinResponse, MessageResponse, NearbyQuery, PageQuery,
};
use citypulse::geo::Coordinates;
use citypulse::ids::{EventId, InvalidId, MessageId, TranscriptId, UserId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventStatus, NearbyEvent, Participant, Transcription, User,
};
use citypulse::{time, validate};
use serde::Deserialize;
use warp::reply::Response;
use warp::Reply;

use super::auth::{self, check_acting_as, Caller};
use super::error::ApiError;
use super::users::created;
use super::{input, openapi, paging};
use crate::clients::daily::TokenProperties;
use crate::domain::drops;
use crate::domain::error::DomainError;
use crate::domain::rooms::{self, Actor};
use crate::domain::state::State;
use crate::store::{Before, BoundingBox, EventFilter, NewEvent};

/// The original's optional `?creator_id=` / `?user_id=`.
#[derive(Debug, Default, Deserialize)]
pub struct ActingAs {
    /// On create and end.
    pub creator_id: Option<String>,
    /// On join, leave and claim.
    pub user_id: Option<String>,
}

/// `POST /api/events`.
#[utoipa::path(
    post,
    path = "/api/events",
    operation_id = "createEvent",
    tag = "events",
    summary = "Create an event",
    description = "The caller becomes its creator (counted in `stats.events_created`) but not a participant; joining does that. Connected users whose last location is within 5 km hear `event_nearby`. Rate limited.",
    security(("userToken" = [])),
    params(
        ("creator_id" = Option<String>, Query, description = "The original backend's `creator_id`; kept for compatibility. When present it must be the token's own user id (compared case-insensitively), else 403; not an id at all: 422. Absent means the token's user.", pattern = "^[0-9a-fA-F]{24}$"),
    ),
    request_body(content = CreateEventRequest, description = "The event."),
    responses(
        (status = 201, description = "Created; `room_url` is null when video is not configured.", body = Event),
        (status = 400, description = openapi::E400_BODY, body = ErrorBody),
        (status = 401, description = openapi::E401, body = ErrorBody),
        (status = 403, description = "`creator_id` is not the token's user, or the admin token was sent (it is not a user).", body = ErrorBody),
        (status = 413, description = openapi::E413, body = ErrorBody),
        (status = 422, description = "A field breaks a rule: coordinates not `[longitude, latitude]` in range, title/category empty or too long, text holding bidirectional controls or nothing visible, a timestamp that is not RFC 3339 or outside the years 0001 to 9999, `ends_at` not after `starts_at`, an unknown field, a wrong type, a key given twice, a body that is not a JSON object; or `creator_id` is not an id, or the query string is malformed.", body = ErrorBody),
        (status = 429, description = openapi::E429_WRITE_OR_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 502, description = "Video is configured but Daily.co failed to create the event's room; the event was not created.", body = ErrorBody),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
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

/// `GET /api/events`: every event matching the filters, newest first, paged.
#[utoipa::path(
    get,
    path = "/api/events",
    operation_id = "listEvents",
    tag = "events",
    summary = "List events, newest first, filtered and paged",
    description = "Newest first (creation time, then id). Every filter is optional and all must hold. Anyone may list active events (`status=active`); ended events (`status=ended`), or all events (no `status`), need the admin token. The answer is a page: `items`, and `next_cursor` to pass as `cursor` for the next page (null on the last). Events created while a client pages are newer than every page's start: no page skips or repeats an event because of them.",
    security((), ("adminToken" = [])),
    params(
        ("status" = Option<String>, Query, description = "`active` (anyone) or `ended` (admin); absent: both (admin)."),
        ("category" = Option<String>, Query, description = "Only events of this category (case-insensitive).", min_length = 1, max_length = 40),
        ("creator_id" = Option<String>, Query, description = "Only events this user created.", pattern = "^[0-9a-fA-F]{24}$"),
        ("bbox" = Option<String>, Query, description = "`minLng,minLat,maxLng,maxLat`: only events inside the box, edges included. A box across the antimeridian (minLng > maxLng) is asked for as its two halves.", example = "-74.2,4.5,-74.0,4.8"),
        ("created_after" = Option<String>, Query, format = DateTime, description = "Only events created strictly after this time (RFC 3339)."),
        ("created_before" = Option<String>, Query, format = DateTime, description = "Only events created strictly before this time (RFC 3339)."),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 20); outside: 422.", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "The previous page's `next_cursor`, unchanged; absent for the first page. One this server never gave: 422."),
    ),
    responses(
        (status = 200, description = "A page of events.", body = EventPage),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = openapi::E401_OPTIONAL, body = ErrorBody),
        (status = 403, description = "Ended events, or all events (no `status`), were asked for without the admin token.", body = ErrorBody),
        (status = 422, description = "A filter is invalid (`status` not active/ended, `category` empty or too long, `creator_id` not an id, `bbox` not four numbers in range with min <= max, a time that is not RFC 3339), `limit` is out of range, `cursor` is not one this server gave, a parameter is given twice, or the query string is malformed.", body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn list(
    state: State,
    caller: Option<Caller>,
    query: String,
) -> Result<Response, ApiError> {
    let q: EventListQuery = input::parse_query(&query)?;
    if q.status != Some(EventStatus::Active) && !matches!(caller, Some(Caller::Admin)) {
        let what = if q.status.is_some() {
            "listing ended events"
        } else {
            "listing events of every status (no status parameter)"
        };
        return Err(ApiError::Forbidden(format!(
            "{what} needs the admin token; anyone may list active events with status=active"
        )));
    }
    let limit = q.limit.unwrap_or(event_list::DEFAULT_LIMIT);
    validate::in_range("limit", limit as i64, 1, event_list::MAX_LIMIT as i64)?;
    let filter = EventFilter {
        status: q.status,
        category: q.category.as_deref().map(validate::category).transpose()?,
        creator: q
            .creator_id
            .as_deref()
            .map(|raw| {
                raw.parse::<UserId>()
                    .map_err(|e| ApiError::Validation(format!("creator_id: {e}")))
            })
            .transpose()?,
        bbox: q.bbox.as_deref().map(bounding_box).transpose()?,
        created_after: q.created_after,
        created_before: q.created_before,
    };
    let after = paging::start(q.cursor.as_deref())?;
    let events = state
        .store
        .list_events(&filter, paging::fetch(limit), after)
        .await?;
    let (items, next_cursor) = paging::cut(events, limit, |e| (e.created_at, &e.id));
    Ok(warp::reply::json(&EventPage { items, next_cursor }).into_response())
}

/// `minLng,minLat,maxLng,maxLat`, each in range, min <= max on both axes.
fn bounding_box(raw: &str) -> Result<BoundingBox, ApiError> {
    let bad = |why: &str| {
        ApiError::Validation(format!(
            "bbox {:?} {why}; send minLng,minLat,maxLng,maxLat such as -74.2,4.5,-74.0,4.8",
            raw.chars().take(80).collect::<String>()
        ))
    };
    let parts: Vec<f64> = raw
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("is not four numbers separated by commas"))?;
    let [min_lng, min_lat, max_lng, max_lat] =
        <[f64; 4]>::try_from(parts).map_err(|_| bad("is not four numbers separated by commas"))?;
    let lng = -180.0..=180.0;
    let lat = -90.0..=90.0;
    if !(lng.contains(&min_lng) && lng.contains(&max_lng)) {
        return Err(bad("has a longitude outside -180 to 180"));
    }
    if !(lat.contains(&min_lat) && lat.contains(&max_lat)) {
        return Err(bad("has a latitude outside -90 to 90"));
    }
    if min_lat > max_lat {
        return Err(bad("has minLat above maxLat"));
    }
    if min_lng > max_lng {
        return Err(bad(
            "has minLng east of maxLng (a box across the antimeridian: ask for its two halves)",
        ));
    }
    Ok(BoundingBox {
        min_lng,
        min_lat,
        max_lng,
        max_lat,
    })
}

/// `GET /api/events/nearby`.
#[utoipa::path(
    get,
    path = "/api/events/nearby",
    operation_id = "nearbyEvents",
    tag = "events",
    summary = "Active events near a point, nearest first",
    description = "Exact great-circle distance (sphere of radius 6378.1 km, as MongoDB's 2dsphere); ended events never appear.",
    security(),
    params(
        ("lng" = f64, Query, description = "Longitude of the centre, -180 to 180.", minimum = -180, maximum = 180),
        ("lat" = f64, Query, description = "Latitude of the centre, -90 to 90.", minimum = -90, maximum = 90),
        ("max_distance" = Option<f64>, Query, description = "Radius in metres, 1 to 50000 (default 5000).", minimum = 1, maximum = 50000),
        ("limit" = Option<u32>, Query, description = "At most this many events, 1 to 100 (default 20).", minimum = 1, maximum = 100),
        ("category" = Option<String>, Query, description = "Only events of this category (case-insensitive).", min_length = 1, max_length = 40, pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*[^\s\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8][^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"),
    ),
    responses(
        (status = 200, description = "The events, each with `distance_m`.", body = Vec<NearbyEvent>),
        (status = 422, description = "`lng`/`lat` missing, not numbers or out of range, or `max_distance`, `limit` or `category` out of range; or the query string is malformed (a `%` not followed by two hex digits, bytes that are not UTF-8 once decoded such as `category=%FF`, a parameter given twice).", body = ErrorBody),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
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
    // Written into a buffer sized for the answer up front (an event is about 480 bytes of
    // JSON; growing from warp's 128 bytes copied the answer seven times), by the store
    // straight from its index where it can.
    let mut body = Vec::with_capacity(2 + limit as usize * 512);
    state
        .store
        .write_events_near(center, max_distance, limit, category.as_deref(), &mut body)
        .await?;
    let mut answer = Response::new(body.into());
    answer.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        warp::http::HeaderValue::from_static("application/json"),
    );
    Ok(answer)
}

/// `GET /api/events/{id}`.
#[utoipa::path(
    get,
    path = "/api/events/{event_id}",
    operation_id = "getEvent",
    tag = "events",
    summary = "An event",
    description = "",
    security(),
    params(
        ("event_id" = String, Path, description = "The event's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
    ),
    responses(
        (status = 200, description = "The event.", body = Event),
        (status = 404, description = "No event has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 422, description = "The event id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid.", body = ErrorBody),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn get(state: State, id: String) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let event = state.store.event(&id).await?;
    Ok(warp::reply::json(&event).into_response())
}

/// `POST /api/events/{id}/join`.
#[utoipa::path(
    post,
    path = "/api/events/{event_id}/join",
    operation_id = "joinEvent",
    tag = "events",
    summary = "Enter an event's room",
    description = "The caller becomes a participant until they leave, the event ends, or their last WebSocket closes or times out. Joining twice changes nothing; `stats.events_attended` counts an event once per user. The room (the joiner included) hears `user_joined`. No body.",
    security(("userToken" = [])),
    params(
        ("event_id" = String, Path, description = "The event's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
        ("user_id" = Option<String>, Query, description = "The original backend's `user_id`; kept for compatibility. When present it must be the token's own user id (compared case-insensitively), else 403; not an id at all: 422. Absent means the token's user.", pattern = "^[0-9a-fA-F]{24}$"),
    ),
    responses(
        (status = 200, description = "Joined; the Daily.co room URL and meeting token, both null when video is not configured.", body = JoinResponse, headers(("Cache-Control" = String, description = "`no-store`: the answer carries a token."))),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = openapi::E401, body = ErrorBody),
        (status = 403, description = "`user_id` is not the token's user, or the admin token was sent.", body = ErrorBody),
        (status = 404, description = "No event has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 409, description = "The event has ended, or the caller is in `CPL_MAX_ROOMS_PER_USER` rooms already (default 50).", body = ErrorBody),
        (status = 422, description = "The event id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid.", body = ErrorBody),
        (status = 502, description = "Video is configured but Daily.co failed to issue a meeting token; the caller was not joined.", body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
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
    // The meeting token admits its holder to the video room: no cache keeps it.
    Ok(auth::no_store(
        warp::reply::json(&JoinResponse {
            event_id: id,
            room_url,
            token,
        })
        .into_response(),
    ))
}

/// `POST /api/events/{id}/leave`.
#[utoipa::path(
    post,
    path = "/api/events/{event_id}/leave",
    operation_id = "leaveEvent",
    tag = "events",
    summary = "Leave an event's room",
    description = "Leaving a room one is not in is a no-op (200, message `You were not in this event's room`); otherwise the message is `Left event` and the room and the leaver hear `user_left`. No body.",
    security(("userToken" = [])),
    params(
        ("event_id" = String, Path, description = "The event's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
        ("user_id" = Option<String>, Query, description = "The original backend's `user_id`; kept for compatibility. When present it must be the token's own user id (compared case-insensitively), else 403; not an id at all: 422. Absent means the token's user.", pattern = "^[0-9a-fA-F]{24}$"),
    ),
    responses(
        (status = 200, description = "Left (or was not in the room).", body = MessageResponse),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = openapi::E401, body = ErrorBody),
        (status = 403, description = "`user_id` is not the token's user, or the admin token was sent.", body = ErrorBody),
        (status = 404, description = "No event has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 422, description = "The event id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid.", body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
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

/// `POST /api/events/{id}/end`: the creator, or a moderator with the admin token.
#[utoipa::path(
    post,
    path = "/api/events/{event_id}/end",
    operation_id = "endEvent",
    tag = "events",
    summary = "End an event (its creator, or a moderator)",
    description = "Sets status `ended` and `ended_at`, deactivates its collectibles, empties its room and tells everyone who was in it `event_ended`, whose `ended_by` says who ended it: `creator` (the creator's token) or `moderator` (the admin token, which may end any event). No body.",
    security(("userToken" = []), ("adminToken" = [])),
    params(
        ("event_id" = String, Path, description = "The event's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
        ("creator_id" = Option<String>, Query, description = "The original backend's `creator_id`; kept for compatibility. When present it must be the token's own user id (compared case-insensitively), else 403; not an id at all: 422. Absent means the token's user. Not with the admin token (403): a moderator acts as nobody's creator.", pattern = "^[0-9a-fA-F]{24}$"),
    ),
    responses(
        (status = 200, description = "`{\"message\": \"Event ended\"}`.", body = MessageResponse),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = "No token, a header that is not `Bearer <token>`, or a token nobody holds.", body = ErrorBody),
        (status = 403, description = "A user's token that is not the event's creator's, `creator_id` is not the token's user, or `creator_id` beside the admin token.", body = ErrorBody),
        (status = 404, description = "No event has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 409, description = "The event has already ended.", body = ErrorBody),
        (status = 422, description = "The event id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid.", body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn end(
    state: State,
    id: String,
    caller: Caller,
    query: String,
) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let acting: ActingAs = input::parse_query(&query)?;
    let actor = match &caller {
        Caller::User(user) => {
            check_acting_as(user, acting.creator_id.as_deref(), "creator_id")?;
            Actor::User(user)
        }
        Caller::Admin if acting.creator_id.is_some() => {
            return Err(ApiError::Forbidden(
                "creator_id names the creator acting with their own token; the admin token \
                 ends any event as a moderator: leave creator_id out"
                    .into(),
            ))
        }
        Caller::Admin => Actor::Moderator,
    };
    rooms::end(&state, actor, &id).await?;
    Ok(warp::reply::json(&MessageResponse {
        message: "Event ended".into(),
    })
    .into_response())
}

/// `DELETE /api/events/{id}/messages/{message_id}`: the author, or a moderator.
#[utoipa::path(
    delete,
    path = "/api/events/{event_id}/messages/{message_id}",
    operation_id = "deleteMessage",
    tag = "events",
    summary = "Remove a chat message (its author, or a moderator)",
    description = "Removes the message from the event's history (it no longer appears in `GET /api/events/{event_id}/messages`) and tells the room `message_deleted` with `deleted_by`: `author` (the author's token) or `moderator` (the admin token, which may remove any message). Also for an ended event. A message removed is gone: removing it again is a 404. No body.",
    security(("userToken" = []), ("adminToken" = [])),
    params(
        ("event_id" = String, Path, description = "The event's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
        ("message_id" = String, Path, description = "The message's id. Malformed: 422; not a message of this event: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234568"),
    ),
    responses(
        (status = 204, description = "Removed; no body."),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = "No token, a header that is not `Bearer <token>`, or a token nobody holds.", body = ErrorBody),
        (status = 403, description = "A user's token that is not the message author's.", body = ErrorBody),
        (status = 404, description = "No event has this id, or the event has no message with this id (unknown, another event's, or already removed).", body = ErrorBody),
        (status = 422, description = "The event id or the message id is malformed (ids are 24 hexadecimal digits).", body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn delete_message(
    state: State,
    id: String,
    message_id: String,
    caller: Caller,
) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let message_id: MessageId = input::id(&message_id)?;
    let actor = match &caller {
        Caller::User(user) => Actor::User(user),
        Caller::Admin => Actor::Moderator,
    };
    rooms::delete_message(&state, actor, &id, &message_id).await?;
    Ok(warp::reply::with_status(warp::reply(), warp::http::StatusCode::NO_CONTENT).into_response())
}

/// `GET /api/events/{id}/participants`, earliest first, paged.
#[utoipa::path(
    get,
    path = "/api/events/{event_id}/participants",
    operation_id = "listParticipants",
    tag = "events",
    summary = "Who is in the event's room now, earliest first",
    description = "Earliest first (joined time, then user id), `limit` per page (default and most 1000). The body is the array; when more follow, the `X-Next-Cursor` header holds the next page's cursor (pass it as `cursor`); on the last page it is absent. Someone who joins while a client pages comes on a later page; someone who leaves is not listed.",
    security(),
    params(
        ("event_id" = String, Path, description = "The event's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 1000 (default 1000); outside: 422.", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "The previous page's `X-Next-Cursor`, unchanged; absent for the first page. One this server never gave: 422."),
    ),
    responses(
        (status = 200, description = "The participants.", body = Vec<Participant>, headers(("X-Next-Cursor" = String, description = "The next page's cursor; absent on the last page."))),
        (status = 404, description = "No event has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 422, description = "The event id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid (`limit` out of range, a `cursor` this server never gave).", body = ErrorBody),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn participants(state: State, id: String, query: String) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let (limit, after) = paging::list_page(&query)?;
    state.store.event(&id).await?;
    let list = state
        .store
        .participants_page(&id, paging::fetch(limit), after)
        .await?;
    let (list, next) = paging::cut(list, limit, |p| (p.joined_at, &p.user_id));
    Ok(paging::array(&list, next))
}

/// The size of the page a history query asks for, and where it starts; `Id` is the kind of
/// id its entries have (`before_id`).
fn page<Id>(q: &PageQuery) -> Result<(u32, Option<Before>), ApiError>
where
    Id: std::str::FromStr<Err = InvalidId> + std::fmt::Display,
{
    let limit = q.limit.unwrap_or(page::DEFAULT_LIMIT);
    validate::in_range("limit", limit as i64, 1, page::MAX_LIMIT as i64)?;
    if let Some(cursor) = q.cursor.as_deref() {
        if q.before.is_some() || q.before_id.is_some() {
            return Err(ApiError::Validation(
                "cursor and before/before_id both say where the page starts; send one of them"
                    .into(),
            ));
        }
        return Ok((limit, paging::start(Some(cursor))?));
    }
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
#[utoipa::path(
    get,
    path = "/api/events/{event_id}/messages",
    operation_id = "listMessages",
    tag = "events",
    summary = "Chat history, newest first",
    description = "Paged by `limit` and the `X-Next-Cursor` header (absent on the last page), passed back as `cursor`; or, as before cursors existed, by `before` (plus `before_id`, the previous page's last id, so that no message sharing its millisecond is skipped).",
    security(),
    params(
        ("event_id" = String, Path, description = "The event's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 200 (default 50); outside: 422.", minimum = 1, maximum = 200),
        ("before" = Option<String>, Query, format = DateTime, description = "Only entries strictly older than this time (exclusive): pass the last timestamp of the previous page to get the next one."),
        ("before_id" = Option<String>, Query, pattern = "^[0-9a-fA-F]{24}$", description = "With `before`: the id of the previous page's last entry. The page then starts right after that entry (newest first by timestamp, then id), so entries sharing its millisecond are neither skipped nor repeated. Without `before`: 422."),
        ("cursor" = Option<String>, Query, description = "The previous answer's `X-Next-Cursor`, unchanged (instead of `before`/`before_id`; both: 422). One this server never gave: 422."),
    ),
    responses(
        (status = 200, description = "The messages.", body = Vec<ChatMessage>, headers(("X-Next-Cursor" = String, description = "The next page's cursor; absent on the last page."))),
        (status = 404, description = "No event has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 422, description = "The event id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid.", body = ErrorBody),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn messages(state: State, id: String, query: String) -> Result<Response, ApiError> {
    let id: EventId = input::id(&id)?;
    let q: PageQuery = input::parse_query(&query)?;
    let (limit, before) = page::<MessageId>(&q)?;
    state.store.event(&id).await?;
    let list = state
        .store
        .messages(&id, paging::fetch(limit), before)
        .await?;
    let (list, next) = paging::cut(list, limit, |m| (m.timestamp, &m.id));
    Ok(paging::array(&list, next))
}

/// `GET /api/events/{id}/transcriptions`, newest first, `?q=` searches the text.
#[utoipa::path(
    get,
    path = "/api/events/{event_id}/transcriptions",
    operation_id = "listTranscriptions",
    tag = "events",
    summary = "Stored final transcript segments, newest first",
    description = "Paged like messages; `q` keeps only segments whose text contains it (case-insensitive).",
    security(),
    params(
        ("event_id" = String, Path, description = "The event's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 200 (default 50); outside: 422.", minimum = 1, maximum = 200),
        ("before" = Option<String>, Query, format = DateTime, description = "Only entries strictly older than this time (exclusive): pass the last timestamp of the previous page to get the next one."),
        ("before_id" = Option<String>, Query, pattern = "^[0-9a-fA-F]{24}$", description = "With `before`: the id of the previous page's last entry. The page then starts right after that entry (newest first by timestamp, then id), so entries sharing its millisecond are neither skipped nor repeated. Without `before`: 422."),
        ("cursor" = Option<String>, Query, description = "The previous answer's `X-Next-Cursor`, unchanged (instead of `before`/`before_id`; both: 422). One this server never gave: 422."),
        ("q" = Option<String>, Query, description = "Text search, 1 to 200 characters.", min_length = 1, max_length = 200, pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*[^\s\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8][^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"),
    ),
    responses(
        (status = 200, description = "The segments.", body = Vec<Transcription>, headers(("X-Next-Cursor" = String, description = "The next page's cursor; absent on the last page."))),
        (status = 404, description = "No event has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 422, description = "The event id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid.", body = ErrorBody),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
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
        .transcriptions(&id, paging::fetch(limit), before, search.as_deref())
        .await?;
    let (list, next) = paging::cut(list, limit, |t| (t.created_at, &t.id));
    Ok(paging::array(&list, next))
}

/// `POST /api/events/{id}/collectibles` (admin): a manual drop.
#[utoipa::path(
    post,
    path = "/api/events/{event_id}/collectibles",
    operation_id = "dropCollectible",
    tag = "collectibles",
    summary = "Drop a collectible into an event (admin)",
    description = "A manual drop; the room hears `collectible_drop`. The body is optional: an empty body (or `{}`) drops a catalogue collectible of a random rarity that expires after CPL_DROP_TTL.",
    security(("adminToken" = [])),
    params(
        ("event_id" = String, Path, description = "The event's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
    ),
    request_body(content = Option<DropRequest>, description = "What to drop; every field optional."),
    responses(
        (status = 201, description = "The dropped collectible.", body = Collectible),
        (status = 400, description = openapi::E400_BODY, body = ErrorBody),
        (status = 401, description = "No token, or a token nobody holds.", body = ErrorBody),
        (status = 403, description = openapi::E403_ADMIN, body = ErrorBody),
        (status = 404, description = "No event has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 409, description = "The event has ended; collectibles drop only into active events.", body = ErrorBody),
        (status = 413, description = openapi::E413, body = ErrorBody),
        (status = 422, description = "The event id is malformed, or a field is out of range (name 1-80 visible characters without bidirectional controls, points 1-10000, expires_in 1-86400), of the wrong type, unknown or given twice, or the body is not a JSON object.", body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
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
