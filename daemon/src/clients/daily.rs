//! A small Daily.co REST client: create, read and delete a room, mint a meeting token.
//!
//! The protocol is Daily's REST API (<https://docs.daily.co/reference/rest-api>: bearer
//! key, `{"error", "info"}` error bodies, 429 when rate limited). Every call has a time limit
//! (`CPL_DAILY_TIMEOUT`). A 429, a 5xx, a time-out or a failed connection is retried with
//! exponential backoff and jitter, a `Retry-After` header winning over the computed wait,
//! up to `CPL_DAILY_ATTEMPTS` tries inside `CPL_DAILY_RETRY_BUDGET`; any other 4xx is final
//! (Daily's advice: retry 429s with exponential backoff). Statuses are read before bodies,
//! and Daily's `info` text is only ever quoted, never parsed: only the status and the
//! `error` kind are stable.
//!
//! The API key is written into the `Authorization` header and nowhere else: [`Daily`]'s
//! `Debug` hides it, no log line carries it, and every error sentence is scrubbed of it in
//! case an answer echoes it.

use std::fmt;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use citypulse::ids::{EventId, UserId};
use citypulse::time::Timestamp;
use rand::Rng;
use reqwest::header::{HeaderMap, ACCEPT, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::{DailyConfig, Secret};

/// Every room this daemon creates is named `citypulse-event-<event id>` (40 characters,
/// only `[a-z0-9-]`, so Daily accepts it:
/// <https://docs.daily.co/reference/rest-api/rooms/create-room>).
pub const ROOM_PREFIX: &str = "citypulse-event-";

/// A room stays open this long after the event's start (or its creation, when it has no
/// start or the start is past), so a forgotten event's room does not live for ever.
pub const ROOM_LIFETIME: Duration = Duration::from_secs(4 * 3600);

/// When an event has a planned end, its room stays open at least this long after it.
pub const ROOM_GRACE_AFTER_END: Duration = Duration::from_secs(3600);

/// A meeting token can be used to enter the room for this long after `join`; a client
/// that needs to enter again later calls `join` again for a fresh one.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 3600);

/// The longest single wait between two tries when Daily sends no `Retry-After`.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// The Daily room name of an event.
pub fn room_name(event: &EventId) -> String {
    format!("{ROOM_PREFIX}{event}")
}

/// The `exp` (unix seconds) of an event's room: [`ROOM_LIFETIME`] after the later of its
/// start and now, and at least [`ROOM_GRACE_AFTER_END`] after its planned end.
pub fn room_expiry(
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    now: Timestamp,
) -> i64 {
    let from = starts_at.map_or(now, |s| s.max(now));
    let mut exp = from + delta(ROOM_LIFETIME);
    if let Some(end) = ends_at {
        exp = exp.max(end + delta(ROOM_GRACE_AFTER_END));
    }
    exp.timestamp()
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// How hard to try one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Time limit of one HTTP exchange.
    pub timeout: Duration,
    /// Tries in all (1 = no retry).
    pub attempts: u32,
    /// The first wait; it doubles per retry (capped), with jitter.
    pub backoff: Duration,
    /// Most time a call may take, tries and waits included.
    pub budget: Duration,
}

impl RetryPolicy {
    /// The wait before try `next` (2, 3, ...) when Daily gave no `Retry-After`:
    /// exponential, capped, with "equal jitter" (half fixed, half random) so daemons that
    /// failed together do not retry together.
    fn backoff(&self, next: u32) -> Duration {
        let factor = 1u32 << next.saturating_sub(2).min(16);
        let full = self
            .backoff
            .saturating_mul(factor)
            .min(MAX_BACKOFF.max(self.backoff));
        let half = full / 2;
        half + half.mul_f64(rand::thread_rng().gen_range(0.0..=1.0))
    }
}

/// A room as Daily describes it (<https://docs.daily.co/reference/rest-api/rooms>); only
/// what we use is required.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Room {
    /// Daily's id of the room.
    #[serde(default)]
    pub id: Option<String>,
    /// The room name.
    pub name: String,
    /// `https://<domain>.daily.co/<name>`.
    #[serde(default)]
    pub url: Option<String>,
    /// `"public"` or `"private"`.
    #[serde(default)]
    pub privacy: Option<String>,
}

