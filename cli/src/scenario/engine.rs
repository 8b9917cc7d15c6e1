//! Runs a day plan against a daemon: every planned user comes online at their time over
//! their own WebSocket, walks and sends location updates, joins some of the run's events
//! that `nearby_events` shows, chats in the rooms they are in, races the room for the
//! daemon's drops, leaves their rooms and goes offline; every planned event is created
//! and ended by its creator over REST. The outcomes go to the [`Recorder`].
//!
//! Rooms are coordinated inside the generator so the run's counts can be checked against
//! the daemon's by construction: each event has a gate (a read-write lock). A join, a chat
//! or a claim in a room holds it for reading from the send until its answer; a leave or
//! the event's end holds it for writing. So nobody leaves a room while a chat in it is
//! being delivered (every `chat_message` the daemon queues to the run's sockets is read
//! before they close), and nobody sends into a room that is ending (no refusals for a
//! room that closed under a frame).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use citypulse::client::WsError;
use citypulse::reconnect::ResilientWs;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::{CollectibleId, EventId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard};
use tokio::time::{sleep_until, Instant};

use super::file::Behaviour;
use super::plan::{compression, DayPlan, EventPlan, UserPlan};
use super::recorder::{Op, Recorder};
use crate::crowd::{self, VirtualUser};
use crate::walk::Walker;

/// How long an answer may take before the frame counts as failed.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a leave or an event's end waits for the frames in flight in its room.
const GATE_WAIT: Duration = Duration::from_secs(5);
/// The longest walking step between two updates, metres (a compressed day would
/// otherwise have people cross the city between two updates).
const MAX_STEP_M: f64 = 500.0;

/// Paces everything the generator sends to at most one per `interval`, all users
/// together.
pub struct Limiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Limiter {
    /// At most `per_s` sends per second.
    pub fn new(per_s: f64) -> Limiter {
        Limiter {
            interval: Duration::from_secs_f64(1.0 / per_s.max(1e-3)),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for the next free slot.
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        sleep_until(slot).await;
    }
}

/// An event's gate (see the module documentation).
struct Gate {
    lock: Arc<tokio::sync::RwLock<()>>,
    closed: AtomicBool,
    /// Who created it (and ends it).
    creator: usize,
}

/// Counts over the whole run.
#[derive(Default)]
pub struct Counts {
    /// Users who came online.
    pub users_online: AtomicU64,
    /// Users online now.
    pub online: AtomicU64,
    /// Most online at once.
    pub peak_online: AtomicU64,
    /// Sockets open now.
    pub sockets: AtomicU64,
    /// Events created.
    pub events_created: AtomicU64,
    /// Events ended.
    pub events_ended: AtomicU64,
    /// Chat messages acknowledged (their author's own copy arrived).
    pub chat_sent: AtomicU64,
    /// `chat_message` frames received, the authors' own copies included.
    pub chat_delivered: AtomicU64,
    /// Claims answered.
    pub claims: AtomicU64,
    /// Claims won.
    pub claims_won: AtomicU64,
    /// Claims lost.
    pub claims_lost: AtomicU64,
}

/// What every virtual user shares.
pub struct Shared {
    /// When the day started.
    pub start: Instant,
    /// When it ends: nobody sends anything new after it.
    pub deadline: Instant,
    /// The outcomes.
    pub rec: Recorder,
    /// The counts.
    pub counts: Counts,
    limiter: Limiter,
    behaviour: Behaviour,
    step_m: f64,
    wander_m: f64,
    gates: RwLock<HashMap<EventId, Arc<Gate>>>,
    /// Send times of the run's chat messages, by their run-local number.
    chats: Mutex<Vec<Instant>>,
    /// Marks the run's chat messages: `[<tag>#<number>]`.
    tag: String,
    /// Collectibles whose drop reached a socket.
    pub drops: Mutex<HashSet<CollectibleId>>,
    /// Claims won per collectible, every collectible claimed included (with 0).
    pub wins: Mutex<HashMap<CollectibleId, u64>>,
}

impl Shared {
    /// The run's shared state for a day of `duration` from `start`.
    pub fn new(
        start: Instant,
        duration: Duration,
        rec: Recorder,
        behaviour: Behaviour,
        max_rate_per_s: f64,
        seed: u64,
    ) -> Shared {
        let sim_per_s = compression(duration);
        let step_m =
            (behaviour.walk_speed_mps * behaviour.location_every_s * sim_per_s).min(MAX_STEP_M);
        Shared {
            start,
            deadline: start + duration,
            rec,
            counts: Counts::default(),
            limiter: Limiter::new(max_rate_per_s),
            step_m,
            wander_m: behaviour.wander_m,
            behaviour,
            gates: RwLock::new(HashMap::new()),
            chats: Mutex::new(Vec::new()),
            tag: format!("cpl-day-{seed:x}-{}", std::process::id()),
            drops: Mutex::new(HashSet::new()),
            wins: Mutex::new(HashMap::new()),
        }
    }

