//! Background jobs: collectible drops and the expiry sweep, each a tokio task that stops
//! with the daemon.

use std::sync::atomic::Ordering;
use std::time::Duration;

use citypulse::api::DropRequest;
use citypulse::time;
use rand::Rng;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::drops;
use crate::state::State;

/// Chance that an eligible event gets a drop in a round (API.md: each event "may get a drop").
const DROP_CHANCE: f64 = 0.7;

/// Starts both jobs; they end when `shutdown` turns true.
pub fn start(state: State, shutdown: watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    vec![
        tokio::spawn(drop_job(state.clone(), shutdown.clone())),
        tokio::spawn(cleanup_job(state, shutdown)),
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
    loop {
        tokio::select! {
            _ = tick.tick() => drop_round(&state).await,
            _ = shutdown.changed() => return,
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
            Err(e) => tracing::warn!(event = %event, "drop failed: {}", e.detail()),
        }
    }
}

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
