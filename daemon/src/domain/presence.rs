//! Presence across daemons: a user is in their rooms until their last WebSocket closes,
//! their last one on any daemon sharing the database, not just on this one.
//!
//! Each daemon has a random instance id ([`crate::domain::state::AppState::instance_id`]). While
//! it has a WebSocket of a user open it keeps a connection lease of that user in the store
//! (user, instance id, expiry [`LEASE_TTL`] ahead): recorded when the user's first socket
//! here opens ([`connected`]), extended for every user connected here in one store call
//! every [`RENEW_EVERY`] ([`renew_job`]). When the user's last socket here closes
//! ([`disconnected`]) the daemon deletes its lease and takes the user out of their rooms
//! only when no other live lease of theirs remains. A crashed daemon renews nothing: its
//! leases expire after at most [`LEASE_TTL`] and stop counting.
//!
//! # What can still race, and why that is acceptable
//! * This daemon's renewal against a release here: the renewal takes its list of
//!   connected users and writes it under the write side of [`LeaseGate`]; opening and
//!   closing take the read side after changing the hub. A renewal therefore never
//!   re-creates a lease that a closing socket has just deleted (its list was taken
//!   before the user left the hub, so its write finished before the delete could start).
//! * The last sockets of one user closing on two daemons at the same moment: each daemon
//!   deletes its own lease before looking for others, so whichever looks last finds none,
//!   and the user leaves their rooms at least once (perhaps twice: the second
//!   `leave_all_events` finds no rooms and announces nothing). Nobody is left in a room
//!   with no connection anywhere because of this race.
//! * A user's last socket on one daemon closing while they open one on another daemon
//!   (or on this one again) at the same moment: the check may run before the new lease is
//!   written, and the user leaves their rooms although they are connected again. That is
//!   what a single daemon does too when a reconnection comes a moment after the close; the
//!   failure is on the side of leaving too early, which a client repairs by joining again,
//!   never of staying in a room for ever. The check counts every live lease, this daemon's
//!   included, so a reconnection here that recorded its lease first is seen.
//! * A database failure: see [`connected`] and [`disconnected`]; both fail towards the
//!   behaviour of a single daemon, are logged, and never close a socket.
//! * Clocks: leases compare expiries written by one daemon's clock with another's `now`,
//!   so daemons' clocks must agree to well within [`LEASE_TTL`] - [`RENEW_EVERY`].

use std::sync::atomic::Ordering;
use std::time::Duration;

use citypulse::ids::UserId;
use citypulse::time;
use tokio::sync::{watch, RwLock};
use tokio::time::MissedTickBehavior;

use crate::domain::rooms;
use crate::domain::state::State;

/// How often a daemon extends the connection leases of the users connected to it.
pub const RENEW_EVERY: Duration = Duration::from_secs(10);

/// How long a connection lease lives without renewal: three renewal periods, so two
/// renewals in a row may fail (a database hiccup) before other daemons stop counting
/// this daemon's users as connected.
pub const LEASE_TTL: Duration = Duration::from_secs(30);

/// Orders this daemon's lease writes: renewals (write side) against holds and releases
/// (read side, concurrent with each other). See the module documentation.
#[derive(Default)]
pub struct LeaseGate(RwLock<()>);

/// A user's first socket on this daemon opened: record this daemon's connection lease of
/// them. A database failure is logged and the socket carries on; the next renewal
/// re-creates the lease (renewals create missing leases), so until then, at most
/// [`RENEW_EVERY`], another daemon may not see this connection and take the user out of
/// their rooms when their socket there closes.
pub async fn connected(state: &State, user: &UserId) {
    let _order = state.lease_gate.0.read().await;
    if let Err(e) = state
        .store
        .hold_connection_lease(user, &state.instance_id, time::now(), LEASE_TTL)
        .await
    {
        tracing::warn!(
            "could not record that user {user} is connected to this daemon ({e}); the next \
             lease renewal tries again within {}s",
            RENEW_EVERY.as_secs()
        );
    }
}

/// A user's last socket on this daemon closed (closed, dropped, cut off or timed out):
/// delete this daemon's lease of them and, unless they are still connected somewhere (a
/// live lease remains), take them out of every room and tell each room.
///
/// When the lease cannot be released or the others cannot be checked (the database is
/// failing), the user leaves their rooms as they would on a single daemon; this daemon's
/// stale lease of them is no longer renewed and expires within [`LEASE_TTL`].
pub async fn disconnected(state: &State, user: &UserId) {
    let still_connected = {
        let _order = state.lease_gate.0.read().await;
        if state.hub.is_connected(user) {
            // A new socket of theirs opened here meanwhile; its lease stands.
            return;
        }
        match state
            .store
            .release_connection_lease(user, &state.instance_id, time::now())
            .await
        {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(
                    "could not release this daemon's connection lease of user {user} or check \
                     whether they are connected through another daemon ({e}); taking them out \
                     of their rooms as if they were not"
                );
                false
            }
        }
    };
    if still_connected {
        state.metrics.presence_kept.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            "user {user}'s last connection here closed; they are still connected through \
             another daemon, so they stay in their rooms"
        );
        return;
    }
    match state.store.leave_all_events(user).await {
        Ok(events) => {
            for e in events {
                if let Err(err) = rooms::announce_left(state, user, &e).await {
                    tracing::warn!("announcing that {user} left {e} failed: {err}");
                }
            }
        }
        // Erased meanwhile (`DELETE /api/users/{id}` closes their sockets): the erasure
        // took them out of their rooms and announced it.
        Err(crate::store::StoreError::NotFound { .. }) => {
            tracing::debug!("user {user} is gone (erased); their rooms were left already")
        }
        Err(e) => tracing::warn!("could not take {user} out of their rooms: {e}"),
    }
}

/// Extends this daemon's connection leases of every user connected here, in one store
/// call. A failure is logged; the next period tries again.
pub async fn renew(state: &State) {
    let _order = state.lease_gate.0.write().await;
    let users = state.hub.connected_users();
    if users.is_empty() {
        return;
    }
    if let Err(e) = state
        .store
        .renew_connection_leases(&state.instance_id, &users, time::now(), LEASE_TTL)
        .await
    {
        tracing::warn!(
            "could not renew this daemon's connection leases of {} connected user(s) ({e}); \
             trying again in {}s. Should this last {}s, other daemons stop counting them as \
             connected here",
            users.len(),
            RENEW_EVERY.as_secs(),
            LEASE_TTL.as_secs()
        );
    }
}

/// Renews the leases every [`RENEW_EVERY`] until `shutdown` turns true.
pub async fn renew_job(state: State, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + RENEW_EVERY, RENEW_EVERY);
    // After a stall, one renewal catches up; a burst would only repeat it.
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => renew(&state).await,
            _ = shutdown.changed() => return,
        }
    }
}
