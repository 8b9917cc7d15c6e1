//! Counters and a latency histogram, served as Prometheus text on `/metrics`.
//!
//! Rendered here rather than by `prometheus-client`: that crate writes OpenMetrics 1.0
//! only (a counter's `# HELP`/`# TYPE` lines name it without `_total`, a `.` is appended
//! to every help text, a closing `# EOF`, content type `application/openmetrics-text`),
//! while docs/API.md promises the Prometheus text format 0.0.4 whose `# TYPE` lines name
//! the `citypulse_*_total` samples themselves; served as 0.0.4, its counters would reach
//! a scraper untyped. The format is small and a test below checks it.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the request latency histogram.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

/// Everything `/metrics` reports.
#[derive(Default)]
pub struct Metrics {
    /// Open WebSockets.
    pub ws_connections: AtomicI64,
    /// WebSocket frames received.
    pub ws_messages_in: AtomicU64,
    /// WebSocket frames sent (queued).
    pub ws_messages_out: AtomicU64,
    /// Slow consumers disconnected.
    pub ws_slow_disconnects: AtomicU64,
    /// Chat messages stored.
    pub chat_messages: AtomicU64,
    /// `chat_message` frames queued to sockets here: each stored message once per member
    /// connection that was sent it (on every daemon, for its own sockets).
    pub chat_deliveries: AtomicU64,
    /// Collectibles dropped.
    pub drops: AtomicU64,
    /// Drop rounds this daemon ran (it held the drop-round lease).
    pub drop_rounds: AtomicU64,
    /// Drop-round ticks left to another daemon that held the drop-round lease.
    pub drop_rounds_deferred: AtomicU64,
    /// Users whose last connection here closed while they were still connected through
    /// another daemon (they kept their rooms).
    pub presence_kept: AtomicU64,
    /// Users whose rooms were held for them when this daemon drained (CPL_RECONNECT_GRACE).
    pub rooms_held: AtomicU64,
    /// Users who reconnected here while their rooms were held (nothing was announced).
    pub rooms_resumed: AtomicU64,
    /// Users whose hold ended without them reconnecting, taken out of their rooms here.
    pub holds_expired: AtomicU64,
    /// Joins and leaves of big rooms gathered here (this daemon's and, through the bus,
    /// the other daemons'), rather than announced one frame per member.
    pub presence_changes: AtomicU64,
    /// `presence` frames made here: one per big room per window with changes.
    pub presence_batches: AtomicU64,
    /// Claims won.
    pub claims_won: AtomicU64,
    /// Claims lost.
    pub claims_lost: AtomicU64,
    /// Collectibles expired by the sweeper.
    pub expired: AtomicU64,
    /// Requests answered 429.
    pub rate_limited: AtomicU64,
    /// Tokens presented that were wrong, malformed or conflicting (401s that count against
    /// the client's failure budget).
    pub auth_failures: AtomicU64,
    requests: AtomicU64,
    requests_5xx: AtomicU64,
    latency_sum_us: AtomicU64,
    latency_buckets: [AtomicU64; BUCKETS.len()],
}

