//! The real-time hub: every open WebSocket's outgoing queue, grouped by user, and the
//! geofence of connected users' last positions.
//!
//! Fan-out never blocks: each connection has a queue bounded
//! in frames and in bytes, and a user's queues share a byte budget
//! ([`crate::realtime::queue`]); a frame is encoded once and offered to each queue; a
//! connection whose queue would pass a bound is told to close with a reason and dropped
//! from the hub, and nobody else waits for it.
//! Room membership is not kept here: the store is the truth (it survives restarts and is
//! shared by daemons), and a room broadcast asks it who is in the room.
//!
//! Several daemons on one MongoDB: [`Hub::send_to_users`] (every room broadcast goes through
//! it) and [`Hub::notify_new_event`] also hand what they deliver here to the cross-daemon
//! bus ([`crate::realtime::bus`]), and the bus hands other daemons' envelopes to
//! [`Hub::deliver_local`] / [`Hub::notify_new_event_local`], which deliver here only.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, Weak};

use citypulse::geo::Coordinates;
use citypulse::ids::{EventId, UserId};
use citypulse::model::{Event, NearbyEvent};
use citypulse::ws::ServerMessage;
use rstar::{PointDistance, RTree, RTreeObject, AABB};
use tokio::sync::Notify;

use crate::metrics::Metrics;
pub use crate::realtime::outgoing::Frame;
use crate::realtime::outgoing::{Outgoing, PresenceChange, Publisher};
use crate::realtime::presence_batch::PresenceBatcher;
pub use crate::realtime::queue::{Outbox, QueueLimits};
use crate::realtime::queue::{Refused, Sender, UserBytes};
use crate::store::{Store, StoreResult};

/// Radius of the `event_nearby` geofence (API.md: "within 5 km").
pub const GEOFENCE_RADIUS_M: f64 = 5000.0;

/// How an encoded `chat_message` frame begins, to count chat deliveries where frames are
/// queued: frames arrive there encoded once (from this daemon or in a bus envelope from
/// another), and serde writes an internally tagged enum's `type` first.
const CHAT_FRAME_PREFIX: &str = "{\"type\":\"chat_message\"";

/// Tells a connection's task to close, with a code and reason.
#[derive(Default)]
pub struct KillSwitch {
    reason: Mutex<Option<(u16, String)>>,
    notify: Notify,
}

impl KillSwitch {
    /// Asks the connection to close (the first reason wins).
    pub fn kill(&self, code: u16, reason: impl Into<String>) {
        if let Ok(mut r) = self.reason.lock() {
            if r.is_none() {
                *r = Some((code, reason.into()));
            }
        }
        self.notify.notify_one();
    }

    /// Waits until asked to close; the code and reason.
    pub async fn killed(&self) -> (u16, String) {
        loop {
            if let Ok(r) = self.reason.lock() {
                if let Some(r) = r.as_ref() {
                    return r.clone();
                }
            }
            self.notify.notified().await;
        }
    }
}

struct Conn {
    id: u64,
    tx: Sender,
    kill: Arc<KillSwitch>,
}

/// A registered connection's receiving side.
pub struct Registration {
    /// Identifies the connection in the hub.
    pub conn_id: u64,
    /// Frames to write to the socket.
    pub rx: Outbox,
    /// Set when the hub wants the connection closed.
    pub kill: Arc<KillSwitch>,
    /// The user had no other connection here: this daemon now holds them connected (and
    /// records its connection lease of them).
    pub first: bool,
}

#[derive(Clone, Copy, PartialEq)]
struct Positioned {
    user: u64,
    point: [f64; 2],
}

impl RTreeObject for Positioned {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_point(self.point)
    }
}

impl PointDistance for Positioned {
    fn distance_2(&self, p: &[f64; 2]) -> f64 {
        let dx = self.point[0] - p[0];
        let dy = self.point[1] - p[1];
        dx * dx + dy * dy
    }
}

#[derive(Default)]
struct Geofence {
    tree: RTree<Positioned>,
    /// Per connected user: their tree key and position.
    by_user: HashMap<UserId, Positioned>,
    users: HashMap<u64, UserId>,
    next_key: u64,
}

/// Open transcription streams by user: each only a kill switch (they take no room frames).
type Streams = Arc<Mutex<HashMap<UserId, Vec<(u64, Arc<KillSwitch>)>>>>;

/// A transcription stream's place among its user's connections, given back when dropped.
pub struct StreamSlot {
    streams: Streams,
    user: UserId,
    id: u64,
    /// Set when the hub wants the stream closed (its user's token was reset).
    pub kill: Arc<KillSwitch>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if let Ok(mut streams) = self.streams.lock() {
            if let Some(list) = streams.get_mut(&self.user) {
                list.retain(|(id, _)| *id != self.id);
                if list.is_empty() {
                    streams.remove(&self.user);
                }
            }
        }
    }
}

