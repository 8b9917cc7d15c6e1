//! A small Twilio Verify (v2) client: start a verification (Twilio texts a code) and check
//! the code a person typed (`/work/shared/protocols/twilio-verify.md`).
//!
//! Form-encoded requests (`To`, `Channel`, `Code`, `Locale`), HTTP Basic authentication
//! (Account SID or API key SID, auth token), JSON answers. Failures are keyed on the HTTP
//! status and Twilio's numeric `code`, never on its `message` text. A 5xx, a time-out or a
//! failed connection is retried with exponential backoff ([`backon`]) up to
//! `CPL_TWILIO_ATTEMPTS` tries; a 4xx is final: a 429 here is Twilio's per-phone limit
//! (60203, 60202), which retrying would only make worse.
//!
//! Secrets: the auth token goes into the `Authorization` header and nowhere else
//! ([`Verify`]'s `Debug` hides it). Codes: the one a person typed is sent to Twilio and
//! never logged or put in an error sentence.

use std::fmt;
use std::time::Duration;

use backon::BackoffBuilder;
use reqwest::StatusCode;
use serde::Deserialize;

use crate::config::{Secret, TwilioConfig};

/// Twilio error codes the daemon tells apart (protocol note, "Error body").
pub mod code {
    /// Invalid parameter (e.g. `To` not E.164).
    pub const INVALID_PARAMETER: i64 = 60200;
    /// Max check attempts reached: 5 wrong codes ended the verification.
    pub const MAX_CHECKS: i64 = 60202;
    /// Max send attempts reached: 5 sends to one `To` within 10 minutes.
    pub const MAX_SENDS: i64 = 60203;
    /// Delivery blocked (fraud guard, blocked country prefix).
    pub const BLOCKED: i64 = 60410;
    /// Authentication failed.
    pub const AUTHENTICATE: i64 = 20003;
    /// Not found: unknown service, or no pending verification.
    pub const NOT_FOUND: i64 = 20404;
}

/// How long a Twilio verification stays pending (protocol note): the wait a 429 for too
/// many sends suggests.
pub const PENDING_FOR: Duration = Duration::from_secs(600);

/// What checking a code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// The right code: the verification is over and the phone is proven.
    Approved,
    /// A wrong code; the verification stays pending.
    Wrong,
}

/// Why a Twilio Verify call failed. Its `Display` is a sentence a person can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifyError {
    /// Check: no pending verification for the phone (never started, expired, approved, or
    /// ended by too many wrong codes): 404/20404.
    NoPending,
    /// Check: the fifth wrong code ended the verification: 429/60202.
    TooManyChecks,
    /// Start: too many codes sent to this phone lately: 429/60203.
    TooManySends,
    /// Start: Twilio will not text this number (fraud guard, blocked prefix): 403/60410.
    Blocked,
    /// Twilio refused the phone or a parameter: 400/60200.
    BadParameter(String),
    /// The credentials or the service SID are wrong: 401/20003, 404/20404 on start.
    Misconfigured(String),
    /// Twilio answered 5xx on every try.
    Down {
        /// The last status.
        status: u16,
        /// Tries made.
        attempts: u32,
    },
    /// No answer within the time limit, or no connection, on every try.
    Unreachable {
        /// The transport's reason.
        reason: String,
        /// Tries made.
        attempts: u32,
    },
    /// Another status, or an answer that is not what Twilio documents.
    Unexpected(String),
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::NoPending => write!(f, "no sign-in code is pending for this phone (none was sent, it expired after 10 minutes, it was already used, or too many wrong codes ended it); ask for a new one with POST /api/auth/code"),
            VerifyError::TooManyChecks => write!(f, "too many wrong codes: this code is no longer accepted; ask for a new one with POST /api/auth/code"),
            VerifyError::TooManySends => write!(f, "too many codes were sent to this phone lately (the SMS provider's limit); wait 10 minutes, then ask again"),
            VerifyError::Blocked => write!(f, "the SMS provider will not send codes to this number (its fraud protection blocks it or its country); use another number or ask the operator"),
            VerifyError::BadParameter(said) => write!(f, "the SMS provider refused this phone number ({said}); check it is a mobile number in E.164 form, e.g. +573001234567"),
            VerifyError::Misconfigured(why) => write!(f, "sign-in by SMS is misconfigured on this server ({why}); the operator must fix the Twilio settings; try again later"),
            VerifyError::Down { status, attempts } => write!(f, "the SMS provider (Twilio Verify) failed (HTTP {status}) after {}; try again in a minute", tries(*attempts)),
            VerifyError::Unreachable { reason, attempts } => write!(f, "the SMS provider (Twilio Verify) could not be reached or did not answer in time ({reason}; {}); try again in a minute", tries(*attempts)),
            VerifyError::Unexpected(why) => write!(f, "the SMS provider (Twilio Verify) answered something unexpected ({why}); try again later"),
        }
    }
}

