//! `cpld` configuration: one layered loader with a written precedence.
//!
//! Precedence, highest first: command-line flags > process environment > `.env` file >
//! config file (TOML) > defaults. Every setting has one environment name (the original
//! backend's names keep their meaning: `MONGODB_URL`, `DATABASE_NAME`, `DAILY_API_KEY`,
//! `DAILY_DOMAIN`, `DEEPGRAM_API_KEY`, `CORS_ORIGINS`; ours are `CPL_*`) and one config-file
//! key (the environment name lower-cased without `CPL_`). A bad value stops the daemon at
//! start with a sentence naming the setting and where the value came from.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub mod client_addr;

use client_addr::TrustedProxies;

/// A value that must never be printed: API keys, tokens, database URLs with passwords.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// One setting: its environment name, what it means, its default (as text).
pub struct Setting {
    /// Environment variable name.
    pub env: &'static str,
    /// One-line meaning, shown by `cpld --help` and in the README.
    pub help: &'static str,
    /// Default, as it would be written.
    pub default: Option<&'static str>,
}

/// Every setting `cpld` reads.
pub const SETTINGS: &[Setting] = &[
    Setting { env: "CPL_LISTEN", help: "address:port the daemon listens on", default: Some("127.0.0.1:8000") },
    Setting { env: "PORT", help: "when CPL_LISTEN is not set: listen on 0.0.0.0:PORT (the port Render, Railway, Heroku and Cloud Run pass); ignored when CPL_LISTEN or --listen is set", default: None },
    Setting { env: "CPL_DB", help: "SQLite database file of the embedded store", default: None },
    Setting { env: "MONGODB_URL", help: "MongoDB connection string; when set, MongoDB is the store instead of SQLite", default: None },
    Setting { env: "DATABASE_NAME", help: "MongoDB database name", default: Some("citypulse_live") },
    Setting { env: "CPL_ADMIN_TOKEN", help: "bearer token for admin calls (manual drops, user listing, token reset); at least 24 characters (make one with: openssl rand -hex 32); unset disables them", default: None },
    Setting { env: "CPL_DROP_INTERVAL", help: "time between collectible drop rounds (300, 90s, 5m)", default: Some("300") },
    Setting { env: "CPL_DROP_TTL", help: "how long a dropped collectible stays claimable", default: Some("30") },
    Setting { env: "CPL_CLEANUP_INTERVAL", help: "time between sweeps that deactivate expired collectibles", default: Some("60") },
    Setting { env: "CPL_RATE_LIMIT", help: "writes per second per client address on REST, and frames per second per WebSocket; 0 turns limiting off", default: Some("20") },
    Setting { env: "CPL_AUTH_FAILURES_PER_MINUTE", help: "failed authentications (a wrong, malformed or conflicting token) per minute per client address, after a burst of as many; past it every token that address sends, a right one too, answers 429 until the budget refills; 0 turns it off", default: Some("30") },
    Setting { env: "CPL_LOOKUPS_PER_MINUTE", help: "profile lookups by id (GET /api/users/{id} and /api/users/{id}/collectibles) per minute per client address, after a burst of as many; 0 turns it off", default: Some("120") },
    Setting { env: "CPL_METRICS_TOKEN", help: "when set, GET /metrics needs 'Authorization: Bearer <this token>' (at least 24 characters); unset: /metrics is public", default: None },
    Setting { env: "CPL_WS_HEARTBEAT", help: "time between WebSocket pings the daemon sends", default: Some("15") },
    Setting { env: "CPL_WS_TIMEOUT", help: "a WebSocket silent this long (no frame, no pong) is closed and its user leaves their rooms", default: Some("45") },
    Setting { env: "CPL_WS_QUEUE", help: "messages queued per WebSocket before a slow client is disconnected", default: Some("256") },
    Setting { env: "CPL_WS_QUEUE_BYTES", help: "bytes queued per WebSocket before a slow client is disconnected (1048576, 512KiB, 1MiB; at least 256KiB, above the largest frame)", default: Some("1MiB") },
    Setting { env: "CPL_WS_USER_QUEUE_BYTES", help: "bytes queued across one user's WebSockets before the one being sent to is disconnected (at least CPL_WS_QUEUE_BYTES)", default: Some("4MiB") },
    Setting { env: "CPL_PRESENCE_BATCH_ABOVE", help: "in a room of more members than this, joins and leaves are not announced one user_joined/user_left each but gathered into one presence frame per CPL_PRESENCE_BATCH_WINDOW (the joiner and the leaver still hear their own at once); 0 gathers in every room", default: Some("200") },
    Setting { env: "CPL_PRESENCE_BATCH_WINDOW", help: "how long a big room's joins and leaves are gathered before its members hear them in one presence frame (250ms, 1s)", default: Some("250ms") },
    Setting { env: "CPL_MAX_CONNECTIONS_PER_USER", help: "open WebSockets allowed per user (room sockets and transcription streams together)", default: Some("8") },
    Setting { env: "CPL_MAX_ROOMS_PER_USER", help: "event rooms one user can be in at once", default: Some("50") },
    Setting { env: "CPL_TRUSTED_PROXIES", help: "comma-separated addresses or CIDR ranges of your reverse proxies / load balancers; their X-Forwarded-For names the client, so rate limits and the connection cap count per client instead of per proxy", default: None },
    Setting { env: "CPL_HEADER_TIMEOUT", help: "a request's headers must arrive whole within this long of their first byte, or the connection is closed (slow-header attacks)", default: Some("10") },
    Setting { env: "CPL_BODY_TIMEOUT", help: "a request's body must arrive whole within this long of its headers, or the answer is 408 and the connection is closed", default: Some("30") },
    Setting { env: "CPL_IDLE_TIMEOUT", help: "a connection that sends nothing this long, before its first request or between requests, is closed (WebSockets have CPL_WS_TIMEOUT instead)", default: Some("60") },
    Setting { env: "CPL_SHUTDOWN_GRACE", help: "on SIGTERM/SIGINT, how long requests in progress may take to finish; past it the remaining connections are dropped", default: Some("10") },
    Setting { env: "CPL_DRAIN_DELAY", help: "on SIGTERM/SIGINT, how long /health/ready answers 503 while the daemon still serves, before it stops accepting (give it your load balancer's health-check interval)", default: Some("0") },
    Setting { env: "CPL_RECONNECT_GRACE", help: "a user whose WebSocket closed because a daemon drained (close 1001) stays in their rooms this long: reconnecting to any daemon sharing the database within it announces no user_left/user_joined; past it they leave; 0 leaves at once", default: Some("15") },
    Setting { env: "CPL_MAX_CONNECTIONS_PER_ADDRESS", help: "open connections (WebSockets included) per client address; past it a new connection gets 503 and is closed. Behind CPL_TRUSTED_PROXIES: requests in progress and open WebSockets per forwarded client", default: Some("256") },
    Setting { env: "CPL_TLS_CERT", help: "PEM certificate chain: with CPL_TLS_KEY, cpld serves HTTPS and WSS itself (rustls); both are read again on SIGHUP", default: None },
    Setting { env: "CPL_TLS_KEY", help: "PEM private key of CPL_TLS_CERT (PKCS#8, PKCS#1 or SEC1)", default: None },
    Setting { env: "CORS_ORIGINS", help: "comma-separated origins allowed by CORS (e.g. http://localhost:5173)", default: None },
    Setting { env: "DAILY_API_KEY", help: "Daily.co API key; unset turns video rooms off", default: None },
    Setting { env: "DAILY_DOMAIN", help: "Daily.co domain (your-domain.daily.co)", default: None },
    Setting { env: "DAILY_API_URL", help: "Daily.co REST base URL", default: Some("https://api.daily.co/v1") },
    Setting { env: "CPL_DAILY_TIMEOUT", help: "time limit of one Daily.co API call (10s, 500ms)", default: Some("10s") },
    Setting { env: "CPL_DAILY_ATTEMPTS", help: "tries per Daily.co call when Daily answers 429 or 5xx or does not answer in time (1 = no retry)", default: Some("3") },
    Setting { env: "CPL_DAILY_BACKOFF", help: "first wait before retrying a Daily.co call; doubles each retry, with jitter (500ms, 1s)", default: Some("500ms") },
    Setting { env: "CPL_DAILY_RETRY_BUDGET", help: "most time one Daily.co call may take, retries and waits included", default: Some("15s") },
    Setting { env: "DEEPGRAM_API_KEY", help: "Deepgram API key; unset turns live transcription off", default: None },
    Setting { env: "DEEPGRAM_API_URL", help: "Deepgram live endpoint", default: Some("wss://api.deepgram.com/v1/listen") },
    Setting { env: "CPL_DEEPGRAM_MODEL", help: "Deepgram model", default: Some("nova-2") },
    Setting { env: "CPL_DEEPGRAM_LANGUAGE", help: "default transcription language", default: Some("es") },
    Setting { env: "CPL_DEEPGRAM_KEEPALIVE", help: "send Deepgram a KeepAlive after this long without audio from the speaker; under 10s, since Deepgram closes a stream after 10 s without a frame", default: Some("4s") },
    Setting { env: "CPL_DEEPGRAM_SILENCE_TIMEOUT", help: "give up on a transcription stream when Deepgram sends nothing this long while audio flows; also the longest wait for the final results after CloseStream", default: Some("15s") },
    Setting { env: "TWILIO_ACCOUNT_SID", help: "Twilio Account SID (AC + 32 hex digits) or API key SID (SK...) for sign-in by SMS code; unset (with the next two) turns sign-in by SMS off", default: None },
    Setting { env: "TWILIO_AUTH_TOKEN", help: "Twilio auth token (or API key secret) for TWILIO_ACCOUNT_SID; a secret: environment, .env or config file only", default: None },
    Setting { env: "TWILIO_VERIFY_SERVICE_SID", help: "SID of the Twilio Verify service (VA + 32 hex digits) that sends the sign-in codes", default: None },
    Setting { env: "TWILIO_VERIFY_URL", help: "Twilio Verify base URL", default: Some("https://verify.twilio.com/v2") },
    Setting { env: "CPL_TWILIO_TIMEOUT", help: "time limit of one Twilio Verify call (10s, 500ms)", default: Some("10s") },
    Setting { env: "CPL_TWILIO_ATTEMPTS", help: "tries per Twilio Verify call when Twilio answers 5xx or does not answer in time (1 = no retry)", default: Some("3") },
    Setting { env: "CPL_SMS_CODES_PER_PHONE", help: "sign-in codes sent to one phone per hour, beyond Twilio's own limit (SMS pumping); 0 turns this limit off", default: Some("5") },
    Setting { env: "CPL_SMS_CODES_PER_ADDRESS", help: "sign-in codes one client address may ask for per hour, whatever the phones; 0 turns this limit off", default: Some("20") },
    Setting { env: "CPL_REQUIRE_VERIFIED_PHONE", help: "true: POST /api/users/register answers 403 and accounts are made only by signing in with an SMS code (POST /api/auth/code)", default: Some("false") },
    Setting { env: "CPL_LOG", help: "log filter (tracing syntax: info, cpld=debug, ...)", default: Some("info") },
    Setting { env: "CPL_LOG_FORMAT", help: "log line format on stderr: text (coloured only on a terminal) or json (one object per line, for log shippers)", default: Some("text") },
];

