//! The cross-daemon bus: several `cpld` sharing one MongoDB behave as one. Every frame the
//! hub fans out to users ([`crate::realtime::hub::Hub::send_to_users`], which every room
//! broadcast goes through: `chat_message`, `message_deleted`, `collectible_drop`,
//! `collectible_claimed`, `user_joined`, `user_left`, `event_ended`, `transcript`) and
//! every new event for the `event_nearby`
//! geofence is also written as one envelope to the `broadcasts` collection; every other
//! daemon watches that collection and delivers the envelope to the recipients connected
//! to it. A big room's joins and leaves travel as the change alone (`presence`: the room,
//! the user, their name), and each daemon gathers them for its own members
//! ([`crate::realtime::presence_batch`]). The daemon that wrote an envelope has already
//! delivered it locally, so the watch filters out its own (`origin`, a random id per
//! process).
//!
//! # Why a change stream, not a tailable cursor on a capped collection
//! Both work on `secantusd-py` (checked). The change stream wins on what matters here:
//! * Resuming after an outage: a change stream hands out a resume token after every
//!   event and continues exactly after it; a tailable cursor can only be re-opened with a
//!   query on `_id`, and ObjectIds from several daemons are not ordered within a second,
//!   so envelopes would be lost or repeated around every reconnect.
//! * Deployments: change streams work on replica sets and sharded clusters (Atlas); capped
//!   collections cannot be sharded and are discouraged or unavailable on some Atlas tiers.
//! * Clean-up: a TTL index on `created_at` ([`crate::store::mongo::BROADCAST_TTL`])
//!   removes old envelopes; the change stream delivers from the oplog, so nothing depends
//!   on them after the insert.
//!
//! The cost: change streams need a replica set (any production MongoDB, `secantusd-py`
//! by default); on a standalone server the bus is off and the daemon says so.
//!
//! # Recipients, not rooms
//! An envelope carries the recipients the sending daemon computed (the room's members
//! from the store, which is the truth for presence) rather than the room, so receiving
//! daemons deliver without another query per envelope, and `event_ended` (whose room is
//! already empty in the store) reaches the members it had.
//!
//! # Failure
//! Publishing never blocks fan-out: envelopes go through a bounded queue
//! ([`QUEUE`]); when it is full or the database refuses them they are dropped and
//! counted in a warning (the calls that produce them fail with 503 anyway while the
//! database is away). The watcher reopens its stream with jittered backoff
//! ([`MAX_BACKOFF`]) from its last resume token, so it survives outages and resumes
//! without loss when the oplog still holds the gap; otherwise it starts from now and says
//! that messages may have been missed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use citypulse::ids::{EventId, UserId};
use citypulse::model::Event;
use futures_util::StreamExt;
use mongodb::bson::{doc, Bson, DateTime as BsonDate, Document};
use mongodb::change_stream::event::ResumeToken;
use mongodb::Collection;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::realtime::hub::Hub;
use crate::realtime::outgoing::{Frame, Outgoing, PresenceChange, Publisher};
use crate::store::mongo::BROADCASTS;
use crate::store::Store;

/// Envelopes waiting to be written; past this they are dropped (fan-out never waits).
pub const QUEUE: usize = 4096;

/// Envelopes written in one `insert_many`.
const BATCH: usize = 128;

/// Longest pause between attempts to reopen the change stream.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How often a failure is worth a warning (the rest are counted into the next one).
const WARN_EVERY: Duration = Duration::from_secs(30);

/// Server codes that mean the resume token cannot be used any more.
const RESUME_LOST: [i32; 3] = [260, 280, 286];

