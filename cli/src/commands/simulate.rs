//! `cpl simulate`: a crowd of virtual users walking around a centre.
//!
//! Each user follows a random walk at walking speed that stays within `--radius` of the
//! centre, and sends `location_update` over its own WebSocket at `--rate` per second; every
//! update is acknowledged by a `nearby_events` answer (or refused with an `error`). The run
//! is bounded by `--count` updates per user and by time, and talks only to the given URL.
//! At the end: sent, acknowledged, errors, throughput and latency percentiles, and with
//! `--json` each user's last acknowledged position (the one the daemon stored).
//!
//! With `--scenario` it plays a synthetic day instead ([`crate::scenario`]).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;

use citypulse::client::WsError;
use citypulse::reconnect::ResilientWs;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::{Coordinates, EventId, UserId};
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::context::Context;
use crate::crowd;
use crate::error::{refused, usage};
use crate::stats::Latency;
use crate::util::{coordinates, parse_duration, PLAZA_DE_BOLIVAR};
use crate::walk::Walker;
use crate::{progress, runs};

/// Arguments of `cpl simulate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Virtual users to register for the run [default: 10; with --scenario, the scenario's]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub users: Option<u32>,
    /// Act as the users saved in this file by --save-users instead of registering new ones
    #[arg(long, value_name = "FILE", conflicts_with = "users")]
    pub users_file: Option<PathBuf>,
    /// Save the users (id, name, token) to this file, mode 0600, for a later --users-file
    #[arg(long, value_name = "FILE")]
    pub save_users: Option<PathBuf>,
    /// Create this many events around the centre; every user joins each [default: 1; with
    /// --scenario, the events created over the day, the scenario's by default]
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub events: Option<u32>,
    /// Join these existing events instead of creating some (comma-separated ids)
    #[arg(
        long,
        value_delimiter = ',',
        conflicts_with = "events",
        value_name = "IDS"
    )]
    pub event_ids: Vec<EventId>,
    /// Location updates per user per second (0.01 to 50)
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    /// Stop after this long [default: 10s, or long enough for --count; with --scenario, the
    /// length of the day, the scenario's by default]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub duration: Option<Duration>,
    /// Stop after this many updates per user (or at --duration, whichever comes first)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Longitude of the centre [default: Plaza de Bolívar, Bogotá]
    #[arg(long, allow_negative_numbers = true, default_value_t = PLAZA_DE_BOLIVAR.0)]
    pub lng: f64,
    /// Latitude of the centre
    #[arg(long, allow_negative_numbers = true, default_value_t = PLAZA_DE_BOLIVAR.1)]
    pub lat: f64,
    /// Users stay within this many metres of the centre
    #[arg(long, default_value_t = 1000.0, value_name = "METRES")]
    pub radius: f64,
    /// Walking speed, metres per second
    #[arg(long, default_value_t = 1.4)]
    pub speed: f64,
    /// Registrations, joins, connections and (with --cleanup) erasures in flight at once
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=512))]
    pub concurrency: u32,
    /// Where the registered users are recorded and whether they are erased at the end
    /// (users read from --users-file are neither: this run did not register them).
    #[command(flatten)]
    pub run: runs::RunArgs,
    /// Seed of the random walks (the same seed walks the same paths; with --scenario, the
    /// same day)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Play a synthetic day instead: a built-in scenario's name (city-day) or a scenario
    /// file (TOML; see --print-scenario). --users, --events, --duration and --seed
    /// override its bounds
    #[arg(
        long,
        value_name = "NAME|FILE",
        conflicts_with_all = ["users_file", "save_users", "event_ids", "rate", "count", "lng", "lat", "radius", "speed"]
    )]
    pub scenario: Option<String>,
    /// Print a built-in scenario's file (a template to copy and edit) and exit
    #[arg(long, value_name = "NAME", conflicts_with = "scenario")]
    pub print_scenario: Option<String>,
    /// Spread the sockets over N local source addresses, 127.0.0.1 to 127.0.0.N,
    /// round-robin (each has its own ephemeral ports, about 28,000 towards one daemon
    /// address); the daemon must be at an IPv4 loopback address
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=254))]
    pub source_addresses: Option<u8>,
    /// With --scenario: write the run's report as one self-contained HTML page (charts of
    /// throughput, latency, errors, connections, daemon memory and CPU, client CPU)
    #[arg(long, value_name = "FILE", requires = "scenario")]
    pub report: Option<PathBuf>,
    /// With --scenario: write the report's main chart (throughput and p99 latency per
    /// operation) as a 1200x600 PNG, for READMEs and issues
    #[arg(long, value_name = "FILE", requires = "scenario")]
    pub report_png: Option<PathBuf>,
    /// With --scenario: also save the run's report as JSON in this file (`cpl report FILE`
    /// renders it again)
    #[arg(long, value_name = "FILE", requires = "scenario")]
    pub report_json: Option<PathBuf>,
}