/// Where a value came from, for error sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Built in.
    Default,
    /// The TOML config file.
    File,
    /// The `.env` file.
    DotEnv,
    /// The process environment.
    Env,
    /// A command-line flag.
    Flag,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Default => "the default",
            Source::File => "the config file",
            Source::DotEnv => "the .env file",
            Source::Env => "the environment",
            Source::Flag => "the command line",
        })
    }
}

/// A setting that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The raw layers, lowest precedence first; later layers win.
#[derive(Debug, Default, Clone)]
pub struct Layers {
    /// Values by environment name, with their source.
    values: BTreeMap<String, (String, Source)>,
    /// Warnings to log once logging is up (unknown keys, ...).
    pub warnings: Vec<String>,
}

impl Layers {
    /// Sets `key` from `source`, overriding lower layers.
    pub fn set(&mut self, key: &str, value: impl Into<String>, source: Source) {
        self.values.insert(key.to_string(), (value.into(), source));
    }

    fn get(&self, key: &str) -> Option<(&str, Source)> {
        self.values.get(key).map(|(v, s)| (v.as_str(), *s))
    }

    /// Adds a TOML config file's keys (`listen = "..."`, `drop_interval = "5m"`, `mongodb_url = ...`).
    pub fn add_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
        let table: toml::Table = text.parse().map_err(|e| {
            ConfigError(format!(
                "config file {} is not valid TOML: {e}",
                path.display()
            ))
        })?;
        for (key, value) in table {
            let env = file_key_to_env(&key);
            if !SETTINGS.iter().any(|s| s.env == env) {
                self.warnings.push(format!(
                    "config file {}: unknown key {key:?} ignored",
                    path.display()
                ));
                continue;
            }
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Array(a) => a
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                other => {
                    return Err(ConfigError(format!(
                        "config file {}: key {key:?} must be a string or number, not {}",
                        path.display(),
                        other.type_str()
                    )))
                }
            };
            self.set(&env, text, Source::File);
        }
        Ok(())
    }

    /// Adds a `.env` file's variables (without touching the process environment).
    pub fn add_dotenv(&mut self, path: &Path) -> Result<(), ConfigError> {
        let iter = dotenvy::from_path_iter(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        for item in iter {
            let (k, v) = item.map_err(|e| {
                ConfigError(format!(
                    "{} has a line that is not KEY=value: {e}",
                    path.display()
                ))
            })?;
            if SETTINGS.iter().any(|s| s.env == k) {
                self.set(&k, v, Source::DotEnv);
            }
        }
        Ok(())
    }

    /// Adds the known variables of an environment (the process's, or a test's).
    pub fn add_env(&mut self, vars: impl IntoIterator<Item = (String, String)>) {
        for (k, v) in vars {
            if SETTINGS.iter().any(|s| s.env == k) {
                self.set(&k, v, Source::Env);
            } else if k.starts_with("CPL_") && !IGNORED_CPL_VARS.contains(&k.as_str()) {
                self.warnings
                    .push(format!("unknown setting {k} in the environment ignored"));
            }
        }
    }
}

