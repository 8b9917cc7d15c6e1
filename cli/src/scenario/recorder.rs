//! What a scenario run measures, bucket by bucket: each operation's completions, errors
//! and latencies, and the failure sentences; and the gauges sampled at each bucket's end
//! (the generator's sockets, online users and CPU; the daemon's `/metrics`).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::report::model::{Failure, OperationPoint, OperationSeries, OPERATIONS};
use crate::stats::Latency;

/// A timed operation, indexing [`OPERATIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `location_update` → `nearby_events`.
    Location = 0,
    /// `join_event` → the joiner's own `user_joined`.
    Join = 1,
    /// A chat message sent by one virtual user → its `chat_message` at another.
    ChatDelivery = 2,
    /// `claim_collectible` → `claim_result`.
    Claim = 3,
}

impl Op {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        OPERATIONS[self as usize]
    }
}

/// Most distinct failure sentences kept.
const FAILURES_KEPT: usize = 20;

#[derive(Default, Clone)]
struct Cell {
    count: u64,
    errors: u64,
    latencies: Vec<Duration>,
}

#[derive(Default)]
struct Inner {
    /// `[operation][bucket]`.
    cells: [Vec<Cell>; 4],
    /// Failures of the operations and of anything else (`connect`, `create_event`, ...).
    failures: BTreeMap<(String, String), u64>,
    /// Failures of things that are not timed operations.
    other_errors: u64,
}

/// Collects a run's outcomes; shared by every virtual user.
pub struct Recorder {
    start: Instant,
    bucket: Duration,
    inner: Mutex<Inner>,
}

/// The width of a bucket for a run of `duration`: one second, or for runs shorter than a
/// minute a sixtieth of the run (at least 100 ms), so a short run still draws a chart of
/// some sixty points rather than a handful.
pub fn bucket_for(duration: Duration) -> Duration {
    if duration >= Duration::from_secs(60) {
        Duration::from_secs(1)
    } else {
        let ms = (duration.as_millis() / 60).max(100) as u64;
        // Round to 50 ms so the points fall on readable times.
        Duration::from_millis(ms.div_ceil(50) * 50)
    }
}

impl Recorder {
    /// A recorder whose buckets are `bucket` wide from `start`.
    pub fn new(start: Instant, bucket: Duration) -> Recorder {
        Recorder {
            start,
            bucket,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn index(&self, at: Instant) -> usize {
        let since = at.saturating_duration_since(self.start);
        (since.as_nanos() / self.bucket.as_nanos().max(1)) as usize
    }

    fn with_cell(&self, op: Op, at: Instant, f: impl FnOnce(&mut Cell)) {
        let i = self.index(at);
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let cells = &mut g.cells[op as usize];
        if cells.len() <= i {
            cells.resize(i + 1, Cell::default());
        }
        f(&mut cells[i]);
    }

    /// One `op` completed at `at`, `latency` after it started.
    pub fn ok(&self, op: Op, at: Instant, latency: Duration) {
        self.with_cell(op, at, |c| {
            c.count += 1;
            c.latencies.push(latency);
        });
    }

    /// One `op` failed at `at`, for `why`.
    pub fn error(&self, op: Op, at: Instant, why: &str) {
        self.with_cell(op, at, |c| c.errors += 1);
        self.failure(op.name(), why, false);
    }

    /// Something that is not a timed operation failed (`what`: `connect`, `create_event`,
    /// ...); counted as an error of the run.
    pub fn other_error(&self, what: &str, why: &str) {
        self.failure(what, why, true);
    }

    fn failure(&self, what: &str, why: &str, other: bool) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if other {
            g.other_errors += 1;
        }
        let key = (what.to_string(), why.to_string());
        if let Some(n) = g.failures.get_mut(&key) {
            *n += 1;
        } else if g.failures.len() < FAILURES_KEPT {
            g.failures.insert(key, 1);
        }
    }

    /// Errors so far, of operations and of everything else.
    pub fn errors(&self) -> u64 {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.other_errors + g.cells.iter().flatten().map(|c| c.errors).sum::<u64>()
    }

    /// The series of every operation over `buckets` buckets (later outcomes, e.g. answers
    /// drained after the end, fall into the last one).
    pub fn series(&self, buckets: usize) -> Vec<OperationSeries> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let width = self.bucket.as_secs_f64();
        let buckets = buckets.max(1);
        OPERATIONS
            .iter()
            .enumerate()
            .map(|(op, name)| {
                let mut cells: Vec<Cell> = g.cells[op].clone();
                cells.resize(cells.len().max(buckets), Cell::default());
                let late: Vec<Cell> = cells.split_off(buckets);
                if let Some(last) = cells.last_mut() {
                    for c in late {
                        last.count += c.count;
                        last.errors += c.errors;
                        last.latencies.extend(c.latencies);
                    }
                }
                let all: Vec<Duration> = cells
                    .iter()
                    .flat_map(|c| c.latencies.iter().copied())
                    .collect();
                let points = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let l = Latency::of(&c.latencies);
                        OperationPoint {
                            t: round3((i + 1) as f64 * width),
                            count: c.count,
                            errors: c.errors,
                            p50_ms: l.map(|l| l.p50),
                            p95_ms: l.map(|l| l.p95),
                            p99_ms: l.map(|l| l.p99),
                        }
                    })
                    .collect();
                OperationSeries {
                    name: (*name).to_string(),
                    count: cells.iter().map(|c| c.count).sum(),
                    errors: cells.iter().map(|c| c.errors).sum(),
                    latency_ms: Latency::of(&all),
                    points,
                }
            })
            .collect()
    }

    /// The failure sentences, most frequent first.
    pub fn failures(&self) -> Vec<Failure> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<Failure> = g
            .failures
            .iter()
            .map(|((op, msg), n)| Failure {
                operation: op.clone(),
                message: msg.clone(),
                count: *n,
            })
            .collect();
        v.sort_by_key(|f| std::cmp::Reverse(f.count));
        v
    }
}

