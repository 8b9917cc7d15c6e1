//! A local fake of Twilio Verify (v2) for the end-to-end tests, following
//! `/work/shared/protocols/twilio-verify.md` ("What a faithful fake must do"):
//!
//! 1. `POST {base}/Services/{sid}/Verifications` and `.../VerificationCheck` for one
//!    account (HTTP Basic checked on every call: 401/20003 otherwise) and one service SID
//!    (404/20404 for others); a body that is not `application/x-www-form-urlencoded`, or
//!    one missing `To` / `Code`, is 400/60200, as is a `To` that is not E.164.
//! 2. The fake makes its own 6-digit codes, one per `To`, and never puts them in a Verify
//!    answer: a test reads them through the side door [`FakeTwilio::code_for`], as a phone
//!    would receive them.
//! 3. Starting again while pending keeps the verification and its code (one more entry in
//!    `send_code_attempts`); the sixth send to one `To` within the pending window is
//!    429/60203. Five wrong codes end the verification: the next check is 429/60202 and
//!    the verification is gone.
//! 4. Approved, expired (the pending window is [`FakeTwilio::with_expiry`], 10 minutes by
//!    default) or never started: 404/20404 on check.
//! 5. Fault switches ([`FakeTwilio::fault`]): a status (500, 503, ...), a hang past the
//!    client's time limit, a blocked prefix (403/60410). A refused connection is a base URL
//!    nobody listens on ([`refused_url`]).
//!
//! Every request is recorded ([`FakeTwilio::requests`]) with its form fields.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::Rng;
use serde_json::{json, Value};
use warp::http::{HeaderMap, StatusCode};
use warp::reply::Response;
use warp::{Filter, Reply};

/// The Account SID a fake accepts.
pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
/// The auth token a fake accepts.
pub const AUTH_TOKEN: &str = "fake-twilio-auth-token-0123456789";
/// The Verify service a fake knows.
pub const SERVICE_SID: &str = "VA0123456789abcdef0123456789abcdef";

/// A daemon whose Twilio Verify is `fake`, with a short time limit (1 s a call) and 2
/// tries, so that a hang or an outage is answered within seconds.
pub fn daemon_with_twilio(fake: &FakeTwilio) -> crate::DaemonBuilder {
    crate::Daemon::builder()
        .env("TWILIO_VERIFY_URL", &fake.url)
        .env("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
        .env("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
        .env("TWILIO_VERIFY_SERVICE_SID", SERVICE_SID)
        .env("CPL_TWILIO_TIMEOUT", "1s")
        .env("CPL_TWILIO_ATTEMPTS", "2")
}

/// A base URL on which nothing listens (a refused connection).
pub fn refused_url() -> String {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}/v2")
}

/// Which call a request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST .../Verifications`.
    Start,
    /// `POST .../VerificationCheck`.
    Check,
    /// Anything else (404).
    Other,
}

/// A scripted misbehaviour for the next request to an endpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer this status with a Twilio error body, doing nothing.
    Status(u16),
    /// Answer only after this long (past the client's limit), doing nothing.
    Hang(Duration),
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Which call.
    pub endpoint: Endpoint,
    /// The form fields as sent.
    pub form: HashMap<String, String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The status the fake answered.
    pub status: u16,
}

struct Verification {
    sid: String,
    code: String,
    started: Instant,
    sends: u32,
    wrong: u32,
    /// Ended by the fifth wrong code: the next check is 429/60202.
    exhausted: bool,
}

struct Inner {
    expiry: Duration,
    pending: HashMap<String, Verification>,
    /// Codes sent, per phone, in order (the "phone's inbox").
    inbox: HashMap<String, Vec<String>>,
    faults: HashMap<Endpoint, VecDeque<Fault>>,
    blocked_prefixes: Vec<String>,
    requests: Vec<Recorded>,
}