/// `CPL_*` variables that belong to other programs (the CLI, the tests), not to `cpld`.
const IGNORED_CPL_VARS: &[&str] = &[
    "CPL_URL",
    "CPL_CONFIG",
    "CPL_TEST_MONGODB_URL",
    "CPL_PROFILE",
];

fn file_key_to_env(key: &str) -> String {
    let upper = key.to_ascii_uppercase();
    if SETTINGS.iter().any(|s| s.env == upper) {
        upper
    } else {
        format!("CPL_{upper}")
    }
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listen address.
    pub listen: SocketAddr,
    /// SQLite file (embedded store).
    pub db_path: PathBuf,
    /// MongoDB URL; when set, MongoDB is the store.
    pub mongodb_url: Option<Secret>,
    /// MongoDB database name.
    pub database_name: String,
    /// Admin bearer token.
    pub admin_token: Option<Secret>,
    /// Between drop rounds.
    pub drop_interval: Duration,
    /// Drop lifetime.
    pub drop_ttl: Duration,
    /// Between expiry sweeps.
    pub cleanup_interval: Duration,
    /// Per-address REST writes / per-socket frames / per-user chat messages per second; 0 = off.
    pub rate_limit: u32,
    /// Failed authentications per minute per client address; 0 = off.
    pub auth_failures_per_minute: u32,
    /// Profile lookups by id per minute per client address; 0 = off.
    pub lookups_per_minute: u32,
    /// Bearer token `/metrics` asks for; None = public.
    pub metrics_token: Option<Secret>,
    /// Server ping interval.
    pub ws_heartbeat: Duration,
    /// Silence after which a socket is closed.
    pub ws_timeout: Duration,
    /// Outgoing queue per socket, in frames.
    pub ws_queue: usize,
    /// Outgoing queue per socket, in bytes.
    pub ws_queue_bytes: usize,
    /// Outgoing queues of one user's sockets together, in bytes.
    pub ws_user_queue_bytes: usize,
    /// Rooms of more members than this hear joins and leaves in `presence` batches.
    pub presence_batch_above: usize,
    /// How long a big room's joins and leaves are gathered into one `presence` frame.
    pub presence_batch_window: Duration,
    /// Sockets per user.
    pub max_connections_per_user: usize,
    /// Rooms one user can be in at once.
    pub max_rooms_per_user: usize,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// A request's headers must arrive within this long of their first byte.
    pub header_timeout: Duration,
    /// A request's body must arrive within this long of its headers.
    pub body_timeout: Duration,
    /// A connection silent this long outside a request is closed.
    pub idle_timeout: Duration,
    /// At a stop, how long requests in progress may take to finish.
    pub shutdown_grace: Duration,
    /// At a stop, how long readiness is false before the listener closes.
    pub drain_delay: Duration,
    /// How long a user whose socket a drain closed stays in their rooms to reconnect.
    pub reconnect_grace: Duration,
    /// PEM certificate chain and key: the daemon speaks TLS itself.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Open connections per client address.
    pub max_connections_per_address: usize,
    /// CORS origins.
    pub cors_origins: Vec<String>,
    /// Daily.co.
    pub daily: DailyConfig,
    /// Deepgram.
    pub deepgram: DeepgramConfig,
    /// Twilio Verify (sign-in by SMS code).
    pub twilio: TwilioConfig,
    /// Sign-in codes per phone per hour; 0 = off.
    pub sms_codes_per_phone: u32,
    /// Sign-in codes per client address per hour; 0 = off.
    pub sms_codes_per_address: u32,
    /// Plain registration refused: accounts come from a verified phone only.
    pub require_verified_phone: bool,
    /// Log filter.
    pub log: String,
    /// How log lines are written.
    pub log_format: LogFormat,
}

/// How `cpld` writes its log lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines; coloured only when stderr is a terminal.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

impl LogFormat {
    fn parse(v: &str) -> Result<LogFormat, String> {
        match v.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("is not a log format: use text or json".into()),
        }
    }
}

/// Daily.co settings.
#[derive(Debug, Clone)]
pub struct DailyConfig {
    /// REST base URL.
    pub api_url: String,
    /// API key; None = video off.
    pub api_key: Option<Secret>,
    /// Domain.
    pub domain: Option<String>,
    /// Time limit of one HTTP call.
    pub timeout: Duration,
    /// Tries per call (1 = no retry).
    pub attempts: u32,
    /// First retry wait; doubles per retry, with jitter.
    pub backoff: Duration,
    /// Most time one call may take, retries and waits included.
    pub retry_budget: Duration,
}

