//! Operations endpoints: `/health`, `/metrics`, `/openapi.json`, `/asyncapi.json`, `/docs`,
//! `/redoc`.

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
    description = "Connections, rooms, messages, claims won and lost, drops, rate-limited requests, failed authentications, damaged stored documents left out of answers, request latency, the process's CPU time, resident and virtual memory and open file descriptors (`process_*`, on Linux), and on the embedded store when the last `cpld backup` was taken (`citypulse_last_backup_timestamp_seconds`, 0 when none was). Public unless the daemon sets CPL_METRICS_TOKEN; then it needs `Authorization: Bearer <CPL_METRICS_TOKEN>`.",
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
    if let Some(u) = crate::host::process::usage() {
        metrics::render_process(
            &mut body,
            u.cpu_seconds,
            u.resident_bytes,
            u.virtual_bytes,
            u.open_fds,
        );
    }
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

/// `GET /asyncapi.json`.
#[utoipa::path(
    get,
    path = "/asyncapi.json",
    operation_id = "asyncapi",
    tag = "operations",
    summary = "The AsyncAPI document of the WebSockets",
    description = "An AsyncAPI 3.0 document of `/ws/{user_id}` and `/ws/transcribe/{event_id}`: every frame a client sends and the daemon sends, one message per `type`, with the schemas of this document.",
    security(),
    responses(
        (status = 200, description = "The AsyncAPI 3.0 document.", body = Object),
    )
)]
pub async fn asyncapi_json() -> Response {
    warp::reply::json(super::asyncapi::document()).into_response()
}

/// `GET /docs`: Swagger UI over `/openapi.json`, its files served by the daemon itself (no
/// CDN: it works offline), with security headers.
#[utoipa::path(
    get,
    path = "/docs",
    operation_id = "docs",
    tag = "operations",
    summary = "Swagger UI for this document",
    description = "Swagger UI: every operation with \"Try it out\", and \"Authorize\" for the bearer tokens (a user's, the admin's, the metrics token). Its scripts and stylesheets are served by the daemon under `/docs/{file}` (no external resources), with a strict Content-Security-Policy. `/docs/` redirects here (308): the page's relative links are right only at `/docs`.",
    security(),
    responses(
        (status = 200, description = "HTML.", body = String, content_type = "text/html"),
        (status = 308, description = "At `/docs/`: to `/docs`."),
    )
)]
pub async fn docs(path: warp::path::FullPath) -> Response {
    page(path, "/docs", super::docs::DOCS_HTML)
}

/// `GET /redoc`: ReDoc over `/openapi.json`, its script served by the daemon.
#[utoipa::path(
    get,
    path = "/redoc",
    operation_id = "redoc",
    tag = "operations",
    summary = "ReDoc for this document",
    description = "A ReDoc page (one long, searchable reference). Its script is served by the daemon (`/docs/redoc.standalone.js`): no external resources. `/redoc/` redirects here (308).",
    security(),
    responses(
        (status = 200, description = "HTML.", body = String, content_type = "text/html"),
        (status = 308, description = "At `/redoc/`: to `/redoc`."),
    )
)]
pub async fn redoc(path: warp::path::FullPath) -> Response {
    page(path, "/redoc", super::docs::REDOC_HTML)
}

/// `GET /docs/{file}`: a script, stylesheet or icon of `/docs` or `/redoc`.
#[utoipa::path(
    get,
    path = "/docs/{file}",
    operation_id = "docs_file",
    tag = "operations",
    summary = "A file of the documentation pages",
    description = "Swagger UI's scripts, stylesheets and icons, and ReDoc's script, built into the daemon.",
    security(),
    params(("file" = String, Path, description = "The file name, e.g. `swagger-ui-bundle.js`.", pattern = r"^[A-Za-z0-9._-]+$", example = "swagger-ui-bundle.js")),
    responses(
        (status = 200, description = "The file, with its media type.", content(
            (String = "text/javascript"),
            (String = "text/css"),
            (String = "image/png"),
        )),
        (status = 404, description = "No such file.", body = ErrorBody),
        (status = 422, description = "Not a file name: only letters, digits, `.`, `_` and `-`.", body = ErrorBody),
    )
)]
pub async fn docs_file(name: String) -> Response {
    if !super::docs::is_file_name(&name) {
        return super::error::ApiError::Validation(format!(
            "file: {:?} is not a file name (letters, digits, '.', '_' and '-' only); the pages are /docs and /redoc",
            name.chars().take(60).collect::<String>()
        ))
        .into_response();
    }
    let Some(asset) = super::docs::asset(&name) else {
        return super::error::ApiError::NotFound(format!(
            "no documentation file {name:?}; the pages are /docs and /redoc"
        ))
        .into_response();
    };
    let mut resp = Response::new(asset.bytes.into_owned().into());
    let h = resp.headers_mut();
    for (k, v) in [
        ("content-type", asset.content_type.as_str()),
        ("x-content-type-options", "nosniff"),
        // The files change only with the binary.
        ("cache-control", "public, max-age=3600"),
    ] {
        if let Ok(v) = warp::http::HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    }
    resp
}

/// A documentation page at `at`, with security headers; at `at/` a 308 to `at` (there the
/// page's relative links would name `at/docs/...` and `at/openapi.json`, which are no
/// routes).
fn page(path: warp::path::FullPath, at: &'static str, html: &'static str) -> Response {
    if path.as_str().ends_with('/') {
        let mut resp = Response::default();
        *resp.status_mut() = StatusCode::PERMANENT_REDIRECT;
        resp.headers_mut().insert(
            warp::http::header::LOCATION,
            warp::http::HeaderValue::from_static(at),
        );
        return resp;
    }
    let mut resp = warp::reply::html(html).into_response();
    let h = resp.headers_mut();
    // Scripts only from the daemon; inline styles because both renderers set style
    // attributes; ReDoc runs its search index in a worker made from a blob.
    for (k, v) in [
        ("content-security-policy", "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; font-src 'self' data:; worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
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