/// The body of `POST /rooms`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateRoom {
    /// `citypulse-event-<event id>`.
    pub name: String,
    /// Always `"private"`: only holders of a meeting token (handed out by `join`) enter.
    pub privacy: &'static str,
    /// Room properties.
    pub properties: RoomProperties,
}

/// The room properties we set (<https://docs.daily.co/reference/rest-api/rooms/create-room>);
/// everything else keeps Daily's default.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomProperties {
    /// Unix seconds after which nobody can join and the room counts as deleted.
    pub exp: i64,
    /// Everyone is removed at `exp`, so a room never outlives its event by much.
    pub eject_at_room_exp: bool,
}

/// The properties of a meeting token
/// (<https://docs.daily.co/reference/rest-api/meeting-tokens/create-meeting-token>).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenProperties {
    /// The one room the token opens (unset would open every room of the domain).
    pub room_name: String,
    /// The CityPulse user id (24 characters; Daily allows 36).
    pub user_id: String,
    /// The display name.
    pub user_name: String,
    /// Meeting-owner rights: the event's creator only.
    pub is_owner: bool,
    /// Unix seconds after which the token no longer lets anyone in.
    pub exp: i64,
}

impl TokenProperties {
    /// The token for `user` entering `room` at `now`.
    pub fn new(room: &str, user: &UserId, name: &str, is_owner: bool, now: Timestamp) -> Self {
        TokenProperties {
            room_name: room.to_string(),
            user_id: user.to_string(),
            user_name: name.to_string(),
            is_owner,
            exp: (now + delta(TOKEN_LIFETIME)).timestamp(),
        }
    }
}

#[derive(Serialize)]
struct TokenRequest<'a> {
    properties: &'a TokenProperties,
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: String,
}

/// Daily's error body: `{"error": "<stable kind>", "info": "<free text>"}`
/// (<https://docs.daily.co/reference/rest-api>).
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    info: Option<String>,
}

/// Why a Daily call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// 401: the key is wrong or revoked. Never retried.
    BadKey,
    /// Another 4xx (not 429): Daily refused the request. Never retried.
    Refused {
        /// HTTP status.
        status: u16,
        /// Daily's `error` and `info`, as one phrase.
        said: String,
    },
    /// 429 or 5xx on every try, or a `Retry-After` longer than the budget allows.
    GaveUp {
        /// The last HTTP status.
        status: u16,
        /// Daily's `error` and `info`, as one phrase.
        said: String,
        /// Tries made.
        attempts: u32,
        /// The last `Retry-After`, when it was what stopped us.
        retry_after: Option<Duration>,
    },
    /// No answer within the time limit on the last try.
    Timeout {
        /// The limit of one try.
        limit: Duration,
        /// Tries made.
        attempts: u32,
    },
    /// No connection.
    Unreachable {
        /// The transport's reason.
        reason: String,
        /// Tries made.
        attempts: u32,
    },
    /// A success status with a body that is not what Daily documents.
    Garbage {
        /// HTTP status.
        status: u16,
        /// What was wrong.
        why: String,
    },
}

/// A failed Daily call: what we were doing and why it failed. Its `Display` is the
/// sentence a client is given (key scrubbed).
#[derive(Debug, Clone, PartialEq)]
pub struct DailyError {
    /// What we were doing ("creating video room citypulse-event-...").
    pub op: String,
    /// Daily's base URL (for "cannot reach" sentences).
    pub base: String,
    /// Why it failed.
    pub failure: Failure,
}

impl DailyError {
    /// True when Daily certainly did not carry the request out (it refused it), so there
    /// is nothing to clean up; false when it may have (5xx, no answer, garbled answer).
    pub fn is_definite_refusal(&self) -> bool {
        matches!(self.failure, Failure::BadKey | Failure::Refused { .. })
    }
}

fn tries(n: u32) -> String {
    if n == 1 {
        "1 try".into()
    } else {
        format!("{n} tries")
    }
}