    fn gate(&self, event: &EventId) -> Option<Arc<Gate>> {
        self.gates
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(event)
            .cloned()
    }

    /// A read hold on `event`'s gate when it is one of the run's events, open, and not
    /// being left or ended right now.
    fn enter(&self, event: &EventId) -> Option<OwnedRwLockReadGuard<()>> {
        let gate = self.gate(event)?;
        let guard = gate.lock.clone().try_read_owned().ok()?;
        (!gate.closed.load(Ordering::SeqCst)).then_some(guard)
    }

    /// A new chat message's run-local number and text (its send time is set as it goes).
    fn chat_text(&self, place: &str) -> (usize, String) {
        let mut chats = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        let n = chats.len();
        chats.push(Instant::now());
        (n, format!("[{}#{n}] hola desde {place}", self.tag))
    }

    /// Sets when chat message `n` went out (after the limiter's wait, which is not the
    /// delivery's).
    fn chat_going(&self, n: usize, at: Instant) {
        if let Some(t) = self
            .chats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(n)
        {
            *t = at;
        }
    }

    /// When the run's chat message `text` was sent, if it is one.
    fn chat_sent_at(&self, text: &str) -> Option<Instant> {
        let rest = text.strip_prefix('[')?.strip_prefix(self.tag.as_str())?;
        let n: usize = rest.strip_prefix('#')?.split(']').next()?.parse().ok()?;
        self.chats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(n)
            .copied()
    }

    /// Distinct collectibles claimed.
    pub fn drops_claimed(&self) -> u64 {
        self.wins.lock().unwrap_or_else(|p| p.into_inner()).len() as u64
    }

    /// The most claims won for one collectible.
    pub fn max_winners(&self) -> u64 {
        self.wins
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .copied()
            .max()
            .unwrap_or(0)
    }
}

/// Runs the day: every user's session and every event's life, until the deadline; then
/// ends the events still open. Returns once everything is answered or given up on.
pub async fn run_day(shared: Arc<Shared>, plan: &DayPlan, users: &[VirtualUser]) {
    let mut tasks = Vec::with_capacity(plan.users.len() + plan.events.len());
    for (user, up) in users.iter().zip(&plan.users) {
        tasks.push(tokio::spawn(session(
            shared.clone(),
            user.clone(),
            up.clone(),
        )));
    }
    for ep in &plan.events {
        let creator = users[ep.creator.min(users.len() - 1)].clone();
        tasks.push(tokio::spawn(event_life(
            shared.clone(),
            creator,
            ep.clone(),
        )));
    }
    for t in tasks {
        if let Err(e) = t.await {
            shared
                .rec
                .other_error("task", &format!("a task of the run failed: {e}"));
        }
    }
    // The events whose end was planned for after the run end now, so a shared daemon is
    // not left with the day's events open.
    let open: Vec<(EventId, Arc<Gate>)> = shared
        .gates
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|(_, g)| !g.closed.load(Ordering::SeqCst))
        .map(|(e, g)| (e.clone(), g.clone()))
        .collect();
    let ends = open.into_iter().map(|(event, gate)| {
        let creator = users[gate.creator.min(users.len() - 1)].clone();
        let shared = shared.clone();
        async move { end_event(&shared, &creator, &event, &gate).await }
    });
    futures_util::future::join_all(ends).await;
}