impl std::error::Error for VerifyError {}

fn tries(n: u32) -> String {
    if n == 1 {
        "1 try".into()
    } else {
        format!("{n} tries")
    }
}

/// Twilio's error body (every 4xx/5xx); only `code` and `status` are relied on.
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

/// The fields of a Verification / VerificationCheck the daemon reads.
#[derive(Deserialize)]
struct VerificationAnswer {
    status: String,
    #[serde(default)]
    valid: bool,
}

/// A Twilio Verify client for one account and one Verify service.
#[derive(Clone)]
pub struct Verify {
    http: reqwest::Client,
    base: String,
    account_sid: String,
    auth_token: Secret,
    service_sid: String,
    timeout: Duration,
    attempts: u32,
    /// The first wait before a retry (doubles, with jitter).
    backoff: Duration,
}

impl fmt::Debug for Verify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verify")
            .field("base", &self.base)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("service_sid", &self.service_sid)
            .finish()
    }
}

/// One try's outcome.
enum Try {
    /// An answer to decide on (2xx or 4xx).
    Done(StatusCode, bytes::Bytes),
    /// Worth another try: a 5xx, a time-out, no connection.
    Again(VerifyError),
}

impl Verify {
    /// A client per the configuration, or None when it is not configured (sign-in by SMS
    /// off).
    pub fn from_config(config: &TwilioConfig) -> Option<Verify> {
        let creds = config.credentials.clone()?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeout)
            .timeout(config.timeout)
            .user_agent(concat!("cpld/", env!("CARGO_PKG_VERSION")))
            .build();
        match http {
            Ok(http) => Some(Verify {
                http,
                base: config.url.trim_end_matches('/').to_string(),
                account_sid: creds.account_sid,
                auth_token: creds.auth_token,
                service_sid: creds.service_sid,
                timeout: config.timeout,
                attempts: config.attempts.max(1),
                backoff: Duration::from_millis(200),
            }),
            Err(e) => {
                tracing::error!("sign-in by SMS is off: cannot build the Twilio HTTP client: {e}");
                None
            }
        }
    }

    /// Asks Twilio to text a code to `phone` (E.164), in `locale` when given. Sending again
    /// while one is pending re-sends for the same verification.
    pub async fn start(&self, phone: &str, locale: Option<&str>) -> Result<(), VerifyError> {
        let mut form = vec![("To", phone), ("Channel", "sms")];
        if let Some(l) = locale {
            form.push(("Locale", l));
        }
        let (status, bytes) = self.post("Verifications", &form).await?;
        if status.is_success() {
            let answer: VerificationAnswer = decode(status, &bytes)?;
            return match answer.status.as_str() {
                "pending" => Ok(()),
                other => Err(VerifyError::Unexpected(format!(
                    "a new verification with status {other:?}"
                ))),
            };
        }
        let (code, said) = error_of(&bytes);
        Err(match (status.as_u16(), code) {
            (429, _) => VerifyError::TooManySends,
            (403, Some(code::BLOCKED)) => VerifyError::Blocked,
            (400, _) => VerifyError::BadParameter(said),
            (401, _) => self.bad_credentials(),
            (404, _) => VerifyError::Misconfigured(format!(
                "Twilio does not know the Verify service TWILIO_VERIFY_SERVICE_SID={}",
                self.service_sid
            )),
            (s, c) => unexpected(s, c, &said),
        })
    }

    /// Checks `code` for `phone`. The code is sent to Twilio and nowhere else.
    pub async fn check(&self, phone: &str, code: &str) -> Result<Checked, VerifyError> {
        let (status, bytes) = self
            .post("VerificationCheck", &[("To", phone), ("Code", code)])
            .await?;
        if status.is_success() {
            let answer: VerificationAnswer = decode(status, &bytes)?;
            return Ok(if answer.status == "approved" && answer.valid {
                Checked::Approved
            } else {
                Checked::Wrong
            });
        }
        let (twilio_code, said) = error_of(&bytes);
        Err(match (status.as_u16(), twilio_code) {
            (404, _) => VerifyError::NoPending,
            (429, _) => VerifyError::TooManyChecks,
            (401, _) => self.bad_credentials(),
            (400, _) => VerifyError::BadParameter(said),
            (s, c) => unexpected(s, c, &said),
        })
    }

    fn bad_credentials(&self) -> VerifyError {
        VerifyError::Misconfigured(format!(
            "Twilio rejected TWILIO_ACCOUNT_SID={} with its TWILIO_AUTH_TOKEN (error 20003)",
            self.account_sid
        ))
    }

    /// One POST with retries on 5xx, time-outs and failed connections.
    async fn post(
        &self,
        resource: &str,
        form: &[(&str, &str)],
    ) -> Result<(StatusCode, bytes::Bytes), VerifyError> {
        let url = format!("{}/Services/{}/{resource}", self.base, self.service_sid);
        let mut waits = backon::ExponentialBuilder::default()
            .with_min_delay(self.backoff)
            .with_max_delay(Duration::from_secs(4))
            .with_jitter()
            .without_max_times()
            .build();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.try_once(&url, form).await {
                Try::Done(status, bytes) => return Ok((status, bytes)),
                Try::Again(failure) => failure,
            };
            let failure = match failure {
                VerifyError::Down { status, .. } => VerifyError::Down {
                    status,
                    attempts: attempt,
                },
                VerifyError::Unreachable { reason, .. } => VerifyError::Unreachable {
                    reason,
                    attempts: attempt,
                },
                other => other,
            };
            if attempt >= self.attempts {
                return Err(failure);
            }
            let wait = waits.next().unwrap_or(self.backoff);
            tracing::warn!(
                resource,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "Twilio Verify call failed ({failure}); retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn try_once(&self, url: &str, form: &[(&str, &str)]) -> Try {
        let body = match serde_urlencoded::to_string(form) {
            Ok(b) => b,
            Err(e) => return Try::Again(VerifyError::Unexpected(e.to_string())),
        };
        let sent = self
            .http
            .post(url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return Try::Again(self.transport(&e)),
        };
        let status = resp.status();
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Try::Again(self.transport(&e)),
        };
        if status.is_server_error() {
            return Try::Again(VerifyError::Down {
                status: status.as_u16(),
                attempts: 0,
            });
        }
        Try::Done(status, bytes)
    }

    fn transport(&self, e: &reqwest::Error) -> VerifyError {
        let reason = if e.is_timeout() {
            format!(
                "no answer within {} (CPL_TWILIO_TIMEOUT)",
                humantime::format_duration(self.timeout)
            )
        } else {
            let mut reason = format!("cannot connect to {}", self.base);
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                reason = format!("{reason}: {s}");
                source = s.source();
            }
            reason
        };
        VerifyError::Unreachable {
            reason,
            attempts: 0,
        }
    }
}