impl fmt::Display for DailyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = &self.op;
        match &self.failure {
            Failure::BadKey => write!(
                f,
                "Daily.co rejected the API key while {op} (HTTP 401 authentication-error): DAILY_API_KEY is wrong or has been revoked; put a valid key from the Daily dashboard (Developers > API keys) in DAILY_API_KEY and restart cpld"
            ),
            Failure::Refused { status, said } => {
                write!(f, "Daily.co refused {op} (HTTP {status} {said})")
            }
            Failure::GaveUp { status: 429, said, attempts, retry_after } => {
                write!(f, "Daily.co is rate limiting cpld (HTTP 429 {said}) while {op}, still after {}", tries(*attempts))?;
                if let Some(ra) = retry_after {
                    write!(f, " (it asked to wait {}, longer than CPL_DAILY_RETRY_BUDGET allows)", humantime::format_duration(*ra))?;
                }
                write!(f, "; try again in a few seconds")
            }
            Failure::GaveUp { status, said, attempts, .. } => write!(
                f,
                "Daily.co failed while {op} (HTTP {status} {said}) after {}; try again later",
                tries(*attempts)
            ),
            Failure::Timeout { limit, attempts } => write!(
                f,
                "Daily.co did not answer within {} while {op} ({}); try again later (CPL_DAILY_TIMEOUT sets the limit)",
                humantime::format_duration(*limit),
                tries(*attempts)
            ),
            Failure::Unreachable { reason, attempts } => write!(
                f,
                "cannot reach Daily.co at {} while {op} ({}): {reason}; check DAILY_API_URL and the network",
                self.base,
                tries(*attempts)
            ),
            Failure::Garbage { status, why } => write!(
                f,
                "Daily.co answered {op} with something that is not the JSON Daily documents (HTTP {status}: {why}); check that DAILY_API_URL points at Daily's REST API, then try again"
            ),
        }
    }
}

impl std::error::Error for DailyError {}

/// A Daily.co client for one API key.
#[derive(Clone)]
pub struct Daily {
    http: reqwest::Client,
    base: String,
    key: Secret,
    domain: Option<String>,
    retry: RetryPolicy,
}

impl fmt::Debug for Daily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Daily")
            .field("base", &self.base)
            .field("key", &"<redacted>")
            .field("domain", &self.domain)
            .field("retry", &self.retry)
            .finish()
    }
}

/// One try's outcome, before deciding whether to try again.
enum Try {
    /// An answer to hand back (2xx, or a 4xx other than 429).
    Done(StatusCode, bytes::Bytes),
    /// A retryable failure, with the server's `Retry-After` if any.
    Again(Failure, Option<Duration>),
}

