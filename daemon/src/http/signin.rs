//! `/api/auth/...` (sign-in by SMS code, sign-out) and `/api/users/me/sessions` handlers
//! (issue 16). The rules are in [`crate::domain::signin`]; here only HTTP.

use std::net::IpAddr;

use citypulse::api::{ErrorBody, MessageResponse};
use citypulse::auth::{CodeRequest, CodeSent, Session, VerifyRequest};
use citypulse::ids::SessionId;
use citypulse::model::{RegisteredUser, User};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::Reply;

use super::auth;
use super::error::ApiError;
use super::{input, openapi, users};
use crate::domain::signin::{self, SignedIn};
use crate::domain::state::State;
use crate::store::SessionRecord;

/// `POST /api/auth/code`: 202 for any valid phone, registered or not.
#[utoipa::path(
    post,
    path = "/api/auth/code",
    operation_id = "sendSignInCode",
    tag = "auth",
    summary = "Text a sign-in code to a phone",
    description = "Asks Twilio Verify to text a one-time code to the phone (valid 10 minutes; asking again re-sends for the same code). The answer is the same whether or not the phone has an account. Sends are limited per phone (CPL_SMS_CODES_PER_PHONE an hour) and per client address (CPL_SMS_CODES_PER_ADDRESS an hour), on top of Twilio's own limit of 5 sends per phone in 10 minutes.",
    security(),
    request_body(content = CodeRequest, description = "The phone to text."),
    responses(
        (status = 202, description = "A code is on its way (if the number can receive SMS).", body = CodeSent),
        (status = 400, description = openapi::E400_BODY, body = ErrorBody),
        (status = 403, description = "The SMS provider will not text this number (fraud protection or a blocked country, Twilio 60410).", body = ErrorBody),
        (status = 413, description = openapi::E413, body = ErrorBody),
        (status = 422, description = "The phone is not E.164 (or Twilio refused it, 60200), or a field is missing, unknown or of the wrong type.", body = ErrorBody),
        (status = 429, description = "Too many codes for this phone or from this address (this daemon's limits or Twilio's 60203), or too many writes. Retry after the `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 502, description = openapi::E502_SMS, body = ErrorBody),
        (status = 503, description = openapi::E503_SMS, body = ErrorBody),
    )
)]
pub async fn code(
    state: State,
    client: Option<IpAddr>,
    req: CodeRequest,
) -> Result<Response, ApiError> {
    let phone = signin::send_code(&state, &req.phone, client).await?;
    let body = CodeSent {
        detail: "if this number can receive SMS, a sign-in code is on its way; send it with POST /api/auth/verify within 10 minutes".into(),
        phone,
    };
    Ok(warp::reply::with_status(warp::reply::json(&body), StatusCode::ACCEPTED).into_response())
}

/// `POST /api/auth/verify`: a new token for this device; 201 when the account is new.
#[utoipa::path(
    post,
    path = "/api/auth/verify",
    operation_id = "verifySignInCode",
    tag = "auth",
    summary = "Sign in with the code: a new token for this device",
    description = "Checks the code with Twilio Verify. A phone with an account gets a new token for this device (its other devices keep theirs): 200. A phone without one becomes an account with `name`: 201. The session is labelled with `label`, else the `User-Agent`. A right code is used up: a new phone without `name` gets a 422 and must ask for a new code.",
    security(),
    request_body(content = VerifyRequest, description = "The phone, the code from the SMS, and a name for a new account."),
    responses(
        (status = 200, description = "Signed in: the profile and this device's new token.", body = RegisteredUser, headers(("Cache-Control" = String, description = "`no-store`: the answer carries a token."))),
        (status = 201, description = "The account was made: the profile and the token.", body = RegisteredUser, headers(("Cache-Control" = String, description = "`no-store`: the answer carries a token."))),
        (status = 400, description = openapi::E400_BODY, body = ErrorBody),
        (status = 401, description = "The code is wrong, or no code is pending for the phone (never sent, expired after 10 minutes, already used, or ended by wrong codes): ask for a new one.", body = ErrorBody),
        (status = 413, description = openapi::E413, body = ErrorBody),
        (status = 422, description = "The phone, code, name or label is malformed, a field is missing, unknown or of the wrong type, or the phone has no account and no `name` was given.", body = ErrorBody),
        (status = 429, description = "The fifth wrong code ended the verification (Twilio 60202): ask for a new code; or too many writes. Retry after the `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 502, description = openapi::E502_SMS, body = ErrorBody),
        (status = 503, description = openapi::E503_SMS, body = ErrorBody),
    )
)]
pub async fn verify(
    state: State,
    user_agent: Option<String>,
    req: VerifyRequest,
) -> Result<Response, ApiError> {
    let SignedIn {
        user,
        token,
        created,
    } = signin::verify_code(&state, &req, user_agent.as_deref()).await?;
    let body = RegisteredUser { user, token };
    let resp = if created {
        users::created(&body)
    } else {
        warp::reply::json(&body).into_response()
    };
    Ok(auth::no_store(resp))
}