/// Twilio Verify settings.
#[derive(Debug, Clone)]
pub struct TwilioConfig {
    /// Base URL (`https://verify.twilio.com/v2`).
    pub url: String,
    /// Account SID, auth token and Verify service SID; None = sign-in by SMS off.
    pub credentials: Option<TwilioCredentials>,
    /// Time limit of one HTTP call.
    pub timeout: Duration,
    /// Tries per call (1 = no retry).
    pub attempts: u32,
}

/// What Twilio Verify needs, all three set together.
#[derive(Debug, Clone)]
pub struct TwilioCredentials {
    /// `AC...` or `SK...` (the Basic-auth user).
    pub account_sid: String,
    /// The Basic-auth password.
    pub auth_token: Secret,
    /// `VA...`.
    pub service_sid: String,
}

/// The three Twilio settings, all or none: some without the others is a mistake to hear
/// about at start, not a silently disabled feature.
fn twilio_credentials(r: &Resolver<'_>) -> Result<Option<TwilioCredentials>, ConfigError> {
    let get = |k: &str| {
        r.text(k)
            .map(|(v, _)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let (sid, token, service) = (
        get("TWILIO_ACCOUNT_SID"),
        get("TWILIO_AUTH_TOKEN"),
        get("TWILIO_VERIFY_SERVICE_SID"),
    );
    let (sid, token, service) = match (sid, token, service) {
        (None, None, None) => return Ok(None),
        (Some(a), Some(t), Some(s)) => (a, t, s),
        (a, t, s) => {
            let missing: Vec<&str> = [
                ("TWILIO_ACCOUNT_SID", a.is_none()),
                ("TWILIO_AUTH_TOKEN", t.is_none()),
                ("TWILIO_VERIFY_SERVICE_SID", s.is_none()),
            ]
            .into_iter()
            .filter_map(|(k, m)| m.then_some(k))
            .collect();
            return Err(ConfigError(format!(
                "sign-in by SMS needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_VERIFY_SERVICE_SID together; {} {} not set (set it, or unset the others to turn sign-in by SMS off)",
                missing.join(" and "),
                if missing.len() == 1 { "is" } else { "are" }
            )));
        }
    };
    let sid_like = |v: &str, prefixes: &[&str]| {
        prefixes.iter().any(|p| v.starts_with(p))
            && v.len() == 34
            && v[2..].chars().all(|c| c.is_ascii_hexdigit())
    };
    if !sid_like(&sid, &["AC", "SK"]) {
        return Err(ConfigError(format!(
            "TWILIO_ACCOUNT_SID={sid:?} is not a Twilio Account SID (AC and 32 hexadecimal digits) or API key SID (SK...); copy it from the Twilio console"
        )));
    }
    if !sid_like(&service, &["VA"]) {
        return Err(ConfigError(format!(
            "TWILIO_VERIFY_SERVICE_SID={service:?} is not a Verify service SID (VA and 32 hexadecimal digits); create a service under Verify > Services in the Twilio console and copy its SID"
        )));
    }
    Ok(Some(TwilioCredentials {
        account_sid: sid,
        auth_token: Secret::new(token),
        service_sid: service,
    }))
}

/// `true` or `false` (also 1/0, yes/no, on/off).
fn boolean(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("is not true or false".into()),
    }
}

/// Deepgram settings.
#[derive(Debug, Clone)]
pub struct DeepgramConfig {
    /// Live endpoint.
    pub api_url: String,
    /// API key; None = transcription off.
    pub api_key: Option<Secret>,
    /// Model.
    pub model: String,
    /// Default language.
    pub language: String,
    /// Speaker silent this long: send Deepgram a KeepAlive.
    pub keepalive: Duration,
    /// Deepgram silent this long while audio flows (or after CloseStream): give up.
    pub silence_timeout: Duration,
}

impl Config {
    /// Resolves the layers into a configuration, or the first bad setting.
    pub fn resolve(layers: &Layers) -> Result<Config, ConfigError> {
        let r = Resolver { layers };
        Ok(Config {
            listen: r.listen()?,
            db_path: match r.text("CPL_DB") {
                Some((v, _)) => PathBuf::from(v),
                None => default_db_path()?,
            },
            mongodb_url: r.text("MONGODB_URL").filter(|(v, _)| !v.is_empty()).map(|(v, _)| Secret::new(v)),
            database_name: r.required_text("DATABASE_NAME")?,
            admin_token: r.bearer_secret("CPL_ADMIN_TOKEN")?,
            drop_interval: r.parse("CPL_DROP_INTERVAL", parse_duration)?,
            drop_ttl: r.parse("CPL_DROP_TTL", parse_duration)?,
            cleanup_interval: r.parse("CPL_CLEANUP_INTERVAL", parse_duration)?,
            rate_limit: r.parse("CPL_RATE_LIMIT", |v| {
                v.parse::<u32>().map_err(|_| "is not a whole number of requests per second (0 turns limiting off)".to_string())
            })?,
            auth_failures_per_minute: r.parse("CPL_AUTH_FAILURES_PER_MINUTE", per_minute)?,
            lookups_per_minute: r.parse("CPL_LOOKUPS_PER_MINUTE", per_minute)?,
            metrics_token: r.bearer_secret("CPL_METRICS_TOKEN")?,
            ws_heartbeat: r.parse("CPL_WS_HEARTBEAT", parse_duration)?,
            ws_timeout: r.parse("CPL_WS_TIMEOUT", parse_duration)?,
            ws_queue: r.parse("CPL_WS_QUEUE", |v| positive(v, 1_000_000))?,
            ws_queue_bytes: r.parse("CPL_WS_QUEUE_BYTES", queue_bytes)?,
            ws_user_queue_bytes: r.parse("CPL_WS_USER_QUEUE_BYTES", queue_bytes)?,
            presence_batch_above: r.parse("CPL_PRESENCE_BATCH_ABOVE", |v| {
                v.parse::<usize>().ok().filter(|n| *n <= 10_000_000).ok_or_else(|| "must be a whole number of members from 0 to 10000000 (0 gathers joins and leaves in every room)".to_string())
            })?,
            presence_batch_window: r.parse("CPL_PRESENCE_BATCH_WINDOW", |v| {
                short_duration(v).and_then(|d| {
                    if d <= Duration::from_secs(10) {
                        Ok(d)
                    } else {
                        Err("must be at most 10s: members would hear of joins and leaves that late".into())
                    }
                })
            })?,
            max_connections_per_user: r.parse("CPL_MAX_CONNECTIONS_PER_USER", |v| positive(v, 1000))?,
            max_rooms_per_user: r.parse("CPL_MAX_ROOMS_PER_USER", |v| positive(v, 100_000))?,
            trusted_proxies: match r.text("CPL_TRUSTED_PROXIES") {
                Some(_) => r.parse("CPL_TRUSTED_PROXIES", TrustedProxies::parse)?,
                None => TrustedProxies::default(),
            },
            header_timeout: r.parse("CPL_HEADER_TIMEOUT", parse_duration)?,
            body_timeout: r.parse("CPL_BODY_TIMEOUT", parse_duration)?,
            idle_timeout: r.parse("CPL_IDLE_TIMEOUT", parse_duration)?,
            shutdown_grace: r.parse("CPL_SHUTDOWN_GRACE", short_duration)?,
            drain_delay: r.parse("CPL_DRAIN_DELAY", zero_or_short_duration)?,
            reconnect_grace: r.parse("CPL_RECONNECT_GRACE", zero_or_short_duration)?,
            tls: r.tls()?,
            max_connections_per_address: r.parse("CPL_MAX_CONNECTIONS_PER_ADDRESS", |v| positive(v, 1_000_000))?,
            cors_origins: match r.text("CORS_ORIGINS") {
                Some(_) => r.parse("CORS_ORIGINS", origins)?,
                None => Vec::new(),
            },
            daily: DailyConfig {
                api_url: r.parse("DAILY_API_URL", http_url)?,
                api_key: r.text("DAILY_API_KEY").filter(|(v, _)| !v.is_empty()).map(|(v, _)| Secret::new(v)),
                domain: r.text("DAILY_DOMAIN").map(|(v, _)| v.to_string()).filter(|v| !v.is_empty()),
                timeout: r.parse("CPL_DAILY_TIMEOUT", short_duration)?,
                attempts: r.parse("CPL_DAILY_ATTEMPTS", |v| positive(v, 10).map(|n| n as u32))?,
                backoff: r.parse("CPL_DAILY_BACKOFF", short_duration)?,
                retry_budget: r.parse("CPL_DAILY_RETRY_BUDGET", short_duration)?,
            },
            deepgram: DeepgramConfig {
                api_url: r.parse("DEEPGRAM_API_URL", ws_url)?,
                api_key: r.text("DEEPGRAM_API_KEY").filter(|(v, _)| !v.is_empty()).map(|(v, _)| Secret::new(v)),
                model: r.required_text("CPL_DEEPGRAM_MODEL")?,
                language: r.required_text("CPL_DEEPGRAM_LANGUAGE")?,
                keepalive: r.parse("CPL_DEEPGRAM_KEEPALIVE", |v| {
                    short_duration(v).and_then(|d| {
                        if d < Duration::from_secs(10) {
                            Ok(d)
                        } else {
                            Err("must be under 10s: Deepgram closes a stream after 10 s without a frame".into())
                        }
                    })
                })?,
                silence_timeout: r.parse("CPL_DEEPGRAM_SILENCE_TIMEOUT", short_duration)?,
            },
            twilio: TwilioConfig {
                url: r.parse("TWILIO_VERIFY_URL", http_url)?,
                credentials: twilio_credentials(&r)?,
                timeout: r.parse("CPL_TWILIO_TIMEOUT", short_duration)?,
                attempts: r.parse("CPL_TWILIO_ATTEMPTS", |v| positive(v, 10).map(|n| n as u32))?,
            },
            sms_codes_per_phone: r.parse("CPL_SMS_CODES_PER_PHONE", |v| {
                v.parse::<u32>().map_err(|_| "is not a whole number an hour (0 turns it off)".to_string())
            })?,
            sms_codes_per_address: r.parse("CPL_SMS_CODES_PER_ADDRESS", |v| {
                v.parse::<u32>().map_err(|_| "is not a whole number an hour (0 turns it off)".to_string())
            })?,
            require_verified_phone: r.parse("CPL_REQUIRE_VERIFIED_PHONE", boolean)?,
            log: r.required_text("CPL_LOG")?,
            log_format: r.parse("CPL_LOG_FORMAT", LogFormat::parse)?,
        })
        .and_then(|c: Config| {
            if c.ws_timeout <= c.ws_heartbeat {
                return Err(ConfigError(format!(
                    "CPL_WS_TIMEOUT ({:?}) must be longer than CPL_WS_HEARTBEAT ({:?}), or every connection would time out between two pings",
                    c.ws_timeout, c.ws_heartbeat
                )));
            }
            if c.ws_user_queue_bytes < c.ws_queue_bytes {
                return Err(ConfigError(format!(
                    "CPL_WS_USER_QUEUE_BYTES ({}) must be at least CPL_WS_QUEUE_BYTES ({}): a user's sockets together hold at least what one may",
                    c.ws_user_queue_bytes, c.ws_queue_bytes
                )));
            }
            Ok(c)
        })
    }

    /// Loads the configuration of a process: `.env` in the working directory (or
    /// `env_file`), the config file (`config_file`, else `CPL_CONFIG`, else
    /// `cpld.toml` in the platform config directory if it exists), the process
    /// environment and the flags already collected in `flags`.
    pub fn load(
        flags: &[(&'static str, String)],
        config_file: Option<&Path>,
        env_file: Option<&Path>,
    ) -> Result<(Config, Vec<String>), ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let mut layers = Layers::default();
        for s in SETTINGS {
            if let Some(d) = s.default {
                layers.set(s.env, d, Source::Default);
            }
        }
        let file = config_file
            .map(Path::to_path_buf)
            .or_else(|| {
                env.iter()
                    .find(|(k, _)| k == "CPL_CONFIG")
                    .map(|(_, v)| PathBuf::from(v))
            })
            .or_else(|| {
                directories::ProjectDirs::from("co", "CityPulse", "citypulse")
                    .map(|d| d.config_dir().join("cpld.toml"))
                    .filter(|p| p.exists())
            });
        if let Some(f) = file {
            layers.add_file(&f)?;
        }
        match env_file {
            Some(p) => layers.add_dotenv(p)?,
            None => {
                let p = Path::new(".env");
                if p.exists() {
                    layers.add_dotenv(p)?;
                }
            }
        }
        layers.add_env(env);
        for (k, v) in flags {
            layers.set(k, v.clone(), Source::Flag);
        }
        let config = Config::resolve(&layers)?;
        Ok((config, layers.warnings))
    }

    /// A configuration for tests: defaults plus the given values.
    pub fn for_test(values: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut layers = Layers::default();
        for s in SETTINGS {
            if let Some(d) = s.default {
                layers.set(s.env, d, Source::Default);
            }
        }
        for (k, v) in values {
            layers.set(k, *v, Source::Flag);
        }
        Config::resolve(&layers)
    }
}

struct Resolver<'a> {
    layers: &'a Layers,
}

impl Resolver<'_> {
    fn text(&self, key: &str) -> Option<(&str, Source)> {
        self.layers.get(key)
    }

    fn required_text(&self, key: &str) -> Result<String, ConfigError> {
        match self.text(key) {
            Some((v, _)) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            Some((_, src)) => Err(ConfigError(format!("{key} (from {src}) must not be empty"))),
            None => Err(ConfigError(format!("{key} must be set"))),
        }
    }

    /// A bearer token requests are compared against (admin, metrics): unset or empty is
    /// None; one shorter than [`MIN_SECRET_CHARS`] stops the daemon, since a short token
    /// can be guessed. The value itself is never printed.
    fn bearer_secret(&self, key: &str) -> Result<Option<Secret>, ConfigError> {
        let Some((v, src)) = self.text(key).filter(|(v, _)| !v.is_empty()) else {
            return Ok(None);
        };
        let chars = v.chars().count();
        if chars < MIN_SECRET_CHARS {
            return Err(ConfigError(format!(
                "{key} (from {src}) is {chars} character{} long; it must be at least {MIN_SECRET_CHARS} so that it cannot be guessed. Make one with: openssl rand -hex 32",
                if chars == 1 { "" } else { "s" }
            )));
        }
        Ok(Some(Secret::new(v)))
    }

    /// `CPL_LISTEN` when it was set anywhere (flag, environment, `.env`, config file);
    /// else `0.0.0.0:$PORT` when a hosting platform passed `PORT` (it routes outside
    /// traffic to that port on every interface); else the default.
    /// `CPL_TLS_CERT` and `CPL_TLS_KEY`: both or neither.
    fn tls(&self) -> Result<Option<(PathBuf, PathBuf)>, ConfigError> {
        let path = |k| {
            self.text(k)
                .filter(|(v, _)| !v.is_empty())
                .map(|(v, _)| PathBuf::from(v))
        };
        match (path("CPL_TLS_CERT"), path("CPL_TLS_KEY")) {
            (Some(c), Some(k)) => Ok(Some((c, k))),
            (None, None) => Ok(None),
            (Some(_), None) => Err(ConfigError(
                "CPL_TLS_CERT is set but CPL_TLS_KEY is not; set both (certificate and its private key, PEM) or neither".into(),
            )),
            (None, Some(_)) => Err(ConfigError(
                "CPL_TLS_KEY is set but CPL_TLS_CERT is not; set both (certificate and its private key, PEM) or neither".into(),
            )),
        }
    }

    fn listen(&self) -> Result<SocketAddr, ConfigError> {
        let explicit = self
            .text("CPL_LISTEN")
            .is_some_and(|(_, src)| src != Source::Default);
        if !explicit && self.text("PORT").is_some() {
            return self.parse("PORT", |v| match v.parse::<u16>() {
                Ok(port) if port > 0 => Ok(SocketAddr::from(([0, 0, 0, 0], port))),
                _ => Err("is not a port number (1 to 65535); set PORT to the port your platform routes to, or set CPL_LISTEN to an address:port instead".to_string()),
            });
        }
        self.parse("CPL_LISTEN", |v| {
            v.parse::<SocketAddr>()
                .map_err(|_| "is not an address:port such as 127.0.0.1:8000".to_string())
        })
    }

    fn parse<T>(&self, key: &str, f: impl Fn(&str) -> Result<T, String>) -> Result<T, ConfigError> {
        let (v, src) = self
            .text(key)
            .ok_or_else(|| ConfigError(format!("{key} must be set")))?;
        f(v.trim()).map_err(|why| ConfigError(format!("{key}={v:?} (from {src}) {why}")))
    }
}