impl Daily {
    /// A client per the configuration, or None when no key is set (video off).
    pub fn from_config(config: &DailyConfig) -> Option<Daily> {
        let key = config.api_key.clone()?;
        let retry = RetryPolicy {
            timeout: config.timeout,
            attempts: config.attempts.max(1),
            backoff: config.backoff,
            budget: config.retry_budget,
        };
        match Daily::new(&config.api_url, key, config.domain.clone(), retry) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::error!("video is off: cannot build the Daily.co HTTP client: {e}");
                None
            }
        }
    }

    /// A client of the Daily REST API at `base` (`https://api.daily.co/v1`).
    pub fn new(
        base: &str,
        key: Secret,
        domain: Option<String>,
        retry: RetryPolicy,
    ) -> Result<Daily, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(retry.timeout)
            .timeout(retry.timeout)
            .user_agent(concat!("cpld/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Daily {
            http,
            base: base.trim_end_matches('/').to_string(),
            key,
            domain,
            retry,
        })
    }

    /// Creates the private room `name` expiring at `exp`. A 400 can mean the room exists
    /// (what Daily answers to a duplicate name is not relied on): then the room is read back, and
    /// since room names carry a fresh event id, a room of that name can only come from an
    /// earlier try of this same creation whose answer was lost, so it is used.
    pub async fn create_room(&self, name: &str, exp: i64) -> Result<Room, DailyError> {
        let op = format!("creating video room {name}");
        let body = CreateRoom {
            name: name.to_string(),
            privacy: "private",
            properties: RoomProperties {
                exp,
                eject_at_room_exp: true,
            },
        };
        let body = serde_json::to_value(&body).map_err(|e| self.err(&op, garbage(0, e)))?;
        let (status, bytes) = self.call(&op, Method::POST, "/rooms", Some(&body)).await?;
        if status == StatusCode::BAD_REQUEST {
            let refused = self.refusal(&op, status, &bytes);
            return match self.get_room(name).await {
                Ok(Some(room)) => {
                    tracing::info!(
                        room = name,
                        "Daily.co already had the room (an earlier try reached it); using it"
                    );
                    self.with_url(&op, room)
                }
                Ok(None) => Err(refused),
                // Daily failing to say whether the room exists: report that failure, which
                // is not a definite refusal, so the caller cleans the name up.
                Err(e) if !e.is_definite_refusal() => Err(e),
                Err(_) => Err(refused),
            };
        }
        let room: Room = self.success(&op, status, &bytes)?;
        if room.name != name {
            return Err(self.err(
                &op,
                Failure::Garbage {
                    status: status.as_u16(),
                    why: format!("the room object is named {:?}, not {name:?}", room.name),
                },
            ));
        }
        self.with_url(&op, room)
    }

    /// Creates the room of a new event. If that fails in a way that may have left a room
    /// at Daily (a 5xx, no answer, a garbled answer: the work may have been done and only
    /// the answer lost), the room is deleted again, so that a failed creation leaves
    /// nothing behind (issue 5: "either the event and its room both exist, or neither").
    pub async fn create_event_room(
        &self,
        event: &EventId,
        starts_at: Option<Timestamp>,
        ends_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Room, DailyError> {
        let name = room_name(event);
        match self
            .create_room(&name, room_expiry(starts_at, ends_at, now))
            .await
        {
            Ok(room) => Ok(room),
            Err(e) => {
                if !e.is_definite_refusal() {
                    self.discard_room(&name).await;
                }
                Err(e)
            }
        }
    }

    /// Deletes a room nobody will use, logging (not returning) a failure.
    pub async fn discard_room(&self, name: &str) {
        if let Err(e) = self.delete_room(name).await {
            tracing::warn!(
                room = name,
                "could not delete an unused Daily.co room; it expires on its own: {e}"
            );
        }
    }

    /// Reads room `name`; None when Daily has no such room (or it expired).
    pub async fn get_room(&self, name: &str) -> Result<Option<Room>, DailyError> {
        let op = format!("reading video room {name}");
        let (status, bytes) = self
            .call(&op, Method::GET, &format!("/rooms/{name}"), None)
            .await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.success(&op, status, &bytes).map(Some)
    }

    /// Deletes room `name`. A room Daily does not know (already deleted or expired,
    /// <https://docs.daily.co/reference/rest-api/rooms/delete-room>) counts as deleted.
    pub async fn delete_room(&self, name: &str) -> Result<(), DailyError> {
        let op = format!("deleting video room {name}");
        let (status, bytes) = self
            .call(&op, Method::DELETE, &format!("/rooms/{name}"), None)
            .await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(());
        }
        let _: serde_json::Value = self.success(&op, status, &bytes)?;
        Ok(())
    }

    /// Mints a meeting token.
    pub async fn meeting_token(&self, props: &TokenProperties) -> Result<String, DailyError> {
        let op = format!(
            "creating a meeting token for video room {}",
            props.room_name
        );
        let body = serde_json::to_value(TokenRequest { properties: props })
            .map_err(|e| self.err(&op, garbage(0, e)))?;
        let (status, bytes) = self
            .call(&op, Method::POST, "/meeting-tokens", Some(&body))
            .await?;
        let answer: TokenAnswer = self.success(&op, status, &bytes)?;
        if answer.token.is_empty() {
            return Err(self.err(
                &op,
                Failure::Garbage {
                    status: status.as_u16(),
                    why: "the token is empty".into(),
                },
            ));
        }
        Ok(answer.token)
    }

    /// The room with its URL: Daily's, or `https://<DAILY_DOMAIN>/<name>` if Daily sent none.
    fn with_url(&self, op: &str, mut room: Room) -> Result<Room, DailyError> {
        if room.url.as_deref().is_none_or(str::is_empty) {
            room.url = self.domain.as_deref().map(|d| domain_url(d, &room.name));
        }
        match (&room.url, &self.domain) {
            (None, _) => Err(self.err(
                op,
                Failure::Garbage {
                    status: 200,
                    why: "the room object has no url, and DAILY_DOMAIN is not set to build one"
                        .into(),
                },
            )),
            (Some(url), Some(domain)) if !url.contains(domain.trim_end_matches(".daily.co")) => {
                tracing::warn!(url = %url, domain = %domain, "the room URL Daily.co gave is not on DAILY_DOMAIN; is the key from another domain?");
                Ok(room)
            }
            _ => Ok(room),
        }
    }

    /// One call, with the retry policy. Returns a 2xx or a final 4xx; retryable failures
    /// that outlast the attempts or the budget become errors, as do 401s.
    ///
    /// Written out rather than built on a retry crate (`backon`): its jitter adds up to a
    /// whole delay on top (ours is "equal jitter", half fixed, half random), its total-delay
    /// cap counts only the waits (our budget counts the tries too), and a `Retry-After`, the
    /// try count in the sentence and "stopped by the budget" would all still be computed here.
    async fn call(
        &self,
        op: &str,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(StatusCode, bytes::Bytes), DailyError> {
        let url = format!("{}{path}", self.base);
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let left = self.retry.budget.saturating_sub(started.elapsed());
            let limit = self.retry.timeout.min(left).max(Duration::from_millis(1));
            let outcome = self.try_once(method.clone(), &url, body, limit).await;
            let (failure, retry_after) = match outcome {
                Try::Done(status, _) if status == StatusCode::UNAUTHORIZED => {
                    return Err(self.err(op, Failure::BadKey));
                }
                Try::Done(status, bytes) => return Ok((status, bytes)),
                Try::Again(failure, retry_after) => (failure, retry_after),
            };
            let failure = with_attempts(failure, attempt);
            if attempt >= self.retry.attempts {
                return Err(self.err(op, failure));
            }
            let wait = match retry_after {
                // Never retry sooner than Daily asked; a little jitter on top only.
                Some(ra) => {
                    ra + ra
                        .mul_f64(rand::thread_rng().gen_range(0.0..=0.1))
                        .min(Duration::from_millis(250))
                }
                None => self.retry.backoff(attempt + 1),
            };
            if started.elapsed() + wait >= self.retry.budget {
                let failure = match failure {
                    Failure::GaveUp {
                        status,
                        said,
                        attempts,
                        ..
                    } if retry_after.is_some() => Failure::GaveUp {
                        status,
                        said,
                        attempts,
                        retry_after,
                    },
                    f => f,
                };
                return Err(self.err(op, failure));
            }
            tracing::warn!(
                op,
                attempt,
                wait_ms = wait.as_millis() as u64,
                failure = %self.scrub(&format!("{failure:?}")),
                "Daily.co call failed; retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn try_once(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
        limit: Duration,
    ) -> Try {
        let mut req = self
            .http
            .request(method, url)
            .bearer_auth(self.key.expose())
            .header(ACCEPT, "application/json")
            .timeout(limit);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Try::Again(self.transport(&e, limit), None),
        };
        let status = resp.status();
        let retry_after = retry_after(resp.headers());
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Try::Again(self.transport(&e, limit), None),
        };
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let said = self.said(&bytes);
            return Try::Again(
                Failure::GaveUp {
                    status: status.as_u16(),
                    said,
                    attempts: 0,
                    retry_after: None,
                },
                retry_after,
            );
        }
        Try::Done(status, bytes)
    }

    fn transport(&self, e: &reqwest::Error, limit: Duration) -> Failure {
        if e.is_timeout() {
            return Failure::Timeout { limit, attempts: 0 };
        }
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            reason = format!("{reason}: {s}");
            source = s.source();
        }
        Failure::Unreachable {
            reason: self.scrub(&reason),
            attempts: 0,
        }
    }

    /// Decodes a 2xx body, or turns another status into its failure.
    fn success<T: DeserializeOwned>(
        &self,
        op: &str,
        status: StatusCode,
        bytes: &[u8],
    ) -> Result<T, DailyError> {
        if !status.is_success() {
            return Err(self.refusal(op, status, bytes));
        }
        serde_json::from_slice(bytes).map_err(|e| {
            let start = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
            self.err(
                op,
                Failure::Garbage {
                    status: status.as_u16(),
                    why: self.scrub(&format!("{e}; the body began {start:?}")),
                },
            )
        })
    }

    fn refusal(&self, op: &str, status: StatusCode, bytes: &[u8]) -> DailyError {
        let failure = if status == StatusCode::UNAUTHORIZED {
            Failure::BadKey
        } else {
            Failure::Refused {
                status: status.as_u16(),
                said: self.said(bytes),
            }
        };
        self.err(op, failure)
    }

    /// Daily's `error` and `info` as one phrase ("invalid-request-error: name too long").
    fn said(&self, bytes: &[u8]) -> String {
        let body: ErrorBody = serde_json::from_slice(bytes).unwrap_or_default();
        let mut s = body.error.unwrap_or_else(|| "(no error kind)".into());
        if let Some(info) = body.info.filter(|i| !i.is_empty()) {
            let info: String = info.chars().take(300).collect();
            s = format!("{s}: {info}");
        }
        self.scrub(&s)
    }

    fn err(&self, op: &str, failure: Failure) -> DailyError {
        DailyError {
            op: op.to_string(),
            base: self.base.clone(),
            failure,
        }
    }

    /// Removes the key from text that came from outside (an answer could echo it).
    fn scrub(&self, text: &str) -> String {
        let key = self.key.expose();
        if key.is_empty() {
            text.to_string()
        } else {
            text.replace(key, "<redacted>")
        }
    }
}