impl Metrics {
    /// Records one HTTP request.
    pub fn observe_request(&self, elapsed: Duration, status: u16) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if status >= 500 {
            self.requests_5xx.fetch_add(1, Ordering::Relaxed);
        }
        self.latency_sum_us
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Prometheus text exposition; `rooms` is the number of rooms with members here,
    /// `damaged` the store's tally of documents it could not read (MongoDB only).
    pub fn render(&self, rooms: usize, damaged: Option<&DamagedDocuments>) -> String {
        let mut out = String::new();
        let counter = family;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed).to_string();
        counter(
            &mut out,
            "citypulse_ws_connections",
            "Open WebSocket connections.",
            "gauge",
            self.ws_connections.load(Ordering::Relaxed).to_string(),
        );
        counter(
            &mut out,
            "citypulse_rooms",
            "Event rooms with at least one connected member on this daemon.",
            "gauge",
            rooms.to_string(),
        );
        counter(
            &mut out,
            "citypulse_ws_messages_in_total",
            "WebSocket frames received.",
            "counter",
            g(&self.ws_messages_in),
        );
        counter(
            &mut out,
            "citypulse_ws_messages_out_total",
            "WebSocket frames sent.",
            "counter",
            g(&self.ws_messages_out),
        );
        counter(
            &mut out,
            "citypulse_ws_slow_disconnects_total",
            "Connections closed because they could not keep up.",
            "counter",
            g(&self.ws_slow_disconnects),
        );
        counter(
            &mut out,
            "citypulse_chat_messages_total",
            "Chat messages stored.",
            "counter",
            g(&self.chat_messages),
        );
        counter(
            &mut out,
            "citypulse_chat_deliveries_total",
            "Chat message frames queued to this daemon's sockets (one per member connection).",
            "counter",
            g(&self.chat_deliveries),
        );
        counter(
            &mut out,
            "citypulse_drops_total",
            "Collectibles dropped.",
            "counter",
            g(&self.drops),
        );
        counter(
            &mut out,
            "citypulse_drop_rounds_total",
            "Drop rounds this daemon ran (it held the drop-round lease).",
            "counter",
            g(&self.drop_rounds),
        );
        counter(
            &mut out,
            "citypulse_drop_rounds_deferred_total",
            "Drop rounds left to another daemon holding the drop-round lease.",
            "counter",
            g(&self.drop_rounds_deferred),
        );
        counter(
            &mut out,
            "citypulse_presence_kept_total",
            "Users whose last connection here closed while another daemon still had one of theirs (they stayed in their rooms).",
            "counter",
            g(&self.presence_kept),
        );
        counter(
            &mut out,
            "citypulse_rooms_held_total",
            "Users whose rooms this daemon held for them when it drained, for CPL_RECONNECT_GRACE.",
            "counter",
            g(&self.rooms_held),
        );
        counter(
            &mut out,
            "citypulse_rooms_resumed_total",
            "Users who reconnected here while their rooms were held (no user_left or user_joined was announced).",
            "counter",
            g(&self.rooms_resumed),
        );
        counter(
            &mut out,
            "citypulse_presence_changes_total",
            "Joins and leaves of rooms above CPL_PRESENCE_BATCH_ABOVE members gathered here (this daemon's and the other daemons') instead of announced to every member each.",
            "counter",
            g(&self.presence_changes),
        );
        counter(
            &mut out,
            "citypulse_presence_batches_total",
            "presence frames made here, one per big room per CPL_PRESENCE_BATCH_WINDOW with changes (each is then queued once per member connected here).",
            "counter",
            g(&self.presence_batches),
        );
        counter(
            &mut out,
            "citypulse_room_holds_expired_total",
            "Users whose hold ended without a reconnection, taken out of their rooms by this daemon's sweep.",
            "counter",
            g(&self.holds_expired),
        );
        counter(
            &mut out,
            "citypulse_claims_won_total",
            "Claims that won.",
            "counter",
            g(&self.claims_won),
        );
        counter(
            &mut out,
            "citypulse_claims_lost_total",
            "Claims that lost (already claimed or expired).",
            "counter",
            g(&self.claims_lost),
        );
        counter(
            &mut out,
            "citypulse_collectibles_expired_total",
            "Collectibles deactivated by the expiry sweep.",
            "counter",
            g(&self.expired),
        );
        counter(
            &mut out,
            "citypulse_rate_limited_total",
            "Requests and frames refused by the rate limit.",
            "counter",
            g(&self.rate_limited),
        );
        counter(
            &mut out,
            "citypulse_auth_failures_total",
            "Failed authentications: tokens sent that were wrong, malformed or conflicting.",
            "counter",
            g(&self.auth_failures),
        );
        counter(
            &mut out,
            "citypulse_http_requests_5xx_total",
            "HTTP answers with a 5xx status.",
            "counter",
            g(&self.requests_5xx),
        );
        let _ = writeln!(
            out,
            "# HELP citypulse_damaged_documents_total Stored documents that could not be read and were left out of answers (each counted once per daemon run), by collection.\n# TYPE citypulse_damaged_documents_total counter"
        );
        for (collection, n) in damaged.map(DamagedDocuments::counts).unwrap_or_default() {
            let _ = writeln!(
                out,
                "citypulse_damaged_documents_total{{collection=\"{collection}\"}} {n}"
            );
        }
        let _ = writeln!(out, "# HELP citypulse_http_request_duration_seconds HTTP request latency.\n# TYPE citypulse_http_request_duration_seconds histogram");
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "citypulse_http_request_duration_seconds_bucket{{le=\"{le}\"}} {}",
                self.latency_buckets[i].load(Ordering::Relaxed)
            );
        }
        let total = self.requests.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "citypulse_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {total}"
        );
        let _ = writeln!(
            out,
            "citypulse_http_request_duration_seconds_sum {}",
            self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "citypulse_http_request_duration_seconds_count {total}");
        out
    }
}

