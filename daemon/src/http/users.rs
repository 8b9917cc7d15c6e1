//! `/api/users/...` handlers.

use citypulse::api::{EraseQuery, ErrorBody, RegisterRequest, TokenResponse, UserErased};
use citypulse::ids::UserId;
use citypulse::model::{RegisteredUser, User, UserCollectible};
use citypulse::{time, validate};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::Reply;

use super::auth::{self, Caller};
use super::error::ApiError;
use super::{input, openapi, paging};
use crate::domain;
use crate::domain::state::State;
use crate::store::NewUser;

/// `POST /api/users/register`: validates, stores the token's hash, returns the token once.
#[utoipa::path(
    post,
    path = "/api/users/register",
    operation_id = "registerUser",
    tag = "users",
    summary = "Register a user and get their bearer token",
    description = "Normalises the phone to E.164 and trims the name. The answer carries the bearer token this once; the daemon stores only its SHA-256. Rate limited.",
    security(),
    request_body(content = RegisterRequest, description = "The phone and display name."),
    responses(
        (status = 201, description = "Registered; the profile (phone included) and the token.", body = RegisteredUser, headers(("Cache-Control" = String, description = "`no-store`: the answer carries a token."))),
        (status = 400, description = openapi::E400_BODY, body = ErrorBody),
        (status = 403, description = "Plain registration is off (CPL_REQUIRE_VERIFIED_PHONE=true): sign in with an SMS code instead (POST /api/auth/code).", body = ErrorBody),
        (status = 409, description = "The phone number is already registered.", body = ErrorBody),
        (status = 413, description = openapi::E413, body = ErrorBody),
        (status = 422, description = "The phone is not E.164, the name is empty, too long, holds control or bidirectional control characters or nothing visible, or a field is missing, of the wrong type, unknown or given twice, or the body is not a JSON object.", body = ErrorBody),
        (status = 429, description = openapi::E429, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn register(state: State, req: RegisterRequest) -> Result<Response, ApiError> {
    if state.config.require_verified_phone {
        return Err(ApiError::Forbidden(
            "this server makes accounts only for verified phones (CPL_REQUIRE_VERIFIED_PHONE): ask for a code with POST /api/auth/code, then send it with POST /api/auth/verify".into(),
        ));
    }
    let phone = validate::phone(&req.phone)?;
    let name = validate::user_name(&req.name)?;
    let token = auth::new_token();
    let user = state
        .store
        .create_user(NewUser {
            id: UserId::generate(),
            phone,
            name,
            token_hash: auth::hash_token(&token),
            created_at: time::now(),
        })
        .await?;
    Ok(auth::no_store(created(&RegisteredUser { user, token })))
}

/// `GET /api/users/me`.
#[utoipa::path(
    get,
    path = "/api/users/me",
    operation_id = "getMe",
    tag = "users",
    summary = "The caller's own profile, phone included",
    description = "",
    security(("userToken" = [])),
    responses(
        (status = 200, description = "The caller's profile.", body = User),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = openapi::E401, body = ErrorBody),
        (status = 403, description = openapi::E403_ADMIN_AS_USER, body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn me(user: User) -> Result<Response, ApiError> {
    Ok(warp::reply::json(&user).into_response())
}

/// `GET /api/users` (admin): newest first, paged.
#[utoipa::path(
    get,
    path = "/api/users",
    operation_id = "listUsers",
    tag = "users",
    summary = "List users (admin)",
    description = "Newest first (registration time, then id), phones included, `limit` per page (default and most 1000, what the list answered before it was paged). The body is the array of users; when more follow, the `X-Next-Cursor` header holds the cursor of the next page (pass it as `cursor`); on the last page it is absent. Users registered while a client pages never make a page skip or repeat anyone.",
    security(("adminToken" = [])),
    params(
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 1000 (default 1000); outside: 422.", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "The previous page's `X-Next-Cursor`, unchanged; absent for the first page. One this server never gave: 422."),
    ),
    responses(
        (status = 200, description = "The users.", body = Vec<User>, headers(("X-Next-Cursor" = String, description = "The next page's cursor; absent on the last page."))),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = "No token, or a token nobody holds.", body = ErrorBody),
        (status = 403, description = openapi::E403_ADMIN, body = ErrorBody),
        (status = 422, description = "`limit` out of range, a `cursor` this server never gave, or a malformed query string (a parameter given twice, a bad percent escape).", body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn list(state: State, query: String) -> Result<Response, ApiError> {
    let (limit, after) = paging::list_page(&query)?;
    let users = state.store.list_users(paging::fetch(limit), after).await?;
    let (users, next) = paging::cut(users, limit, |u| (u.created_at, &u.id));
    Ok(paging::array(&users, next))
}

/// `GET /api/users/{id}`: the phone only for the user themselves and admins.
#[utoipa::path(
    get,
    path = "/api/users/{user_id}",
    operation_id = "getUser",
    tag = "users",
    summary = "A user's public profile",
    description = "Anyone may read a profile; `phone` is included only when the caller sends the user's own token or the admin token.",
    security((), ("userToken" = []), ("adminToken" = [])),
    params(
        ("user_id" = String, Path, description = "The user's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
    ),
    responses(
        (status = 200, description = "The profile.", body = User),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = openapi::E401_OPTIONAL, body = ErrorBody),
        (status = 404, description = "No user has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 422, description = "The user id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid.", body = ErrorBody),
        (status = 429, description = openapi::E429_LOOKUP_OR_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn get(state: State, id: String, caller: Option<Caller>) -> Result<Response, ApiError> {
    let id: UserId = input::id(&id)?;
    let mut user = state.store.user(&id).await?;
    if !caller.is_some_and(|c| c.may_read_private(&id)) {
        user.phone = None;
    }
    Ok(warp::reply::json(&user).into_response())
}

/// `GET /api/users/{id}/collectibles`, newest first, paged.
#[utoipa::path(
    get,
    path = "/api/users/{user_id}/collectibles",
    operation_id = "getUserCollectibles",
    tag = "users",
    summary = "A user's inventory, newest first",
    description = "Newest first (claim time, then collectible id), `limit` per page (default and most 1000). The body is the array; when more follow, the `X-Next-Cursor` header holds the next page's cursor (pass it as `cursor`); on the last page it is absent.",
    security(),
    params(
        ("user_id" = String, Path, description = "The user's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 1000 (default 1000); outside: 422.", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "The previous page's `X-Next-Cursor`, unchanged; absent for the first page. One this server never gave: 422."),
    ),
    responses(
        (status = 200, description = "The collectibles the user won.", body = Vec<UserCollectible>, headers(("X-Next-Cursor" = String, description = "The next page's cursor; absent on the last page."))),
        (status = 404, description = "No user has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 422, description = "The user id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid (`limit` out of range, a `cursor` this server never gave).", body = ErrorBody),
        (status = 429, description = openapi::E429_LOOKUP, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn collectibles(state: State, id: String, query: String) -> Result<Response, ApiError> {
    let id: UserId = input::id(&id)?;
    let (limit, after) = paging::list_page(&query)?;
    state.store.user(&id).await?;
    let list = state
        .store
        .user_collectibles(&id, paging::fetch(limit), after)
        .await?;
    let (list, next) = paging::cut(list, limit, |c| (c.claimed_at, &c.collectible_id));
    Ok(paging::array(&list, next))
}

/// `POST /api/users/{id}/token`: a new token, the old one revoked at once. The user
/// themselves (e.g. after a leak) or an admin (a user who lost theirs).
#[utoipa::path(
    post,
    path = "/api/users/{user_id}/token",
    operation_id = "resetToken",
    tag = "users",
    summary = "Replace a user's token (self or admin)",
    description = "Issues a new token and revokes the old one at once, and closes every socket the user has open (1008): a socket must not outlive the token that opened it. The user themselves (e.g. after a leak, with their current token) or an admin (a user who lost theirs). Rate limited. No body.",
    security(("userToken" = []), ("adminToken" = [])),
    params(
        ("user_id" = String, Path, description = "The user's id. Malformed: 422; well-formed but unknown: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
    ),
    responses(
        (status = 200, description = "The new token.", body = TokenResponse, headers(("Cache-Control" = String, description = "`no-store`: the answer carries a token."))),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = "No token, or a token nobody holds.", body = ErrorBody),
        (status = 403, description = "A user's token for another user.", body = ErrorBody),
        (status = 404, description = "No user has this id (the id is well-formed but unknown).", body = ErrorBody),
        (status = 422, description = "The user id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid.", body = ErrorBody),
        (status = 429, description = openapi::E429_WRITE_OR_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn reset_token(
    state: State,
    id: String,
    caller: Option<Caller>,
) -> Result<Response, ApiError> {
    // Authentication before the id: an anonymous caller learns nothing about ids.
    let Some(caller) = caller else {
        return Err(ApiError::Unauthorized(
            "resetting a token needs the user's current token or the admin token".into(),
        ));
    };
    let id: UserId = input::id(&id)?;
    if !caller.may_read_private(&id) {
        return Err(ApiError::Forbidden(
            "you can reset only your own token (admins can reset anyone's)".into(),
        ));
    }
    state.store.user(&id).await?;
    let token = replace_token(&state, &id).await?;
    Ok(auth::no_store(
        warp::reply::json(&TokenResponse { token }).into_response(),
    ))
}

/// The one way a user's token is revoked (a reset, an erasure): a new token's hash
/// replaces the old one, which is refused from then on, and every socket the old one
/// opened is closed on every daemon (it must not outlive it). Returns the new token.
async fn replace_token(state: &State, id: &UserId) -> Result<String, ApiError> {
    let token = auth::new_token();
    state
        .store
        .set_token_hash(id, &auth::hash_token(&token))
        .await?;
    state.hub.revoke(id);
    Ok(token)
}

/// `DELETE /api/users/{id}`: erases a person (the user themselves or admin).
#[utoipa::path(
    delete,
    path = "/api/users/{user_id}",
    operation_id = "eraseUser",
    tag = "users",
    summary = "Erase a user (self or admin)",
    description = "Erases the user's phone and name from the store, revokes their token and closes their sockets on every daemon (1008), takes them out of every room (each room hears `user_left`). Their chat messages stay with `name` `deleted user` (their `user_id` kept, but it names nobody: reading that user answers 404) unless `purge=true`, which removes their messages and transcript segments. Collectibles they won stay claimed (`claimed_at` kept) with `claimed_by` null; their inventory is gone. Erasing again answers 404, like any unknown id (with the erased user's own token: 401, the token is gone). Rate limited.",
    security(("userToken" = []), ("adminToken" = [])),
    params(
        ("user_id" = String, Path, description = "The user's id. Malformed: 422; well-formed but unknown or already erased: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
        ("purge" = Option<bool>, Query, description = "`true`: also remove their chat messages and transcript segments (default `false`: messages stay as `deleted user`)."),
    ),
    responses(
        (status = 200, description = "Erased; what was done.", body = UserErased),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = "No token, or a token nobody holds.", body = ErrorBody),
        (status = 403, description = "A user's token for another user.", body = ErrorBody),
        (status = 404, description = "No user has this id (well-formed but unknown, or already erased).", body = ErrorBody),
        (status = 422, description = "The user id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid.", body = ErrorBody),
        (status = 429, description = openapi::E429_WRITE_OR_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn erase(
    state: State,
    id: String,
    query: String,
    caller: Option<Caller>,
) -> Result<Response, ApiError> {
    // Authentication before the id: an anonymous caller learns nothing about ids.
    let Some(caller) = caller else {
        return Err(ApiError::Unauthorized(
            "erasing a user needs their own token or the admin token".into(),
        ));
    };
    let id: UserId = input::id(&id)?;
    let q: EraseQuery = input::parse_query(&query)?;
    if !caller.may_read_private(&id) {
        return Err(ApiError::Forbidden(
            "you can erase only your own account (admins can erase anyone's)".into(),
        ));
    }
    state.store.user(&id).await?;
    // Revoked first: from here on no request of theirs is accepted, so nothing new of
    // theirs is written while they are erased. The new token is thrown away.
    replace_token(&state, &id).await?;
    let erased = domain::accounts::erase(&state, &id, q.purge).await?;
    Ok(warp::reply::json(&erased).into_response())
}

/// A 201 with a JSON body.
pub fn created<T: serde::Serialize>(body: &T) -> Response {
    warp::reply::with_status(warp::reply::json(body), StatusCode::CREATED).into_response()
}