/// Starts the bus when the store is a MongoDB replica set or cluster: attaches a
/// [`Publisher`] to the hub and returns the publisher and watcher tasks, which end when
/// `shutdown` turns true. Nothing for SQLite (one daemon) or a standalone server.
pub fn start(
    store: &dyn Store,
    hub: &Arc<Hub>,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let Some(mongo) = store.as_mongo() else {
        return Vec::new();
    };
    if !mongo.has_transactions() {
        tracing::warn!(
            "the MongoDB {} is a standalone server without change streams: room broadcasts \
             reach only this daemon's connections; run several daemons only on a replica set",
            mongo.shown()
        );
        return Vec::new();
    }
    let collection = mongo.database().collection::<Document>(BROADCASTS);
    let origin = format!("{:032x}", rand::random::<u128>());
    let (tx, rx) = mpsc::channel(QUEUE);
    let (ready_tx, ready_rx) = watch::channel(false);
    let dropped = Arc::new(AtomicU64::new(0));
    let publisher = Publisher::new(tx, dropped.clone(), ready_rx);
    if !hub.attach_bus(publisher) {
        tracing::warn!("the cross-daemon bus was already started; not starting it twice");
        return Vec::new();
    }
    tracing::info!(origin = %origin, "cross-daemon bus on {}.{BROADCASTS}", mongo.shown());
    vec![
        tokio::spawn(publish_loop(
            collection.clone(),
            origin.clone(),
            rx,
            dropped,
            shutdown.clone(),
        )),
        tokio::spawn(watch_loop(
            collection,
            origin,
            hub.clone(),
            ready_tx,
            shutdown,
        )),
    ]
}

fn envelope(origin: &str, out: Outgoing) -> Document {
    let now = BsonDate::now();
    match out {
        Outgoing::Users { users, frame } => doc! {
            "origin": origin,
            "created_at": now,
            "kind": "users",
            "users": users.iter().map(|u| Bson::String(u.to_string())).collect::<Vec<_>>(),
            "frame": frame.as_str(),
        },
        // A big room's change: no recipients, each daemon gathers it for its own members.
        Outgoing::Presence { event, change } => {
            let mut d = doc! {
                "origin": origin,
                "created_at": now,
                "kind": "presence",
                "event": event.to_string(),
            };
            match change {
                PresenceChange::Joined { user_id, name } => {
                    d.insert("change", "joined");
                    d.insert("user", user_id.to_string());
                    d.insert("name", name);
                }
                PresenceChange::Left(user_id) => {
                    d.insert("change", "left");
                    d.insert("user", user_id.to_string());
                }
            }
            d
        }
        Outgoing::NewEvent(event) => doc! {
            "origin": origin,
            "created_at": now,
            "kind": "new_event",
            "event": serde_json::to_string(&event).unwrap_or_default(),
        },
        Outgoing::Revoked(user) => doc! {
            "origin": origin,
            "created_at": now,
            "kind": "revoked",
            "user": user.to_string(),
        },
        // The hash of a token already revoked in the store: worth nothing to a reader.
        Outgoing::SessionRevoked { token_hash } => doc! {
            "origin": origin,
            "created_at": now,
            "kind": "session_revoked",
            "token_hash": token_hash,
        },
    }
}

/// Rate-limited warnings: the first at once, then one per [`WARN_EVERY`] with a count.
struct Warner {
    last: Option<Instant>,
    quiet: u64,
}

impl Warner {
    fn new() -> Self {
        Warner {
            last: None,
            quiet: 0,
        }
    }

    fn warn(&mut self, n: u64, what: impl FnOnce(u64) -> String) {
        self.quiet += n;
        if self.last.is_none_or(|l| l.elapsed() >= WARN_EVERY) {
            tracing::warn!("{}", what(self.quiet));
            self.quiet = 0;
            self.last = Some(Instant::now());
        }
    }
}

async fn publish_loop(
    collection: Collection<Document>,
    origin: String,
    mut rx: mpsc::Receiver<Outgoing>,
    dropped: Arc<AtomicU64>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut warner = Warner::new();
    loop {
        let first = tokio::select! {
            m = rx.recv() => m,
            _ = shutdown.changed() => None,
        };
        let Some(first) = first else { return };
        let mut batch = vec![envelope(&origin, first)];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(envelope(&origin, m)),
                Err(_) => break,
            }
        }
        let n = batch.len() as u64;
        // In order: one daemon's envelopes reach the others in the order it sent them.
        let sent = tokio::select! {
            r = collection.insert_many(batch).ordered(true) => r,
            _ = shutdown.changed() => return,
        };
        if let Err(e) = sent {
            warner.warn(n, |k| {
                format!("{k} room broadcast(s) did not reach the other daemons: {e}")
            });
        }
        let full = dropped.swap(0, Ordering::Relaxed);
        if full > 0 {
            warner.warn(full, |k| {
                format!(
                    "{k} room broadcast(s) were not sent to the other daemons: the bus queue \
                     ({QUEUE}) was full, the database is slow or away"
                )
            });
        }
    }
}

