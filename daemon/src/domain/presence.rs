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
//! # A drain is not a departure
//! When a daemon drains (SIGTERM) it closes every WebSocket with 1001, and its users are
//! expected back within moments, on another daemon or on this one restarted. So a user
//! whose last socket closed *because of the drain* ([`Departure::Drain`]) does not leave
//! their rooms: the store records a hold of their rooms until now + `CPL_RECONNECT_GRACE`
//! ([`crate::store::Store::hold_rooms`]) and nothing is announced. Their participations
//! stay as they were, so they count as participants throughout, room broadcasts simply
//! find no socket of theirs until they are back.
//!
//! * Reconnecting means opening a WebSocket (to any daemon sharing the database) before
//!   the hold ends: [`connected`] drops the hold and the user is in their rooms as before.
//!   Their client's `join_event` for those rooms afterwards is "already in", which
//!   announces nothing (no `user_joined`): that is a rejoin.
//! * Not reconnecting: every daemon sweeps the expired holds every [`sweep_period`]
//!   ([`sweep_job`]); the daemon that ends a hold (exactly one does) takes the user out of
//!   their rooms and announces `user_left`, as the close itself would have without the
//!   grace, at most one sweep period after the grace.
//! * A hold written after the user's new lease (the drained daemon was slower than the
//!   reconnection) is found at the sweep with a live lease: it simply goes.
//! * With a grace of 0, or when the hold cannot be written, the user leaves at once.
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

/// Why a user's last socket on this daemon closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// The client closed it, dropped it, timed out or was cut off: they leave their rooms.
    Closed,
    /// This daemon is draining and closed it (1001): their rooms are held for them for
    /// `CPL_RECONNECT_GRACE`.
    Drain,
}

/// How often each daemon looks for holds that ended: a quarter of the grace, between a
/// quarter of a second and five seconds, so a user who does not come back leaves soon
/// after the grace without a sweep costing much.
pub fn sweep_period(grace: Duration) -> Duration {
    if grace.is_zero() {
        // This daemon holds nothing; others sharing the database may.
        return Duration::from_secs(5);
    }
    (grace / 4).clamp(Duration::from_millis(250), Duration::from_secs(5))
}

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
    // Back within the grace of a drain: nothing was announced when they went, so nothing
    // is now. Should this fail, the lease just recorded still keeps the sweep from taking
    // them out of their rooms.
    match state.store.resume_rooms(user).await {
        Ok(true) => {
            state.metrics.rooms_resumed.fetch_add(1, Ordering::Relaxed);
            tracing::debug!("user {user} reconnected within the grace; they kept their rooms");
        }
        Ok(false) => {}
        Err(e) => tracing::warn!(
            "could not drop the hold of user {user}'s rooms ({e}); their connection lease \
             keeps them in their rooms when the hold ends"
        ),
    }
}

/// A user's last socket on this daemon closed (closed, dropped, cut off or timed out):
/// delete this daemon's lease of them and, unless they are still connected somewhere (a
/// live lease remains), take them out of every room and tell each room; or, when the
/// daemon's drain closed it ([`Departure::Drain`]), hold their rooms for the grace.
///
/// When the lease cannot be released or the others cannot be checked (the database is
/// failing), the user leaves their rooms as they would on a single daemon; this daemon's
/// stale lease of them is no longer renewed and expires within [`LEASE_TTL`].
pub async fn disconnected(state: &State, user: &UserId, why: Departure) {
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
    let grace = state.config.reconnect_grace;
    if why == Departure::Drain && !grace.is_zero() {
        let until = crate::store::lease_expiry(time::now(), grace);
        match state.store.hold_rooms(user, until).await {
            Ok(()) => {
                state.metrics.rooms_held.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(
                    "user {user}'s socket closed for the drain; their rooms are held for {}s \
                     (CPL_RECONNECT_GRACE)",
                    grace.as_secs_f64()
                );
                return;
            }
            Err(e) => tracing::warn!(
                "could not hold user {user}'s rooms for their reconnection ({e}); taking \
                 them out of their rooms now"
            ),
        }
    }
    leave_rooms(state, user).await;
}

/// Takes `user` out of every room and tells each room.
async fn leave_rooms(state: &State, user: &UserId) {
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

/// Ends the holds that expired: each user who did not come back leaves their rooms, and
/// each room hears it. A failure is logged; the next sweep tries again.
pub async fn sweep(state: &State) {
    let users = match state.store.end_expired_room_holds(time::now()).await {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(
                "could not end the expired room holds ({e}); trying again at the next sweep"
            );
            return;
        }
    };
    for user in users {
        state.metrics.holds_expired.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("user {user} did not reconnect within the grace; they leave their rooms");
        leave_rooms(state, &user).await;
    }
}

/// Sweeps the expired room holds every [`sweep_period`] until `shutdown` turns true.
pub async fn sweep_job(state: State, mut shutdown: watch::Receiver<bool>) {
    let period = sweep_period(state.config.reconnect_grace);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => sweep(&state).await,
            _ = shutdown.changed() => return,
        }
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