/// Why [`Hub::revoke`] closes a user's sockets.
pub const REVOKED_REASON: &str = "this user's token was reset; connect again with the new token";

/// Why [`Hub::revoke_session`] closes a socket.
pub const SESSION_REVOKED_REASON: &str =
    "this session was signed out; sign in again for a new token";

/// The sockets opened with each token, by the token's hash, so that revoking one session
/// closes its sockets and no other. Weak: a closed socket's entry goes with it.
#[derive(Default)]
struct BySession {
    kills: HashMap<String, Vec<Weak<KillSwitch>>>,
    bound: u64,
}

/// Connections of this daemon.
pub struct Hub {
    conns: RwLock<HashMap<UserId, Vec<Conn>>>,
    /// Counted with `conns` against the per-user limit; locked after `conns` only.
    streams: Streams,
    geofence: RwLock<Geofence>,
    next_id: AtomicU64,
    queue: QueueLimits,
    /// Each user's shared byte budget, alive while any of their frames is charged to it
    /// (a cut-off connection still flushing counts with a new one). Locked after `conns`.
    user_bytes: Mutex<HashMap<UserId, Weak<AtomicUsize>>>,
    max_per_user: usize,
    metrics: Arc<Metrics>,
    /// The cross-daemon bus, when the store is shared (MongoDB).
    bus: OnceLock<Publisher>,
    /// Kill switches by the hash of the token their socket was opened with.
    by_session: Mutex<BySession>,
    /// Gathers big rooms' joins and leaves ([`crate::realtime::presence_batch`]).
    presence: OnceLock<Arc<PresenceBatcher>>,
}

impl Hub {
    /// A hub with `queue` bounds per connection and per user and `max_per_user`
    /// connections per user.
    pub fn new(queue: QueueLimits, max_per_user: usize, metrics: Arc<Metrics>) -> Self {
        Hub {
            conns: RwLock::default(),
            streams: Streams::default(),
            geofence: RwLock::default(),
            next_id: AtomicU64::new(1),
            queue,
            user_bytes: Mutex::default(),
            max_per_user,
            metrics,
            bus: OnceLock::new(),
            by_session: Mutex::default(),
            presence: OnceLock::new(),
        }
    }

    /// Records that the socket (or transcription stream) whose kill switch is `kill` was
    /// opened with the token hashed to `token_hash` ([`Hub::revoke_session`] closes it).
    pub fn bind_session(&self, token_hash: &str, kill: &Arc<KillSwitch>) {
        let mut by = self
            .by_session
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        by.bound += 1;
        if by.bound.is_multiple_of(256) {
            // Closed sockets leave dead entries; sweep them now and then.
            by.kills.retain(|_, list| {
                list.retain(|w| w.strong_count() > 0);
                !list.is_empty()
            });
        }
        by.kills
            .entry(token_hash.to_string())
            .or_default()
            .push(Arc::downgrade(kill));
    }

    /// Closes every socket opened with the token hashed to `token_hash`, here and (with
    /// the bus) on the other daemons: its session was revoked.
    pub fn revoke_session(&self, token_hash: &str) {
        self.revoke_session_local(token_hash);
        if let Some(bus) = self.bus.get() {
            bus.publish(Outgoing::SessionRevoked {
                token_hash: token_hash.to_string(),
            });
        }
    }

    /// [`Hub::revoke_session`] for this daemon's sockets only.
    pub fn revoke_session_local(&self, token_hash: &str) {
        let kills = self
            .by_session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .kills
            .remove(token_hash)
            .unwrap_or_default();
        for kill in kills.iter().filter_map(Weak::upgrade) {
            kill.kill(1008, SESSION_REVOKED_REASON);
        }
    }

    /// Connects the cross-daemon bus; false when one is already attached.
    pub fn attach_bus(&self, bus: Publisher) -> bool {
        self.bus.set(bus).is_ok()
    }

    /// Connects presence batching; false when a batcher is already attached.
    pub fn attach_presence(&self, batcher: Arc<PresenceBatcher>) -> bool {
        self.presence.set(batcher).is_ok()
    }

    /// Gathers a big room's join or leave for its members, here and (with the bus) on
    /// every other daemon, each telling its own members in one `presence` frame per
    /// window. False, with nothing done, when no batcher is attached: the caller announces
    /// the change exactly instead.
    pub fn batch_presence(&self, event: &EventId, change: PresenceChange) -> bool {
        let Some(batcher) = self.presence.get() else {
            return false;
        };
        if let Some(bus) = self.bus.get() {
            bus.publish(Outgoing::Presence {
                event: event.clone(),
                change: change.clone(),
            });
        }
        self.metrics
            .presence_changes
            .fetch_add(1, Ordering::Relaxed);
        batcher.add(event, change);
        true
    }