/// One event: created at its start by its creator, ended at its end.
async fn event_life(shared: Arc<Shared>, creator: VirtualUser, ep: EventPlan) {
    let start = shared.start + ep.start;
    if start >= shared.deadline {
        return;
    }
    sleep_until(start).await;
    shared.limiter.wait().await;
    let event = match crowd::create_event(&creator, ep.title.clone(), ep.at).await {
        Ok(e) => e,
        Err(e) => {
            shared.rec.other_error("create_event", &format!("{e:#}"));
            return;
        }
    };
    shared.counts.events_created.fetch_add(1, Ordering::Relaxed);
    let gate = Arc::new(Gate {
        lock: Arc::new(tokio::sync::RwLock::new(())),
        closed: AtomicBool::new(false),
        creator: ep.creator,
    });
    shared
        .gates
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(event.id.clone(), gate.clone());
    let end = shared.start + ep.end;
    if end >= shared.deadline {
        return;
    }
    sleep_until(end).await;
    end_event(&shared, &creator, &event.id, &gate).await;
}

/// Closes `event`'s gate once the frames in flight in it are answered, then ends it.
async fn end_event(shared: &Shared, creator: &VirtualUser, event: &EventId, gate: &Gate) {
    let hold = tokio::time::timeout(GATE_WAIT, gate.lock.clone().write_owned()).await;
    gate.closed.store(true, Ordering::SeqCst);
    drop(hold);
    shared.limiter.wait().await;
    match crowd::patiently(|| creator.client.end_event(event)).await {
        Ok(_) => {
            shared.counts.events_ended.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => shared.rec.other_error("end_event", &e.to_string()),
    }
}

/// What a frame sent is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Location,
    Join,
    Leave,
    Chat,
    Claim,
}

/// Holds on a gate kept while a frame is answered.
#[allow(dead_code)] // held, never read: dropping it releases the gate
enum Hold {
    Read(OwnedRwLockReadGuard<()>),
    Write(OwnedRwLockWriteGuard<()>),
}

struct Pending {
    kind: Kind,
    sent: Instant,
    event: Option<EventId>,
    collectible: Option<CollectibleId>,
    chat: Option<String>,
    chat_no: Option<usize>,
    _hold: Option<Hold>,
}

impl Pending {
    fn new(kind: Kind, event: Option<EventId>, hold: Option<Hold>) -> Pending {
        Pending {
            kind,
            sent: Instant::now(),
            event,
            collectible: None,
            chat: None,
            chat_no: None,
            _hold: hold,
        }
    }
}

/// One online user.
struct Person {
    shared: Arc<Shared>,
    user: VirtualUser,
    /// Their choices (joins, claims, reaction times), which depend on what they see.
    rng: StdRng,
    /// Their chat times, drawn apart from the choices so they do not depend on them.
    chat_rng: StdRng,
    walker: Walker,
    next_location: Instant,
    /// Rooms joined, with the time of the next chat in each.
    rooms: HashMap<EventId, Instant>,
    /// Titles of the events seen, for chat texts.
    titles: HashMap<EventId, String>,
    /// Frames sent and not answered yet, oldest first.
    pending: VecDeque<Pending>,
    /// Claims to make: when, what, in which room.
    claims: Vec<(Instant, CollectibleId, EventId)>,
    /// Joins chosen and not sent yet, with their holds.
    to_join: Vec<(EventId, OwnedRwLockReadGuard<()>)>,
    leaving: bool,
}

