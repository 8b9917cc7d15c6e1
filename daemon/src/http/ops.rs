//! Operations endpoints: `/health`, `/metrics`, `/openapi.json`, `/docs`.

use citypulse::api::{FeatureStatus, Health};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::Reply;

use super::openapi;
use crate::domain::state::State;

/// `GET /health`: 200 when the store answers, 503 with the store's sentence when not.
pub async fn health(state: State) -> Response {
    let (status, code, detail) = match state.store.ping().await {
        Ok(()) => ("ok", StatusCode::OK, None),
        Err(e) => (
            "unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            Some(e.to_string()),
        ),
    };
    let body = Health {
        status: status.into(),
        store: state.store.backend().into(),
        version: citypulse::VERSION.into(),
        video: Some(video_status(&state)),
        transcription: Some(transcription_status(&state)),
        detail,
    };
    warp::reply::with_status(warp::reply::json(&body), code).into_response()
}

fn video_status(state: &State) -> FeatureStatus {
    match &state.config.daily.api_key {
        Some(_) => FeatureStatus {
            enabled: true,
            detail: format!("Daily.co video rooms via {}", state.config.daily.api_url),
        },
        None => FeatureStatus {
            enabled: false,
            detail: "video is disabled: set DAILY_API_KEY (and DAILY_DOMAIN) and restart cpld to create a Daily.co room per event".into(),
        },
    }
}

fn transcription_status(state: &State) -> FeatureStatus {
    match &state.config.deepgram.api_key {
        Some(_) => FeatureStatus {
            enabled: true,
            detail: format!(
                "Deepgram live transcription ({}, language {})",
                state.config.deepgram.model, state.config.deepgram.language
            ),
        },
        None => FeatureStatus {
            enabled: false,
            detail: "transcription is disabled: set DEEPGRAM_API_KEY and restart cpld to enable live captions".into(),
        },
    }
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(state: State) -> Response {
    let body = state.metrics.render(state.hub.user_count());
    let mut resp = Response::new(body.into());
    if let Ok(v) = warp::http::HeaderValue::from_str("text/plain; version=0.0.4; charset=utf-8") {
        resp.headers_mut()
            .insert(warp::http::header::CONTENT_TYPE, v);
    }
    resp
}

/// `GET /openapi.json`.
pub async fn openapi_json() -> Response {
    warp::reply::json(&openapi::document()).into_response()
}

/// `GET /docs`: a self-contained page that renders `/openapi.json` (no CDN: it works
/// offline), with security headers.
pub async fn docs() -> Response {
    let mut resp = warp::reply::html(openapi::DOCS_HTML).into_response();
    let h = resp.headers_mut();
    for (k, v) in [
        ("content-security-policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ] {
        if let Ok(v) = warp::http::HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    }
    resp
}
