//! A local fake of Daily.co's REST API (rooms and meeting tokens) for the end-to-end tests.
//!
//! It does what Daily's REST API does (<https://docs.daily.co/reference/rest-api>), as far as
//! the daemon relies on it: the
//! `/v1/rooms`, `/v1/rooms/{name}` and `/v1/meeting-tokens` paths; the bearer check (400
//! `authorization-header-error` without a well-formed header, 401 `authentication-error`
//! for another key); `{"error","info"}` bodies on every failure; 400 `json-parsing-error`
//! for bodies that are not JSON; name validation (`[A-Za-z0-9_-]`, at most 128 characters;
//! a random 20-character name when none is given); 200 (not 201) with the room object,
//! whose `config` echoes only the properties that differ from Daily's defaults; a 400
//! `invalid-request-error` for a duplicate name (daily.md §4, recommended behaviour); 404
//! for unknown and expired rooms (DELETE of an expired room adds `"deleted": true`);
//! HS256 meeting tokens with Daily's abbreviated claims, signed with the fake key.
//!
//! Faults are scripted per endpoint: [`FakeDaily::fault`] queues one, and each
//! authenticated request to that endpoint takes the next one in order (none queued: a
//! normal answer). A 5xx or 429 ([`Fault::Status`], [`Fault::RateLimited`], with or
//! without `Retry-After`) answers instead of doing the work; [`Fault::Slow`] and
//! [`Fault::Garbage`] do the work and then answer late or garbled, as a real server whose
//! answer is lost would. Every request is recorded ([`FakeDaily::requests`]) with its
//! arrival time, so tests assert on what Daily would have seen and on the gaps between
//! tries, not on wall-clock budgets.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use warp::http::{HeaderMap, Method, StatusCode};
use warp::reply::Response;
use warp::Filter;

/// The key a fake accepts unless told otherwise.
pub const FAKE_KEY: &str = "fake-daily-key-0123456789abcdef";

/// A daemon whose Daily.co is at `api_url` with `key`, with short timeouts and waits
/// (2 s a call, 3 tries 50 ms apart at first, 20 s in all).
pub fn daemon_with_daily(api_url: &str, domain: &str, key: &str) -> crate::DaemonBuilder {
    crate::Daemon::builder()
        .env("DAILY_API_URL", api_url)
        .env("DAILY_API_KEY", key)
        .env("DAILY_DOMAIN", domain)
        .env("CPL_DAILY_TIMEOUT", "2s")
        .env("CPL_DAILY_ATTEMPTS", "3")
        .env("CPL_DAILY_BACKOFF", "50ms")
        .env("CPL_DAILY_RETRY_BUDGET", "20s")
}

/// The Daily domain a fake's room URLs are on (`https://citypulse-test.daily.co/<name>`).
pub const FAKE_DOMAIN: &str = "citypulse-test";

/// Which call a request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /v1/rooms`.
    CreateRoom,
    /// `GET /v1/rooms`.
    ListRooms,
    /// `GET /v1/rooms/{name}`.
    GetRoom,
    /// `POST /v1/rooms/{name}`.
    UpdateRoom,
    /// `DELETE /v1/rooms/{name}`.
    DeleteRoom,
    /// `POST /v1/meeting-tokens`.
    CreateToken,
    /// Anything else (answered 404).
    Other,
}

/// A scripted misbehaviour for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer this status (a 5xx, or any other) with a Daily error body, doing nothing.
    Status(u16),
    /// Answer 429 `rate-limit-error`, with `Retry-After: <seconds>` when given.
    RateLimited {
        /// Seconds for the `Retry-After` header; None sends no header.
        retry_after: Option<u64>,
    },
    /// Do the work, then answer only after this long.
    Slow(Duration),
    /// Do the work, then answer 200 with a body that is not JSON.
    Garbage,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// When it arrived.
    pub at: Instant,
    /// Which call.
    pub endpoint: Endpoint,
    /// `GET`, `POST`, `DELETE`.
    pub method: String,
    /// `/v1/rooms/citypulse-event-...`.
    pub path: String,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    /// The body as JSON (None when empty or not JSON).
    pub body: Option<Value>,
    /// The status the fake answered (before any delay).
    pub status: u16,
}

