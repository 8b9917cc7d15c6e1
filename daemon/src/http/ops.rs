//! Operations endpoints: `/health`, `/metrics`, `/openapi.json`, `/docs`.

use citypulse::api::{ErrorBody, FeatureStatus, Health};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::Reply;

use super::openapi;
use crate::domain::state::State;
use crate::metrics;
use crate::store::LastBackup;

/// `GET /health`: 200 when the store answers, 503 with the store's sentence when not.
#[utoipa::path(
    get,
    path = "/health",
    operation_id = "health",
    tag = "operations",
    summary = "Liveness and configuration",
    description = "Which store the daemon uses and whether video, transcription and sign-in by SMS are configured (and how to enable them).",
    security(),
    responses(
        (status = 200, description = "The store answers.", body = Health),
        (status = 503, description = "The store does not answer; `status` is `unavailable` and `detail` says why.", body = Health),
    )
)]
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
        sms_sign_in: Some(sms_status(&state)),
        detail,
    };
    warp::reply::with_status(warp::reply::json(&body), code).into_response()
}

/// `GET /health/live`: 200 while the process runs, draining or not; a load balancer or
/// orchestrator restarts the daemon only when this stops answering.
#[utoipa::path(
    get,
    path = "/health/live",
    operation_id = "health_live",
    tag = "operations",
    summary = "Liveness",
    description = "200 while the process runs, also while it drains after SIGTERM/SIGINT. Nothing is checked: use it to decide whether to restart the process.",
    security(),
    responses(
        (status = 200, description = "The process runs.", body = ErrorBody),
    )
)]
pub async fn health_live() -> Response {
    warp::reply::json(&ErrorBody {
        detail: "alive".into(),
    })
    .into_response()
}

/// `GET /health/ready`: whether this daemon should receive new clients.
#[utoipa::path(
    get,
    path = "/health/ready",
    operation_id = "health_ready",
    tag = "operations",
    summary = "Readiness",
    description = "200 when the daemon takes new clients. 503 once it is draining (SIGTERM/SIGINT: it finishes requests in progress, closes WebSockets with 1001, then exits) or while its store does not answer; `detail` says which. Point a load balancer's health check here.",
    security(),
    responses(
        (status = 200, description = "Ready for new clients.", body = ErrorBody),
        (status = 503, description = "Draining, or the store does not answer; `detail` says which.", body = ErrorBody),
    )
)]
pub async fn health_ready(state: State) -> Response {
    let (code, detail) = if state.is_draining() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "this daemon is shutting down (draining); send new clients to another daemon".into(),
        )
    } else {
        match state.store.ping().await {
            Ok(()) => (StatusCode::OK, "ready".into()),
            Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        }
    };
    warp::reply::with_status(warp::reply::json(&ErrorBody { detail }), code).into_response()
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

fn sms_status(state: &State) -> FeatureStatus {
    match &state.config.twilio.credentials {
        Some(c) => FeatureStatus {
            enabled: true,
            detail: format!(
                "sign-in by SMS code through Twilio Verify service {} ({})",
                c.service_sid, state.config.twilio.url
            ),
        },
        None => FeatureStatus {
            enabled: false,
            detail: crate::domain::signin::DISABLED.into(),
        },
    }
}

/// `GET /metrics`: Prometheus text.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "operations",
    summary = "Prometheus metrics",
    description = "Connections, rooms, messages, claims won and lost, drops, rate-limited requests, failed authentications, damaged stored documents left out of answers, request latency, and on the embedded store when the last `cpld backup` was taken (`citypulse_last_backup_timestamp_seconds`, 0 when none was). Public unless the daemon sets CPL_METRICS_TOKEN; then it needs `Authorization: Bearer <CPL_METRICS_TOKEN>`.",
    security((), ("metricsToken" = [])),
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4.", body = String, content_type = "text/plain"),
        (status = 400, description = openapi::E400_HEADER, body = ErrorBody),
        (status = 401, description = "CPL_METRICS_TOKEN is set and the request does not send it as `Authorization: Bearer <token>` (none, another token, or a header that is not `Bearer <token>`).", body = ErrorBody),
        (status = 429, description = openapi::E429_AUTH, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))),
    )
)]
pub async fn metrics(state: State) -> Response {
    let damaged = state
        .store
        .as_mongo()
        .map(crate::store::mongo::MongoStore::damaged_documents);
    let mut body = state.metrics.render(state.hub.user_count(), damaged);
    match state.store.last_backup().await {
        Ok(LastBackup::NotTracked) => {}
        Ok(LastBackup::Never) => metrics::render_last_backup(&mut body, 0),
        Ok(LastBackup::At(at)) => metrics::render_last_backup(&mut body, at.timestamp()),
        // The other families still answer; the gauge is missing until the store does.
        Err(e) => tracing::warn!("/metrics without the last backup time: {e}"),
    }
    let mut resp = Response::new(body.into());
    if let Ok(v) = warp::http::HeaderValue::from_str("text/plain; version=0.0.4; charset=utf-8") {
        resp.headers_mut()
            .insert(warp::http::header::CONTENT_TYPE, v);
    }
    resp
}

/// `GET /openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "operations",
    summary = "This OpenAPI document",
    description = "",
    security(),
    responses(
        (status = 200, description = "The OpenAPI 3.1 document.", body = Object),
    )
)]
pub async fn openapi_json() -> Response {
    warp::reply::json(&openapi::document()).into_response()
}

/// `GET /docs`: a self-contained page that renders `/openapi.json` (no CDN: it works
/// offline), with security headers.
#[utoipa::path(
    get,
    path = "/docs",
    operation_id = "docs",
    tag = "operations",
    summary = "A page that renders this document",
    description = "Self-contained (no external resources), served with a strict Content-Security-Policy. `/docs/` redirects here (308): the page's relative link to `openapi.json` is right only at `/docs`.",
    security(),
    responses(
        (status = 200, description = "HTML.", body = String, content_type = "text/html"),
    )
)]
pub async fn docs(path: warp::path::FullPath) -> Response {
    if path.as_str().ends_with('/') {
        // At `/docs/` the page would fetch `/docs/openapi.json`, which is no route.
        let mut resp = Response::default();
        *resp.status_mut() = StatusCode::PERMANENT_REDIRECT;
        resp.headers_mut().insert(
            warp::http::header::LOCATION,
            warp::http::HeaderValue::from_static("/docs"),
        );
        return resp;
    }
    let mut resp = warp::reply::html(super::docs::DOCS_HTML).into_response();
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