/// The pauses between attempts to reopen the change stream: exponential from 100 ms,
/// jittered (each pause between its step and twice it, so daemons that lost the database
/// together do not come back together), never longer than [`MAX_BACKOFF`], without end.
/// A fresh one starts after every stream that opened.
///
/// [`backon`] gives the delays; the loop stays ours, since it never finishes: a stream that
/// opened and later broke starts the pauses again rather than ending a retry.
fn reconnect_delays() -> impl Iterator<Item = Duration> {
    use backon::BackoffBuilder;
    backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        // Jitter adds up to the step itself: capping the step at half keeps every pause
        // under MAX_BACKOFF.
        .with_max_delay(MAX_BACKOFF / 2)
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build()
}

fn resume_lost(e: &mongodb::error::Error) -> bool {
    match e.kind.as_ref() {
        mongodb::error::ErrorKind::Command(c) => RESUME_LOST.contains(&c.code),
        _ => false,
    }
}

async fn watch_loop(
    collection: Collection<Document>,
    origin: String,
    hub: Arc<Hub>,
    ready: watch::Sender<bool>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut token: Option<ResumeToken> = None;
    let mut reconnecting = false;
    let mut delays = reconnect_delays();
    let mut warner = Warner::new();
    loop {
        if *shutdown.borrow() {
            return;
        }
        // Only other daemons' envelopes: this one delivered its own locally already.
        let pipeline = [doc! { "$match": {
            "operationType": "insert",
            "fullDocument.origin": { "$ne": &origin },
        } }];
        let opened = tokio::select! {
            r = collection.watch().pipeline(pipeline).resume_after(token.clone()) => r,
            _ = shutdown.changed() => return,
        };
        let mut stream = match opened {
            Ok(s) => s,
            Err(e) => {
                if token.is_some() && resume_lost(&e) {
                    tracing::warn!(
                        "the cross-daemon bus could not resume where it stopped ({e}); it \
                         continues from now, and room messages sent meanwhile by other \
                         daemons were not delivered here"
                    );
                    token = None;
                } else {
                    warner.warn(1, |k| {
                        format!("the cross-daemon bus cannot watch the database ({k} attempt(s)): {e}; retrying")
                    });
                }
                reconnecting = true;
                let pause = delays.next().unwrap_or(MAX_BACKOFF);
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {},
                    _ = shutdown.changed() => return,
                }
                continue;
            }
        };
        if reconnecting {
            tracing::info!("the cross-daemon bus is watching again");
        }
        delays = reconnect_delays();
        let _ = ready.send(true);
        loop {
            let next = tokio::select! {
                n = stream.next() => n,
                _ = shutdown.changed() => return,
            };
            match next {
                Some(Ok(change)) => {
                    token = stream.resume_token().or(token);
                    if let Some(doc) = change.full_document {
                        deliver(&hub, &origin, &doc);
                    }
                }
                Some(Err(e)) => {
                    token = stream.resume_token().or(token);
                    warner.warn(1, |_| {
                        format!("the cross-daemon bus lost its change stream: {e}; reconnecting")
                    });
                    break;
                }
                None => break,
            }
        }
        reconnecting = true;
        let pause = delays.next().unwrap_or(MAX_BACKOFF);
        tokio::select! {
            _ = tokio::time::sleep(pause) => {},
            _ = shutdown.changed() => return,
        }
    }
}

