//! Background jobs: collectible drops, the expiry sweep, the renewal of this daemon's
//! connection leases and the sweep of expired room holds ([`crate::domain::presence`]),
//! each a tokio task that stops with the daemon.
//!
//! Several daemons on one database drop as one: every daemon ticks, but a tick runs a
//! round only on the daemon holding the named lease [`DROP_LEASE`] in the store. The
//! holder extends it at each tick; when it stops (crash, shutdown, a stall longer than
//! the lease's margin) the lease expires and the next daemon to tick takes it over.

use std::sync::atomic::Ordering;
use std::time::Duration;

use citypulse::api::DropRequest;
use citypulse::time;
use rand::Rng;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::domain::state::State;
use crate::domain::{drops, presence};

/// Chance that an eligible event gets a drop in a round (API.md: each event "may get a drop").
const DROP_CHANCE: f64 = 0.7;

/// The named lease whose holder runs the drop rounds.
pub const DROP_LEASE: &str = "drop-round";

/// How much longer than a drop interval the drop-round lease lives (besides half an
/// interval): how late the holder's next tick may come (a slow database, a paused process,
/// clocks a little apart) before another daemon takes over.
pub const DROP_LEASE_MARGIN: Duration = Duration::from_secs(5);

/// The drop-round lease's time to live for a drop interval: one and a half intervals plus
/// [`DROP_LEASE_MARGIN`]. The holder renews it every interval; a dead holder's rounds stop
/// for at most this long. Rounds of two holders are at least half an interval apart.
pub fn drop_lease_ttl(interval: Duration) -> Duration {
    interval + interval / 2 + DROP_LEASE_MARGIN
}

/// Starts the jobs; they end when `shutdown` turns true.
pub fn start(state: State, shutdown: watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    vec![
        tokio::spawn(drop_job(state.clone(), shutdown.clone())),
        tokio::spawn(cleanup_job(state.clone(), shutdown.clone())),
        tokio::spawn(presence::sweep_job(state.clone(), shutdown.clone())),
        tokio::spawn(presence::renew_job(state, shutdown)),
    ]
}

fn ticker(period: Duration) -> tokio::time::Interval {
    let mut t = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    // A round that overran (a slow database) is not made up for with a burst of rounds:
    // drops are a game mechanic, not a quota.
    t.set_missed_tick_behavior(MissedTickBehavior::Skip);
    t
}

async fn drop_job(state: State, mut shutdown: watch::Receiver<bool>) {
    let mut tick = ticker(state.config.drop_interval);
    let mut holder = false;
    loop {
        tokio::select! {
            _ = tick.tick() => holder = drop_tick(&state, holder).await,
            _ = shutdown.changed() => {
                // A clean stop hands the rounds over at once (a crash: after the expiry).
                if holder {
                    if let Err(e) = state.store.release_lease(DROP_LEASE, &state.instance_id).await {
                        tracing::warn!(
                            "could not give up the {DROP_LEASE} lease at shutdown ({e}); \
                             another daemon takes the drop rounds over when it expires"
                        );
                    }
                }
                return;
            }
        }
    }
}

/// One tick of the drop job: a round when this daemon takes or keeps the drop-round
/// lease, none otherwise. `was_holder`: whether it held the lease at the last tick (for
/// the log); returns whether it holds it now.
///
/// A round that outlasts the lease's margin may overlap the first round of the daemon
/// that takes over; drops are a game mechanic, and the next tick sorts out who holds it.
pub async fn drop_tick(state: &State, was_holder: bool) -> bool {
    let ttl = drop_lease_ttl(state.config.drop_interval);
    let now = time::now();
    match state
        .store
        .try_acquire_lease(DROP_LEASE, &state.instance_id, now, ttl)
        .await
    {
        Ok(true) => {
            if !was_holder {
                tracing::info!(
                    "this daemon runs the collectible drop rounds now (it holds the \
                     {DROP_LEASE} lease)"
                );
            }
            drop_round(state).await;
            // Counted once done: whoever reads the count sees the round's drops too.
            state.metrics.drop_rounds.fetch_add(1, Ordering::Relaxed);
            true
        }
        Ok(false) => {
            if was_holder {
                tracing::info!(
                    "another daemon runs the collectible drop rounds now (it holds the \
                     {DROP_LEASE} lease)"
                );
            }
            state
                .metrics
                .drop_rounds_deferred
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!("drop round left to the daemon holding the {DROP_LEASE} lease");
            false
        }
        Err(e) => {
            tracing::warn!("drop round skipped: could not take the {DROP_LEASE} lease: {e}");
            false
        }
    }
}

