//! `cpl simulate --scenario`: a synthetic day (a scenario file, [`file`]) drawn into a plan
//! from a seed ([`plan`]), played against a daemon ([`engine`]) while a [`recorder`] and a
//! sampler take its measure, bucket by bucket; the result is a
//! [`crate::report::model::RunReport`].

pub mod engine;
pub mod file;
pub mod plan;
pub mod recorder;
mod scrape;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::context::Context;
use crate::error::{refused, usage};
use crate::report::model::{
    Bounds, ClientPoint, DaemonCounts, DaemonPoint, OperationSeries, RunReport, Totals,
};
use crate::stats::Latency;
use crate::{crowd, progress, runs};
use engine::Shared;
use plan::DayPlan;
use recorder::{bucket_for, round3, Recorder};
use scrape::Scraper;

/// The daemon's default cap of connections per client address
/// (`CPL_MAX_CONNECTIONS_PER_ADDRESS`).
const DAEMON_CONNECTIONS_PER_ADDRESS: usize = 256;

/// What `cpl simulate --scenario` was asked.
pub struct Options {
    /// `--scenario`: a built-in's name or a file.
    pub scenario: String,
    /// `--users` over the scenario's.
    pub users: Option<u32>,
    /// `--events` over the scenario's.
    pub events: Option<u32>,
    /// `--duration` over the scenario's.
    pub duration: Option<Duration>,
    /// `--seed`; drawn at random when absent (and reported, so the day can be replayed).
    pub seed: Option<u64>,
    /// Registrations (and erasures) in flight at once.
    pub concurrency: usize,
    /// The run file and `--cleanup`.
    pub run: runs::RunArgs,
    /// `--report`: the report as a self-contained HTML page.
    pub report_html: Option<PathBuf>,
    /// `--report-png`: the report's main chart as a PNG.
    pub report_png: Option<PathBuf>,
    /// `--report-json`: the report's numbers as JSON.
    pub report_json: Option<PathBuf>,
    /// `--source-addresses N`: bind the sockets to 127.0.0.1 ... 127.0.0.N.
    pub source_addresses: Option<u8>,
}

