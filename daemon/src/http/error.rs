//! Errors become HTTP statuses in exactly one place.
//!
//! Every failure of a handler or filter is an [`ApiError`]; [`ApiError::status`] maps each
//! variant with no wildcard arm (a new variant cannot ship unmapped) and [`recover`] turns
//! warp's own rejections into the same `{"detail": ...}` body (API.md conventions). A
//! [`DomainError`] becomes an [`ApiError`] here and nowhere else, also with no wildcard arm.

use std::convert::Infallible;
use std::time::Duration;

use citypulse::api::ErrorBody;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Rejection, Reply};

use crate::clients::twilio::{VerifyError, PENDING_FOR};
use crate::domain::error::DomainError;
use crate::domain::signin::{self, SignInError};
use crate::store::StoreError;

/// A failed request, with the sentence its client gets.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 400: the body is not JSON.
    BadRequest(String),
    /// 401: no token, or a token nobody holds.
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    Forbidden(String),
    /// 404: unknown id or route.
    NotFound(String),
    /// 405: the route exists with another method.
    MethodNotAllowed(String),
    /// 408: the body did not arrive in time (`CPL_BODY_TIMEOUT`).
    RequestTimeout(String),
    /// 409: conflicts with the stored state.
    Conflict(String),
    /// 413: body over 64 KiB.
    PayloadTooLarge(String),
    /// 415: body is not JSON.
    UnsupportedMediaType(String),
    /// 422: a validation rule was broken.
    Validation(String),
    /// 429: too many requests; retry after the given time.
    RateLimited {
        /// When to retry.
        retry_after: Duration,
        /// What there was too much of, the sentence before "retry after ...".
        what: String,
    },
    /// 502: a cloud API (Daily.co) failed.
    BadGateway(String),
    /// 503: the database or a feature is unavailable.
    Unavailable(String),
    /// 500: a bug. Never for bad input.
    Internal(String),
}

impl ApiError {
    /// The status of each variant.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The sentence.
    pub fn detail(&self) -> String {
        match self {
            ApiError::BadRequest(s)
            | ApiError::Unauthorized(s)
            | ApiError::Forbidden(s)
            | ApiError::NotFound(s)
            | ApiError::MethodNotAllowed(s)
            | ApiError::RequestTimeout(s)
            | ApiError::Conflict(s)
            | ApiError::PayloadTooLarge(s)
            | ApiError::UnsupportedMediaType(s)
            | ApiError::Validation(s)
            | ApiError::BadGateway(s)
            | ApiError::Unavailable(s)
            | ApiError::Internal(s) => s.clone(),
            ApiError::RateLimited { retry_after, what } => format!(
                "{what}; retry after {} second(s)",
                retry_seconds(*retry_after)
            ),
        }
    }

    /// The whole response.
    pub fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), detail = %self.detail(), "request failed");
        }
        let mut resp = warp::reply::with_status(
            warp::reply::json(&ErrorBody {
                detail: self.detail(),
            }),
            status,
        )
        .into_response();
        if let ApiError::RateLimited { retry_after, .. } = &self {
            if let Ok(v) =
                warp::http::HeaderValue::from_str(&retry_seconds(*retry_after).to_string())
            {
                resp.headers_mut()
                    .insert(warp::http::header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

impl ApiError {
    /// The 429 of the per-client write limit (`CPL_RATE_LIMIT`).
    pub fn too_many_requests(retry_after: Duration) -> ApiError {
        ApiError::RateLimited {
            retry_after,
            what: "too many requests from this client".into(),
        }
    }
}

/// `Retry-After` in whole seconds, rounded up, at least 1: a client that waits that long
/// is let through.
fn retry_seconds(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

impl warp::reject::Reject for ApiError {}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ApiError::NotFound(e.to_string()),
            StoreError::Conflict(s) => ApiError::Conflict(s),
            StoreError::Unavailable(s) => ApiError::Unavailable(s),
            StoreError::Corrupt(s) => ApiError::Internal(format!("stored data is damaged: {s}")),
        }
    }
}

/// The status of each domain failure; the sentence is the error's own.
impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let detail = e.to_string();
        match e {
            DomainError::RoomLimit { .. }
            | DomainError::RoomClosed { .. }
            | DomainError::DropsClosed { .. } => ApiError::Conflict(detail),
            DomainError::NotInRoom { .. }
            | DomainError::NotInRoomToClaim { .. }
            | DomainError::NotCreator { .. }
            | DomainError::NotAuthor { .. } => ApiError::Forbidden(detail),
            DomainError::ChatRateLimited { retry_after, .. } => ApiError::RateLimited {
                retry_after,
                what: detail,
            },
            DomainError::Invalid(e) => e.into(),
            DomainError::Store(e) => e.into(),
            DomainError::Video { .. } => ApiError::BadGateway(detail),
        }
    }
}

