//! Background jobs: collectible drops, the expiry sweep and the renewal of this daemon's
//! connection leases ([`crate::domain::presence`]), each a tokio task that stops with the daemon.
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
            state.metrics.drop_rounds.fetch_add(1, Ordering::Relaxed);
            drop_round(state).await;
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