/// Parses `300`, `90s`, `5m`, `1h 30m` (plain numbers are seconds); at least one second.
pub fn parse_duration(v: &str) -> Result<Duration, String> {
    let d = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else if let Ok(secs) = v.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return Err("is not a duration; use seconds like 300 or forms like 90s, 5m".into());
        }
        Duration::from_secs_f64(secs)
    } else {
        humantime::parse_duration(v).map_err(|_| {
            "is not a duration; use seconds like 300 or forms like 90s, 5m".to_string()
        })?
    };
    if d < Duration::from_secs(1) {
        return Err("must be at least one second".into());
    }
    if d > Duration::from_secs(7 * 24 * 3600) {
        return Err("must be at most a week".into());
    }
    Ok(d)
}

/// [`short_duration`], or 0 for none (an optional wait).
pub fn zero_or_short_duration(v: &str) -> Result<Duration, String> {
    match v.trim().parse::<f64>() {
        Ok(0.0) => Ok(Duration::ZERO),
        _ => short_duration(v).map_err(|e| format!("{e} (or 0 for none)")),
    }
}

/// Parses a short duration for timeouts and retry waits: `500ms`, `2s`, `1.5` (seconds);
/// from one millisecond to ten minutes.
pub fn short_duration(v: &str) -> Result<Duration, String> {
    let d = match v.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Duration::from_secs_f64(secs),
        Ok(_) => return Err("is not a duration; use forms like 500ms, 2s or 10".into()),
        Err(_) => humantime::parse_duration(v)
            .map_err(|_| "is not a duration; use forms like 500ms, 2s or 10".to_string())?,
    };
    if d < Duration::from_millis(1) || d > Duration::from_secs(600) {
        return Err("must be between 1ms and 10 minutes".into());
    }
    Ok(d)
}

