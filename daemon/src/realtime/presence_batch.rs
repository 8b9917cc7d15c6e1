//! Big rooms without floods: the joins and leaves of a room of more than
//! `CPL_PRESENCE_BATCH_ABOVE` members reach its members gathered, one `presence` frame per
//! room per `CPL_PRESENCE_BATCH_WINDOW`, instead of one `user_joined`/`user_left` each.
//!
//! Announcing every join to every member makes a room of n members cost n² frames to
//! fill (10,000 racers: 50 million frames, and each early member's queue holding
//! thousands of them, far past `CPL_WS_QUEUE`). Gathered, a member hears at most one
//! presence frame per window however fast people arrive: a fill of any size costs each
//! member (fill time / window) frames.
//!
//! # Where the gathering happens: at each daemon's fan-out
//! The daemon where someone joins or leaves (the origin) decides whether the room is big
//! (`room.current_participants`, one document read, not the member list). A big room's
//! change is then handed to this daemon's [`PresenceBatcher`] and, as one small envelope
//! without recipients, to every other daemon's (the cross-daemon bus,
//! [`crate::realtime::bus`]); each daemon gathers what it hears and, when a room's window
//! closes, reads the room's members and count from the store once and tells those
//! connected to it. Gathering at the origin instead would send each member one frame per
//! window *per daemon* with counts read at different moments by different daemons,
//! arriving in no particular order, so a member could end on an older count; gathered
//! where frames go out, every frame a member receives comes from one daemon, in order,
//! and the last one's count was read after the last change it lists was stored. The bus
//! also stops carrying the whole member list with every join (n ids per join: n² bytes
//! through the database while a room fills).
//!
//! # The window
//! A room's window opens with the first change after its last frame and lasts
//! `CPL_PRESENCE_BATCH_WINDOW`; changes keep gathering until the flusher takes them, so
//! a slow store read makes the next frame bigger, not later ones more numerous. At most
//! one window is open per room, so what waits for the flusher is bounded by the rooms.
//!
//! Small rooms never come here: they keep their exact frames.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use citypulse::ids::{EventId, UserId};
use citypulse::ws::{PresenceJoin, ServerMessage, PRESENCE_NAMES_MAX};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::metrics::Metrics;
use crate::realtime::hub::Hub;
pub use crate::realtime::outgoing::PresenceChange;
use crate::store::Store;

/// The changes of one room's open window.
#[derive(Debug, Default, PartialEq)]
pub struct Batch {
    /// Who came in (not named in `left`).
    pub joined: Vec<PresenceJoin>,
    /// Who went (not named in `joined`).
    pub left: Vec<UserId>,
    /// More changed than [`PRESENCE_NAMES_MAX`] names.
    pub truncated: bool,
}

impl Batch {
    /// Adds a change: a user's later change replaces their earlier one, so `joined` and
    /// `left` stay disjoint; past [`PRESENCE_NAMES_MAX`] names only `truncated` is set.
    fn add(&mut self, change: PresenceChange) {
        match change {
            PresenceChange::Joined { user_id, name } => {
                self.left.retain(|u| *u != user_id);
                if self.named() < PRESENCE_NAMES_MAX {
                    self.joined.push(PresenceJoin { user_id, name });
                } else {
                    self.truncated = true;
                }
            }
            PresenceChange::Left(user_id) => {
                self.joined.retain(|j| j.user_id != user_id);
                if self.named() < PRESENCE_NAMES_MAX {
                    self.left.push(user_id);
                } else {
                    self.truncated = true;
                }
            }
        }
    }

    fn named(&self) -> usize {
        self.joined.len() + self.left.len()
    }

    /// The `presence` frame of this batch for a room of `participants` members.
    pub fn into_frame(self, event_id: EventId, participants: u64) -> ServerMessage {
        ServerMessage::Presence {
            event_id,
            joined: self.joined,
            left: self.left,
            truncated: self.truncated,
            participants,
        }
    }
}

/// This daemon's open windows, by room.
pub struct PresenceBatcher {
    window: Duration,
    pending: Mutex<HashMap<EventId, Batch>>,
    /// Rooms whose window closed, for the flusher; one entry per open window at most.
    ready: mpsc::UnboundedSender<EventId>,
}

impl PresenceBatcher {
    /// A batcher with windows of `window`, and the receiver of the rooms whose window
    /// closed.
    pub fn new(window: Duration) -> (Arc<Self>, mpsc::UnboundedReceiver<EventId>) {
        let (ready, rx) = mpsc::unbounded_channel();
        let batcher = PresenceBatcher {
            window,
            pending: Mutex::default(),
            ready,
        };
        (Arc::new(batcher), rx)
    }

    /// Gathers a change of `event`'s room; the first since the room's last frame opens its
    /// window. Needs a Tokio runtime (the window is a timer task).
    pub fn add(&self, event: &EventId, change: PresenceChange) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(batch) = pending.get_mut(event) {
            batch.add(change);
            return;
        }
        let mut batch = Batch::default();
        batch.add(change);
        pending.insert(event.clone(), batch);
        let (ready, window, event) = (self.ready.clone(), self.window, event.clone());
        tokio::spawn(async move {
            tokio::time::sleep(window).await;
            // The flusher is gone only when the daemon stops.
            let _ = ready.send(event);
        });
    }

    /// Takes what `event`'s room gathered, closing its window.
    pub fn take(&self, event: &EventId) -> Option<Batch> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(event)
    }
}