/// A user's time online: connect at `arrive`, act until `leave`, leave the rooms, close.
async fn session(shared: Arc<Shared>, user: VirtualUser, plan: UserPlan) {
    let arrive = shared.start + plan.arrive;
    let leave_at = (shared.start + plan.leave).min(shared.deadline);
    if arrive >= leave_at {
        return;
    }
    sleep_until(arrive).await;
    shared.limiter.wait().await;
    let mut conn = match ResilientWs::connect(user.client.clone(), user.id.clone()).await {
        Ok(c) => c,
        Err(e) => {
            shared.rec.other_error("connect", &e.to_string());
            return;
        }
    };
    let c = &shared.counts;
    c.sockets.fetch_add(1, Ordering::Relaxed);
    c.users_online.fetch_add(1, Ordering::Relaxed);
    let now_online = c.online.fetch_add(1, Ordering::Relaxed) + 1;
    c.peak_online.fetch_max(now_online, Ordering::Relaxed);

    let mut rng = StdRng::seed_from_u64(plan.seed);
    let walker = Walker::start(plan.home, shared.wander_m, &mut rng);
    let chat_rng = StdRng::seed_from_u64(rng.gen());
    let mut p = Person {
        shared: shared.clone(),
        user,
        rng,
        chat_rng,
        walker,
        next_location: Instant::now(),
        rooms: HashMap::new(),
        titles: HashMap::new(),
        pending: VecDeque::new(),
        claims: Vec::new(),
        to_join: Vec::new(),
        leaving: false,
    };
    if p.live(&mut conn, leave_at).await && p.leave(&mut conn).await {
        let _ = conn.close().await;
    }
    for f in std::mem::take(&mut p.pending) {
        p.failed(&f, "no answer before the user went offline");
    }
    c.online.fetch_sub(1, Ordering::Relaxed);
    c.sockets.fetch_sub(1, Ordering::Relaxed);
}

/// The earliest of some instants, or `far`.
fn earliest(times: impl Iterator<Item = Instant>, far: Instant) -> Instant {
    times.fold(far, Instant::min)
}

impl Person {
    fn op_of(kind: Kind) -> Option<Op> {
        match kind {
            Kind::Location => Some(Op::Location),
            Kind::Join => Some(Op::Join),
            Kind::Chat => Some(Op::ChatDelivery),
            Kind::Claim => Some(Op::Claim),
            Kind::Leave => None,
        }
    }

    fn failed(&self, f: &Pending, why: &str) {
        match Self::op_of(f.kind) {
            Some(op) => self.shared.rec.error(op, Instant::now(), why),
            None => self.shared.rec.other_error("leave", why),
        }
    }

    /// Acts and answers until `until`; false when the connection is gone.
    async fn live(&mut self, conn: &mut ResilientWs, until: Instant) -> bool {
        loop {
            let now = Instant::now();
            if now >= until {
                return true;
            }
            let wake = earliest(
                std::iter::once(self.next_location)
                    .chain(self.rooms.values().copied())
                    .chain(self.claims.iter().map(|c| c.0))
                    .chain(self.pending.front().map(|f| f.sent + ANSWER_TIMEOUT)),
                until,
            );
            tokio::select! {
                msg = conn.recv() => if !(self.on_frame(msg) && self.send_joins(conn).await) {
                    return false;
                },
                _ = sleep_until(wake) => if !self.act(conn).await {
                    return false;
                },
            }
        }
    }