/// `POST /api/auth/logout`: revokes the calling token.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    operation_id = "logout",
    tag = "auth",
    summary = "Sign out this device",
    description = "Revokes the token that makes the call (its session) and closes the sockets it opened, on every daemon. The user's other devices stay signed in. No body.",
    security(("userToken" = [])),
    responses(
        (status = 200, description = "Signed out.", body = MessageResponse),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = openapi::E401, body = ErrorBody),
        (status = 403, description = openapi::E403_ADMIN_AS_USER, body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn logout(
    state: State,
    (user, session): (User, SessionRecord),
) -> Result<Response, ApiError> {
    revoke(&state, &user, &session.id).await?;
    Ok(warp::reply::json(&MessageResponse {
        message: "signed out: this token no longer works".into(),
    })
    .into_response())
}

/// `GET /api/users/me/sessions`: the caller's devices, oldest first.
#[utoipa::path(
    get,
    path = "/api/users/me/sessions",
    operation_id = "listSessions",
    tag = "auth",
    summary = "The caller's signed-in devices",
    description = "Oldest first; `current` marks the session whose token made the call. `last_used_at` is kept to within 5 minutes.",
    security(("userToken" = [])),
    responses(
        (status = 200, description = "The sessions.", body = Vec<Session>),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = openapi::E401, body = ErrorBody),
        (status = 403, description = openapi::E403_ADMIN_AS_USER, body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn sessions(
    state: State,
    (user, current): (User, SessionRecord),
) -> Result<Response, ApiError> {
    let list: Vec<Session> = state
        .store
        .sessions(&user.id)
        .await?
        .into_iter()
        .map(|s| Session {
            current: s.id == current.id,
            id: s.id,
            label: s.label,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
        })
        .collect();
    Ok(warp::reply::json(&list).into_response())
}

/// `DELETE /api/users/me/sessions/{session_id}`: signs one of the caller's devices out.
#[utoipa::path(
    delete,
    path = "/api/users/me/sessions/{session_id}",
    operation_id = "revokeSession",
    tag = "auth",
    summary = "Sign one of the caller's devices out",
    description = "Revokes that session's token at once and closes the sockets it opened (1008), on every daemon. Revoking the calling session is a sign-out.",
    security(("userToken" = [])),
    params(
        ("session_id" = String, Path, description = "The session's id (from the list). Malformed: 422; not one of the caller's: 404.", pattern = "^[0-9a-fA-F]{24}$", example = "6745a1b2c3d4e5f601234567"),
    ),
    responses(
        (status = 200, description = "Revoked.", body = MessageResponse),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = openapi::E401, body = ErrorBody),
        (status = 403, description = openapi::E403_ADMIN_AS_USER, body = ErrorBody),
        (status = 404, description = "The caller has no session with this id (another user's, or already revoked).", body = ErrorBody),
        (status = 422, description = "The session id is malformed (ids are 24 hexadecimal digits).", body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
        (status = 503, description = openapi::E503, body = ErrorBody),
    )
)]
pub async fn revoke_session(
    state: State,
    id: String,
    (user, _): (User, SessionRecord),
) -> Result<Response, ApiError> {
    let id: SessionId = input::id(&id)?;
    revoke(&state, &user, &id).await?;
    Ok(warp::reply::json(&MessageResponse {
        message: format!("session {id} signed out: its token no longer works"),
    })
    .into_response())
}

/// Revokes in the store first (the token is refused from then on), then closes what the
/// token opened, here and on the other daemons.
async fn revoke(state: &State, user: &User, id: &SessionId) -> Result<(), ApiError> {
    let token_hash = state.store.revoke_session(&user.id, id).await?;
    state.hub.revoke_session(&token_hash);
    Ok(())
}