/// Runs a scenario and reports it.
pub async fn run(ctx: &Context, o: Options) -> anyhow::Result<()> {
    let mut scenario = file::load(&o.scenario)?;
    if let Some(u) = o.users {
        scenario.bounds.users = u;
    }
    if let Some(e) = o.events {
        scenario.bounds.events = e;
    }
    if let Some(d) = o.duration {
        scenario.bounds.duration = d;
    }
    scenario.validate().map_err(|e| {
        usage(format!(
            "with the command-line overrides (--users, --events, --duration), {e}"
        ))
    })?;
    let sources = match o.source_addresses {
        Some(n) => crowd::source_addresses(&ctx.url, n)?,
        None => Vec::new(),
    };
    let seed = o.seed.unwrap_or_else(rand::random);
    let plan = DayPlan::draw(&scenario, seed)?;
    let admin = if o.run.cleanup {
        Some(ctx.admin()?)
    } else {
        None
    };
    let client = ctx.client()?;
    client.health().await?;
    let scraper = Scraper::new(&ctx.url, ctx.metrics_token())?;
    let first = match scraper.scrape().await {
        Ok(text) => Some(text),
        Err(why) => {
            ctx.note(format!(
                "cpl: the daemon's /metrics cannot be read ({why}); the report has no daemon \
                 figures (set CPL_METRICS_TOKEN when the daemon asks for one)"
            ));
            None
        }
    };

    let b = &scenario.bounds;
    if !scenario.description.is_empty() {
        ctx.note(format!("{}: {}", scenario.name, scenario.description));
    }
    ctx.note(format!(
        "Registering {} virtual users at {} for the day {:?} (seed {seed})…",
        b.users, ctx.url, scenario.name
    ));
    let bar = progress::bar(ctx, u64::from(b.users), "users registered");
    let mut users =
        crowd::register(&client, b.users as usize, "citizen", o.concurrency, &bar).await?;
    crowd::spread(&mut users, &client, &sources)?;
    bar.finish_and_clear();
    let run_file = runs::record(ctx, "simulate", &o.run, &users)?;
    let first = match first {
        // Taken again now: registering is not part of the day.
        Some(_) => scraper.scrape().await.ok(),
        None => None,
    };

    let per_address = plan.peak_online().div_ceil(sources.len().max(1));
    if per_address > DAEMON_CONNECTIONS_PER_ADDRESS {
        ctx.note(format!(
            "cpl: the day has {} users online at once, {per_address} sockets from one address; \
             a daemon with the default CPL_MAX_CONNECTIONS_PER_ADDRESS ({}) refuses the rest: \
             spread them with --source-addresses or raise it",
            plan.peak_online(),
            DAEMON_CONNECTIONS_PER_ADDRESS
        ));
    }
    let duration = b.duration;
    let bucket = bucket_for(duration);
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let start = Instant::now();
    let shared = Arc::new(Shared::new(
        start,
        duration,
        Recorder::new(start, bucket),
        scenario.behaviour.clone(),
        b.max_rate_per_s,
        seed,
    ));
    ctx.note(format!(
        "Playing the day: {} users (at most {} online at once), {} events, {:.0} s…",
        b.users,
        plan.peak_online(),
        b.events,
        duration.as_secs_f64()
    ));
    let (stop_tx, stop_rx) = watch::channel(false);
    let sampler = tokio::spawn(sample(
        shared.clone(),
        first.is_some().then(|| scraper.clone()),
        bucket,
        stop_rx,
    ));
    let bar = progress::bar(ctx, duration.as_secs().max(1), "seconds of the day");
    let ticker = {
        let bar = bar.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                bar.set_position(start.elapsed().as_secs());
            }
        })
    };
    engine::run_day(shared.clone(), &plan, &users).await;
    ticker.abort();
    bar.finish_and_clear();
    let elapsed = start.elapsed();
    let _ = stop_tx.send(true);
    let (client_points, daemon_points) = sampler.await.unwrap_or_default();
    let last = match first {
        Some(_) => scraper.scrape().await.ok(),
        None => None,
    };

    if let Some(text) = &last {
        let missing: Vec<&str> = COUNTERS
            .into_iter()
            .filter(|name| recorder::metric(text, name).is_none())
            .collect();
        if !missing.is_empty() {
            ctx.note(format!(
                "cpl: this daemon's /metrics has no {}; the report counts it as 0",
                missing.join(", ")
            ));
        }
    }
    let buckets = (duration.as_secs_f64() / bucket.as_secs_f64()).ceil() as usize;
    let operations = shared.rec.series(buckets);
    let c = &shared.counts;
    let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    let totals = Totals {
        users_online: load(&c.users_online),
        peak_online: load(&c.peak_online),
        events_created: load(&c.events_created),
        events_ended: load(&c.events_ended),
        chat_sent: load(&c.chat_sent),
        chat_delivered: load(&c.chat_delivered),
        drops_seen: shared.drops.lock().unwrap_or_else(|p| p.into_inner()).len() as u64,
        claims: load(&c.claims),
        claims_won: load(&c.claims_won),
        claims_lost: load(&c.claims_lost),
        max_winners_per_drop: shared.max_winners(),
        drops_claimed: shared.drops_claimed(),
        daemon_counted: first.zip(last).map(|(a, b)| counted(&a, &b)),
    };
    let report = RunReport {
        scenario: scenario.name.clone(),
        seed,
        started_at,
        daemon_url: ctx.url.clone(),
        duration_s: round3(elapsed.as_secs_f64()),
        day_hours_per_s: round3(24.0 / duration.as_secs_f64()),
        bucket_s: bucket.as_secs_f64(),
        bounds: Bounds {
            users: b.users,
            events: b.events,
            duration_s: duration.as_secs_f64(),
            max_rate_per_s: b.max_rate_per_s,
            source_addresses: sources.iter().map(|ip| ip.to_string()).collect(),
        },
        operations,
        client: client_points,
        daemon: daemon_points,
        totals,
        failures: shared.rec.failures(),
    };
    let errors = shared.rec.errors();

    let cleanup = match &admin {
        Some(admin) => Some(runs::cleanup(ctx, admin, &users, o.concurrency, &run_file).await),
        None => None,
    };
    // Written before the verdict: a run with errors is the one whose report matters most.
    crate::report::write(
        &report,
        o.report_html.as_deref(),
        o.report_png.as_deref(),
        o.report_json.as_deref(),
    )?;
    for (path, what) in [
        (&o.report_html, "page"),
        (&o.report_png, "main chart (PNG)"),
        (&o.report_json, "JSON"),
    ] {
        if let Some(path) = path {
            ctx.note(format!("Wrote the report's {what} to {}.", path.display()));
        }
    }
    print(ctx, &report, errors)?;
    for f in report.failures.iter().take(5) {
        ctx.note(format!("cpl: {} × {}: {}", f.count, f.operation, f.message));
    }
    if errors > 0 {
        return Err(refused(format!(
            "the day ran with {errors} errors (the report lists them under failures)"
        )));
    }
    if let Some(c) = cleanup.as_ref().filter(|c| !c.failed.is_empty()) {
        return Err(refused(format!(
            "the day ran, but {} of its users could not be erased: {}",
            c.failed.len(),
            runs::describe(c)
        )));
    }
    Ok(())
}