/// The smallest queue byte budget: above the largest frame the daemon sends, a
/// `nearby_events` answer of 20 events with every text field at its longest in 4-byte
/// characters (about 200 KiB), so that no single answer can cut a reader off.
pub const MIN_QUEUE_BYTES: usize = 256 * 1024;

/// A byte budget for WebSocket queues: a whole number of bytes, or of `KiB` / `MiB`;
/// from [`MIN_QUEUE_BYTES`] to 1 GiB.
fn queue_bytes(v: &str) -> Result<usize, String> {
    let v = v.trim();
    let lower = v.to_ascii_lowercase();
    let (digits, unit) = if let Some(d) = lower.strip_suffix("kib") {
        (d, 1024)
    } else if let Some(d) = lower.strip_suffix("mib") {
        (d, 1024 * 1024)
    } else {
        (lower.as_str(), 1)
    };
    let n = digits
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| "is not a size; write bytes as 1048576, 512KiB or 1MiB".to_string())?;
    if !(MIN_QUEUE_BYTES..=1024 * 1024 * 1024).contains(&n) {
        return Err(format!(
            "must be from 256KiB to 1024MiB (at least 256KiB: one large nearby_events answer is about 200 KiB and must fit); got {n} bytes"
        ));
    }
    Ok(n)
}

