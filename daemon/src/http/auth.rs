//! Authentication: bearer tokens issued at registration and the admin token.
//!
//! API.md: a token is opaque and random (256 bits from the OS source here); the store keeps
//! only its SHA-256, so a leaked database does not leak tokens. A user token is looked up
//! by its hash; the admin and metrics tokens are compared in constant time. A token that
//! is sent is never ignored, and a wrong one spends the client's failure budget
//! (`CPL_AUTH_FAILURES_PER_MINUTE`): past it, every token the client sends is refused with
//! 429 before it is looked at, so guessing a token (the admin's above all) is slowed to
//! that budget per address.

use std::net::IpAddr;
use std::sync::atomic::Ordering;

use subtle::ConstantTimeEq;
use warp::http::header::{AUTHORIZATION, CACHE_CONTROL};
use warp::http::{HeaderMap, HeaderValue};
use warp::reply::Response;
use warp::Filter;

use citypulse::model::User;
use citypulse::UserId;

use super::error::ApiError;
use crate::config::Secret;
use crate::domain::state::State;
use crate::store::{SessionRecord, SESSION_TOUCH_EVERY};

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

pub use crate::domain::tokens::{hash_token, new_token};

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

/// What a request presents to authenticate itself, and who presents it: every
/// `Authorization` value it carries (there should be one at most) and the client address
/// whose failure budget ([`crate::ratelimit::FailureLimiter`]) a wrong token spends.
#[derive(Debug, Clone)]
pub struct Presented {
    authorization: Vec<HeaderValue>,
    client: Option<IpAddr>,
}

/// The [`Presented`] credentials of a request.
pub fn presented(
    state: State,
) -> impl Filter<Extract = (Presented,), Error = std::convert::Infallible> + Clone {
    super::client::address(state)
        .and(warp::header::headers_cloned())
        .map(|client, headers: HeaderMap| Presented {
            authorization: headers.get_all(AUTHORIZATION).iter().cloned().collect(),
            client,
        })
}

impl Presented {
    /// Whether a credential was sent at all (a header, or a WebSocket's `?token=`).
    fn sends(&self, query: Option<&str>) -> bool {
        !self.authorization.is_empty() || query.is_some()
    }

    /// The one token presented: the `Authorization` header's and a WebSocket's `?token=`
    /// (`query`). 400 for two `Authorization` headers (which one would be meant?) or one
    /// that is not text; 401 for one that is not `Bearer <token>`, and for a header and a
    /// `?token=` that differ: neither is ignored, since a token that is sent is never
    /// ignored (API.md).
    pub fn token<'a>(&'a self, query: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
        let header = match self.authorization.as_slice() {
            [] => None,
            [one] => Some(one.to_str().map_err(|_| {
                ApiError::BadRequest(
                    "the Authorization header must be visible ASCII: 'Bearer <token>'".into(),
                )
            })?),
            many => {
                return Err(ApiError::BadRequest(format!(
                    "this request has {} Authorization headers; send exactly one, 'Authorization: Bearer <token>'",
                    many.len()
                )))
            }
        };
        match (query, bearer(header)?) {
            (Some(q), Some(h)) if q != h => Err(ApiError::Unauthorized(
                "the ?token= parameter and the Authorization header carry different tokens; send the token once, in either"
                    .into(),
            )),
            (q, h) => Ok(q.or(h)),
        }
    }
}

/// Resolves what a request presents (with a WebSocket's `?token=` as `query`) to a caller;
/// `None` when it presents nothing. A bad token is a 401 that spends the client's failure
/// budget; while that budget is spent, every token the client presents is a 429.
pub async fn identify(
    state: &State,
    presented: &Presented,
    query: Option<&str>,
) -> Result<Option<Caller>, ApiError> {
    counted(state, presented, query, async |token| {
        authenticate(state, token).await
    })
    .await
}

/// Runs `check` on the token presented, under the client's failure budget: refused (429)
/// before the token is looked at while the budget is spent, so that a right guess then
/// gains nothing; a 401 from `check` (or from the token's form) spends from it.
async fn counted<T>(
    state: &State,
    presented: &Presented,
    query: Option<&str>,
    check: impl AsyncFnOnce(Option<&str>) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let sends = presented.sends(query);
    let limiter = &state.auth_failures;
    if sends {
        limiter.check(presented.client).map_err(|retry_after| {
            state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
            ApiError::RateLimited {
                retry_after,
                what: format!(
                    "too many failed authentications from this client (more than {} a minute; CPL_AUTH_FAILURES_PER_MINUTE), so its tokens are refused, the right one too",
                    limiter.budget()
                ),
            }
        })?;
    }
    let result = match presented.token(query) {
        Ok(token) => check(token).await,
        Err(e) => Err(e),
    };
    if sends && matches!(result, Err(ApiError::Unauthorized(_))) {
        state.metrics.auth_failures.fetch_add(1, Ordering::Relaxed);
        if let (Some(report), Some(client)) = (limiter.failed(presented.client), presented.client) {
            // At most one line per address a minute: a flood of guesses cannot flood the log.
            tracing::warn!(
                %client,
                failed = report.failed,
                refused = report.refused,
                "failed authentication from {client}: {} failed and {} refused since the last line about it (at most one a minute); past {} failures a minute its tokens are answered 429",
                report.failed,
                report.refused,
                limiter.budget()
            );
        }
    }
    result
}