/// How many damaged documents [`DamagedDocuments`] remembers by id. Past it the memory is
/// cleared and starts again, so a store with more damaged documents than this logs and
/// counts some of them again rather than grow without bound.
pub const DAMAGED_REMEMBERED: usize = 10_000;

/// The documents a store met that it could not read: each is named in the log and
/// counted once (per daemon run, within [`DAMAGED_REMEMBERED`]), however often a list
/// skips it.
#[derive(Default)]
pub struct DamagedDocuments {
    inner: Mutex<DamageTally>,
}

#[derive(Default)]
struct DamageTally {
    seen: HashSet<(String, String)>,
    counts: BTreeMap<String, u64>,
}

impl DamagedDocuments {
    /// Records the damaged document `id` of `collection`; true the first time (the caller
    /// logs it then).
    pub fn record(&self, collection: &str, id: &str) -> bool {
        let mut t = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let key = (collection.to_string(), id.to_string());
        if t.seen.contains(&key) {
            return false;
        }
        if t.seen.len() >= DAMAGED_REMEMBERED {
            t.seen.clear();
        }
        t.seen.insert(key);
        *t.counts.entry(collection.to_string()).or_default() += 1;
        true
    }

    /// Damaged documents counted so far, by collection (in name order).
    pub fn counts(&self) -> Vec<(String, u64)> {
        let t = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        t.counts.iter().map(|(c, n)| (c.clone(), *n)).collect()
    }
}

/// Appends the gauge of the last backup the database recorded (`cpld backup`): its Unix
/// time in seconds, 0 when none was ever taken, so that an alert on
/// `time() - citypulse_last_backup_timestamp_seconds` also fires for a store never backed
/// up.
pub fn render_last_backup(out: &mut String, unix_seconds: i64) {
    family(
        out,
        "citypulse_last_backup_timestamp_seconds",
        "When the last backup of the embedded database was taken (cpld backup), Unix seconds; 0 when none was.",
        "gauge",
        unix_seconds.to_string(),
    );
}

/// Appends the standard Prometheus `process_*` families (the names every Go and Python
/// exporter uses, so existing dashboards and `cpl simulate --scenario`'s report read
/// them): CPU seconds, resident and virtual bytes, and open descriptors when known.
/// The numbers, not `host::process::Usage`: `metrics` sits below `host` in the layers
/// (`tests/layers.rs`), and `http::ops` passes them down.
pub fn render_process(
    out: &mut String,
    cpu_seconds: f64,
    resident_bytes: u64,
    virtual_bytes: u64,
    open_fds: Option<u64>,
) {
    family(
        out,
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.",
        "counter",
        cpu_seconds.to_string(),
    );
    family(
        out,
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        "gauge",
        resident_bytes.to_string(),
    );
    family(
        out,
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes.",
        "gauge",
        virtual_bytes.to_string(),
    );
    if let Some(n) = open_fds {
        family(
            out,
            "process_open_fds",
            "Number of open file descriptors.",
            "gauge",
            n.to_string(),
        );
    }
}