    /// [`Hub::batch_presence`] for this daemon's members only (the bus hands other
    /// daemons' changes to this).
    pub fn batch_presence_local(&self, event: &EventId, change: PresenceChange) {
        match self.presence.get() {
            Some(batcher) => {
                self.metrics
                    .presence_changes
                    .fetch_add(1, Ordering::Relaxed);
                batcher.add(event, change)
            }
            None => tracing::debug!("no presence batcher here; a big room's change is not told"),
        }
    }

    /// The cross-daemon bus, if attached.
    pub fn bus(&self) -> Option<&Publisher> {
        self.bus.get()
    }

    /// Adds a connection of `user`; `None` when they already have the maximum open (room
    /// sockets and transcription streams together).
    pub fn register(&self, user: &UserId) -> Option<Registration> {
        let mut conns = self.conns.write().ok()?;
        let streams = self.streams_of(user);
        let users_connected = conns.len();
        let list = conns.entry(user.clone()).or_default();
        if list.len() + streams >= self.max_per_user {
            return None;
        }
        let budget = self.user_budget(user, users_connected);
        let (tx, rx) = crate::realtime::queue::queue(self.queue, budget);
        let kill = Arc::new(KillSwitch::default());
        let conn_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let first = list.is_empty();
        list.push(Conn {
            id: conn_id,
            tx,
            kill: kill.clone(),
        });
        self.metrics.ws_connections.fetch_add(1, Ordering::Relaxed);
        Some(Registration {
            conn_id,
            rx,
            kill,
            first,
        })
    }