/// The `--json` answer of `cpl simulate`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimulateSummary {
    /// How many users walked.
    pub virtual_users: usize,
    /// The events they joined.
    pub events: Vec<EventId>,
    /// Seconds from the first update to the last answer.
    pub duration_s: f64,
    /// Updates per user per second asked for.
    pub rate: f64,
    /// Location updates sent.
    pub sent: u64,
    /// Updates answered with `nearby_events`.
    pub acknowledged: u64,
    /// Updates answered with `error`, left unanswered, or lost with a connection.
    pub errors: u64,
    /// Acknowledged updates per second.
    pub throughput_per_s: f64,
    /// Time from sending an update to its `nearby_events`.
    pub latency_ms: Option<Latency>,
    /// Every user's counts and last acknowledged position.
    pub users: Vec<UserSummary>,
    /// The run file listing the users this run registered (absent when it registered none,
    /// or once `--cleanup` erased them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_file: Option<PathBuf>,
    /// What `--cleanup` erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<runs::CleanupSummary>,
}

/// One virtual user's part of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserSummary {
    /// Their id.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Updates sent.
    pub sent: u64,
    /// Updates acknowledged.
    pub acknowledged: u64,
    /// Updates failed.
    pub errors: u64,
    /// The last acknowledged position, `[lng, lat]`: what the daemon stored last.
    pub last: Option<Coordinates>,
}

/// How long to wait for answers still due once the run is over.
const DRAIN: Duration = Duration::from_secs(5);