/// The status of each sign-in failure (issue 16).
impl From<SignInError> for ApiError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Disabled => ApiError::Unavailable(signin::DISABLED.into()),
            SignInError::Invalid(e) => e.into(),
            SignInError::NeedsName => ApiError::Validation(
                "this phone has no account yet: send a \"name\" with the code to create one; the code was used, so ask for a new one with POST /api/auth/code first".into(),
            ),
            SignInError::WrongCode => ApiError::Unauthorized(
                "the code is wrong; check the SMS and try again (after 5 wrong codes a new one is needed)".into(),
            ),
            SignInError::TooMany { retry_after, what } => ApiError::RateLimited { retry_after, what },
            SignInError::Store(e) => e.into(),
            SignInError::Provider(v) => {
                let detail = v.to_string();
                match v {
                    VerifyError::NoPending => ApiError::Unauthorized(detail),
                    VerifyError::TooManyChecks | VerifyError::TooManySends => ApiError::RateLimited {
                        retry_after: PENDING_FOR,
                        what: detail,
                    },
                    VerifyError::Blocked => ApiError::Forbidden(detail),
                    VerifyError::BadParameter(_) => ApiError::Validation(detail),
                    VerifyError::Misconfigured(_) | VerifyError::Unreachable { .. } => {
                        ApiError::Unavailable(detail)
                    }
                    VerifyError::Down { .. } | VerifyError::Unexpected(_) => {
                        ApiError::BadGateway(detail)
                    }
                }
            }
        }
    }
}

impl From<citypulse::validate::ValidationError> for ApiError {
    fn from(e: citypulse::validate::ValidationError) -> Self {
        ApiError::Validation(e.0)
    }
}

impl From<citypulse::geo::InvalidCoordinates> for ApiError {
    fn from(e: citypulse::geo::InvalidCoordinates) -> Self {
        ApiError::Validation(e.to_string())
    }
}

impl From<citypulse::ids::InvalidId> for ApiError {
    fn from(e: citypulse::ids::InvalidId) -> Self {
        ApiError::Validation(e.to_string())
    }
}

/// Turns every rejection into `{"detail": ...}` with its status.
pub async fn recover(rej: Rejection) -> Result<Response, Infallible> {
    Ok(rejection_to_error(&rej).into_response())
}

fn rejection_to_error(rej: &Rejection) -> ApiError {
    if let Some(e) = rej.find::<ApiError>() {
        return e.clone();
    }
    if rej.is_not_found() {
        return ApiError::NotFound(
            "no such route; see /docs for the API (paths start with /api/)".into(),
        );
    }
    if rej.find::<warp::reject::PayloadTooLarge>().is_some() {
        return ApiError::PayloadTooLarge(too_large());
    }
    if rej.find::<warp::reject::MethodNotAllowed>().is_some() {
        return ApiError::MethodNotAllowed(
            "this path does not take that HTTP method; see /docs for the API".into(),
        );
    }
    if let Some(e) = rej.find::<warp::reject::InvalidQuery>() {
        return ApiError::Validation(format!("invalid query string: {e}"));
    }
    if let Some(e) = rej.find::<warp::reject::InvalidHeader>() {
        return ApiError::BadRequest(e.to_string());
    }
    if let Some(e) = rej.find::<warp::reject::MissingHeader>() {
        return ApiError::BadRequest(e.to_string());
    }
    if rej.find::<warp::reject::UnsupportedMediaType>().is_some() {
        return ApiError::UnsupportedMediaType(
            "request bodies must be JSON (Content-Type: application/json)".into(),
        );
    }
    if rej.find::<warp::reject::LengthRequired>().is_some() {
        return ApiError::BadRequest("a Content-Length header is required".into());
    }
    if let Some(e) = rej.find::<warp::filters::body::BodyDeserializeError>() {
        return ApiError::BadRequest(format!("request body is not valid: {e}"));
    }
    if rej
        .find::<warp::filters::ws::MissingConnectionUpgrade>()
        .is_some()
    {
        return ApiError::BadRequest(
            "this is a WebSocket endpoint; connect with a WebSocket client (Upgrade: websocket)"
                .into(),
        );
    }
    ApiError::BadRequest(format!("request refused: {rej:?}"))
}

