//! `/api/users/...` handlers.

use citypulse::api::{RegisterRequest, TokenResponse};
use citypulse::ids::UserId;
use citypulse::model::{RegisteredUser, User};
use citypulse::{time, validate};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::Reply;

use super::auth::{self, Caller};
use super::error::ApiError;
use super::input;
use crate::domain::state::State;
use crate::store::NewUser;

/// `POST /api/users/register`: validates, stores the token's hash, returns the token once.
pub async fn register(state: State, req: RegisterRequest) -> Result<Response, ApiError> {
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
    Ok(created(&RegisteredUser { user, token }))
}

/// `GET /api/users/me`.
pub async fn me(user: User) -> Result<Response, ApiError> {
    Ok(warp::reply::json(&user).into_response())
}

/// `GET /api/users` (admin): newest first, up to 1000.
pub async fn list(state: State) -> Result<Response, ApiError> {
    let users = state.store.list_users(1000).await?;
    Ok(warp::reply::json(&users).into_response())
}

/// `GET /api/users/{id}`: the phone only for the user themselves and admins.
pub async fn get(state: State, id: String, caller: Option<Caller>) -> Result<Response, ApiError> {
    let id: UserId = input::id(&id)?;
    let mut user = state.store.user(&id).await?;
    if !caller.is_some_and(|c| c.may_read_private(&id)) {
        user.phone = None;
    }
    Ok(warp::reply::json(&user).into_response())
}

/// `GET /api/users/{id}/collectibles`, newest first.
pub async fn collectibles(state: State, id: String) -> Result<Response, ApiError> {
    let id: UserId = input::id(&id)?;
    state.store.user(&id).await?;
    let list = state.store.user_collectibles(&id).await?;
    Ok(warp::reply::json(&list).into_response())
}

/// `POST /api/users/{id}/token`: a new token, the old one revoked at once. The user
/// themselves (e.g. after a leak) or an admin (a user who lost theirs).
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
    let token = auth::new_token();
    state
        .store
        .set_token_hash(&id, &auth::hash_token(&token))
        .await?;
    // The old token is refused from now on; sockets it opened must not outlive it.
    state.hub.revoke(&id);
    Ok(warp::reply::json(&TokenResponse { token }).into_response())
}

/// A 201 with a JSON body.
pub fn created<T: serde::Serialize>(body: &T) -> Response {
    warp::reply::with_status(warp::reply::json(body), StatusCode::CREATED).into_response()
}