/// The shortest admin or metrics token `cpld` accepts: 24 characters, e.g. 24 hex digits
/// are 96 bits, beyond guessing at any rate the failure limit lets through.
pub const MIN_SECRET_CHARS: usize = 24;

/// A budget a minute: a whole number, 0 for off.
fn per_minute(v: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .map_err(|_| "is not a whole number a minute (0 turns it off)".to_string())
}

fn positive(v: &str, max: usize) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from 1 to {max}")),
    }
}

/// Comma-separated origins, each `scheme://host[:port]` with no path (what a browser sends
/// in `Origin`).
fn origins(v: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for o in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let rest = o
            .strip_prefix("http://")
            .or_else(|| o.strip_prefix("https://"))
            .ok_or_else(|| format!("has origin {o:?} without http:// or https://; write origins like http://localhost:5173"))?;
        if rest.is_empty() || rest.contains('/') || rest.contains(char::is_whitespace) {
            return Err(format!(
                "has origin {o:?}, which is not scheme://host[:port]; write origins like http://localhost:5173"
            ));
        }
        out.push(o.to_string());
    }
    Ok(out)
}

fn http_url(v: &str) -> Result<String, String> {
    if v.starts_with("http://") || v.starts_with("https://") {
        Ok(v.trim_end_matches('/').to_string())
    } else {
        Err("must be an http:// or https:// URL".into())
    }
}

fn ws_url(v: &str) -> Result<String, String> {
    if v.starts_with("ws://") || v.starts_with("wss://") {
        Ok(v.to_string())
    } else {
        Err("must be a ws:// or wss:// URL".into())
    }
}