/// Runs the simulation.
pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    if let Some(name) = &args.print_scenario {
        let text = crate::scenario::file::built_in(name).ok_or_else(|| {
            usage(format!(
                "--print-scenario {name:?} is not a built-in scenario; the built-in ones: {}",
                crate::scenario::file::BUILT_IN.map(|(n, _)| n).join(", ")
            ))
        })?;
        print!("{text}");
        return Ok(());
    }
    if let Some(scenario) = args.scenario {
        let options = crate::scenario::Options {
            scenario,
            users: args.users,
            events: args.events,
            duration: args.duration,
            seed: args.seed,
            concurrency: args.concurrency as usize,
            run: args.run,
            report_html: args.report,
            report_png: args.report_png,
            report_json: args.report_json,
            source_addresses: args.source_addresses,
        };
        return crate::scenario::run(ctx, options).await;
    }
    let users_wanted = args.users.unwrap_or(10);
    if users_wanted > 100_000 {
        return Err(usage(format!(
            "--users {users_wanted} is out of range (1 to 100000)"
        )));
    }
    let events_wanted = args.events.unwrap_or(1);
    if events_wanted > 100 {
        return Err(usage(format!(
            "--events {events_wanted} is out of range (0 to 100; up to 100000 with --scenario)"
        )));
    }
    if !(0.01..=50.0).contains(&args.rate) {
        return Err(usage(format!(
            "--rate {} is out of range (0.01 to 50 per second)",
            args.rate
        )));
    }
    if !(args.radius.is_finite() && args.radius > 0.0 && args.radius <= 100_000.0) {
        return Err(usage("--radius must be between 0 and 100000 metres"));
    }
    if !(args.speed.is_finite() && args.speed >= 0.0 && args.speed <= 50.0) {
        return Err(usage("--speed must be between 0 and 50 metres per second"));
    }
    let centre = coordinates(args.lng, args.lat)?;
    let interval = Duration::from_secs_f64(1.0 / args.rate);
    let duration = match (args.duration, args.count) {
        (Some(d), _) => d,
        (None, Some(c)) => interval * (c.min(1_000_000) as u32) + Duration::from_secs(10),
        (None, None) => Duration::from_secs(10),
    };
    let count = args.count.unwrap_or(u64::MAX);
    let concurrency = args.concurrency as usize;
    let client = ctx.client()?;
    let cleaner =
        match (&args.users_file, args.run.cleanup) {
            (None, true) => Some(ctx.admin()?),
            (Some(_), true) => return Err(usage(
                "--cleanup erases the users a run registers; with --users-file it registers none",
            )),
            _ => None,
        };
    client.health().await?;

    let sources = match args.source_addresses {
        Some(n) => crowd::source_addresses(&ctx.url, n)?,
        None => Vec::new(),
    };
    let (mut users, run_file) = match &args.users_file {
        Some(path) => (crowd::load(path, &client)?, None),
        None => {
            ctx.note(format!(
                "Registering {users_wanted} virtual users at {}…",
                ctx.url
            ));
            let bar = progress::bar(ctx, u64::from(users_wanted), "users registered");
            let users =
                crowd::register(&client, users_wanted as usize, "walker", concurrency, &bar)
                    .await?;
            bar.finish_and_clear();
            let file = runs::record(ctx, "simulate", &args.run, &users)?;
            (users, Some(file))
        }
    };
    crowd::spread(&mut users, &client, &sources)?;
    if let Some(path) = &args.save_users {
        crowd::save(path, &users)?;
        ctx.note(format!(
            "Saved {} users to {}.",
            users.len(),
            path.display()
        ));
    }
    let mut rng = match args.seed {
        Some(s) => StdRng::seed_from_u64(s),
        None => StdRng::from_entropy(),
    };
    let events: Vec<EventId> = if args.event_ids.is_empty() {
        let mut ids = Vec::new();
        if let Some(first) = users.first() {
            for i in 0..events_wanted {
                let at = Walker::start(centre, args.radius / 2.0, &mut rng).pos;
                let ev =
                    crowd::create_event(first, format!("Simulated event {}", i + 1), at).await?;
                ids.push(ev.id);
            }
        }
        ids
    } else {
        args.event_ids.clone()
    };
    if !events.is_empty() {
        ctx.note(format!(
            "Joining {} users to {} event(s)…",
            users.len(),
            events.len()
        ));
        let bar = progress::bar(ctx, (users.len() * events.len()) as u64, "joins");
        crowd::join(&users, &events, concurrency, &bar).await?;
        bar.finish_and_clear();
    }
    ctx.note(format!("Opening {} WebSockets…", users.len()));
    let bar = progress::bar(ctx, users.len() as u64, "sockets open");
    let conns = crowd::connect(&users, &events, concurrency, &bar).await?;
    bar.finish_and_clear();

    let per_user = count.min((duration.as_secs_f64() * args.rate).ceil() as u64);
    let bar = progress::bar(ctx, per_user.saturating_mul(users.len() as u64), "updates");
    let started = Instant::now();
    let deadline = started + duration;
    let step_m = args.speed * interval.as_secs_f64();
    let handles: Vec<_> = conns
        .into_iter()
        .map(|conn| {
            let walker = Walker::start(centre, args.radius, &mut rng);
            let offset = interval.mul_f64(rng.gen::<f64>());
            let run = Walk {
                walker,
                interval,
                offset,
                count,
                deadline,
                step_m,
                bar: bar.clone(),
                tally: Tally::default(),
            };
            tokio::spawn(run.run(conn))
        })
        .collect();
    let mut tallies = Vec::with_capacity(handles.len());
    for h in handles {
        tallies.push(h.await.unwrap_or_else(|e| Tally {
            errors: 1,
            failure: Some(format!("walker task failed: {e}")),
            ..Tally::default()
        }));
    }
    let elapsed = started.elapsed();
    bar.finish_and_clear();

    let mut latencies = Vec::new();
    let mut summary = SimulateSummary {
        virtual_users: users.len(),
        events,
        duration_s: round3(elapsed.as_secs_f64()),
        rate: args.rate,
        sent: 0,
        acknowledged: 0,
        errors: 0,
        throughput_per_s: 0.0,
        latency_ms: None,
        users: Vec::with_capacity(users.len()),
        run_file: run_file.clone(),
        cleanup: None,
    };
    let mut failures = Vec::new();
    for (user, t) in users.iter().zip(tallies) {
        summary.sent += t.sent;
        summary.acknowledged += t.acknowledged;
        summary.errors += t.errors;
        latencies.extend_from_slice(&t.latencies);
        if let Some(f) = t.failure {
            failures.push(format!("{}: {f}", user.name));
        }
        summary.users.push(UserSummary {
            id: user.id.clone(),
            name: user.name.clone(),
            sent: t.sent,
            acknowledged: t.acknowledged,
            errors: t.errors,
            last: t.last_acked,
        });
    }
    summary.throughput_per_s =
        round3(summary.acknowledged as f64 / elapsed.as_secs_f64().max(1e-3));
    summary.latency_ms = Latency::of(&latencies);
    if let (Some(admin), Some(file)) = (&cleaner, &run_file) {
        let cleaned = runs::cleanup(ctx, admin, &users, concurrency, file).await;
        summary.run_file.clone_from(&cleaned.run_file);
        summary.cleanup = Some(cleaned);
    }
    print(ctx, &summary)?;
    for f in failures.iter().take(5) {
        ctx.note(format!("cpl: {f}"));
    }
    if summary.errors > 0 {
        return Err(refused(format!(
            "{} of {} location updates failed",
            summary.errors, summary.sent
        )));
    }
    if let Some(c) = summary.cleanup.as_ref().filter(|c| !c.failed.is_empty()) {
        return Err(refused(format!(
            "the simulation ran, but {} of its users could not be erased: {}",
            c.failed.len(),
            runs::describe(c)
        )));
    }
    Ok(())
}

