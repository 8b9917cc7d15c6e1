//! What a scenario run measured, second by second: the data behind `--report` (HTML, PNG)
//! and `--json`. The scenario engine fills it; the renderers only read it.

use serde::{Deserialize, Serialize};

use crate::stats::Latency;

/// The names of the operations a run times, in the order the report shows them.
pub const OPERATIONS: [&str; 4] = ["location_update", "join", "chat_delivery", "claim"];

/// One scenario run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    /// The scenario's name (`city-day`, or the file's `name`).
    pub scenario: String,
    /// The seed the run was drawn from (the same seed replays the same day).
    pub seed: u64,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// The daemon's base URL.
    pub daemon_url: String,
    /// Wall-clock seconds the run took.
    pub duration_s: f64,
    /// Simulated hours of the day one wall-clock second stands for.
    pub day_hours_per_s: f64,
    /// Width in seconds of one point of every series below.
    pub bucket_s: f64,
    /// The scenario's bounds as it ran (after defaults and command-line overrides).
    pub bounds: Bounds,
    /// One series per timed operation, named as in [`OPERATIONS`].
    pub operations: Vec<OperationSeries>,
    /// The load generator itself, per bucket.
    pub client: Vec<ClientPoint>,
    /// The daemon, scraped from `/metrics` once per bucket (empty when it could not be read).
    pub daemon: Vec<DaemonPoint>,
    /// What the run counted, and what the daemon's counters moved by over the run.
    pub totals: Totals,
    /// Up to 20 distinct failure sentences with how often each happened.
    pub failures: Vec<Failure>,
}

/// The limits a run kept to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bounds {
    /// Virtual users registered (at most this many online at once).
    pub users: u32,
    /// Events created over the day.
    pub events: u32,
    /// Wall-clock length of the run, seconds.
    pub duration_s: f64,
    /// The most requests and frames the generator sends per second, all users together.
    pub max_rate_per_s: f64,
    /// Local addresses the generator's sockets were bound to.
    pub source_addresses: Vec<String>,
}

/// One operation's figures over the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OperationSeries {
    /// `location_update`, `join`, `chat_delivery` or `claim`.
    pub name: String,
    /// Completed operations.
    pub count: u64,
    /// Failed operations (refused, unanswered, lost with a connection).
    pub errors: u64,
    /// Latency over the whole run.
    pub latency_ms: Option<Latency>,
    /// One point per bucket, oldest first; a bucket with nothing done is still a point.
    pub points: Vec<OperationPoint>,
}

/// One bucket of one operation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct OperationPoint {
    /// Seconds from the start of the run to the end of the bucket.
    pub t: f64,
    /// Completed in this bucket.
    pub count: u64,
    /// Failed in this bucket.
    pub errors: u64,
    /// Latency percentiles of the operations completed in this bucket (absent when none).
    pub p50_ms: Option<f64>,
    /// 95th percentile.
    pub p95_ms: Option<f64>,
    /// 99th percentile.
    pub p99_ms: Option<f64>,
}

/// The load generator at the end of one bucket.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ClientPoint {
    /// Seconds from the start of the run.
    pub t: f64,
    /// WebSockets the generator had open.
    pub connections: u64,
    /// Users online in the simulated day.
    pub online_users: u64,
    /// The generator's CPU use over the bucket, in cores (1.0 = one core busy); a value
    /// near the machine's core count means the client, not the daemon, was the limit.
    pub cpu_cores: Option<f64>,
}

/// The daemon at one scrape of `/metrics`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct DaemonPoint {
    /// Seconds from the start of the run.
    pub t: f64,
    /// `process_resident_memory_bytes`.
    pub rss_bytes: Option<u64>,
    /// CPU use since the previous scrape, in cores, from `process_cpu_seconds_total`.
    pub cpu_cores: Option<f64>,
    /// `citypulse_ws_connections`.
    pub ws_connections: Option<i64>,
}

/// Counts over the whole run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Users who came online at least once.
    pub users_online: u64,
    /// Most users online at once.
    pub peak_online: u64,
    /// Events the run created.
    pub events_created: u64,
    /// Events the run ended.
    pub events_ended: u64,
    /// Chat messages the run sent (acknowledged by the daemon).
    pub chat_sent: u64,
    /// `chat_message` frames the run's sockets received.
    pub chat_delivered: u64,
    /// Distinct collectibles whose `collectible_drop` reached the run's sockets.
    pub drops_seen: u64,
    /// Claims the run made.
    pub claims: u64,
    /// Claims answered as won.
    pub claims_won: u64,
    /// Claims answered as lost (someone else was first).
    pub claims_lost: u64,
    /// The most claims won for one collectible (1 when every race had one winner).
    pub max_winners_per_drop: u64,
    /// Distinct collectibles the run claimed (each a race; as many as `claims_won` when
    /// every race had its one winner among the run's users).
    #[serde(default)]
    pub drops_claimed: u64,
    /// How far the daemon's own counters moved from the first scrape to the last (absent
    /// when `/metrics` could not be read).
    pub daemon_counted: Option<DaemonCounts>,
}

/// Deltas of the daemon's `/metrics` counters over a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DaemonCounts {
    /// `citypulse_chat_messages_total`.
    pub chat_messages: u64,
    /// `citypulse_chat_deliveries_total`: chat frames queued to sockets.
    pub chat_deliveries: u64,
    /// `citypulse_drops_total`.
    pub drops: u64,
    /// `citypulse_claims_won_total`.
    pub claims_won: u64,
    /// `citypulse_claims_lost_total`.
    pub claims_lost: u64,
}

/// A failure sentence and how many times it happened.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// Which operation failed.
    pub operation: String,
    /// What went wrong, as the daemon or the network said it.
    pub message: String,
    /// How many times.
    pub count: u64,
}