    /// Takes a place for a transcription stream of `user`; `None` when they already have
    /// the maximum open (room sockets and transcription streams together: each stream is a
    /// Deepgram stream the operator pays for).
    pub fn reserve_stream(&self, user: &UserId) -> Option<StreamSlot> {
        let conns = self.conns.read().ok()?;
        let mut streams = self.streams.lock().ok()?;
        let open = conns.get(user).map_or(0, Vec::len) + streams.get(user).map_or(0, Vec::len);
        if open >= self.max_per_user {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let kill = Arc::new(KillSwitch::default());
        streams
            .entry(user.clone())
            .or_default()
            .push((id, kill.clone()));
        Some(StreamSlot {
            streams: self.streams.clone(),
            user: user.clone(),
            id,
            kill,
        })
    }

    /// The user's shared byte budget: the one their live charges hold, or a new one.
    /// `users_connected` comes from the caller's `conns` guard (taking the lock again here
    /// would deadlock).
    fn user_budget(&self, user: &UserId, users_connected: usize) -> UserBytes {
        let mut budgets = self
            .user_bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(live) = budgets.get(user).and_then(Weak::upgrade) {
            return live;
        }
        // Forget the budgets nobody holds any more, now and then: amortised, never a
        // sweep per connection.
        if budgets.len() >= 64 && budgets.len() >= 2 * users_connected {
            budgets.retain(|_, b| b.strong_count() > 0);
        }
        let budget = UserBytes::default();
        budgets.insert(user.clone(), Arc::downgrade(&budget));
        budget
    }

    /// Bytes waiting unsent across `user`'s queues here.
    pub fn queued_bytes_of(&self, user: &UserId) -> usize {
        self.user_bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(user)
            .and_then(Weak::upgrade)
            .map_or(0, |b| b.load(Ordering::Acquire))
    }

    fn streams_of(&self, user: &UserId) -> usize {
        self.streams
            .lock()
            .map(|s| s.get(user).map_or(0, Vec::len))
            .unwrap_or(0)
    }

    /// Closes every socket of `user` (room sockets and transcription streams), here and
    /// (with the bus) on the other daemons: their token was reset, and a socket opened
    /// with the old one must not outlive it.
    pub fn revoke(&self, user: &UserId) {
        self.revoke_local(user);
        if let Some(bus) = self.bus.get() {
            bus.publish(Outgoing::Revoked(user.clone()));
        }
    }

    /// [`Hub::revoke`] for the sockets on this daemon only (the bus hands other daemons'
    /// revocations to this).
    pub fn revoke_local(&self, user: &UserId) {
        if let Ok(conns) = self.conns.read() {
            for c in conns.get(user).into_iter().flatten() {
                c.kill.kill(1008, REVOKED_REASON);
            }
        }
        if let Ok(streams) = self.streams.lock() {
            for (_, kill) in streams.get(user).into_iter().flatten() {
                kill.kill(1008, REVOKED_REASON);
            }
        }
    }

    /// Removes a connection; true when it was the user's last one here.
    pub fn unregister(&self, user: &UserId, conn_id: u64) -> bool {
        let Ok(mut conns) = self.conns.write() else {
            return false;
        };
        let mut last = false;
        if let Some(list) = conns.get_mut(user) {
            self.remove_conn(list, conn_id);
            if list.is_empty() {
                conns.remove(user);
                last = true;
            }
        }
        if last {
            self.forget_position(user);
        }
        last
    }

    /// Whether the user has an open connection here (a cut-off one whose task has not
    /// unregistered yet does not count).
    pub fn is_connected(&self, user: &UserId) -> bool {
        self.conns
            .read()
            .map(|c| c.get(user).is_some_and(|list| !list.is_empty()))
            .unwrap_or(false)
    }

    /// Every user with an open connection here (whose connection leases this daemon
    /// renews).
    pub fn connected_users(&self) -> Vec<UserId> {
        self.conns
            .read()
            .map(|c| {
                c.iter()
                    .filter(|(_, list)| !list.is_empty())
                    .map(|(user, _)| user.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Number of open connections.
    pub fn connection_count(&self) -> usize {
        self.conns
            .read()
            .map(|c| c.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    /// Encodes a frame once.
    pub fn encode(msg: &ServerMessage) -> Frame {
        // Serialising our own enum cannot fail (no maps with non-string keys, no NaN
        // reaches here: coordinates are validated finite); fall back to an error frame.
        serde_json::to_string(msg)
            .unwrap_or_else(|e| {
                format!("{{\"type\":\"error\",\"code\":\"internal\",\"message\":\"{e}\"}}")
            })
            .into()
    }

    /// Queues a frame on every connection of each user in `users` that is connected here,
    /// and (with the bus) on theirs on every other daemon.
    pub fn send_to_users<'a>(
        &self,
        users: impl IntoIterator<Item = &'a UserId>,
        msg: &ServerMessage,
    ) {
        let frame = Self::encode(msg);
        match self.bus.get() {
            Some(bus) => {
                let users: Vec<UserId> = users.into_iter().cloned().collect();
                self.deliver_local(users.iter(), &frame);
                bus.publish(Outgoing::Users { users, frame });
            }
            None => self.deliver_local(users, &frame),
        }
    }

    /// Queues an encoded frame on the connections here only (the bus delivers other
    /// daemons' envelopes with this).
    pub fn deliver_local<'a>(&self, users: impl IntoIterator<Item = &'a UserId>, frame: &Frame) {
        let mut slow = Vec::new();
        if let Ok(conns) = self.conns.read() {
            for user in users {
                if let Some(list) = conns.get(user) {
                    for c in list {
                        self.offer(c, frame, false, user, &mut slow);
                    }
                }
            }
        }
        self.drop_slow(slow);
    }

    /// Queues a frame on every connection of one user.
    pub fn send_to_user(&self, user: &UserId, msg: &ServerMessage) {
        self.send_to_users(std::iter::once(user), msg);
    }

    /// Queues a frame on one connection only (answers to that connection's own frames).
    pub fn send_to_conn(&self, user: &UserId, conn_id: u64, msg: &ServerMessage) {
        // A newer `nearby_events` answer replaces an unsent older one (issue 21): a client
        // sending locations faster than it reads holds at most one such answer.
        let coalesce = matches!(msg, ServerMessage::NearbyEvents { .. });
        self.offer_to_conn(user, conn_id, Self::encode(msg), coalesce);
    }

    /// Queues a `nearby_events` frame written already (it replaces an unsent older one,
    /// as [`Hub::send_to_conn`] does for one it encodes).
    pub fn send_nearby_to_conn(&self, user: &UserId, conn_id: u64, frame: Frame) {
        self.offer_to_conn(user, conn_id, frame, true);
    }

    fn offer_to_conn(&self, user: &UserId, conn_id: u64, frame: Frame, coalesce: bool) {
        let mut slow = Vec::new();
        if let Ok(conns) = self.conns.read() {
            if let Some(c) = conns
                .get(user)
                .and_then(|l| l.iter().find(|c| c.id == conn_id))
            {
                self.offer(c, &frame, coalesce, user, &mut slow);
            }
        }
        self.drop_slow(slow);
    }

    fn offer(
        &self,
        c: &Conn,
        frame: &Frame,
        coalesce: bool,
        user: &UserId,
        slow: &mut Vec<(UserId, u64)>,
    ) {
        let why = match c.tx.offer(frame, coalesce) {
            Ok(()) => {
                self.metrics.ws_messages_out.fetch_add(1, Ordering::Relaxed);
                if frame.starts_with(CHAT_FRAME_PREFIX) {
                    self.metrics.chat_deliveries.fetch_add(1, Ordering::Relaxed);
                }
                return;
            }
            Err(Refused::Closed) => return,
            Err(Refused::Frames(n)) => {
                format!("client too slow: {n} messages waiting unread; reconnect and read faster")
            }
            Err(Refused::Bytes(n)) => {
                format!("client too slow: over {n} bytes waiting unread; reconnect and read faster")
            }
            // The socket being offered the frame goes, not a chosen one: it is not keeping
            // up either, and the next offer over the budget to another of the user's
            // sockets cuts that one in turn.
            Err(Refused::UserBytes(n)) => format!(
                "client too slow: over {n} bytes waiting unread on this user's sockets; reconnect and read faster"
            ),
        };
        // Back-pressure rule: the slow client goes, nobody else waits for it.
        c.kill.kill(1008, why);
        self.metrics
            .ws_slow_disconnects
            .fetch_add(1, Ordering::Relaxed);
        slow.push((user.clone(), c.id));
    }

    fn drop_slow(&self, slow: Vec<(UserId, u64)>) {
        for (user, id) in slow {
            // The connection task also unregisters on exit; removing twice is harmless.
            let _ = self.unregister_quiet(&user, id);
        }
    }

    /// Drops a cut-off connection's queue at once but keeps the user's (possibly empty)
    /// entry, so the connection task's own `unregister` still sees it was the last one
    /// and takes the user out of their rooms.
    fn unregister_quiet(&self, user: &UserId, conn_id: u64) -> Option<()> {
        let mut conns = self.conns.write().ok()?;
        self.remove_conn(conns.get_mut(user)?, conn_id);
        Some(())
    }

    /// Removes one connection from a user's list, keeping the gauge in step.
    fn remove_conn(&self, list: &mut Vec<Conn>, conn_id: u64) {
        let before = list.len();
        list.retain(|c| c.id != conn_id);
        if list.len() < before {
            self.metrics.ws_connections.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Sends a frame to everyone in an event's room who is connected here.
    pub async fn broadcast_room(
        &self,
        store: &dyn Store,
        event: &EventId,
        msg: &ServerMessage,
    ) -> StoreResult<()> {
        let members = store.participants(event).await?;
        self.send_to_users(members.iter().map(|p| &p.user_id), msg);
        Ok(())
    }

    /// Number of distinct users connected here (for `/metrics` rooms estimate).
    pub fn user_count(&self) -> usize {
        self.conns.read().map(|c| c.len()).unwrap_or(0)
    }

    /// Records a connected user's last position for the geofence.
    pub fn set_position(&self, user: &UserId, at: Coordinates) {
        let Ok(mut g) = self.geofence.write() else {
            return;
        };
        let point = [at.lng(), at.lat()];
        let g = &mut *g;
        let key = match g.by_user.get(user) {
            Some(old) => {
                let key = old.user;
                g.tree.remove(old);
                key
            }
            None => {
                g.next_key += 1;
                g.users.insert(g.next_key, user.clone());
                g.next_key
            }
        };
        let p = Positioned { user: key, point };
        g.tree.insert(p);
        g.by_user.insert(user.clone(), p);
    }

    fn forget_position(&self, user: &UserId) {
        let Ok(mut g) = self.geofence.write() else {
            return;
        };
        if let Some(old) = g.by_user.remove(user) {
            g.tree.remove(&old);
            g.users.remove(&old.user);
        }
    }

    /// Pushes `event_nearby` to every connected user whose last position is within 5 km of
    /// a new event, here and (with the bus) on every other daemon, each with its own
    /// geofence.
    pub fn notify_new_event(&self, event: &Event) {
        self.notify_new_event_local(event);
        if let Some(bus) = self.bus.get() {
            bus.publish(Outgoing::NewEvent(Box::new(event.clone())));
        }
    }

    /// `event_nearby` to the users connected here only. The R-tree box query touches only
    /// users near the event, not everyone.
    pub fn notify_new_event_local(&self, event: &Event) {
        let center = event.location.coordinates;
        let (min_lng, min_lat, max_lng, max_lat) = center.bounding_box(GEOFENCE_RADIUS_M);
        let hits: Vec<(UserId, f64)> = {
            let Ok(g) = self.geofence.read() else { return };
            g.tree
                .locate_in_envelope(&AABB::from_corners([min_lng, min_lat], [max_lng, max_lat]))
                .filter_map(|p| {
                    let at = Coordinates::new(p.point[0], p.point[1]).ok()?;
                    let d = center.distance_m(&at);
                    (d <= GEOFENCE_RADIUS_M)
                        .then(|| g.users.get(&p.user).map(|u| (u.clone(), d)))?
                })
                .collect()
        };
        for (user, distance_m) in hits {
            let frame = Self::encode(&ServerMessage::EventNearby {
                event: NearbyEvent {
                    event: event.clone(),
                    distance_m,
                },
            });
            self.deliver_local(std::iter::once(&user), &frame);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uid() -> UserId {
        UserId::generate()
    }

    /// Bounded in frames only.
    fn frames(n: usize) -> QueueLimits {
        QueueLimits {
            frames: n,
            bytes: usize::MAX,
            user_bytes: usize::MAX,
        }
    }

    fn sized(bytes: usize, user_bytes: usize) -> QueueLimits {
        QueueLimits {
            frames: 1000,
            bytes,
            user_bytes,
        }
    }

    /// An `error` frame whose encoding is exactly `len` bytes.
    fn frame_of(len: usize) -> ServerMessage {
        let empty = Hub::encode(&ServerMessage::error("x", "")).len();
        ServerMessage::error("x", "m".repeat(len - empty))
    }

    fn nearby(n: usize) -> ServerMessage {
        ServerMessage::NearbyEvents {
            events: (0..n)
                .map(|_| NearbyEvent {
                    event: sample_event(),
                    distance_m: 1.0,
                })
                .collect(),
            timestamp: citypulse::time::now(),
        }
    }

    #[test]
    fn chat_frames_are_counted_per_connection_they_reach() {
        let metrics = Arc::new(Metrics::default());
        let hub = Hub::new(frames(100), 8, metrics.clone());
        let (a, b) = (uid(), uid());
        let _a1 = hub.register(&a).unwrap();
        let _a2 = hub.register(&a).unwrap();
        let _b1 = hub.register(&b).unwrap();
        let chat = ServerMessage::ChatMessage(citypulse::model::ChatMessage {
            id: citypulse::ids::MessageId::generate(),
            event_id: EventId::generate(),
            user_id: a.clone(),
            name: "Ana".into(),
            message: "{\"type\":\"chat_message\"".into(),
            timestamp: citypulse::time::now(),
        });
        assert!(Hub::encode(&chat).starts_with(CHAT_FRAME_PREFIX));
        hub.send_to_users([&a, &b], &chat);
        hub.send_to_users([&a, &b], &frame_of(100));
        assert_eq!(metrics.chat_deliveries.load(Ordering::Relaxed), 3);
        assert_eq!(metrics.ws_messages_out.load(Ordering::Relaxed), 6);
    }

    #[test]
    fn queued_bytes_return_to_zero_when_drained_or_dropped() {
        let hub = Hub::new(sized(10_000, 20_000), 8, Arc::new(Metrics::default()));
        let u = uid();
        let mut a = hub.register(&u).unwrap();
        let b = hub.register(&u).unwrap();
        for _ in 0..3 {
            hub.send_to_user(&u, &frame_of(100));
        }
        hub.send_to_conn(&u, a.conn_id, &nearby(2));
        let nearby_len = Hub::encode(&nearby(2)).len();
        assert_eq!(hub.queued_bytes_of(&u), 6 * 100 + nearby_len);
        // The writer taking frames off releases them, one by one.
        assert!(a.rx.try_recv().is_some());
        assert_eq!(hub.queued_bytes_of(&u), 5 * 100 + nearby_len);
        while a.rx.try_recv().is_some() {}
        assert_eq!(hub.queued_bytes_of(&u), 3 * 100);
        // A connection that goes with frames unread releases them with its queue.
        assert!(!hub.unregister(&u, b.conn_id));
        drop(b);
        assert_eq!(hub.queued_bytes_of(&u), 0);
        // And the unread coalesced answer too.
        hub.send_to_conn(&u, a.conn_id, &nearby(1));
        assert!(hub.queued_bytes_of(&u) > 0);
        assert!(hub.unregister(&u, a.conn_id));
        drop(a);
        assert_eq!(hub.queued_bytes_of(&u), 0);
    }

    #[tokio::test]
    async fn a_socket_over_its_byte_budget_is_cut_off_alone() {
        let hub = Hub::new(sized(1000, 100_000), 8, Arc::new(Metrics::default()));
        let (u, other) = (uid(), uid());
        let slow = hub.register(&u).unwrap();
        let mut reading = hub.register(&u).unwrap();
        let theirs = hub.register(&other).unwrap();
        // Ten frames of 100 bytes fit exactly; the eleventh does not.
        for i in 0..10 {
            hub.send_to_users([&u, &other], &frame_of(100));
            assert!(reading.rx.try_recv().is_some(), "frame {i}");
        }
        assert_eq!(hub.connection_count(), 3);
        hub.send_to_user(&u, &frame_of(100));
        assert!(reading.rx.try_recv().is_some());
        let (code, reason) = slow.kill.killed().await;
        assert_eq!(code, 1008);
        assert_eq!(
            reason,
            "client too slow: over 1000 bytes waiting unread; reconnect and read faster"
        );
        assert_eq!(hub.connection_count(), 2, "only the slow socket goes");
        // The other user's socket holds ten frames (exactly its budget) and stays: budgets
        // are per socket and per user, never shared between users.
        assert_eq!(hub.queued_bytes_of(&other), 1000);
        let untouched =
            tokio::time::timeout(std::time::Duration::from_millis(50), theirs.kill.killed()).await;
        assert!(untouched.is_err(), "another user's socket was closed");
    }

    #[tokio::test]
    async fn a_user_over_their_byte_budget_loses_the_socket_being_sent_to() {
        let hub = Hub::new(sized(1000, 1500), 8, Arc::new(Metrics::default()));
        let u = uid();
        let first = hub.register(&u).unwrap();
        let second = hub.register(&u).unwrap();
        // Seven rounds of two 100-byte frames: 1400 bytes, within 1500.
        for _ in 0..7 {
            hub.send_to_user(&u, &frame_of(100));
        }
        assert_eq!(hub.queued_bytes_of(&u), 1400);
        assert_eq!(hub.connection_count(), 2);
        // The eighth round: the first socket takes it (1500), the second would pass 1500.
        hub.send_to_user(&u, &frame_of(100));
        let (code, reason) = second.kill.killed().await;
        assert_eq!(code, 1008);
        assert_eq!(
            reason,
            "client too slow: over 1500 bytes waiting unread on this user's sockets; reconnect and read faster"
        );
        assert_eq!(hub.connection_count(), 1);
        // The cut-off socket's frames count until its writer drops them.
        assert_eq!(hub.queued_bytes_of(&u), 1500);
        drop(second);
        assert_eq!(hub.queued_bytes_of(&u), 800);
        drop(first);
        assert_eq!(hub.queued_bytes_of(&u), 0);
    }

    #[test]
    fn a_newer_nearby_answer_replaces_an_unsent_one_in_its_place() {
        let hub = Hub::new(sized(1 << 20, 1 << 20), 8, Arc::new(Metrics::default()));
        let u = uid();
        let mut reg = hub.register(&u).unwrap();
        let id = reg.conn_id;
        hub.send_to_conn(&u, id, &ServerMessage::error("x", "a"));
        hub.send_to_conn(&u, id, &nearby(1));
        hub.send_to_conn(&u, id, &ServerMessage::error("x", "b"));
        hub.send_to_conn(&u, id, &nearby(2));
        hub.send_to_conn(&u, id, &nearby(3));
        hub.send_to_conn(&u, id, &ServerMessage::error("x", "c"));
        // Only the newest answer is charged.
        let newest = Hub::encode(&nearby(3)).len();
        let small = Hub::encode(&ServerMessage::error("x", "a")).len();
        assert_eq!(hub.queued_bytes_of(&u), newest + 3 * small);
        let mut got = Vec::new();
        while let Some(f) = reg.rx.try_recv() {
            got.push(match serde_json::from_str(&f).unwrap() {
                ServerMessage::Error { message, .. } => message,
                ServerMessage::NearbyEvents { events, .. } => format!("nearby {}", events.len()),
                other => panic!("unexpected {other:?}"),
            });
        }
        assert_eq!(got, ["a", "nearby 3", "b", "c"]);
        assert_eq!(hub.queued_bytes_of(&u), 0);
        // Once sent, the next answer queues behind what came after it.
        hub.send_to_conn(&u, id, &ServerMessage::error("x", "d"));
        hub.send_to_conn(&u, id, &nearby(1));
        let first = reg.rx.try_recv().unwrap();
        assert!(first.contains("\"d\""), "{first}");
        assert!(reg.rx.try_recv().unwrap().contains("nearby_events"));
    }

    fn sample_event() -> Event {
        serde_json::from_value(serde_json::json!({
            "id": "0123456789abcdef01234567", "title": "t", "description": null, "category": "c",
            "creator_id": "0123456789abcdef01234568",
            "location": {"type": "Point", "coordinates": [-74.0761, 4.5981]},
            "address": null, "status": "active",
            "room": {"daily_room_name": null, "daily_room_url": null, "current_participants": 0},
            "room_url": null, "created_at": "2026-11-25T00:00:00Z", "ended_at": null
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn a_full_queue_cuts_off_only_that_connection() {
        let hub = Hub::new(frames(4), 8, Arc::new(Metrics::default()));
        let (slow, fast) = (uid(), uid());
        let slow_reg = hub.register(&slow).unwrap();
        let mut fast_reg = hub.register(&fast).unwrap();
        for i in 0..10 {
            hub.send_to_users([&slow, &fast], &ServerMessage::error("x", i.to_string()));
            // The fast one reads as it goes.
            assert!(fast_reg.rx.recv().await.is_some());
        }
        let (code, reason) = slow_reg.kill.killed().await;
        assert_eq!(code, 1008);
        assert!(reason.contains("too slow"));
        assert!(hub.is_connected(&fast));
        assert_eq!(hub.connection_count(), 1);
    }

    #[test]
    fn many_users_register_and_their_spent_budgets_are_forgotten() {
        let hub = Hub::new(frames(4), 2, Arc::new(Metrics::default()));
        let users: Vec<UserId> = (0..300).map(|_| uid()).collect();
        for u in &users {
            let reg = hub.register(u).unwrap();
            assert!(hub.unregister(u, reg.conn_id));
        }
        let remembered = hub.user_bytes.lock().unwrap().len();
        assert!(remembered <= 64, "{remembered} budgets kept for 0 users");
    }

    #[test]
    fn connections_per_user_are_capped() {
        let hub = Hub::new(frames(4), 2, Arc::new(Metrics::default()));
        let u = uid();
        let a = hub.register(&u).unwrap();
        let _b = hub.register(&u).unwrap();
        assert!(hub.register(&u).is_none());
        assert!(!hub.unregister(&u, a.conn_id));
        assert!(hub.register(&u).is_some());
    }

    #[test]
    fn transcription_streams_count_against_the_per_user_limit() {
        let hub = Hub::new(frames(4), 2, Arc::new(Metrics::default()));
        let u = uid();
        let _room = hub.register(&u).unwrap();
        let stream = hub.reserve_stream(&u).unwrap();
        assert!(hub.reserve_stream(&u).is_none());
        assert!(hub.register(&u).is_none());
        // Another user is not affected.
        assert!(hub.reserve_stream(&uid()).is_some());
        drop(stream);
        assert!(hub.reserve_stream(&u).is_some());
    }

    #[tokio::test]
    async fn revoking_a_user_closes_all_their_sockets_and_nobody_elses() {
        let hub = Hub::new(frames(4), 8, Arc::new(Metrics::default()));
        let (u, other) = (uid(), uid());
        let a = hub.register(&u).unwrap();
        let b = hub.register(&u).unwrap();
        let stream = hub.reserve_stream(&u).unwrap();
        let theirs = hub.register(&other).unwrap();
        hub.revoke(&u);
        for kill in [&a.kill, &b.kill, &stream.kill] {
            assert_eq!(kill.killed().await, (1008, REVOKED_REASON.to_string()));
        }
        let untouched =
            tokio::time::timeout(std::time::Duration::from_millis(50), theirs.kill.killed()).await;
        assert!(untouched.is_err(), "another user's socket was closed");
    }

    #[test]
    fn geofence_finds_only_users_within_5km() {
        let hub = Hub::new(frames(4), 2, Arc::new(Metrics::default()));
        let (near, far) = (uid(), uid());
        let mut rn = hub.register(&near).unwrap();
        let mut rf = hub.register(&far).unwrap();
        let centre = Coordinates::new(-74.0761, 4.5981).unwrap();
        let deg = |m: f64| (m / crate::realtime::hub::tests::R).to_degrees();
        hub.set_position(
            &near,
            Coordinates::new(-74.0761, 4.5981 + deg(4900.0)).unwrap(),
        );
        hub.set_position(
            &far,
            Coordinates::new(-74.0761, 4.5981 + deg(5100.0)).unwrap(),
        );
        // Moving keeps one entry per user.
        hub.set_position(
            &far,
            Coordinates::new(-74.0761, 4.5981 + deg(5200.0)).unwrap(),
        );
        let event: Event = serde_json::from_value(serde_json::json!({
            "id": "0123456789abcdef01234567", "title": "t", "description": null, "category": "c",
            "creator_id": "0123456789abcdef01234568",
            "location": {"type": "Point", "coordinates": [centre.lng(), centre.lat()]},
            "address": null, "status": "active",
            "room": {"daily_room_name": null, "daily_room_url": null, "current_participants": 0},
            "room_url": null, "created_at": "2026-11-25T00:00:00Z", "ended_at": null
        }))
        .unwrap();
        hub.notify_new_event(&event);
        assert!(rn.rx.try_recv().is_some());
        assert!(rf.rx.try_recv().is_none());
    }

    const R: f64 = citypulse::geo::EARTH_RADIUS_M;
}
