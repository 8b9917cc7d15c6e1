//! `cpl race`: N users connected over WebSocket race for one collectible.
//!
//! Registers N users, makes them participants of the event (REST), opens N sockets, then
//! either drops a collectible (admin token) or waits for the daemon's scheduled drop
//! (`--wait`), and every socket sends `claim_collectible` at once. Every `claim_result` is
//! collected within `--timeout`. API.md promises exactly one winner under any concurrency,
//! so the command fails (exit 1) for any other number of winners.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use citypulse::api::{ClaimResult, DropRequest};
use citypulse::model::{Collectible, Rarity};
use citypulse::reconnect::ResilientWs;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::{CollectibleId, EventId, UserId};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::context::Context;
use crate::crowd;
use crate::error::refused;
use crate::stats::Latency;
use crate::util::{coordinates, parse_duration, PLAZA_DE_BOLIVAR};
use crate::{progress, runs};

/// Arguments of `cpl race`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The event to race in [default: a new event created by the first racer]
    #[arg(long)]
    pub event: Option<EventId>,
    /// How many users race (each registered for the run)
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub users: u32,
    /// Wait for the daemon's next scheduled drop in the event instead of dropping one
    /// (no admin token needed)
    #[arg(long)]
    pub wait: bool,
    /// With --wait, how long to wait for the drop
    #[arg(long, value_parser = parse_duration, default_value = "10m", value_name = "DURATION")]
    pub wait_timeout: Duration,
    /// How long to wait for every claim's answer once the drop is out
    #[arg(long, value_parser = parse_duration, default_value = "30s", value_name = "DURATION")]
    pub timeout: Duration,
    /// Rarity of the dropped collectible [default: drawn from the catalogue's odds]
    #[arg(long, value_parser = ["common", "rare", "epic", "legendary"], conflicts_with = "wait")]
    pub rarity: Option<String>,
    /// Seconds the dropped collectible stays claimable
    #[arg(
        long,
        default_value_t = 60,
        conflicts_with = "wait",
        value_name = "SECONDS"
    )]
    pub expires_in: u64,
    /// Registrations, joins, connections and (with --cleanup) erasures in flight at once
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=512))]
    pub concurrency: u32,
    /// Where the racers are recorded and whether they are erased at the end.
    #[command(flatten)]
    pub run: runs::RunArgs,
}

/// The `--json` answer of `cpl race`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RaceSummary {
    /// The event raced in.
    pub event_id: EventId,
    /// The collectible raced for (none if no drop was seen).
    pub collectible_id: Option<CollectibleId>,
    /// How many users raced.
    pub users: usize,
    /// How many claims succeeded (1 when the daemon keeps its promise).
    pub winners: usize,
    /// The first winner.
    pub winner: Option<Winner>,
    /// Lost claims by the daemon's reason (`already claimed`, `expired`).
    pub lost: BTreeMap<String, usize>,
    /// Claims answered with an `error` frame or failed otherwise, by reason.
    pub errors: BTreeMap<String, usize>,
    /// Claims with no answer within --timeout.
    pub unanswered: usize,
    /// Time from sending `claim_collectible` to its `claim_result`, over every answer.
    pub latency_ms: Option<Latency>,
    /// The run file listing the racers (absent once `--cleanup` erased them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_file: Option<std::path::PathBuf>,
    /// What `--cleanup` erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<runs::CleanupSummary>,
}

/// The winner of a race.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Winner {
    /// Their id.
    pub user_id: UserId,
    /// Their name.
    pub name: String,
    /// Their claim's latency.
    pub latency_ms: f64,
    /// The collectible as won.
    pub collectible: Option<Collectible>,
}

enum Outcome {
    Answered {
        latency: Duration,
        result: ClaimResult,
    },
    Failed(String),
    Unanswered,
}