/// The daemon's counters read at the start and the end of a run.
const COUNTERS: [&str; 5] = [
    "citypulse_chat_messages_total",
    "citypulse_chat_deliveries_total",
    "citypulse_drops_total",
    "citypulse_claims_won_total",
    "citypulse_claims_lost_total",
];

/// The daemon's counters' movement between two scrapes (a counter it does not report
/// counts 0).
fn counted(first: &str, last: &str) -> DaemonCounts {
    let delta = |name: &str| {
        let a = recorder::metric(first, name).unwrap_or(0.0);
        let b = recorder::metric(last, name).unwrap_or(0.0);
        (b - a).max(0.0).round() as u64
    };
    let [chat_messages, chat_deliveries, drops, claims_won, claims_lost] = COUNTERS.map(delta);
    DaemonCounts {
        chat_messages,
        chat_deliveries,
        drops,
        claims_won,
        claims_lost,
    }
}

/// Samples the generator and (when `scraper` is given) the daemon at the end of every
/// bucket until `stop`.
async fn sample(
    shared: Arc<Shared>,
    scraper: Option<Scraper>,
    bucket: Duration,
    mut stop: watch::Receiver<bool>,
) -> (Vec<ClientPoint>, Vec<DaemonPoint>) {
    let mut client = Vec::new();
    let mut daemon = Vec::new();
    let mut tick = tokio::time::interval_at(shared.start + bucket, bucket);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_cpu = (Instant::now(), recorder::own_cpu_seconds());
    let mut last_daemon_cpu: Option<(Instant, f64)> = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return (client, daemon),
        }
        let now = Instant::now();
        let t = round3(now.duration_since(shared.start).as_secs_f64());
        let cpu = recorder::own_cpu_seconds();
        let cores = match (cpu, last_cpu.1) {
            (Some(b), Some(a)) => Some(round3(
                (b - a) / now.duration_since(last_cpu.0).as_secs_f64().max(1e-3),
            )),
            _ => None,
        };
        last_cpu = (now, cpu);
        let c = &shared.counts;
        client.push(ClientPoint {
            t,
            connections: c.sockets.load(Ordering::Relaxed),
            online_users: c.online.load(Ordering::Relaxed),
            cpu_cores: cores,
        });
        let Some(s) = &scraper else { continue };
        let Ok(text) = s.scrape().await else { continue };
        let at = Instant::now();
        let cpu_total = recorder::metric(&text, "process_cpu_seconds_total");
        let cpu_cores = match (cpu_total, last_daemon_cpu) {
            (Some(b), Some((then, a))) => Some(round3(
                (b - a) / at.duration_since(then).as_secs_f64().max(1e-3),
            )),
            _ => None,
        };
        last_daemon_cpu = cpu_total.map(|v| (at, v));
        daemon.push(DaemonPoint {
            t,
            rss_bytes: recorder::metric(&text, "process_resident_memory_bytes").map(|v| v as u64),
            cpu_cores,
            ws_connections: recorder::metric(&text, "citypulse_ws_connections").map(|v| v as i64),
        });
    }
}

