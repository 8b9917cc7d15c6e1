//! Authentication: bearer tokens issued at registration and the admin token.
//!
//! API.md: a token is opaque and random (256 bits from the OS source here); the store keeps
//! only its SHA-256, so a leaked database does not leak tokens. A user token is looked up
//! by its hash; the admin token is compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use warp::Filter;

use citypulse::model::User;
use citypulse::UserId;

use super::error::ApiError;
use crate::domain::state::State;

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A registered user.
    User(Box<User>),
    /// The holder of `CPL_ADMIN_TOKEN`.
    Admin,
}

impl Caller {
    /// Whether this caller may read `user_id`'s private data (phone).
    pub fn may_read_private(&self, user_id: &citypulse::UserId) -> bool {
        match self {
            Caller::Admin => true,
            Caller::User(u) => &u.id == user_id,
        }
    }
}

/// A new token: `cpl_` and 64 hex digits from the OS random source.
pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("cpl_{}", hex::encode(bytes))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Finds the token in `Authorization: Bearer <t>` (or the raw `?token=` value).
pub fn bearer(header: Option<&str>) -> Result<Option<&str>, ApiError> {
    let Some(h) = header else { return Ok(None) };
    let h = h.trim();
    let token = match h.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => return Err(ApiError::Unauthorized(
            "the Authorization header must be 'Bearer <token>' with the token from registration"
                .into(),
        )),
    };
    Ok(Some(token))
}

/// Resolves a token to a caller; `None` when no token was sent.
pub async fn authenticate(state: &State, token: Option<&str>) -> Result<Option<Caller>, ApiError> {
    let Some(token) = token else { return Ok(None) };
    if token.is_empty() || token.len() > 256 {
        return Err(invalid_token());
    }
    if let Some(admin) = &state.config.admin_token {
        if bool::from(token.as_bytes().ct_eq(admin.expose().as_bytes())) {
            return Ok(Some(Caller::Admin));
        }
    }
    match state.store.user_by_token_hash(&hash_token(token)).await? {
        Some(user) => Ok(Some(Caller::User(Box::new(user)))),
        None => Err(invalid_token()),
    }
}

/// Whether the token hashed to `token_hash` still belongs to `user`. A socket asks again
/// once the hub knows it: a reset that landed between the first check and the
/// registration revoked nothing, and would otherwise leave the socket open on the old
/// token. A reset after the registration finds the socket and closes it.
pub async fn still_holds(state: &State, user: &UserId, token_hash: &str) -> Result<bool, ApiError> {
    Ok(state
        .store
        .user_by_token_hash(token_hash)
        .await?
        .is_some_and(|u| u.id == *user))
}

pub(crate) fn invalid_token() -> ApiError {
    ApiError::Unauthorized(
        "the token is not valid (revoked, mistyped or from another daemon); register again or ask an admin to reset it".into(),
    )
}

fn missing_token() -> ApiError {
    ApiError::Unauthorized(
        "this call needs 'Authorization: Bearer <token>' with the token POST /api/users/register returned".into(),
    )
}

/// Extracts the caller if a token was sent; rejects a bad token with 401.
pub fn optional_caller(
    state: State,
) -> impl Filter<Extract = (Option<Caller>,), Error = warp::Rejection> + Clone {
    warp::header::optional::<String>("authorization").and_then(move |h: Option<String>| {
        let state = state.clone();
        async move {
            let token = bearer(h.as_deref())?;
            authenticate(&state, token)
                .await
                .map_err(warp::Rejection::from)
        }
    })
}

/// Extracts the calling user; 401 without a valid user token, 403 for the admin token
/// (it is not a user and cannot act as one).
pub fn user(state: State) -> impl Filter<Extract = (User,), Error = warp::Rejection> + Clone {
    optional_caller(state).and_then(|c: Option<Caller>| async move {
        match c {
            Some(Caller::User(u)) => Ok(*u),
            Some(Caller::Admin) => Err(warp::Rejection::from(ApiError::Forbidden(
                "the admin token does not belong to a user; use a user's token for this call"
                    .into(),
            ))),
            None => Err(warp::Rejection::from(missing_token())),
        }
    })
}

/// Requires the admin token; 403 with how to enable admin calls when none is configured.
pub fn admin(state: State) -> impl Filter<Extract = ((),), Error = warp::Rejection> + Clone {
    let configured = state.config.admin_token.is_some();
    optional_caller(state).and_then(move |c: Option<Caller>| async move {
        match c {
            Some(Caller::Admin) => Ok(()),
            _ if !configured => Err(warp::Rejection::from(ApiError::Forbidden(
                "admin calls are disabled on this daemon; start cpld with CPL_ADMIN_TOKEN set and send it as 'Authorization: Bearer <admin token>'".into(),
            ))),
            None => Err(warp::Rejection::from(missing_token())),
            Some(Caller::User(_)) => Err(warp::Rejection::from(ApiError::Forbidden(
                "this is an admin call; send the daemon's admin token (CPL_ADMIN_TOKEN)".into(),
            ))),
        }
    })
}

/// The original's `creator_id` / `user_id` query parameters: accepted, but they must name
/// the token's user (API.md "Authentication"), else 403; one that is not an id at all is
/// a 422, as every malformed id is.
pub fn check_acting_as(user: &User, claimed: Option<&str>, param: &str) -> Result<(), ApiError> {
    let Some(claimed) = claimed else {
        return Ok(());
    };
    let claimed = UserId::parse(claimed)
        .map_err(|e| ApiError::Validation(format!("query parameter {param}: {e}")))?;
    if claimed == user.id {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!(
        "{param} must be your own user id ({}); a token acts only for its own user",
        user.id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 68);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(Some("Bearer abc")).unwrap(), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")).unwrap(), Some("abc"));
        assert_eq!(bearer(None).unwrap(), None);
        assert!(bearer(Some("Basic abc")).is_err());
        assert!(bearer(Some("abc")).is_err());
    }
}