/// A running fake Twilio Verify on a free loopback port; stopped when dropped.
pub struct FakeTwilio {
    /// The base URL for `TWILIO_VERIFY_URL` (`http://127.0.0.1:PORT/v2`).
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTwilio {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeTwilio {
    /// A fake whose verifications stay pending 10 minutes.
    pub async fn start() -> FakeTwilio {
        FakeTwilio::with_expiry(Duration::from_secs(600)).await
    }

    /// A fake whose verifications expire after `expiry`.
    pub async fn with_expiry(expiry: Duration) -> FakeTwilio {
        let inner = Arc::new(Mutex::new(Inner {
            expiry,
            pending: HashMap::new(),
            inbox: HashMap::new(),
            faults: HashMap::new(),
            blocked_prefixes: Vec::new(),
            requests: Vec::new(),
        }));
        let state = inner.clone();
        let routes = warp::post()
            .and(warp::path::full())
            .and(warp::header::headers_cloned())
            .and(warp::body::bytes())
            .and_then(
                move |path: warp::path::FullPath, headers: HeaderMap, body: bytes::Bytes| {
                    let state = state.clone();
                    async move {
                        Ok::<_, Infallible>(handle(&state, path.as_str(), &headers, &body).await)
                    }
                },
            );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(warp::serve(routes).incoming(listener).run());
        FakeTwilio {
            url: format!("http://{addr}/v2"),
            inner,
            task,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The side door: the last code texted to `phone`, as the phone received it.
    pub fn code_for(&self, phone: &str) -> Option<String> {
        self.lock().inbox.get(phone).and_then(|c| c.last().cloned())
    }

    /// Every code texted to any phone, in order (to check none leaks into a log).
    pub fn all_codes(&self) -> Vec<String> {
        self.lock().inbox.values().flatten().cloned().collect()
    }

    /// Queues `fault` for the next request to `endpoint`.
    pub fn fault(&self, endpoint: Endpoint, fault: Fault) {
        self.lock()
            .faults
            .entry(endpoint)
            .or_default()
            .push_back(fault);
    }

    /// Queues `fault` `n` times.
    pub fn faults(&self, endpoint: Endpoint, fault: Fault, n: usize) {
        for _ in 0..n {
            self.fault(endpoint, fault.clone());
        }
    }

    /// Refuses (403/60410) every send to a phone starting with `prefix`.
    pub fn block_prefix(&self, prefix: &str) {
        self.lock().blocked_prefixes.push(prefix.to_string());
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The requests to one endpoint.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.endpoint == endpoint)
            .collect()
    }
}

fn error(status: u16, code: u32, message: &str) -> (u16, Value) {
    (
        status,
        json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        }),
    )
}

fn now_iso() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn sid(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let hex: String = (0..32)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect();
    format!("{prefix}{hex}")
}

fn e164(to: &str) -> bool {
    to.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()) && !d.starts_with('0')
    })
}

async fn handle(state: &Mutex<Inner>, path: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let endpoint = match path.rsplit('/').next() {
        Some("Verifications") => Endpoint::Start,
        Some("VerificationCheck") => Endpoint::Check,
        _ => Endpoint::Other,
    };
    let (fault, (status, answer)) = {
        let mut inner = state.lock().unwrap_or_else(|p| p.into_inner());
        let fault = inner
            .faults
            .get_mut(&endpoint)
            .and_then(VecDeque::pop_front);
        let answered = match &fault {
            Some(Fault::Status(s)) => error(*s, 20500, "Internal server error"),
            Some(Fault::Hang(_)) => error(503, 20503, "Service unavailable"),
            None => answer(
                &mut inner,
                endpoint,
                path,
                headers,
                content_type.as_deref(),
                &form,
            ),
        };
        inner.requests.push(Recorded {
            endpoint,
            form: form.clone(),
            content_type: content_type.clone(),
            status: answered.0,
        });
        (fault, answered)
    };
    if let Some(Fault::Hang(d)) = fault {
        tokio::time::sleep(d).await;
    }
    let mut resp = warp::reply::with_status(
        warp::reply::json(&answer),
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    )
    .into_response();
    resp.headers_mut().insert(
        "content-type",
        warp::http::HeaderValue::from_static("application/json"),
    );
    resp
}