/// Attaches a batcher with windows of `window` to the hub and starts its flusher, which
/// ends when `shutdown` turns true.
pub fn start(
    store: Arc<dyn Store>,
    hub: &Arc<Hub>,
    metrics: Arc<Metrics>,
    window: Duration,
    shutdown: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let (batcher, rx) = PresenceBatcher::new(window);
    if !hub.attach_presence(batcher.clone()) {
        tracing::warn!("presence batching was already started; not starting it twice");
        return None;
    }
    Some(tokio::spawn(flush_loop(
        batcher,
        rx,
        store,
        hub.clone(),
        metrics,
        shutdown,
    )))
}

/// Sends each room whose window closed its `presence` frame, one room at a time (so one
/// room's frames go out in order): the members and their count are read after the batch
/// is taken, so the count includes every change the frame lists.
async fn flush_loop(
    batcher: Arc<PresenceBatcher>,
    mut rx: mpsc::UnboundedReceiver<EventId>,
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let event = tokio::select! {
            e = rx.recv() => e,
            _ = shutdown.changed() => None,
        };
        let Some(event) = event else { return };
        let Some(batch) = batcher.take(&event) else {
            continue;
        };
        match store.participants(&event).await {
            Ok(members) => {
                let frame = Hub::encode(&batch.into_frame(event, members.len() as u64));
                metrics.presence_batches.fetch_add(1, Ordering::Relaxed);
                hub.deliver_local(members.iter().map(|p| &p.user_id), &frame);
            }
            // The next change opens a new window, whose frame carries the count again.
            Err(e) => tracing::warn!(
                "room {event}'s members did not hear its latest joins and leaves: reading \
                 its participants failed ({e})"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(u: &UserId, name: &str) -> PresenceChange {
        PresenceChange::Joined {
            user_id: u.clone(),
            name: name.into(),
        }
    }

    /// The room whose window closes within the next 2 ms (time is paused: the clock moves
    /// only when every task waits, so a window closing 1 ms from now is always seen, and
    /// none closing later is).
    async fn closing(rx: &mut mpsc::UnboundedReceiver<EventId>) -> Option<EventId> {
        tokio::time::timeout(Duration::from_millis(2), rx.recv())
            .await
            .ok()
            .flatten()
    }

    #[tokio::test(start_paused = true)]
    async fn a_rooms_changes_are_gathered_for_one_window() {
        let (b, mut rx) = PresenceBatcher::new(Duration::from_millis(250));
        let (room, other) = (EventId::generate(), EventId::generate());
        let (ana, bo, cy) = (UserId::generate(), UserId::generate(), UserId::generate());
        b.add(&room, joined(&ana, "Ana"));
        tokio::time::sleep(Duration::from_millis(100)).await;
        b.add(&room, joined(&bo, "Bo"));
        b.add(&other, joined(&cy, "Cy"));
        tokio::time::sleep(Duration::from_millis(149)).await;
        assert!(rx.try_recv().is_err(), "the window closed early");
        // 250 ms after the room's first change: one window, both changes.
        assert_eq!(closing(&mut rx).await, Some(room.clone()));
        assert!(rx.try_recv().is_err(), "the other room's window is its own");
        // A change arriving before the flusher takes the batch still goes in it.
        b.add(&room, PresenceChange::Left(ana.clone()));
        let batch = b.take(&room).unwrap();
        assert_eq!(
            batch,
            Batch {
                joined: vec![PresenceJoin {
                    user_id: bo.clone(),
                    name: "Bo".into()
                }],
                left: vec![ana.clone()],
                truncated: false,
            }
        );
        tokio::time::sleep(Duration::from_millis(99)).await;
        assert_eq!(closing(&mut rx).await, Some(other.clone()));
        // Taken: the next change opens a new window, 250 ms from then.
        b.add(&room, joined(&ana, "Ana"));
        b.add(&room, PresenceChange::Left(bo.clone()));
        b.add(&room, joined(&bo, "Bo"));
        tokio::time::sleep(Duration::from_millis(249)).await;
        assert!(rx.try_recv().is_err());
        assert_eq!(closing(&mut rx).await, Some(room.clone()));
        let batch = b.take(&room).unwrap();
        assert_eq!(batch.joined.len(), 2);
        assert!(batch.left.is_empty(), "a rejoin takes the user off `left`");
        assert!(b.take(&room).is_none());
    }

    #[test]
    fn a_batch_names_at_most_the_cap_then_says_truncated() {
        let mut batch = Batch::default();
        let users: Vec<UserId> = (0..PRESENCE_NAMES_MAX + 5)
            .map(|_| UserId::generate())
            .collect();
        for (i, u) in users.iter().enumerate() {
            batch.add(joined(u, &format!("U{i}")));
        }
        assert_eq!(batch.joined.len(), PRESENCE_NAMES_MAX);
        assert!(batch.truncated);
        // Leaving takes a listed joiner off the list, making room.
        batch.add(PresenceChange::Left(users[0].clone()));
        assert_eq!(batch.joined.len(), PRESENCE_NAMES_MAX - 1);
        assert_eq!(batch.left, vec![users[0].clone()]);
        let frame = batch.into_frame(EventId::generate(), 7);
        let json = serde_json::to_value(&frame).unwrap();
        assert_eq!(json["type"], "presence");
        assert_eq!(json["participants"], 7);
        assert_eq!(json["truncated"], true);
        assert_eq!(
            json["joined"].as_array().unwrap().len(),
            PRESENCE_NAMES_MAX - 1
        );
    }
}