/// `x` rounded to thousandths.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The process's CPU time so far (user + system), from `/proc/self/stat`; `None` off Linux
/// or when it cannot be read. Linux reports clock ticks of 1/100 s (USER_HZ) there.
pub fn own_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    cpu_seconds_of_stat(&stat)
}

/// utime + stime of a `/proc/<pid>/stat` line, in seconds. The command name (field 2) is
/// in parentheses and may hold spaces, so fields are counted after its closing one.
fn cpu_seconds_of_stat(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ")": field 3 (state) is fields[0]; utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// The sum of the samples named `name` in Prometheus text (any labels), ignoring comments;
/// `None` when there is none.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        let value = if let Some(labelled) = rest.strip_prefix('{') {
            match labelled.find('}') {
                Some(end) => &labelled[end + 1..],
                None => continue,
            }
        } else if rest.starts_with(char::is_whitespace) {
            rest
        } else {
            // Another metric whose name starts with this one.
            continue;
        };
        if let Some(v) = value
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok())
        {
            found = Some(found.unwrap_or(0.0) + v);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_fall_into_their_buckets_with_percentiles() {
        let start = Instant::now();
        let r = Recorder::new(start, Duration::from_secs(1));
        for ms in 1..=100 {
            r.ok(
                Op::Location,
                start + Duration::from_millis(10),
                Duration::from_millis(ms),
            );
        }
        r.ok(
            Op::Location,
            start + Duration::from_millis(2500),
            Duration::from_millis(7),
        );
        r.error(Op::Claim, start + Duration::from_millis(1500), "refused");
        r.error(Op::Claim, start + Duration::from_millis(1600), "refused");
        // Past the last bucket: counted in it.
        r.ok(
            Op::Join,
            start + Duration::from_secs(9),
            Duration::from_millis(3),
        );
        r.other_error("connect", "refused");
        let s = r.series(3);
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].name, "location_update");
        let loc = &s[0];
        assert_eq!(loc.points.len(), 3);
        assert_eq!(loc.count, 101);
        assert_eq!(
            (loc.points[0].t, loc.points[1].t, loc.points[2].t),
            (1.0, 2.0, 3.0)
        );
        assert_eq!(loc.points[0].count, 100);
        assert_eq!(
            (
                loc.points[0].p50_ms,
                loc.points[0].p95_ms,
                loc.points[0].p99_ms
            ),
            (Some(50.0), Some(95.0), Some(99.0))
        );
        assert_eq!(loc.points[1].count, 0);
        assert_eq!(loc.points[1].p50_ms, None);
        assert_eq!(loc.points[2].p99_ms, Some(7.0));
        assert_eq!(loc.latency_ms.unwrap().samples, 101);
        let claim = &s[3];
        assert_eq!((claim.errors, claim.points[1].errors), (2, 2));
        assert_eq!(
            s[1].points[2].count, 1,
            "late outcomes land in the last bucket"
        );
        assert_eq!(r.errors(), 3);
        let f = r.failures();
        assert_eq!((f[0].operation.as_str(), f[0].count), ("claim", 2));
    }

    #[test]
    fn short_runs_get_narrower_buckets() {
        assert_eq!(bucket_for(Duration::from_secs(600)), Duration::from_secs(1));
        assert_eq!(bucket_for(Duration::from_secs(60)), Duration::from_secs(1));
        assert_eq!(
            bucket_for(Duration::from_secs(30)),
            Duration::from_millis(500)
        );
        assert_eq!(
            bucket_for(Duration::from_secs(8)),
            Duration::from_millis(150)
        );
        assert_eq!(
            bucket_for(Duration::from_secs(1)),
            Duration::from_millis(100)
        );
    }

    #[test]
    fn prometheus_lines_are_found_by_name() {
        let text = "# HELP citypulse_ws_connections Open.\n# TYPE citypulse_ws_connections gauge\n\
                    citypulse_ws_connections 12\ncitypulse_ws_connections_max 99\n\
                    citypulse_requests_total{status=\"2xx\"} 5\ncitypulse_requests_total{status=\"5xx\"} 1\n\
                    process_resident_memory_bytes 1.2345e+07\n";
        assert_eq!(metric(text, "citypulse_ws_connections"), Some(12.0));
        assert_eq!(metric(text, "citypulse_requests_total"), Some(6.0));
        assert_eq!(
            metric(text, "process_resident_memory_bytes"),
            Some(12_345_000.0)
        );
        assert_eq!(metric(text, "process_cpu_seconds_total"), None);
    }

    #[test]
    fn cpu_time_comes_from_utime_and_stime() {
        let stat = "4242 (cpl (sim) x) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 8 0 100 0 0";
        assert_eq!(cpu_seconds_of_stat(stat), Some(3.0));
        assert_eq!(cpu_seconds_of_stat("garbage"), None);
        #[cfg(target_os = "linux")]
        assert!(own_cpu_seconds().is_some());
    }
}