fn decode(status: StatusCode, bytes: &[u8]) -> Result<VerificationAnswer, VerifyError> {
    serde_json::from_slice(bytes).map_err(|e| {
        VerifyError::Unexpected(format!(
            "HTTP {} with a body that is not a verification: {e}",
            status.as_u16()
        ))
    })
}

/// Twilio's `code` and its `message` (cut short), from an error body.
fn error_of(bytes: &[u8]) -> (Option<i64>, String) {
    let body: ErrorBody = serde_json::from_slice(bytes).unwrap_or_default();
    let message: String = body
        .message
        .unwrap_or_else(|| "no message".into())
        .chars()
        .take(200)
        .collect();
    let said = match body.code {
        Some(c) => format!("{c}: {message}"),
        None => message,
    };
    (body.code, said)
}

fn unexpected(status: u16, code: Option<i64>, said: &str) -> VerifyError {
    let code = code.map(|c| format!(" {c}")).unwrap_or_default();
    VerifyError::Unexpected(format!("HTTP {status}{code}: {said}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_read_by_code() {
        let (code, said) = error_of(
            br#"{"code": 60203, "message": "Max send attempts reached", "more_info": "x", "status": 429}"#,
        );
        assert_eq!(code, Some(60203));
        assert_eq!(said, "60203: Max send attempts reached");
        assert_eq!(error_of(b"not json").0, None);
    }

    #[test]
    fn sentences_say_what_to_do() {
        assert!(VerifyError::NoPending
            .to_string()
            .contains("ask for a new one"));
        let down = VerifyError::Down {
            status: 503,
            attempts: 3,
        };
        assert!(down.to_string().contains("HTTP 503"), "{down}");
        assert!(down.to_string().contains("3 tries"), "{down}");
    }
}