fn garbage(status: u16, e: impl fmt::Display) -> Failure {
    Failure::Garbage {
        status,
        why: e.to_string(),
    }
}

fn with_attempts(f: Failure, n: u32) -> Failure {
    match f {
        Failure::GaveUp {
            status,
            said,
            retry_after,
            ..
        } => Failure::GaveUp {
            status,
            said,
            attempts: n,
            retry_after,
        },
        Failure::Timeout { limit, .. } => Failure::Timeout { limit, attempts: n },
        Failure::Unreachable { reason, .. } => Failure::Unreachable {
            reason,
            attempts: n,
        },
        other => other,
    }
}

/// `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3). Daily's answers are not
/// relied on to carry it: without it the computed backoff applies.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
}

/// `https://<domain>.daily.co/<name>` from `DAILY_DOMAIN` given as `acme` or `acme.daily.co`.
fn domain_url(domain: &str, name: &str) -> String {
    let host = domain
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    if host.contains('.') {
        format!("https://{host}/{name}")
    } else {
        format!("https://{host}.daily.co/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            timeout: Duration::from_secs(1),
            attempts: 3,
            backoff: Duration::from_millis(100),
            budget: Duration::from_secs(10),
        }
    }

    #[test]
    fn room_names_are_what_daily_accepts() {
        let n = room_name(&EventId::generate());
        assert!(n.len() <= 128);
        assert!(n
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = policy();
        for _ in 0..50 {
            let b2 = p.backoff(2);
            assert!(
                b2 >= Duration::from_millis(50) && b2 <= Duration::from_millis(100),
                "{b2:?}"
            );
            let b3 = p.backoff(3);
            assert!(
                b3 >= Duration::from_millis(100) && b3 <= Duration::from_millis(200),
                "{b3:?}"
            );
            assert!(p.backoff(30) <= MAX_BACKOFF);
        }
    }

    #[test]
    fn expiry_follows_the_event() {
        let now = citypulse::time::now();
        let four_h = now.timestamp() + 4 * 3600;
        assert_eq!(room_expiry(None, None, now), four_h);
        // A past start counts from now.
        assert_eq!(
            room_expiry(Some(now - TimeDelta::hours(10)), None, now),
            four_h
        );
        let start = now + TimeDelta::days(1);
        assert_eq!(
            room_expiry(Some(start), None, now),
            start.timestamp() + 4 * 3600
        );
        let end = start + TimeDelta::hours(8);
        assert_eq!(
            room_expiry(Some(start), Some(end), now),
            end.timestamp() + 3600
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        let later = (chrono::Utc::now() + TimeDelta::seconds(30))
            .to_rfc2822()
            .replace("+0000", "GMT");
        h.insert(RETRY_AFTER, later.parse().unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn domain_urls() {
        assert_eq!(domain_url("acme", "r"), "https://acme.daily.co/r");
        assert_eq!(domain_url("acme.daily.co", "r"), "https://acme.daily.co/r");
    }

    #[test]
    fn the_key_never_shows() {
        let d = Daily::new(
            "http://127.0.0.1:1",
            Secret::new("sk-top-secret"),
            None,
            policy(),
        )
        .unwrap();
        assert!(!format!("{d:?}").contains("sk-top-secret"));
        assert_eq!(d.scrub("echo sk-top-secret"), "echo <redacted>");
        let e = d.refusal(
            "x",
            StatusCode::BAD_REQUEST,
            br#"{"error":"e","info":"Bearer sk-top-secret"}"#,
        );
        assert!(!e.to_string().contains("sk-top-secret"), "{e}");
        let e = d.refusal("x", StatusCode::UNAUTHORIZED, b"{}");
        assert!(e.to_string().contains("DAILY_API_KEY is wrong"), "{e}");
    }
}