/// Runs the race.
pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let n = args.users as usize;
    let concurrency = args.concurrency as usize;
    let client = ctx.client()?;
    // Check the admin token before any work is done.
    let admin = if args.wait { None } else { Some(ctx.admin()?) };
    let cleaner = if args.run.cleanup {
        Some(ctx.admin()?)
    } else {
        None
    };
    client.health().await?;

    ctx.note(format!("Registering {n} racers at {}…", ctx.url));
    let bar = progress::bar(ctx, n as u64, "racers registered");
    let users = crowd::register(&client, n, "racer", concurrency, &bar).await?;
    bar.finish_and_clear();
    let run_file = runs::record(ctx, "race", &args.run, &users)?;
    let event = match &args.event {
        Some(e) => client.event(e).await?.id,
        None => {
            let (lng, lat) = PLAZA_DE_BOLIVAR;
            let first = users.first().ok_or_else(|| refused("no racers"))?;
            let ev = crowd::create_event(first, "Collectible race".into(), coordinates(lng, lat)?)
                .await?;
            ctx.note(format!("Created event {}.", ev.id));
            ev.id
        }
    };
    ctx.note(format!(
        "Joining {n} racers to event {event} and opening their sockets…"
    ));
    let bar = progress::bar(ctx, n as u64, "racers joined");
    crowd::join(&users, std::slice::from_ref(&event), concurrency, &bar).await?;
    bar.finish_and_clear();
    let bar = progress::bar(ctx, n as u64, "sockets open");
    let conns = crowd::connect(&users, std::slice::from_ref(&event), concurrency, &bar).await?;
    bar.finish_and_clear();

    // Every racer waits on this channel for the collectible's id, then claims at once.
    // With --wait, the first racer whose socket sees the drop publishes it.
    let (tx, rx) = watch::channel::<Option<CollectibleId>>(None);
    let tx = Arc::new(tx);
    let wait_deadline = Instant::now() + args.wait_timeout;
    // Racers report their outcome, then keep reading their socket until everyone is done:
    // a racer that left early would make the room announce `user_left` to the others
    // mid-race, and a racer that stopped reading would be cut off as a slow consumer.
    let (done_tx, done_rx) = watch::channel(false);
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel::<(usize, Outcome)>(n.max(1));
    let handles: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, conn)| {
            let racer = Racer {
                release: rx.clone(),
                announce: args.wait.then(|| tx.clone()),
                event: event.clone(),
                timeout: args.timeout,
                wait_deadline,
            };
            tokio::spawn(racer.run(i, conn, out_tx.clone(), done_rx.clone()))
        })
        .collect();
    drop(out_tx);

    let mut collectible_id = None;
    if let Some(admin) = admin {
        ctx.note("Dropping a collectible; everyone claims it at once…");
        let req = DropRequest {
            name: None,
            rarity: args.rarity.as_deref().and_then(Rarity::parse),
            points: None,
            expires_in: Some(args.expires_in),
        };
        let dropped = admin.drop_collectible(&event, &req).await?;
        collectible_id = Some(dropped.id.clone());
        tx.send_replace(Some(dropped.id));
    } else {
        ctx.note(format!(
            "Waiting up to {}s for the daemon's next drop in event {event}…",
            args.wait_timeout.as_secs()
        ));
    }

    // Outcomes arrive in finishing order; `summarise` pairs them with users by position.
    // With --wait this is also the wait for the drop, which can take minutes.
    let bar = progress::bar(ctx, n as u64, "claims answered");
    let mut slots: Vec<Option<Outcome>> = (0..n).map(|_| None).collect();
    while let Some((i, o)) = out_rx.recv().await {
        bar.inc(1);
        if let Some(slot) = slots.get_mut(i) {
            *slot = Some(o);
        }
    }
    bar.finish_and_clear();
    let _ = done_tx.send(true);
    let mut failures = Vec::new();
    for h in handles {
        if let Err(e) = h.await {
            failures.push(format!("racer task failed: {e}"));
        }
    }
    let outcomes: Vec<Outcome> = slots
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| {
                Outcome::Failed(failures.pop().unwrap_or_else(|| "racer task failed".into()))
            })
        })
        .collect();
    let collectible_id = collectible_id.or_else(|| rx.borrow().clone());
    let mut summary = summarise(event, collectible_id, &users, outcomes);
    summary.run_file = Some(run_file.clone());
    if let Some(admin) = &cleaner {
        let cleaned = runs::cleanup(ctx, admin, &users, concurrency, &run_file).await;
        summary.run_file.clone_from(&cleaned.run_file);
        summary.cleanup = Some(cleaned);
    }
    print(ctx, &summary)?;
    if let Some(c) = summary.cleanup.as_ref().filter(|c| !c.failed.is_empty()) {
        return Err(refused(format!(
            "the race ran, but {} of its users could not be erased: {}",
            c.failed.len(),
            runs::describe(c)
        )));
    }
    if summary.collectible_id.is_none() {
        return Err(refused(format!(
            "no collectible dropped into event {} within {}s",
            summary.event_id,
            args.wait_timeout.as_secs()
        )));
    }
    if summary.winners != 1 {
        return Err(refused(format!(
            "{} winners among {n} racers; exactly one was expected",
            summary.winners
        )));
    }
    Ok(())
}

struct Racer {
    release: watch::Receiver<Option<CollectibleId>>,
    announce: Option<Arc<watch::Sender<Option<CollectibleId>>>>,
    event: EventId,
    timeout: Duration,
    wait_deadline: Instant,
}

