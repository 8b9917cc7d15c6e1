//! One WebSocket connection's outgoing queue, bounded in frames and in bytes, with the
//! bytes also counted against a budget its user's queues share.
//!
//! Memory bounded by construction (issue 21): a frame's bytes are charged when it is queued
//! and the charge is released when the writer takes the frame off the queue, or when the
//! queue is dropped with the frame still in it (the charge is a value that releases on
//! drop, so no path can forget it). A frame that would take a queue past either budget is
//! refused, and the hub cuts the slow reader off.
//!
//! `nearby_events` answers coalesce: a connection keeps at most one unsent answer in a
//! slot, and a newer answer replaces it. The queue holds a marker where the first unsent
//! answer was queued; the writer delivers the slot's (newest) answer there, so every other
//! frame keeps its order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use crate::realtime::outgoing::Frame;

/// How much one connection, and one user's connections together, may hold unsent.
#[derive(Debug, Clone, Copy)]
pub struct QueueLimits {
    /// Frames waiting per connection (`CPL_WS_QUEUE`).
    pub frames: usize,
    /// Bytes waiting per connection (`CPL_WS_QUEUE_BYTES`).
    pub bytes: usize,
    /// Bytes waiting across one user's connections (`CPL_WS_USER_QUEUE_BYTES`).
    pub user_bytes: usize,
}

/// Why a frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The connection already has this many frames waiting.
    Frames(usize),
    /// The frame would take the connection past this many bytes waiting.
    Bytes(usize),
    /// The frame would take the user's connections past this many bytes waiting.
    UserBytes(usize),
    /// The connection's writer is gone.
    Closed,
}

/// Bytes waiting across one user's queues; shared by their connections (and kept alive by
/// any charge still held, so a closing connection's frames keep counting until dropped).
pub type UserBytes = Arc<AtomicUsize>;

/// A frame on a queue with its bytes charged; releases them when dropped.
struct Charged {
    frame: Frame,
    conn: Arc<AtomicUsize>,
    user: UserBytes,
}

impl Charged {
    /// The frame, releasing its charge: it is off the queue.
    fn take(self) -> Frame {
        self.frame.clone()
    }
}

impl Drop for Charged {
    fn drop(&mut self) {
        let n = self.frame.len();
        self.conn.fetch_sub(n, Ordering::AcqRel);
        self.user.fetch_sub(n, Ordering::AcqRel);
    }
}

enum Item {
    Frame(Charged),
    /// Deliver the nearby slot's answer here.
    Nearby,
}

/// Adds `n` to `counter` unless that passes `limit`; exact under concurrent offers (no
/// add-then-undo that could make another offer see a total that never was).
fn reserve(counter: &AtomicUsize, n: usize, limit: usize) -> bool {
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |b| {
            b.checked_add(n).filter(|total| *total <= limit)
        })
        .is_ok()
}

/// The hub's side of a connection's queue.
pub struct Sender {
    tx: mpsc::Sender<Item>,
    bytes: Arc<AtomicUsize>,
    user: UserBytes,
    nearby: Arc<Mutex<Option<Charged>>>,
    limits: QueueLimits,
}

/// The writer's side of a connection's queue.
pub struct Outbox {
    rx: mpsc::Receiver<Item>,
    nearby: Arc<Mutex<Option<Charged>>>,
}

/// A connection's queue, charging `user`'s shared budget.
pub fn queue(limits: QueueLimits, user: UserBytes) -> (Sender, Outbox) {
    let (tx, rx) = mpsc::channel(limits.frames);
    let nearby = Arc::new(Mutex::new(None));
    let sender = Sender {
        tx,
        bytes: Arc::default(),
        user,
        nearby: nearby.clone(),
        limits,
    };
    (sender, Outbox { rx, nearby })
}

impl Sender {
    /// Queues a frame without waiting. With `coalesce` (a `nearby_events` answer) it
    /// replaces an unsent older one instead of queueing behind it.
    pub fn offer(&self, frame: &Frame, coalesce: bool) -> Result<(), Refused> {
        if !coalesce {
            let charged = self.charge(frame)?;
            return self
                .tx
                .try_send(Item::Frame(charged))
                .map_err(|e| self.refusal(e));
        }
        let mut slot = self.nearby.lock().unwrap_or_else(PoisonError::into_inner);
        // Release the older answer before charging the newer, so that replacing never
        // counts both. Its marker stays queued and will carry the newer one.
        let marker_queued = slot.take().is_some();
        let charged = self.charge(frame)?;
        if !marker_queued {
            self.tx
                .try_send(Item::Nearby)
                .map_err(|e| self.refusal(e))?;
        }
        *slot = Some(charged);
        Ok(())
    }

    fn charge(&self, frame: &Frame) -> Result<Charged, Refused> {
        let n = frame.len();
        if !reserve(&self.bytes, n, self.limits.bytes) {
            return Err(Refused::Bytes(self.limits.bytes));
        }
        if !reserve(&self.user, n, self.limits.user_bytes) {
            self.bytes.fetch_sub(n, Ordering::AcqRel);
            return Err(Refused::UserBytes(self.limits.user_bytes));
        }
        Ok(Charged {
            frame: frame.clone(),
            conn: self.bytes.clone(),
            user: self.user.clone(),
        })
    }

    fn refusal(&self, e: mpsc::error::TrySendError<Item>) -> Refused {
        // The refused item drops here, releasing its charge.
        match e {
            mpsc::error::TrySendError::Full(_) => Refused::Frames(self.limits.frames),
            mpsc::error::TrySendError::Closed(_) => Refused::Closed,
        }
    }
}

impl Outbox {
    /// The next frame to write, waiting for one; `None` when the hub let go of the
    /// connection and nothing is left.
    pub async fn recv(&mut self) -> Option<Frame> {
        loop {
            let item = self.rx.recv().await?;
            if let Some(frame) = self.open(item) {
                return Some(frame);
            }
        }
    }

    /// The next frame already queued, without waiting.
    pub fn try_recv(&mut self) -> Option<Frame> {
        loop {
            let item = self.rx.try_recv().ok()?;
            if let Some(frame) = self.open(item) {
                return Some(frame);
            }
        }
    }

    fn open(&self, item: Item) -> Option<Frame> {
        match item {
            Item::Frame(charged) => Some(charged.take()),
            // Empty only when the answer that queued this marker was refused (and the
            // connection is being cut off): nothing to deliver here.
            Item::Nearby => self
                .nearby
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
                .map(Charged::take),
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        // The queue's own frames release as the receiver drops them; the slot is shared
        // with the hub's side, which may outlive the writer by a moment.
        drop(
            self.nearby
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }
}
