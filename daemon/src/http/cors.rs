//! CORS: which browser origins may call the API, and the answer to one that may not.
//!
//! warp's CORS filter grants the origins listed in `CORS_ORIGINS` and refuses a request
//! from any other origin (or a preflight asking for a method or header not granted) by
//! rejecting it, which warp would answer itself with a bare 403 `text/plain`. [`refused`]
//! answers it instead like every other error: 403 `{"detail": ...}` naming the origin and
//! the setting. Browsers send `Origin` on WebSocket upgrades too, and warp's filter checks
//! them the same way: a page from an unlisted origin cannot open a socket with a token it
//! got hold of (cross-site WebSocket hijacking); clients that send no `Origin` (cpl, apps,
//! servers) are not affected.

use std::convert::Infallible;

use warp::filters::path::FullPath;
use warp::http::{header, HeaderMap, Method};
use warp::reply::Response;
use warp::Filter;

use super::error::ApiError;

/// The methods a cross-origin request may use: every method a route answers (a browser
/// app deletes a chat message, a session or its user with DELETE).
pub const METHODS: [&str; 5] = ["GET", "HEAD", "POST", "DELETE", "OPTIONS"];
/// The request headers a cross-origin request may send.
pub const HEADERS: [&str; 2] = ["authorization", "content-type"];

/// The answer headers a page's script may read besides the CORS-safelisted ones: without
/// `Retry-After` a browser app sees a 429 but not how long to wait, and without
/// `X-Next-Cursor` it cannot page through a list (issue 18).
pub const EXPOSED: [&str; 2] = ["retry-after", citypulse::api::NEXT_CURSOR_HEADER];

/// The policy: the listed origins, [`METHODS`] and [`HEADERS`], exposing [`EXPOSED`].
pub fn policy(origins: &[String]) -> warp::filters::cors::Builder {
    // Always name the allowed set, even when it is empty: a warp CORS builder that was
    // never given an origin allows every origin. Origins were checked when the
    // configuration was read (warp panics on a malformed one).
    warp::cors()
        .allow_methods(METHODS)
        .allow_headers(HEADERS)
        .expose_headers(EXPOSED)
        .allow_origins(origins.iter().map(String::as_str))
}

/// The answer to a request [`policy`] refused. Meant to follow, with `or`, routes that are
/// wrapped in the policy and recover every other rejection themselves, so that a CORS
/// refusal is the only request that reaches it.
pub fn refused(
    origins: Vec<String>,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone {
    warp::header::headers_cloned()
        .and(warp::method())
        .and(warp::path::full())
        .map(move |headers: HeaderMap, method: Method, path: FullPath| {
            let refusal = refusal(&origins, &headers, &method);
            // Debug-formatted: the origin is the client's text, quoted and escaped.
            tracing::debug!(
                origin = ?origin_of(&headers),
                %method,
                path = path.as_str(),
                "CORS refused: {}",
                refusal.detail()
            );
            refusal.into_response()
        })
}

/// The request's `Origin`, at most 200 characters, empty when there is none.
fn origin_of(headers: &HeaderMap) -> String {
    headers
        .get(header::ORIGIN)
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .chars()
                .take(200)
                .collect()
        })
        .unwrap_or_default()
}

fn refusal(origins: &[String], headers: &HeaderMap, method: &Method) -> ApiError {
    let origin = origin_of(headers);
    if !origins.contains(&origin) {
        let allowed = if origins.is_empty() {
            "none is listed, so browser pages from other origins cannot call it".to_string()
        } else {
            format!("it lists {}", origins.join(", "))
        };
        return ApiError::Forbidden(format!(
            "origin {origin:?} may not call this API from a browser: it is not in CORS_ORIGINS ({allowed}); the operator adds an origin to CORS_ORIGINS to allow it"
        ));
    }
    let asked = if method == Method::OPTIONS {
        "this preflight asks for a method or header"
    } else {
        "this request uses something"
    };
    ApiError::Forbidden(format!(
        "origin {origin:?} is allowed, but {asked} CORS does not allow: methods {}; headers {}",
        METHODS.join(", "),
        HEADERS.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use warp::Reply;

    fn app(origins: &[&str]) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone {
        let origins: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
        warp::path("ok")
            .map(|| warp::reply().into_response())
            .recover(|_| async { Ok::<_, Infallible>(warp::reply().into_response()) })
            .unify()
            .with(policy(&origins))
            .map(Reply::into_response)
            .or(refused(origins))
            .unify()
    }

    async fn body(resp: warp::http::Response<warp::hyper::body::Bytes>) -> serde_json::Value {
        serde_json::from_slice(resp.body()).unwrap()
    }

    #[tokio::test]
    async fn a_refused_origin_gets_the_json_error_naming_it_and_the_setting() {
        let app = app(&["https://citypulse.co"]);
        let resp = warp::test::request()
            .path("/ok")
            .header("origin", "https://evil.example")
            .reply(&app)
            .await;
        assert_eq!(resp.status(), 403);
        assert_eq!(resp.headers()["content-type"], "application/json");
        let detail = body(resp).await["detail"].as_str().unwrap().to_string();
        assert!(
            detail.contains("\"https://evil.example\"")
                && detail.contains("CORS_ORIGINS")
                && detail.contains("https://citypulse.co"),
            "{detail}"
        );
        // A preflight asking for a header that is not granted.
        let resp = warp::test::request()
            .method("OPTIONS")
            .path("/ok")
            .header("origin", "https://citypulse.co")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "x-secret")
            .reply(&app)
            .await;
        assert_eq!(resp.status(), 403);
        let detail = body(resp).await["detail"].as_str().unwrap().to_string();
        assert!(detail.contains("authorization, content-type"), "{detail}");
        // Allowed, and no Origin at all: untouched.
        for origin in [Some("https://citypulse.co"), None] {
            let mut req = warp::test::request().path("/ok");
            if let Some(o) = origin {
                req = req.header("origin", o);
            }
            assert_eq!(req.reply(&app).await.status(), 200);
        }
    }
}