/// One round: every active event with at least one participant may get a drop.
pub async fn drop_round(state: &State) {
    let events = match state.store.active_events_with_participants().await {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!("drop round skipped: {e}");
            return;
        }
    };
    for event in events {
        if !rand::thread_rng().gen_bool(DROP_CHANCE) {
            continue;
        }
        match drops::drop_into(state, &event, DropRequest::default(), state.config.drop_ttl).await {
            Ok(c) => {
                tracing::info!(event = %event, collectible = %c.id, rarity = c.rarity.as_str(), "dropped {}", c.name)
            }
            Err(e) => tracing::warn!(event = %event, "drop failed: {e}"),
        }
    }
}

/// The expiry sweep runs on every daemon, without a lease: it is idempotent (it
/// deactivates collectibles already past their expiry; a second daemon's sweep finds
/// nothing left to do, and each one counts only what it changed), so running it N times
/// costs N cheap updates and changes nothing more.
async fn cleanup_job(state: State, mut shutdown: watch::Receiver<bool>) {
    let mut tick = ticker(state.config.cleanup_interval);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                match state.store.expire_collectibles(time::now()).await {
                    Ok(0) => {}
                    Ok(n) => {
                        state.metrics.expired.fetch_add(n, Ordering::Relaxed);
                        tracing::debug!("{n} collectible(s) expired");
                    }
                    Err(e) => tracing::warn!("expiry sweep skipped: {e}"),
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// The jobs on tokio's paused clock: `advance` stands for the wait, so an interval of
/// minutes takes no time. The store is a real SQLite file; the drop-round lease and
/// collectible expiry compare wall-clock timestamps, which do not move meanwhile.
#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    use chrono::TimeDelta;
    use citypulse::ids::{CollectibleId, EventId, UserId};
    use citypulse::model::{Collectible, Rarity};

    use super::*;
    use crate::config::Config;
    use crate::domain::state::AppState;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{NewUser, Store};

    /// Enough events that a round without a single drop (each event 70 %) is as good as
    /// impossible: 0.3^20.
    const EVENTS: usize = 20;

    fn store(dir: &tempfile::TempDir) -> Arc<dyn Store> {
        Arc::new(SqliteStore::open(&dir.path().join("citypulse.db")).unwrap())
    }

    fn daemon(store: Arc<dyn Store>, dir: &tempfile::TempDir) -> State {
        let db = dir.path().join("citypulse.db");
        let config = Config::for_test(&[
            ("CPL_DB", db.to_str().unwrap()),
            ("CPL_DROP_INTERVAL", "60"),
            ("CPL_CLEANUP_INTERVAL", "60"),
        ])
        .unwrap();
        AppState::new(store, config)
    }

    /// Active events, each with one participant.
    async fn events_with_participants(store: &Arc<dyn Store>, n: usize) -> Vec<EventId> {
        let user = store
            .create_user(NewUser {
                id: UserId::generate(),
                phone: "+573000000001".into(),
                name: "Ana".into(),
                token_hash: "0".repeat(64),
                created_at: time::now(),
            })
            .await
            .unwrap();
        let mut ids = Vec::new();
        for event in crate::seed::bogota_events(n, &user.id, 7) {
            let event = store.create_event(event).await.unwrap();
            store
                .join_event(&event.id, &user.id, time::now())
                .await
                .unwrap();
            ids.push(event.id);
        }
        ids
    }

    fn count(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    /// Keeps the paused clock still until the test moves it. Tokio advances a paused clock
    /// by itself whenever the runtime idles, and it idles while a store write waits for
    /// SQLite's writer thread: the clock would leap to the jobs' next tick in the middle
    /// of a step. A task that always yields keeps the runtime busy, so time moves only by
    /// `advance`.
    struct StillClock(tokio::task::JoinHandle<()>);

    impl StillClock {
        fn hold() -> StillClock {
            StillClock(tokio::spawn(async {
                loop {
                    tokio::task::yield_now().await;
                }
            }))
        }
    }

    impl Drop for StillClock {
        fn drop(&mut self) {
            self.0.abort();
        }
    }

    /// Lets the jobs run until `done`, for up to 10 real seconds (store calls take real
    /// time; the paused clock stands still meanwhile).
    async fn until(what: &str, done: impl Fn() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if done() {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("never happened: {what}");
    }

    /// Moves the paused clock to `secs` after `t0`.
    async fn advance_to(t0: tokio::time::Instant, secs: u64) {
        let at = t0 + Duration::from_secs(secs);
        let now = tokio::time::Instant::now();
        assert!(at > now, "the clock is past {secs} s already");
        tokio::time::advance(at - now).await;
    }

    /// Gives the jobs 100 real milliseconds to do something (that they do nothing is the
    /// point), the clock standing still.
    async fn settle() {
        let deadline = std::time::Instant::now() + Duration::from_millis(100);
        while std::time::Instant::now() < deadline {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_round_drops_into_active_events_at_each_interval_and_not_before() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        events_with_participants(&store, EVENTS).await;
        let state = daemon(store, &dir);
        let (stop, shutdown) = watch::channel(false);
        let _still = StillClock::hold();
        let t0 = tokio::time::Instant::now();
        let job = tokio::spawn(drop_job(state.clone(), shutdown));
        settle().await; // the job starts its clock

        advance_to(t0, 59).await;
        settle().await;
        assert_eq!(
            count(&state.metrics.drop_rounds),
            0,
            "no round before the interval"
        );
        assert_eq!(count(&state.metrics.drops), 0);

        advance_to(t0, 60).await;
        until("the first round", || count(&state.metrics.drop_rounds) == 1).await;
        let first = count(&state.metrics.drops);
        assert!(first > 0 && first <= EVENTS as u64, "{first}");

        advance_to(t0, 119).await;
        settle().await;
        assert_eq!(
            count(&state.metrics.drop_rounds),
            1,
            "one round per interval"
        );
        assert_eq!(count(&state.metrics.drops), first);

        advance_to(t0, 120).await;
        until("the second round", || {
            count(&state.metrics.drop_rounds) == 2
        })
        .await;
        settle().await;
        assert!(count(&state.metrics.drops) > first);

        let _ = stop.send(true);
        job.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn one_daemon_holds_the_drop_round_lease_and_hands_it_over_at_shutdown() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        events_with_participants(&store, 1).await;
        let a = daemon(store.clone(), &dir);
        let b = daemon(store, &dir);
        let (stop_a, shutdown_a) = watch::channel(false);
        let (stop_b, shutdown_b) = watch::channel(false);
        let _still = StillClock::hold();
        let t0 = tokio::time::Instant::now();
        let job_a = tokio::spawn(drop_job(a.clone(), shutdown_a));
        let job_b = tokio::spawn(drop_job(b.clone(), shutdown_b));
        settle().await; // the jobs start their clocks
        let rounds = |s: &State| count(&s.metrics.drop_rounds);
        let deferred = |s: &State| count(&s.metrics.drop_rounds_deferred);

        for tick in 1..=3 {
            advance_to(t0, 60 * tick).await;
            until("both daemons ticked", || {
                rounds(&a) + deferred(&a) == tick && rounds(&b) + deferred(&b) == tick
            })
            .await;
            assert_eq!(rounds(&a) + rounds(&b), tick, "one round per tick in all");
        }
        let (holder, holder_stop, holder_job, other) = if rounds(&a) > 0 {
            (&a, stop_a, job_a, (&b, stop_b, job_b))
        } else {
            (&b, stop_b, job_b, (&a, stop_a, job_a))
        };
        assert_eq!(rounds(holder), 3, "the holder keeps the lease");
        assert_eq!(deferred(other.0), 3);

        // A clean stop gives the lease up: the other daemon runs the very next round.
        let _ = holder_stop.send(true);
        holder_job.await.unwrap();
        advance_to(t0, 240).await;
        until("the other daemon ticked", || {
            deferred(other.0) + rounds(other.0) == 4
        })
        .await;
        assert_eq!(rounds(other.0), 1);

        let _ = other.1.send(true);
        other.2.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn expired_drops_are_swept_at_the_cleanup_interval() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        let events = events_with_participants(&store, 1).await;
        let now = time::now();
        let drop = |expires_at| Collectible {
            id: CollectibleId::generate(),
            event_id: events[0].clone(),
            name: "Colibrí".into(),
            rarity: Rarity::Common,
            points: 10,
            dropped_at: now - TimeDelta::seconds(60),
            expires_at,
            claimed_by: None,
            claimed_at: None,
            is_active: true,
        };
        let expired = drop(now - TimeDelta::seconds(1));
        let live = drop(now + TimeDelta::hours(1));
        store.drop_collectible(&expired).await.unwrap();
        store.drop_collectible(&live).await.unwrap();
        let state = daemon(store.clone(), &dir);
        let (stop, shutdown) = watch::channel(false);
        let _still = StillClock::hold();
        let t0 = tokio::time::Instant::now();
        let job = tokio::spawn(cleanup_job(state.clone(), shutdown));
        settle().await; // the job starts its clock

        advance_to(t0, 59).await;
        settle().await;
        assert!(
            store.collectible(&expired.id).await.unwrap().is_active,
            "swept early"
        );
        assert_eq!(count(&state.metrics.expired), 0);

        advance_to(t0, 60).await;
        until("the sweep", || count(&state.metrics.expired) == 1).await;
        assert!(!store.collectible(&expired.id).await.unwrap().is_active);
        assert!(store.collectible(&live.id).await.unwrap().is_active);

        // The next sweep finds nothing more to do.
        advance_to(t0, 120).await;
        settle().await;
        assert_eq!(count(&state.metrics.expired), 1);

        let _ = stop.send(true);
        job.await.unwrap();
    }
}