fn answer(
    inner: &mut Inner,
    endpoint: Endpoint,
    path: &str,
    headers: &HeaderMap,
    content_type: Option<&str>,
    form: &HashMap<String, String>,
) -> (u16, Value) {
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"))
    );
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(expected.as_str()) {
        return error(401, 20003, "Authenticate");
    }
    let service_path = format!("/v2/Services/{SERVICE_SID}/");
    if endpoint == Endpoint::Other || !path.starts_with(&service_path) {
        return error(404, 20404, "The requested resource was not found");
    }
    if !content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
        return error(
            400,
            60200,
            "Invalid parameter: the body must be form-encoded",
        );
    }
    let Some(to) = form.get("To").filter(|t| e164(t)).cloned() else {
        return error(400, 60200, "Invalid parameter: To");
    };
    // Expired verifications are gone.
    let expiry = inner.expiry;
    inner.pending.retain(|_, v| v.started.elapsed() < expiry);
    match endpoint {
        Endpoint::Start => start(inner, &to, form),
        Endpoint::Check => {
            let Some(code) = form.get("Code").filter(|c| !c.is_empty()).cloned() else {
                return error(400, 60200, "Invalid parameter: Code");
            };
            check(inner, &to, &code)
        }
        Endpoint::Other => error(404, 20404, "The requested resource was not found"),
    }
}

fn start(inner: &mut Inner, to: &str, form: &HashMap<String, String>) -> (u16, Value) {
    if form.get("Channel").map(String::as_str) != Some("sms") {
        return error(400, 60200, "Invalid parameter: Channel");
    }
    if inner.blocked_prefixes.iter().any(|p| to.starts_with(p)) {
        return error(403, 60410, "Verification delivery attempt blocked");
    }
    let v = inner
        .pending
        .entry(to.to_string())
        .or_insert_with(|| Verification {
            sid: sid("VE"),
            code: format!("{:06}", rand::thread_rng().gen_range(0..1_000_000)),
            started: Instant::now(),
            sends: 0,
            wrong: 0,
            exhausted: false,
        });
    if v.sends >= 5 {
        return error(429, 60203, "Max send attempts reached");
    }
    v.sends += 1;
    let (vsid, code, sends) = (v.sid.clone(), v.code.clone(), v.sends);
    inner.inbox.entry(to.to_string()).or_default().push(code);
    let at = now_iso();
    let attempts: Vec<Value> = (0..sends)
        .map(|_| json!({ "attempt_sid": sid("VL"), "channel": "sms", "time": at }))
        .collect();
    (
        201,
        json!({
            "sid": vsid, "service_sid": SERVICE_SID, "account_sid": ACCOUNT_SID,
            "to": to, "channel": "sms", "status": "pending", "valid": false,
            "date_created": at, "date_updated": at,
            "send_code_attempts": attempts, "lookup": {},
            "url": format!("https://verify.twilio.com/v2/Services/{SERVICE_SID}/Verifications/{vsid}"),
        }),
    )
}

fn check(inner: &mut Inner, to: &str, code: &str) -> (u16, Value) {
    let Some(v) = inner.pending.get_mut(to) else {
        return error(404, 20404, "The requested resource was not found");
    };
    if v.exhausted {
        inner.pending.remove(to);
        return error(429, 60202, "Max check attempts reached");
    }
    let at = now_iso();
    let right = v.code == code;
    let vsid = v.sid.clone();
    if right {
        inner.pending.remove(to);
    } else {
        v.wrong += 1;
        v.exhausted = v.wrong >= 5;
    }
    (
        200,
        json!({
            "sid": vsid, "service_sid": SERVICE_SID, "account_sid": ACCOUNT_SID,
            "to": to, "channel": "sms",
            "status": if right { "approved" } else { "pending" }, "valid": right,
            "date_created": at, "date_updated": at,
        }),
    )
}