fn print(ctx: &Context, r: &RunReport, errors: u64) -> std::io::Result<()> {
    if ctx.out.is_json() {
        return ctx.out.json(r);
    }
    let t = &r.totals;
    let mut f: Vec<(&str, String)> = vec![
        ("scenario", r.scenario.clone()),
        ("seed", r.seed.to_string()),
        (
            "duration",
            format!(
                "{:.1} s ({:.2} h of the day per s)",
                r.duration_s, r.day_hours_per_s
            ),
        ),
        (
            "users",
            format!(
                "{} registered, {} came online, at most {} at once",
                r.bounds.users, t.users_online, t.peak_online
            ),
        ),
        (
            "events",
            format!("{} created, {} ended", t.events_created, t.events_ended),
        ),
    ];
    for op in &r.operations {
        f.push((op_label(op), describe(op)));
    }
    f.push((
        "chat",
        format!("{} sent, {} frames received", t.chat_sent, t.chat_delivered),
    ));
    f.push(("drops seen", t.drops_seen.to_string()));
    f.push((
        "claim outcomes",
        format!(
            "{} won, {} lost, {} drops raced; at most {} winner(s) per drop",
            t.claims_won, t.claims_lost, t.drops_claimed, t.max_winners_per_drop
        ),
    ));
    let max = |v: &mut dyn Iterator<Item = f64>| {
        v.fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
    };
    if let Some(c) = max(&mut r.client.iter().filter_map(|p| p.cpu_cores)) {
        f.push(("client CPU", format!("at most {c:.2} cores")));
    }
    if let Some(m) = max(&mut r
        .daemon
        .iter()
        .filter_map(|p| p.rss_bytes.map(|b| b as f64)))
    {
        f.push(("daemon memory", format!("at most {:.1} MB", m / 1e6)));
    }
    if let Some(c) = max(&mut r.daemon.iter().filter_map(|p| p.cpu_cores)) {
        f.push(("daemon CPU", format!("at most {c:.2} cores")));
    }
    if let Some(d) = &t.daemon_counted {
        f.push((
            "daemon counted",
            format!(
                "{} chat messages, {} chat deliveries, {} drops, {} claims won, {} lost",
                d.chat_messages, d.chat_deliveries, d.drops, d.claims_won, d.claims_lost
            ),
        ));
    }
    f.push(("errors", errors.to_string()));
    ctx.out.fields(&f)
}

fn op_label(op: &OperationSeries) -> &'static str {
    match op.name.as_str() {
        "location_update" => "location updates",
        "join" => "joins",
        "chat_delivery" => "chat deliveries",
        _ => "claims",
    }
}

fn describe(op: &OperationSeries) -> String {
    let mut s = format!("{} ok, {} errors", op.count, op.errors);
    if let Some(Latency { p50, p95, p99, .. }) = op.latency_ms {
        s.push_str(&format!(
            "; p50 {p50:.1} ms, p95 {p95:.1} ms, p99 {p99:.1} ms"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_addresses_only_towards_a_loopback_daemon() {
        let ips = crowd::source_addresses("http://127.0.0.1:8000", 3).unwrap();
        let shown: Vec<String> = ips.iter().map(|i| i.to_string()).collect();
        assert_eq!(shown, ["127.0.0.1", "127.0.0.2", "127.0.0.3"]);
        for url in [
            "http://10.0.0.5:8000",
            "https://example.com",
            "http://[::1]:8000",
        ] {
            let e = crowd::source_addresses(url, 2).unwrap_err().to_string();
            assert!(e.contains("IPv4 loopback"), "{url}: {e}");
        }
    }
}