#[derive(Debug, Clone)]
struct Room {
    id: String,
    name: String,
    privacy: String,
    properties: Map<String, Value>,
    created_at: String,
}

impl Room {
    fn expired(&self) -> bool {
        self.properties
            .get("exp")
            .and_then(Value::as_i64)
            .is_some_and(|exp| exp <= chrono::Utc::now().timestamp())
    }
}

#[derive(Default)]
struct Inner {
    key: String,
    rooms: BTreeMap<String, Room>,
    faults: HashMap<Endpoint, VecDeque<Fault>>,
    requests: Vec<Recorded>,
    tokens: Vec<String>,
}

/// A running fake Daily on a free loopback port; stopped when dropped.
pub struct FakeDaily {
    /// The base URL to give the daemon as `DAILY_API_URL` (`http://127.0.0.1:PORT/v1`).
    pub url: String,
    /// The accepted API key.
    pub key: String,
    /// The domain of room URLs, for `DAILY_DOMAIN`.
    pub domain: String,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeDaily {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeDaily {
    /// Starts a fake accepting [`FAKE_KEY`].
    pub async fn start() -> FakeDaily {
        FakeDaily::with_key(FAKE_KEY).await
    }

    /// Starts a fake accepting `key`.
    pub async fn with_key(key: &str) -> FakeDaily {
        let inner = Arc::new(Mutex::new(Inner {
            key: key.to_string(),
            ..Inner::default()
        }));
        let state = inner.clone();
        let routes = warp::method()
            .and(warp::path::full())
            .and(warp::header::headers_cloned())
            .and(warp::body::bytes())
            .and_then(
                move |method: Method,
                      path: warp::path::FullPath,
                      headers: HeaderMap,
                      body: bytes::Bytes| {
                    let state = state.clone();
                    async move {
                        Ok::<_, Infallible>(
                            handle(&state, &method, path.as_str(), &headers, &body).await,
                        )
                    }
                },
            );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(warp::serve(routes).incoming(listener).run());
        FakeDaily {
            url: format!("http://{addr}/v1"),
            key: key.to_string(),
            domain: FAKE_DOMAIN.to_string(),
            inner,
            task,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `fault` for the next request to `endpoint` not yet given one.
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

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The requests to one endpoint, in arrival order.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.endpoint == endpoint)
            .collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// The names of the rooms that exist (not expired), sorted.
    pub fn room_names(&self) -> Vec<String> {
        self.lock()
            .rooms
            .values()
            .filter(|r| !r.expired())
            .map(|r| r.name.clone())
            .collect()
    }

    /// A room object as `GET /v1/rooms/{name}` would answer it, if it exists.
    pub fn room(&self, name: &str) -> Option<Value> {
        let domain = &self.domain;
        self.lock()
            .rooms
            .get(name)
            .filter(|r| !r.expired())
            .map(|r| room_json(r, domain))
    }

    /// Removes a room behind the client's back (deleted from Daily's dashboard).
    pub fn remove_room(&self, name: &str) -> bool {
        self.lock().rooms.remove(name).is_some()
    }

    /// Sets a room's `exp` to the past: it now behaves as deleted (daily.md §2.5).
    pub fn expire_room(&self, name: &str) {
        if let Some(r) = self.lock().rooms.get_mut(name) {
            r.properties
                .insert("exp".into(), json!(chrono::Utc::now().timestamp() - 60));
        }
    }

    /// Every token the fake has minted, in order.
    pub fn tokens(&self) -> Vec<String> {
        self.lock().tokens.clone()
    }

    /// The claims of a token this fake signed, or None when the signature does not match.
    pub fn verify_token(&self, token: &str) -> Option<Value> {
        let key = self.lock().key.clone();
        let mut parts = token.split('.');
        let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
        let expected =
            URL_SAFE_NO_PAD.encode(hmac_sha256(key.as_bytes(), format!("{h}.{p}").as_bytes()));
        if parts.next().is_some() || expected != s {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
    }
}

fn classify(method: &Method, path: &str) -> (Endpoint, Option<String>) {
    let rest = path.strip_prefix("/v1/").unwrap_or("");
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["rooms"]) => (Endpoint::CreateRoom, None),
        ("GET", ["rooms"]) => (Endpoint::ListRooms, None),
        ("GET", ["rooms", name]) => (Endpoint::GetRoom, Some(name.to_string())),
        ("POST", ["rooms", name]) => (Endpoint::UpdateRoom, Some(name.to_string())),
        ("DELETE", ["rooms", name]) => (Endpoint::DeleteRoom, Some(name.to_string())),
        ("POST", ["meeting-tokens"]) => (Endpoint::CreateToken, None),
        _ => (Endpoint::Other, None),
    }
}

async fn handle(
    state: &Mutex<Inner>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let at = Instant::now();
    let (endpoint, name) = classify(method, path);
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let (status, body, retry_after, delay) = {
        let mut inner = state.lock().unwrap_or_else(|p| p.into_inner());
        let (answer, delay) = answer(
            &mut inner,
            endpoint,
            name.as_deref(),
            authorization.as_deref(),
            body,
        );
        inner.requests.push(Recorded {
            at,
            endpoint,
            method: method.to_string(),
            path: path.to_string(),
            authorization,
            body: parsed,
            status: answer.0,
        });
        (answer.0, answer.1, answer.2, delay)
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let mut resp = Response::new(body.clone().into());
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if serde_json::from_str::<Value>(&body).is_ok() {
        "application/json"
    } else {
        "text/html"
    };
    resp.headers_mut().insert(
        "content-type",
        warp::http::HeaderValue::from_static(content_type),
    );
    if let Some(secs) = retry_after {
        if let Ok(v) = secs.to_string().parse() {
            resp.headers_mut().insert("retry-after", v);
        }
    }
    resp
}

/// (status, body, Retry-After seconds)
type Answer = (u16, String, Option<u64>);

fn error(status: u16, kind: &str, info: impl Into<String>) -> Answer {
    (
        status,
        json!({"error": kind, "info": info.into()}).to_string(),
        None,
    )
}

fn ok(v: Value) -> Answer {
    (200, v.to_string(), None)
}

fn answer(
    inner: &mut Inner,
    endpoint: Endpoint,
    name: Option<&str>,
    authorization: Option<&str>,
    body: &[u8],
) -> (Answer, Option<Duration>) {
    // The bearer check comes first (daily.md item 1), so a scripted fault is used up only
    // by a request that would otherwise have been served.
    let Some(auth) = authorization else {
        return (
            error(
                400,
                "authorization-header-error",
                "missing Authorization header",
            ),
            None,
        );
    };
    let Some(key) = auth
        .strip_prefix("Bearer ")
        .filter(|k| !k.is_empty() && !k.contains(' '))
    else {
        return (
            error(
                400,
                "authorization-header-error",
                "bad Authorization header format",
            ),
            None,
        );
    };
    if key != inner.key {
        return (
            error(
                401,
                "authentication-error",
                "authentication failed: invalid API key",
            ),
            None,
        );
    }
    let fault = inner
        .faults
        .get_mut(&endpoint)
        .and_then(VecDeque::pop_front);
    match fault {
        Some(Fault::Status(status)) => {
            let kind = match status {
                429 => "rate-limit-error",
                s if s >= 500 => "server-error",
                401 => "authentication-error",
                403 => "forbidden-error",
                _ => "invalid-request-error",
            };
            (error(status, kind, format!("injected {status}")), None)
        }
        Some(Fault::RateLimited { retry_after }) => {
            let (status, body, _) = error(429, "rate-limit-error", "too many requests");
            ((status, body, retry_after), None)
        }
        Some(Fault::Slow(d)) => (serve(inner, endpoint, name, body), Some(d)),
        Some(Fault::Garbage) => {
            let _ = serve(inner, endpoint, name, body);
            (
                (
                    200,
                    "<html><body>upstream hiccup</body></html>".into(),
                    None,
                ),
                None,
            )
        }
        None => (serve(inner, endpoint, name, body), None),
    }
}

fn serve(inner: &mut Inner, endpoint: Endpoint, name: Option<&str>, body: &[u8]) -> Answer {
    match (endpoint, name) {
        (Endpoint::CreateRoom, _) => match json_body(body) {
            Ok(b) => create_room(inner, &b),
            Err(a) => a,
        },
        (Endpoint::ListRooms, _) => {
            let mut rooms: Vec<&Room> = inner.rooms.values().filter(|r| !r.expired()).collect();
            rooms.sort_by(|a, b| b.created_at.cmp(&a.created_at));
            let data: Vec<Value> = rooms
                .iter()
                .take(100)
                .map(|r| room_json(r, FAKE_DOMAIN))
                .collect();
            ok(json!({"total_count": data.len(), "data": data}))
        }
        (Endpoint::GetRoom, Some(name)) => match inner.rooms.get(name).filter(|r| !r.expired()) {
            Some(r) => ok(room_json(r, FAKE_DOMAIN)),
            None => not_found(name),
        },
        (Endpoint::UpdateRoom, Some(name)) => {
            let b = match json_body(body) {
                Ok(b) => b,
                Err(a) => return a,
            };
            let Some(room) = inner.rooms.get_mut(name).filter(|r| !r.expired()) else {
                return not_found(name);
            };
            if let Some(p) = b.get("privacy") {
                match p.as_str() {
                    Some(p @ ("public" | "private")) => room.privacy = p.into(),
                    _ => {
                        return error(
                            400,
                            "invalid-request-error",
                            "privacy must be public or private",
                        )
                    }
                }
            }
            if let Some(props) = b.get("properties").and_then(Value::as_object) {
                if let Err(a) = check_properties(props) {
                    return a;
                }
                for (k, v) in props {
                    if v.is_null() {
                        room.properties.remove(k);
                    } else {
                        room.properties.insert(k.clone(), v.clone());
                    }
                }
            }
            ok(room_json(room, FAKE_DOMAIN))
        }
        (Endpoint::DeleteRoom, Some(name)) => match inner.rooms.get(name).map(Room::expired) {
            Some(false) => {
                inner.rooms.remove(name);
                ok(json!({"deleted": true, "name": name}))
            }
            Some(true) => {
                // Expired: the same 404, plus "deleted": true (daily.md §2.5); purged.
                inner.rooms.remove(name);
                (
                    404,
                    json!({"error": "not-found", "info": format!("room {name} not found"), "deleted": true}).to_string(),
                    None,
                )
            }
            None => not_found(name),
        },
        (Endpoint::CreateToken, _) => match json_body(body) {
            Ok(b) => create_token(inner, &b),
            Err(a) => a,
        },
        _ => error(404, "not-found", "no such endpoint"),
    }
}

fn not_found(name: &str) -> Answer {
    error(404, "not-found", format!("room {name} not found"))
}

fn json_body(body: &[u8]) -> Result<Value, Answer> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(error(
            400,
            "invalid-request-error",
            "the body must be a JSON object",
        )),
        Err(e) => Err(error(
            400,
            "json-parsing-error",
            format!("could not parse the body: {e}"),
        )),
    }
}

/// Property defaults (daily.md §2.1); `config` echoes only values that differ.
fn default_of(property: &str) -> Option<Value> {
    Some(match property {
        "max_participants" => json!(200),
        "enable_chat"
        | "eject_at_room_exp"
        | "start_video_off"
        | "start_audio_off"
        | "owner_only_broadcast" => json!(false),
        "enable_screenshare" => json!(true),
        "lang" => json!("en"),
        "sfu_switchover" => json!(0.5),
        _ => return None,
    })
}

fn check_properties(props: &Map<String, Value>) -> Result<(), Answer> {
    for (k, v) in props {
        if v.is_null() {
            continue;
        }
        let ok = match k.as_str() {
            "nbf" | "exp" | "max_participants" | "eject_after_elapsed" => {
                v.as_i64().is_some_and(|n| n >= 0)
            }
            "enable_chat"
            | "eject_at_room_exp"
            | "start_video_off"
            | "start_audio_off"
            | "enable_screenshare"
            | "enable_knocking"
            | "enable_prejoin_ui"
            | "owner_only_broadcast" => v.is_boolean(),
            "enable_recording" => matches!(v.as_str(), Some("cloud" | "local" | "raw-tracks")),
            "lang" => v.is_string(),
            "sfu_switchover" => v.is_number(),
            _ => true,
        };
        if !ok {
            return Err(error(
                400,
                "invalid-request-error",
                format!("{k} has an invalid value {v}"),
            ));
        }
    }
    Ok(())
}

fn create_room(inner: &mut Inner, body: &Value) -> Answer {
    let name = match body.get("name") {
        None | Some(Value::Null) => random_alnum(20),
        Some(Value::String(n)) => n.clone(),
        Some(_) => return error(400, "invalid-request-error", "name must be a string"),
    };
    if name.is_empty()
        || name.len() > 128
        || name
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        return error(
            400,
            "invalid-request-error",
            "name: must be at most 128 characters from A-Z, a-z, 0-9, '-' and '_'",
        );
    }
    let privacy = match body.get("privacy") {
        None | Some(Value::Null) => "public".to_string(),
        Some(Value::String(p)) if p == "public" || p == "private" => p.clone(),
        Some(_) => {
            return error(
                400,
                "invalid-request-error",
                "privacy must be public or private",
            )
        }
    };
    let properties = match body.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => return error(400, "invalid-request-error", "properties must be an object"),
    };
    if let Err(a) = check_properties(&properties) {
        return a;
    }
    if inner.rooms.get(&name).is_some_and(|r| !r.expired()) {
        return error(
            400,
            "invalid-request-error",
            format!("a room named {name} already exists"),
        );
    }
    let room = Room {
        id: uuid_like(),
        name: name.clone(),
        privacy,
        properties: properties
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect(),
        created_at: chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
    };
    let answer = room_json(&room, FAKE_DOMAIN);
    inner.rooms.insert(name, room);
    ok(answer)
}