/// Hands another daemon's envelope to this daemon's connections.
fn deliver(hub: &Hub, origin: &str, doc: &Document) {
    if doc.get_str("origin").ok() == Some(origin) {
        return;
    }
    match doc.get_str("kind").ok() {
        Some("users") => {
            let Ok(frame) = doc.get_str("frame") else {
                return;
            };
            let users: Vec<UserId> = doc
                .get_array("users")
                .map(|a| {
                    a.iter()
                        .filter_map(|u| u.as_str().and_then(|s| s.parse().ok()))
                        .collect()
                })
                .unwrap_or_default();
            hub.deliver_local(users.iter(), &Frame::from(frame));
        }
        Some("presence") => match presence_change(doc) {
            Some((event, change)) => hub.batch_presence_local(&event, change),
            None => tracing::debug!("ignoring an unreadable presence envelope"),
        },
        Some("new_event") => {
            let Ok(json) = doc.get_str("event") else {
                return;
            };
            match serde_json::from_str::<Event>(json) {
                Ok(event) => hub.notify_new_event_local(&event),
                Err(e) => tracing::debug!("ignoring an unreadable new_event envelope: {e}"),
            }
        }
        Some("revoked") => match doc.get_str("user").map(str::parse::<UserId>) {
            Ok(Ok(user)) => hub.revoke_local(&user),
            _ => tracing::debug!("ignoring a revoked envelope without a user id"),
        },
        Some("session_revoked") => match doc.get_str("token_hash") {
            Ok(hash) => hub.revoke_session_local(hash),
            Err(_) => tracing::debug!("ignoring a session_revoked envelope without a token hash"),
        },
        other => tracing::debug!("ignoring a bus envelope of kind {other:?}"),
    }
}

/// The room and change of a `presence` envelope.
fn presence_change(doc: &Document) -> Option<(EventId, PresenceChange)> {
    let event = doc.get_str("event").ok()?.parse().ok()?;
    let user_id: UserId = doc.get_str("user").ok()?.parse().ok()?;
    let change = match doc.get_str("change").ok()? {
        "joined" => PresenceChange::Joined {
            user_id,
            name: doc.get_str("name").ok()?.to_string(),
        },
        "left" => PresenceChange::Left(user_id),
        _ => return None,
    };
    Some((event, change))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let delays: Vec<Duration> = reconnect_delays().take(40).collect();
        assert_eq!(delays.len(), 40, "the delays never run out");
        for b in &delays {
            assert!(*b <= MAX_BACKOFF, "{b:?}");
            assert!(*b >= Duration::from_millis(100), "{b:?}");
        }
        assert!(delays[0] < Duration::from_millis(200), "{:?}", delays[0]);
        assert!(delays[10] >= MAX_BACKOFF / 2, "{:?}", delays[10]);
    }

    #[test]
    fn presence_envelopes_read_back_as_the_change() {
        let event = EventId::generate();
        for change in [
            PresenceChange::Joined {
                user_id: UserId::generate(),
                name: "Ana".into(),
            },
            PresenceChange::Left(UserId::generate()),
        ] {
            let d = envelope(
                "me",
                Outgoing::Presence {
                    event: event.clone(),
                    change: change.clone(),
                },
            );
            assert_eq!(d.get_str("kind").ok(), Some("presence"));
            assert!(
                d.get("users").is_none(),
                "no recipients: each daemon has its own"
            );
            assert_eq!(presence_change(&d), Some((event.clone(), change)));
        }
    }

    #[test]
    fn envelopes_carry_origin_recipients_and_frame() {
        let u = UserId::generate();
        let d = envelope(
            "me",
            Outgoing::Users {
                users: vec![u.clone()],
                frame: Frame::from("{\"type\":\"pong\"}"),
            },
        );
        assert_eq!(d.get_str("origin").ok(), Some("me"));
        assert_eq!(d.get_str("kind").ok(), Some("users"));
        assert_eq!(d.get_str("frame").ok(), Some("{\"type\":\"pong\"}"));
        assert_eq!(
            d.get_array("users").ok().and_then(|a| a[0].as_str()),
            Some(u.as_str())
        );
    }
}