impl Racer {
    async fn run(
        mut self,
        index: usize,
        mut conn: ResilientWs,
        report: tokio::sync::mpsc::Sender<(usize, Outcome)>,
        mut all_done: watch::Receiver<bool>,
    ) {
        let outcome = self.race(&mut conn).await;
        let alive = !matches!(outcome, Outcome::Failed(_));
        let _ = report.send((index, outcome)).await;
        drop(report);
        if alive {
            // Drain (and ignore) room traffic until every racer has its answer.
            while !*all_done.borrow_and_update() {
                tokio::select! {
                    changed = all_done.changed() => if changed.is_err() { break },
                    msg = conn.recv() => if msg.is_err() { break },
                }
            }
        }
        let _ = conn.close().await;
    }

    async fn race(&mut self, conn: &mut ResilientWs) -> Outcome {
        let id = loop {
            if let Some(id) = self.release.borrow_and_update().clone() {
                break id;
            }
            tokio::select! {
                changed = self.release.changed() => if changed.is_err() {
                    return Outcome::Failed("the race was called off".into());
                },
                msg = conn.recv() => match msg {
                    Ok(ServerMessage::CollectibleDrop { collectible, .. }) if collectible.event_id == self.event => {
                        if let Some(tx) = &self.announce {
                            tx.send_if_modified(|v| {
                                if v.is_none() {
                                    *v = Some(collectible.id.clone());
                                    true
                                } else {
                                    false
                                }
                            });
                        }
                    }
                    Ok(_) => {}
                    Err(e) => return Outcome::Failed(e.to_string()),
                },
                _ = tokio::time::sleep_until(self.wait_deadline) => return Outcome::Unanswered,
            }
        };
        let sent = Instant::now();
        if let Err(e) = conn
            .send(&ClientMessage::ClaimCollectible {
                collectible_id: id.clone(),
            })
            .await
        {
            return Outcome::Failed(e.to_string());
        }
        let answer = conn
            .recv_until(self.timeout, |m| match m {
                ServerMessage::ClaimResult { result } => Some(Ok(result.clone())),
                ServerMessage::Error { code, message } => Some(Err(format!("{code}: {message}"))),
                _ => None,
            })
            .await;
        match answer {
            Ok(Ok(result)) => Outcome::Answered {
                latency: sent.elapsed(),
                result,
            },
            Ok(Err(reason)) => Outcome::Failed(reason),
            Err(_) if sent.elapsed() >= self.timeout => Outcome::Unanswered,
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }
}

fn summarise(
    event_id: EventId,
    collectible_id: Option<CollectibleId>,
    users: &[crowd::VirtualUser],
    outcomes: Vec<Outcome>,
) -> RaceSummary {
    let mut s = RaceSummary {
        event_id,
        collectible_id,
        users: users.len(),
        winners: 0,
        winner: None,
        lost: BTreeMap::new(),
        errors: BTreeMap::new(),
        unanswered: 0,
        latency_ms: None,
        run_file: None,
        cleanup: None,
    };
    let mut latencies = Vec::new();
    for (user, outcome) in users.iter().zip(outcomes) {
        match outcome {
            Outcome::Answered { latency, result } => {
                latencies.push(latency);
                if result.success {
                    s.winners += 1;
                    if s.winner.is_none() {
                        s.winner = Some(Winner {
                            user_id: user.id.clone(),
                            name: user.name.clone(),
                            latency_ms: latency.as_secs_f64() * 1000.0,
                            collectible: result.collectible,
                        });
                    }
                } else {
                    *s.lost.entry(result.message).or_default() += 1;
                }
            }
            Outcome::Failed(reason) => *s.errors.entry(reason).or_default() += 1,
            Outcome::Unanswered => s.unanswered += 1,
        }
    }
    s.latency_ms = Latency::of(&latencies);
    s
}

fn counts(m: &BTreeMap<String, usize>) -> String {
    if m.is_empty() {
        return "0".into();
    }
    m.iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print(ctx: &Context, s: &RaceSummary) -> std::io::Result<()> {
    if ctx.out.is_json() {
        return ctx.out.json(s);
    }
    let mut f: Vec<(&str, String)> = vec![
        ("event", s.event_id.to_string()),
        (
            "collectible",
            s.collectible_id
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_else(|| "- (none dropped)".into()),
        ),
        ("racers", s.users.to_string()),
        ("winners", s.winners.to_string()),
        (
            "winner",
            s.winner
                .as_ref()
                .map(|w| format!("{} ({}) in {:.1} ms", w.name, w.user_id, w.latency_ms))
                .unwrap_or_else(|| "-".into()),
        ),
        ("lost", counts(&s.lost)),
        ("errors", counts(&s.errors)),
        ("no answer", s.unanswered.to_string()),
    ];
    f.extend(Latency::fields(&s.latency_ms));
    ctx.out.fields(&f)
}