/// Adds `Allow` to a 405 answer, listing the methods the documented operations of the
/// request's path take (RFC 9110 section 15.5.6: a 405 MUST carry it). [`recover`] cannot do
/// this itself: a rejection does not know the path. So this runs on the recovered answer:
///
/// ```ignore
/// warp::path::full().and(routes.recover(recover).unify()).map(with_allow)
/// ```
pub fn with_allow(path: warp::path::FullPath, mut resp: Response) -> Response {
    if resp.status() != StatusCode::METHOD_NOT_ALLOWED {
        return resp;
    }
    let methods = super::openapi::allowed_methods(path.as_str());
    if methods.is_empty() {
        return resp;
    }
    if let Ok(v) = warp::http::HeaderValue::from_str(&methods.join(", ")) {
        resp.headers_mut().insert(warp::http::header::ALLOW, v);
    }
    resp
}

/// The 413 sentence.
pub fn too_large() -> String {
    format!(
        "request body is larger than {} KiB; send less",
        citypulse::MAX_BODY_BYTES / 1024
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use warp::Filter;

    #[test]
    fn domain_errors_keep_their_sentence_and_get_one_status_and_one_frame_code() {
        use citypulse::ids::EventId;
        use citypulse::ws::error_code;
        let event = EventId::generate();
        let cases = [
            (
                DomainError::RoomLimit { max: 3 },
                StatusCode::CONFLICT,
                error_code::CONFLICT,
            ),
            (
                DomainError::RoomClosed {
                    event: event.clone(),
                },
                StatusCode::CONFLICT,
                error_code::CONFLICT,
            ),
            (
                DomainError::NotCreator {
                    event: event.clone(),
                },
                StatusCode::FORBIDDEN,
                error_code::FORBIDDEN,
            ),
            (
                DomainError::NotAuthor {
                    message: citypulse::ids::MessageId::generate(),
                },
                StatusCode::FORBIDDEN,
                error_code::FORBIDDEN,
            ),
            (
                DomainError::Invalid(citypulse::validate::ValidationError::new("too long")),
                StatusCode::UNPROCESSABLE_ENTITY,
                error_code::INVALID_MESSAGE,
            ),
            (
                DomainError::Store(StoreError::not_found("event", &event)),
                StatusCode::NOT_FOUND,
                error_code::NOT_FOUND,
            ),
            (
                DomainError::Store(StoreError::Corrupt("x".into())),
                StatusCode::INTERNAL_SERVER_ERROR,
                error_code::UNAVAILABLE,
            ),
        ];
        assert_eq!(
            cases[1].0.to_string(),
            format!("event {event} has ended; its room is closed")
        );
        for (e, status, code) in cases {
            let sentence = e.to_string();
            let frame = serde_json::to_value(crate::http::ws::error_frame(&e)).unwrap();
            assert_eq!(frame["code"], code, "{sentence}");
            assert_eq!(frame["message"], sentence.as_str());
            let api = ApiError::from(e);
            assert_eq!(api.status(), status, "{sentence}");
            assert_eq!(api.detail(), sentence);
        }
    }

    #[tokio::test]
    async fn a_405_names_the_allowed_methods() {
        let routes = warp::path!("api" / "events" / String / "join")
            .and(warp::post())
            .map(|_id: String| warp::reply().into_response())
            .or(warp::path!("health")
                .and(warp::get())
                .map(|| warp::reply().into_response()))
            .unify();
        let app = warp::path::full()
            .and(routes.recover(recover).unify())
            .map(with_allow);
        let resp = warp::test::request()
            .method("GET")
            .path("/api/events/6745a1b2c3d4e5f601234567/join")
            .reply(&app)
            .await;
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(resp.headers()["allow"], "POST");
        let resp = warp::test::request()
            .method("DELETE")
            .path("/health")
            .reply(&app)
            .await;
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
        // HEAD is answered wherever GET is, so a 405 names it too.
        assert_eq!(resp.headers()["allow"], "GET, HEAD");
        let resp = warp::test::request()
            .method("GET")
            .path("/health")
            .reply(&app)
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers().get("allow").is_none());
        let resp = warp::test::request()
            .method("GET")
            .path("/nowhere")
            .reply(&app)
            .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert!(resp.headers().get("allow").is_none());
    }
}