    /// Sends what is due; false when the connection is gone.
    async fn act(&mut self, conn: &mut ResilientWs) -> bool {
        let now = Instant::now();
        while self
            .pending
            .front()
            .is_some_and(|f| f.sent + ANSWER_TIMEOUT <= now)
        {
            if let Some(f) = self.pending.pop_front() {
                self.failed(&f, "no answer within 10 s");
            }
        }
        let every = Duration::from_secs_f64(self.shared.behaviour.location_every_s);
        let chat_every_s = self.shared.behaviour.chat_every_s;
        if self.next_location <= now {
            self.next_location = (self.next_location + every).max(now);
            let at = self.walker.step(self.shared.step_m);
            let msg = ClientMessage::LocationUpdate { coordinates: at };
            if !self
                .send(conn, msg, Pending::new(Kind::Location, None, None))
                .await
            {
                return false;
            }
        }
        let due: Vec<EventId> = self
            .rooms
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(e, _)| e.clone())
            .collect();
        for event in due {
            let next = now + self.exponential(chat_every_s);
            self.rooms.insert(event.clone(), next);
            let Some(hold) = self.shared.enter(&event) else {
                continue;
            };
            let place = self
                .titles
                .get(&event)
                .map(String::as_str)
                .unwrap_or("la ciudad");
            let (n, text) = self.shared.chat_text(place);
            let msg = ClientMessage::ChatMessage {
                event_id: event.clone(),
                message: text.clone(),
            };
            let mut pending = Pending::new(Kind::Chat, Some(event), Some(Hold::Read(hold)));
            pending.chat = Some(text);
            pending.chat_no = Some(n);
            if !self.send(conn, msg, pending).await {
                return false;
            }
        }
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.claims)
            .into_iter()
            .partition(|c| c.0 <= now);
        self.claims = later;
        for (_, collectible, event) in due {
            if !self.rooms.contains_key(&event) {
                continue;
            }
            let Some(hold) = self.shared.enter(&event) else {
                continue;
            };
            let msg = ClientMessage::ClaimCollectible {
                collectible_id: collectible.clone(),
            };
            let mut pending = Pending::new(Kind::Claim, Some(event), Some(Hold::Read(hold)));
            pending.collectible = Some(collectible);
            if !self.send(conn, msg, pending).await {
                return false;
            }
        }
        true
    }

    /// A wait drawn from an exponential distribution of mean `mean_s` seconds.
    fn exponential(&mut self, mean_s: f64) -> Duration {
        let u: f64 = self.chat_rng.gen();
        Duration::from_secs_f64((-(1.0 - u).ln() * mean_s).min(86_400.0))
    }

    /// Sends `msg` (paced by the run's limiter), waiting for an answer as `pending`.
    async fn send(&mut self, conn: &mut ResilientWs, msg: ClientMessage, pending: Pending) -> bool {
        self.shared.limiter.wait().await;
        self.pending.push_back(pending);
        self.transmit(conn, msg).await
    }

    /// Sends the frame whose [`Pending`] is the last one queued.
    async fn transmit(&mut self, conn: &mut ResilientWs, msg: ClientMessage) -> bool {
        if let Some(last) = self.pending.back_mut() {
            last.sent = Instant::now();
            if let Some(n) = last.chat_no {
                self.shared.chat_going(n, last.sent);
            }
        }
        match conn.send(&msg).await {
            Ok(()) => true,
            Err(e) => {
                if let Some(f) = self.pending.pop_back() {
                    self.failed(&f, &e.to_string());
                }
                false
            }
        }
    }

    /// Takes the first pending frame `pick` accepts.
    fn answered(&mut self, pick: impl Fn(&Pending) -> bool) -> Option<Pending> {
        let i = self.pending.iter().position(pick)?;
        self.pending.remove(i)
    }

    /// Accounts for one frame; false when the connection is gone.
    fn on_frame(&mut self, msg: Result<ServerMessage, WsError>) -> bool {
        let now = Instant::now();
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                self.shared.rec.other_error("connection", &e.to_string());
                return false;
            }
        };
        let me = self.user.id.clone();
        let shared = self.shared.clone();
        match msg {
            ServerMessage::NearbyEvents { events, .. } => {
                if let Some(f) = self.answered(|p| p.kind == Kind::Location) {
                    shared.rec.ok(Op::Location, now, now - f.sent);
                }
                if !self.leaving {
                    for ne in events {
                        self.consider(ne.event.id, ne.event.title);
                    }
                }
            }
            ServerMessage::UserJoined {
                event_id, user_id, ..
            } if user_id == me => {
                if let Some(f) =
                    self.answered(|p| p.kind == Kind::Join && p.event.as_ref() == Some(&event_id))
                {
                    shared.rec.ok(Op::Join, now, now - f.sent);
                    let first_chat = now + self.exponential(shared.behaviour.chat_every_s);
                    self.rooms.insert(event_id, first_chat);
                }
            }
            ServerMessage::UserLeft { event_id, user_id } if user_id == me => {
                self.answered(|p| p.kind == Kind::Leave && p.event.as_ref() == Some(&event_id));
                self.forget(&event_id);
            }
            ServerMessage::ChatMessage(m) => {
                shared.counts.chat_delivered.fetch_add(1, Ordering::Relaxed);
                if m.user_id == me {
                    if self
                        .answered(|p| p.kind == Kind::Chat && p.chat.as_deref() == Some(&m.message))
                        .is_some()
                    {
                        shared.counts.chat_sent.fetch_add(1, Ordering::Relaxed);
                    }
                } else if let Some(sent) = shared.chat_sent_at(&m.message) {
                    shared.rec.ok(Op::ChatDelivery, now, now - sent);
                }
            }
            ServerMessage::CollectibleDrop { collectible, .. } => {
                shared
                    .drops
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(collectible.id.clone());
                if !self.leaving
                    && self.rooms.contains_key(&collectible.event_id)
                    && self.rng.gen_bool(shared.behaviour.claim_probability)
                {
                    let [lo, hi] = shared.behaviour.reaction_ms;
                    let wait = Duration::from_millis(self.rng.gen_range(lo..=hi));
                    self.claims
                        .push((now + wait, collectible.id, collectible.event_id));
                }
            }
            ServerMessage::ClaimResult { result } => {
                if let Some(f) = self.answered(|p| p.kind == Kind::Claim) {
                    shared.rec.ok(Op::Claim, now, now - f.sent);
                    let c = &shared.counts;
                    c.claims.fetch_add(1, Ordering::Relaxed);
                    if result.success {
                        c.claims_won.fetch_add(1, Ordering::Relaxed);
                    } else {
                        c.claims_lost.fetch_add(1, Ordering::Relaxed);
                    }
                    if let Some(id) = f.collectible {
                        *shared
                            .wins
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .entry(id)
                            .or_default() += u64::from(result.success);
                    }
                }
            }
            ServerMessage::EventEnded { event_id, .. } => self.forget(&event_id),
            ServerMessage::Error { code, message } => {
                // The daemon answers a socket's frames in order: an error answers the
                // oldest frame still waiting.
                if let Some(f) = self.pending.pop_front() {
                    self.failed(&f, &format!("{code}: {message}"));
                } else {
                    shared
                        .rec
                        .other_error("frame", &format!("{code}: {message}"));
                }
            }
            _ => {}
        }
        true
    }

    /// Joins `event` (seen nearby) with the scenario's probability, when it is one of the
    /// run's, not joined yet, and a room is free.
    fn consider(&mut self, event: EventId, title: String) {
        let b = &self.shared.behaviour;
        let joining =
            self.to_join.len() + self.pending.iter().filter(|p| p.kind == Kind::Join).count();
        if self.rooms.contains_key(&event)
            || self.to_join.iter().any(|(e, _)| e == &event)
            || self
                .pending
                .iter()
                .any(|p| p.kind == Kind::Join && p.event.as_ref() == Some(&event))
            || self.rooms.len() + joining >= b.max_rooms as usize
            || self.shared.gate(&event).is_none()
            || !self.rng.gen_bool(b.join_probability)
        {
            return;
        }
        let Some(hold) = self.shared.enter(&event) else {
            return;
        };
        self.titles.insert(event.clone(), title);
        // Sent from the loop, which holds the connection.
        self.to_join.push((event, hold));
    }

    /// Sends the joins [`Person::consider`] chose; false when the connection is gone.
    async fn send_joins(&mut self, conn: &mut ResilientWs) -> bool {
        for (event, hold) in std::mem::take(&mut self.to_join) {
            let msg = ClientMessage::JoinEvent {
                event_id: event.clone(),
            };
            let pending = Pending::new(Kind::Join, Some(event), Some(Hold::Read(hold)));
            if !self.send(conn, msg, pending).await {
                return false;
            }
        }
        true
    }

    fn forget(&mut self, event: &EventId) {
        self.rooms.remove(event);
        self.claims.retain(|c| &c.2 != event);
    }

    /// Leaves every room (each once the frames in flight in it are answered) and waits
    /// for the answers; false when the connection is gone.
    async fn leave(&mut self, conn: &mut ResilientWs) -> bool {
        self.leaving = true;
        self.claims.clear();
        self.to_join.clear();
        // First the frames in flight: their holds would keep this user's own leaves waiting.
        if !self.settle(conn).await {
            return false;
        }
        let rooms: Vec<EventId> = self.rooms.keys().cloned().collect();
        for event in rooms {
            let Some(gate) = self.shared.gate(&event) else {
                continue;
            };
            let hold = tokio::time::timeout(GATE_WAIT, gate.lock.clone().write_owned())
                .await
                .ok();
            if gate.closed.load(Ordering::SeqCst) {
                // Ended meanwhile: the room is empty already.
                self.forget(&event);
                continue;
            }
            let msg = ClientMessage::LeaveEvent {
                event_id: event.clone(),
            };
            let pending = Pending::new(Kind::Leave, Some(event), hold.map(Hold::Write));
            if !self.send(conn, msg, pending).await {
                return false;
            }
            if !self.settle(conn).await {
                return false;
            }
        }
        true
    }

    /// Reads frames until nothing is pending (at most [`ANSWER_TIMEOUT`]); false when the
    /// connection is gone.
    async fn settle(&mut self, conn: &mut ResilientWs) -> bool {
        let until = Instant::now() + ANSWER_TIMEOUT;
        while !self.pending.is_empty() {
            match tokio::time::timeout_at(until, conn.recv()).await {
                Ok(msg) => {
                    if !self.on_frame(msg) {
                        return false;
                    }
                }
                Err(_) => {
                    for f in std::mem::take(&mut self.pending) {
                        self.failed(&f, "no answer within 10 s");
                    }
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::file;

    fn shared() -> Shared {
        let start = Instant::now();
        let s = file::load("city-day").unwrap();
        Shared::new(
            start,
            Duration::from_secs(10),
            Recorder::new(start, Duration::from_secs(1)),
            s.behaviour,
            100.0,
            7,
        )
    }

    #[tokio::test]
    async fn a_room_is_entered_only_while_nobody_leaves_or_ends_it() {
        let s = shared();
        let event: EventId = "6745a1b2c3d4e5f601234567".parse().unwrap();
        assert!(s.enter(&event).is_none(), "not one of the run's events");
        let gate = Arc::new(Gate {
            lock: Arc::new(tokio::sync::RwLock::new(())),
            closed: AtomicBool::new(false),
            creator: 0,
        });
        s.gates.write().unwrap().insert(event.clone(), gate.clone());
        let a = s.enter(&event).expect("open");
        let b = s.enter(&event).expect("readers share it");
        // A leave (or the end) waits for the frames in flight...
        let leaving = tokio::spawn(gate.lock.clone().write_owned());
        tokio::task::yield_now().await;
        assert!(!leaving.is_finished());
        // ... and nobody enters meanwhile.
        assert!(s.enter(&event).is_none());
        drop((a, b));
        let hold = tokio::time::timeout(Duration::from_secs(5), leaving)
            .await
            .unwrap()
            .unwrap();
        assert!(s.enter(&event).is_none());
        drop(hold);
        assert!(s.enter(&event).is_some());
        gate.closed.store(true, Ordering::SeqCst);
        assert!(s.enter(&event).is_none(), "ended");
    }

    #[test]
    fn chat_texts_carry_the_run_local_number() {
        let s = shared();
        let (n0, t0) = s.chat_text("Usaquén");
        let (n1, t1) = s.chat_text("Suba");
        assert_eq!((n0, n1), (0, 1));
        assert!(t1.ends_with("hola desde Suba"), "{t1}");
        let at = Instant::now() + Duration::from_millis(5);
        s.chat_going(1, at);
        assert_eq!(s.chat_sent_at(&t1), Some(at));
        assert!(s.chat_sent_at(&t0).is_some());
        assert_eq!(s.chat_sent_at("[another-run#1] hola"), None);
        assert_eq!(s.chat_sent_at("hola"), None);
    }
}