/// Resolves a token to a caller; `None` when no token was sent.
async fn authenticate(state: &State, token: Option<&str>) -> Result<Option<Caller>, ApiError> {
    Ok(resolve(state, token).await?.map(|who| match who {
        Who::Admin => Caller::Admin,
        Who::User(user, _) => Caller::User(user),
    }))
}

/// A token's holder, with the session of a user's token.
enum Who {
    Admin,
    User(Box<User>, SessionRecord),
}

/// Resolves a token: the admin, or a user and the session the token is (whose
/// `last_used_at` is brought up to date when it is older than [`SESSION_TOUCH_EVERY`]).
async fn resolve(state: &State, token: Option<&str>) -> Result<Option<Who>, ApiError> {
    let Some(token) = token else { return Ok(None) };
    if token.is_empty() || token.len() > 256 {
        return Err(invalid_token());
    }
    if let Some(admin) = &state.config.admin_token {
        if secret_matches(token, admin) {
            return Ok(Some(Who::Admin));
        }
    }
    let Some((user, mut session)) = state
        .store
        .session_by_token_hash(&hash_token(token))
        .await?
    else {
        return Err(invalid_token());
    };
    let now = citypulse::time::now();
    let stale = session
        .last_used_at
        .is_none_or(|at| (now - at).to_std().unwrap_or_default() >= SESSION_TOUCH_EVERY);
    if stale {
        // Bookkeeping: a failure to write it must not fail the call.
        match state.store.touch_session(&session.id, now).await {
            Ok(()) => session.last_used_at = Some(now),
            Err(e) => tracing::debug!("could not record that session {} was used: {e}", session.id),
        }
    }
    Ok(Some(Who::User(Box::new(user), session)))
}

/// Extracts the calling user and the session their token is; 401 without a valid user
/// token, 403 for the admin token (sign-out and the session list are a user's).
pub fn user_session(
    state: State,
) -> impl Filter<Extract = ((User, SessionRecord),), Error = warp::Rejection> + Clone {
    presented(state.clone()).and_then(move |p: Presented| {
        let state = state.clone();
        async move {
            let who = counted(&state, &p, None, async |token| resolve(&state, token).await)
                .await
                .map_err(warp::Rejection::from)?;
            match who {
                Some(Who::User(user, session)) => Ok((*user, session)),
                Some(Who::Admin) => Err(warp::Rejection::from(ApiError::Forbidden(
                    "the admin token does not belong to a user and has no sessions; use a user's token for this call".into(),
                ))),
                None => Err(warp::Rejection::from(missing_token())),
            }
        }
    })
}

/// Compares a presented token with a configured one in constant time.
fn secret_matches(token: &str, secret: &Secret) -> bool {
    bool::from(token.as_bytes().ct_eq(secret.expose().as_bytes()))
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

/// Extracts the caller if a token was sent; rejects a bad token with 401 ([`identify`]).
pub fn optional_caller(
    state: State,
) -> impl Filter<Extract = (Option<Caller>,), Error = warp::Rejection> + Clone {
    presented(state.clone()).and_then(move |p: Presented| {
        let state = state.clone();
        async move {
            identify(&state, &p, None)
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

/// Extracts the caller, a user or the admin; 401 without a token. For calls that a user
/// makes on their own things and a moderator on anyone's (ending an event, removing a
/// message).
pub fn caller(state: State) -> impl Filter<Extract = (Caller,), Error = warp::Rejection> + Clone {
    optional_caller(state).and_then(|c: Option<Caller>| async move {
        c.ok_or_else(|| warp::Rejection::from(missing_token()))
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

/// `/metrics` with `CPL_METRICS_TOKEN` set: `Authorization: Bearer <it>`, else 401
/// (a wrong one spends the client's failure budget like any other token). Unset: public.
pub fn metrics_reader(state: State) -> impl Filter<Extract = (), Error = warp::Rejection> + Clone {
    presented(state.clone())
        .and_then(move |p: Presented| {
            let state = state.clone();
            async move {
                let Some(expected) = state.config.metrics_token.clone() else {
                    return Ok(());
                };
                counted(&state, &p, None, async |token| match token {
                    Some(t) if secret_matches(t, &expected) => Ok(()),
                    Some(_) => Err(ApiError::Unauthorized(
                        "this is not the metrics token; send 'Authorization: Bearer <CPL_METRICS_TOKEN>'".into(),
                    )),
                    None => Err(ApiError::Unauthorized(
                        "/metrics needs 'Authorization: Bearer <token>' with this daemon's CPL_METRICS_TOKEN".into(),
                    )),
                })
                .await
                .map_err(warp::Rejection::from)
            }
        })
        .untuple_one()
}

/// Marks an answer that carries a token (registration, a token reset, a join's meeting
/// token) `Cache-Control: no-store`: no cache or proxy keeps a copy of it.
pub fn no_store(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
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