fn room_json(r: &Room, domain: &str) -> Value {
    let config: Map<String, Value> = r
        .properties
        .iter()
        .filter(|(k, v)| default_of(k).as_ref() != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    json!({
        "id": r.id,
        "name": r.name,
        "api_created": true,
        "privacy": r.privacy,
        "url": format!("https://{domain}.daily.co/{}", r.name),
        "created_at": r.created_at,
        "config": config,
    })
}

/// Daily's abbreviated claim names (daily.md §3.2).
fn claim_name(property: &str) -> Option<&'static str> {
    Some(match property {
        "room_name" => "r",
        "is_owner" => "o",
        "user_name" => "u",
        "user_id" => "ud",
        "knocking" => "k",
        "enable_screenshare" => "ss",
        "enable_recording" => "er",
        "start_video_off" => "vo",
        "start_audio_off" => "ao",
        "eject_at_token_exp" => "ejt",
        "eject_after_elapsed" => "eje",
        "lang" => "uil",
        "close_tab_on_exit" => "ctoe",
        "redirect_on_meeting_exit" => "rome",
        "start_cloud_recording" => "sr",
        "permissions" => "p",
        "nbf" => "nbf",
        "exp" => "exp",
        _ => return None,
    })
}

fn create_token(inner: &mut Inner, body: &Value) -> Answer {
    let props = match body.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => return error(400, "invalid-request-error", "properties must be an object"),
    };
    let mut claims = Map::new();
    for (k, v) in &props {
        let valid = match k.as_str() {
            "room_name" | "user_name" | "lang" => v.is_string(),
            "user_id" => v.as_str().is_some_and(|s| s.chars().count() <= 36),
            "is_owner"
            | "eject_at_token_exp"
            | "enable_screenshare"
            | "start_video_off"
            | "start_audio_off"
            | "knocking"
            | "close_tab_on_exit"
            | "start_cloud_recording"
            | "enable_prejoin_ui" => v.is_boolean(),
            "exp" | "nbf" | "eject_after_elapsed" => v.as_i64().is_some_and(|n| n >= 0),
            _ => true,
        };
        if !valid {
            return error(
                400,
                "invalid-request-error",
                format!("{k} has an invalid value {v}"),
            );
        }
        if let Some(c) = claim_name(k) {
            claims.insert(c.into(), v.clone());
        }
    }
    claims.insert("d".into(), json!("00000000-0000-4000-8000-00000000da11"));
    claims.insert("iat".into(), json!(chrono::Utc::now().timestamp()));
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string());
    let signing_input = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(hmac_sha256(inner.key.as_bytes(), signing_input.as_bytes()));
    let token = format!("{signing_input}.{sig}");
    inner.tokens.push(token.clone());
    ok(json!({"token": token}))
}

/// HMAC-SHA256 (RFC 2104), to sign tokens as Daily does (HS256 with the API key).
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .into()
}

fn random_alnum(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

fn uuid_like() -> String {
    let h: String = (0..32)
        .map(|_| format!("{:x}", rand::thread_rng().gen_range(0..16u8)))
        .collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