fn default_db_path() -> Result<PathBuf, ConfigError> {
    directories::ProjectDirs::from("co", "CityPulse", "citypulse")
        .map(|d| d.data_dir().join("citypulse.db"))
        .ok_or_else(|| {
            ConfigError(
                "cannot find a data directory for the database (no HOME?); set CPL_DB to a file path"
                    .into(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Layers {
        let mut l = Layers::default();
        for s in SETTINGS {
            if let Some(d) = s.default {
                l.set(s.env, d, Source::Default);
            }
        }
        l.set("CPL_DB", "/tmp/x.db", Source::Default);
        l
    }

    #[test]
    fn defaults_resolve() {
        let c = Config::resolve(&defaults()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8000");
        assert_eq!(c.drop_interval, Duration::from_secs(300));
        assert_eq!(c.drop_ttl, Duration::from_secs(30));
        assert_eq!(c.database_name, "citypulse_live");
        assert!(c.daily.api_key.is_none());
    }

    #[test]
    fn each_layer_overrides_the_one_below() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cpld.toml");
        std::fs::write(
            &file,
            "drop_interval = \"5m\"\ndrop_ttl = 10\nrate_limit = 1\nlisten = \"127.0.0.1:1\"\n",
        )
        .unwrap();
        let dotenv = dir.path().join(".env");
        std::fs::write(
            &dotenv,
            "CPL_DROP_TTL=11\nCPL_RATE_LIMIT=2\nCPL_LISTEN=127.0.0.1:2\n",
        )
        .unwrap();
        let mut l = defaults();
        l.add_file(&file).unwrap();
        l.add_dotenv(&dotenv).unwrap();
        l.add_env([
            ("CPL_RATE_LIMIT".to_string(), "3".to_string()),
            ("CPL_LISTEN".to_string(), "127.0.0.1:3".to_string()),
        ]);
        l.set("CPL_LISTEN", "127.0.0.1:4", Source::Flag);
        let c = Config::resolve(&l).unwrap();
        assert_eq!(c.drop_interval, Duration::from_secs(300)); // file
        assert_eq!(c.drop_ttl, Duration::from_secs(11)); // .env over file
        assert_eq!(c.rate_limit, 3); // env over .env
        assert_eq!(c.listen.port(), 4); // flag over env
    }

    #[test]
    fn log_format_is_text_by_default_json_on_request_and_a_sentence_otherwise() {
        assert_eq!(
            Config::resolve(&defaults()).unwrap().log_format,
            LogFormat::Text
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cpld.toml");
        std::fs::write(&file, "log_format = \"json\"\n").unwrap();
        let mut l = defaults();
        l.add_file(&file).unwrap();
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        assert_eq!(Config::resolve(&l).unwrap().log_format, LogFormat::Json);
        let mut l = defaults();
        l.add_env([("CPL_LOG_FORMAT".to_string(), "yaml".to_string())]);
        let err = Config::resolve(&l).unwrap_err().to_string();
        assert_eq!(
            err,
            "CPL_LOG_FORMAT=\"yaml\" (from the environment) is not a log format: use text or json"
        );
    }

    #[test]
    fn presence_batching_has_defaults_and_refuses_what_cannot_work() {
        let c = Config::resolve(&defaults()).unwrap();
        assert_eq!(
            (c.presence_batch_above, c.presence_batch_window),
            (200, Duration::from_millis(250))
        );
        let mut l = defaults();
        l.add_env([
            ("CPL_PRESENCE_BATCH_ABOVE".to_string(), "0".to_string()),
            ("CPL_PRESENCE_BATCH_WINDOW".to_string(), "1s".to_string()),
        ]);
        let c = Config::resolve(&l).unwrap();
        assert_eq!(
            (c.presence_batch_above, c.presence_batch_window),
            (0, Duration::from_secs(1))
        );
        for (key, value, says) in [
            ("CPL_PRESENCE_BATCH_ABOVE", "-1", "whole number of members"),
            (
                "CPL_PRESENCE_BATCH_ABOVE",
                "many",
                "whole number of members",
            ),
            (
                "CPL_PRESENCE_BATCH_WINDOW",
                "0",
                "between 1ms and 10 minutes",
            ),
            ("CPL_PRESENCE_BATCH_WINDOW", "1m", "at most 10s"),
        ] {
            let mut l = defaults();
            l.add_env([(key.to_string(), value.to_string())]);
            let err = Config::resolve(&l).unwrap_err().to_string();
            assert!(err.contains(key) && err.contains(says), "{err}");
        }
    }

    #[test]
    fn queue_byte_budgets_take_sizes_and_refuse_what_cannot_work() {
        let c = Config::resolve(&defaults()).unwrap();
        assert_eq!(
            (c.ws_queue_bytes, c.ws_user_queue_bytes),
            (1 << 20, 4 << 20)
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cpld.toml");
        std::fs::write(
            &file,
            "ws_queue_bytes = \"512KiB\"\nws_user_queue_bytes = 2097152\n",
        )
        .unwrap();
        let mut l = defaults();
        l.add_file(&file).unwrap();
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        let c = Config::resolve(&l).unwrap();
        assert_eq!(
            (c.ws_queue_bytes, c.ws_user_queue_bytes),
            (512 << 10, 2 << 20)
        );
        for (key, value, says) in [
            ("CPL_WS_QUEUE_BYTES", "lots", "is not a size"),
            ("CPL_WS_QUEUE_BYTES", "64KiB", "at least 256KiB"),
            (
                "CPL_WS_USER_QUEUE_BYTES",
                "512KiB",
                "must be at least CPL_WS_QUEUE_BYTES",
            ),
        ] {
            let mut l = defaults();
            l.add_env([(key.to_string(), value.to_string())]);
            let err = Config::resolve(&l).unwrap_err().to_string();
            assert!(err.contains(key) && err.contains(says), "{err}");
        }
    }

    #[test]
    fn bad_values_name_the_setting_and_source() {
        let mut l = defaults();
        l.add_env([("CPL_DROP_INTERVAL".to_string(), "soon".to_string())]);
        let err = Config::resolve(&l).unwrap_err().to_string();
        assert!(
            err.contains("CPL_DROP_INTERVAL") && err.contains("the environment"),
            "{err}"
        );
        let mut l = defaults();
        l.set("CPL_LISTEN", "nowhere", Source::Flag);
        let err = Config::resolve(&l).unwrap_err().to_string();
        assert!(
            err.contains("CPL_LISTEN") && err.contains("command line"),
            "{err}"
        );
    }

    #[test]
    fn port_is_the_listen_port_on_every_interface_unless_cpl_listen_is_set() {
        let mut l = defaults();
        l.add_env([("PORT".to_string(), "10000".to_string())]);
        assert_eq!(
            Config::resolve(&l).unwrap().listen.to_string(),
            "0.0.0.0:10000"
        );
        // CPL_LISTEN set anywhere wins, and a PORT it overrides is not even read.
        for source in [Source::File, Source::DotEnv, Source::Env, Source::Flag] {
            let mut l = defaults();
            l.add_env([("PORT".to_string(), "not-a-port".to_string())]);
            l.set("CPL_LISTEN", "127.0.0.1:9", source);
            assert_eq!(
                Config::resolve(&l).unwrap().listen.to_string(),
                "127.0.0.1:9"
            );
        }
        for bad in ["http", "0", "65536", "-1", ""] {
            let mut l = defaults();
            l.add_env([("PORT".to_string(), bad.to_string())]);
            let err = Config::resolve(&l).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("PORT={bad:?} (from the environment) is not a port number (1 to 65535); set PORT to the port your platform routes to, or set CPL_LISTEN to an address:port instead")
            );
        }
        assert_eq!(
            Config::resolve(&defaults()).unwrap().listen.to_string(),
            "127.0.0.1:8000"
        );
    }

    #[test]
    fn unknown_cpl_variables_warn() {
        let mut l = defaults();
        l.add_env([("CPL_DROP_INTERVALL".to_string(), "1".to_string())]);
        assert_eq!(l.warnings.len(), 1);
    }

    #[test]
    fn cors_origins_must_be_scheme_and_host() {
        let mut l = defaults();
        l.set(
            "CORS_ORIGINS",
            "http://localhost:5173, https://citypulse.co",
            Source::Env,
        );
        assert_eq!(Config::resolve(&l).unwrap().cors_origins.len(), 2);
        for bad in ["localhost:5173", "http://x.co/path", "ftp://x.co"] {
            let mut l = defaults();
            l.set("CORS_ORIGINS", bad, Source::Env);
            let err = Config::resolve(&l).unwrap_err().to_string();
            assert!(err.contains("CORS_ORIGINS"), "{err}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1").unwrap(), Duration::from_secs(1));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("-1").is_err());
    }

    #[test]
    fn short_bearer_tokens_stop_the_daemon_with_how_to_make_one() {
        for key in ["CPL_ADMIN_TOKEN", "CPL_METRICS_TOKEN"] {
            let mut l = defaults();
            l.add_env([(key.to_string(), "a".to_string())]);
            let err = Config::resolve(&l).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("{key} (from the environment) is 1 character long; it must be at least 24 so that it cannot be guessed. Make one with: openssl rand -hex 32")
            );
            let mut l = defaults();
            l.add_env([(key.to_string(), "x".repeat(23))]);
            let err = Config::resolve(&l).unwrap_err().to_string();
            assert!(
                err.contains("23 characters") && !err.contains("xxx"),
                "{err}"
            );
            let mut l = defaults();
            l.add_env([(key.to_string(), "ñ".repeat(24))]);
            assert!(Config::resolve(&l).is_ok(), "characters, not bytes");
            let mut l = defaults();
            l.add_env([(key.to_string(), String::new())]);
            assert!(Config::resolve(&l).is_ok(), "empty is unset");
        }
        let c = Config::resolve(&defaults()).unwrap();
        assert!(c.admin_token.is_none() && c.metrics_token.is_none());
        assert_eq!(
            (c.auth_failures_per_minute, c.lookups_per_minute),
            (30, 120)
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let c =
            Config::for_test(&[("CPL_DB", "/tmp/x"), ("DAILY_API_KEY", "sk-very-secret")]).unwrap();
        assert!(!format!("{c:?}").contains("sk-very-secret"));
    }
}