fn print(ctx: &Context, s: &SimulateSummary) -> std::io::Result<()> {
    if ctx.out.is_json() {
        return ctx.out.json(s);
    }
    let mut f: Vec<(&str, String)> = vec![
        ("virtual users", s.virtual_users.to_string()),
        ("events", s.events.len().to_string()),
        ("duration", format!("{:.1} s", s.duration_s)),
        ("updates sent", s.sent.to_string()),
        ("acknowledged", s.acknowledged.to_string()),
        ("errors", s.errors.to_string()),
        ("throughput", format!("{:.1} updates/s", s.throughput_per_s)),
    ];
    f.extend(Latency::fields(&s.latency_ms));
    ctx.out.fields(&f)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// What one walker counted.
#[derive(Default)]
struct Tally {
    sent: u64,
    acknowledged: u64,
    errors: u64,
    latencies: Vec<Duration>,
    last_acked: Option<Coordinates>,
    failure: Option<String>,
}

struct Walk {
    walker: Walker,
    interval: Duration,
    offset: Duration,
    count: u64,
    deadline: Instant,
    step_m: f64,
    bar: ProgressBar,
    tally: Tally,
}

impl Walk {
    async fn run(mut self, mut conn: ResilientWs) -> Tally {
        // Updates not yet answered, oldest first: the daemon answers a socket's frames in
        // order, so each `nearby_events` or `error` answers the oldest.
        let mut pending: VecDeque<(Instant, Coordinates)> = VecDeque::new();
        let mut tick = tokio::time::interval_at(Instant::now() + self.offset, self.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut alive = true;
        while self.tally.sent < self.count && Instant::now() < self.deadline {
            tokio::select! {
                _ = tick.tick() => {
                    let at = self.walker.step(self.step_m);
                    if let Err(e) = conn.send(&ClientMessage::LocationUpdate { coordinates: at }).await {
                        self.tally.errors += 1;
                        self.tally.failure = Some(e.to_string());
                        alive = false;
                        break;
                    }
                    pending.push_back((Instant::now(), at));
                    self.tally.sent += 1;
                    self.bar.inc(1);
                }
                msg = conn.recv() => if !self.answer(msg, &mut pending) {
                    alive = false;
                    break;
                },
                _ = tokio::time::sleep_until(self.deadline) => break,
            }
        }
        if alive {
            let drain_until = Instant::now() + DRAIN;
            while !pending.is_empty() {
                match tokio::time::timeout_at(drain_until, conn.recv()).await {
                    Ok(msg) => {
                        if !self.answer(msg, &mut pending) {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
            let _ = conn.close().await;
        }
        // Whatever is still pending was never answered.
        self.tally.errors += pending.len() as u64;
        self.tally
    }

    /// Accounts for one frame; false when the connection is gone.
    fn answer(
        &mut self,
        msg: Result<ServerMessage, WsError>,
        pending: &mut VecDeque<(Instant, Coordinates)>,
    ) -> bool {
        match msg {
            Ok(ServerMessage::NearbyEvents { .. }) => {
                if let Some((sent, at)) = pending.pop_front() {
                    self.tally.acknowledged += 1;
                    self.tally.latencies.push(sent.elapsed());
                    self.tally.last_acked = Some(at);
                }
                true
            }
            Ok(ServerMessage::Error { code, message }) => {
                pending.pop_front();
                self.tally.errors += 1;
                self.tally.failure = Some(format!("{code}: {message}"));
                true
            }
            Ok(_) => true,
            Err(e) => {
                self.tally.failure = Some(e.to_string());
                false
            }
        }
    }
}