/// One metric family of a single sample: `# HELP`, `# TYPE`, the sample.
fn family(out: &mut String, name: &str, help: &str, kind: &str, v: String) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sample follows `# HELP` and `# TYPE` lines of its own family (0.0.4: the
    /// family of `x_total` is `x_total`; a histogram's `_bucket`, `_sum` and `_count`
    /// belong to it), and every value is a number.
    #[test]
    fn render_is_prometheus_text_0_0_4() {
        let m = Metrics::default();
        m.claims_won.fetch_add(2, Ordering::Relaxed);
        m.ws_connections.fetch_add(1, Ordering::Relaxed);
        m.observe_request(Duration::from_millis(3), 200);
        m.observe_request(Duration::from_secs(3), 503);
        let damaged = DamagedDocuments::default();
        assert!(damaged.record("events", "a"));
        assert!(!damaged.record("events", "a"));
        assert!(damaged.record("users", "a"));
        let mut text = m.render(4, Some(&damaged));
        render_process(&mut text, 3.25, 12_288_000, 987_654_321, Some(9));
        let mut help: Option<String> = None;
        let mut family: Option<(String, String)> = None;
        let mut samples = std::collections::HashMap::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, h) = rest.split_once(' ').unwrap();
                assert!(!h.is_empty() && !h.ends_with(".."), "{line}");
                help = Some(name.to_string());
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert_eq!(help.as_deref(), Some(name), "TYPE without its HELP: {line}");
                assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
                family = Some((name.to_string(), kind.to_string()));
            } else {
                let (series, value) = line.rsplit_once(' ').unwrap();
                let name = series.split('{').next().unwrap();
                let (fam, kind) = family.clone().expect("a sample before any TYPE");
                match kind.as_str() {
                    "histogram" => assert!(
                        ["_bucket", "_sum", "_count"]
                            .iter()
                            .any(|s| name.strip_suffix(s) == Some(fam.as_str())),
                        "{line}"
                    ),
                    "counter" => {
                        assert_eq!(name, fam, "{line}");
                        assert!(name.ends_with("_total"), "{line}");
                    }
                    _ => assert_eq!(name, fam, "{line}"),
                }
                let v: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
                samples.insert(series.to_string(), v);
            }
        }
        assert_eq!(samples["citypulse_claims_won_total"], 2.0);
        assert_eq!(samples["citypulse_ws_connections"], 1.0);
        assert_eq!(samples["citypulse_rooms"], 4.0);
        assert_eq!(samples["process_cpu_seconds_total"], 3.25);
        assert_eq!(samples["process_resident_memory_bytes"], 12_288_000.0);
        assert_eq!(samples["process_open_fds"], 9.0);
        assert_eq!(samples["citypulse_http_requests_5xx_total"], 1.0);
        assert_eq!(
            samples["citypulse_damaged_documents_total{collection=\"events\"}"],
            1.0
        );
        assert_eq!(
            samples["citypulse_damaged_documents_total{collection=\"users\"}"],
            1.0
        );
        assert_eq!(
            samples["citypulse_http_request_duration_seconds_count"],
            2.0
        );
        assert_eq!(
            samples["citypulse_http_request_duration_seconds_bucket{le=\"0.005\"}"],
            1.0
        );
        assert_eq!(
            samples["citypulse_http_request_duration_seconds_bucket{le=\"+Inf\"}"],
            2.0
        );
    }

    #[test]
    fn damaged_documents_are_remembered_within_a_bound() {
        let d = DamagedDocuments::default();
        for i in 0..DAMAGED_REMEMBERED {
            assert!(d.record("events", &i.to_string()));
        }
        assert!(!d.record("events", "0"));
        // Full: the memory starts again rather than grow.
        assert!(d.record("events", "new"));
        assert!(d.record("events", "0"));
        assert_eq!(
            d.counts(),
            vec![("events".to_string(), DAMAGED_REMEMBERED as u64 + 2)]
        );
    }
}
