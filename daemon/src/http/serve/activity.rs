//! What a connection is doing, as far as its time limits care, and the socket wrapper that
//! tells.
//!
//! A connection is waiting for a request ([`Phase::Idle`]), receiving a request's headers
//! ([`Phase::Head`]), being served ([`Phase::Busy`]: its body is read under its own limit
//! and the handler runs), or has become a WebSocket ([`Phase::Upgraded`], which has its own
//! heartbeat). The socket wrapper ([`Tracked`]) moves it from idle to headers on the first
//! byte; the service moves it to busy when hyper hands it a request and back to idle when
//! the answer has been written; [`Activity::expired`] resolves when an idle or header phase
//! outlasts its limit, and the connection is then dropped.
//!
//! hyper's own `header_read_timeout` cannot be both limits: in hyper 1.12 its clock starts
//! when hyper starts waiting for a request (at the connection's start and after each
//! answer), not at the request's first byte, so it is one limit for "silent" and "slow"
//! together. Here a silent connection gets the idle limit and a request that has begun gets
//! the header limit from its first byte.
//!
//! While idle or receiving headers, the bytes read are also kept (at most [`HEAD_BYTES`]):
//! hyper drops a `Content-Length` that comes with `Transfer-Encoding` before the service
//! sees the request, and the service needs the raw header lines to refuse that.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

use super::cap::Permit;
use super::tls::Stream;

/// The most header bytes kept for the service to look at. A request whose headers are
/// longer is served on hyper's reading alone (see [`Activity::take_head`]).
pub const HEAD_BYTES: usize = 64 * 1024;

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a request: at the start and between requests.
    Idle = 0,
    /// A request's first bytes have arrived, its headers are not complete.
    Head = 1,
    /// A request is being served (body, handler, answer).
    Busy = 2,
    /// A WebSocket now.
    Upgraded = 3,
}

/// The time limits that apply to phases.
#[derive(Debug, Clone, Copy)]
pub struct PhaseLimits {
    /// [`Phase::Head`]: from the first byte to the end of the headers.
    pub header: Duration,
    /// [`Phase::Idle`]: from the connection's start or the last answer to the next byte.
    pub idle: Duration,
}

/// One connection's phase, and the header bytes read while idle or in headers.
#[derive(Debug)]
pub struct Activity {
    start: Instant,
    /// The phase (top two bits) and when it began (milliseconds after `start`, the rest):
    /// one atomic, so a reader never pairs one phase with another phase's start.
    state: AtomicU64,
    head: Mutex<Head>,
    /// The forwarded client's place when this connection (from a trusted proxy) became
    /// that client's WebSocket: it lives as long as the socket does.
    upgraded: Mutex<Option<Permit>>,
}

#[derive(Debug, Default)]
struct Head {
    bytes: Vec<u8>,
    /// More than [`HEAD_BYTES`] arrived: what is kept is not the whole header.
    overflowed: bool,
}

const PHASE_SHIFT: u32 = 62;
const TIME_MASK: u64 = (1 << PHASE_SHIFT) - 1;

impl Activity {
    /// A connection that has just been accepted: idle.
    pub fn new() -> Arc<Activity> {
        Arc::new(Activity {
            start: Instant::now(),
            state: AtomicU64::new(Phase::Idle as u64),
            head: Mutex::new(Head::default()),
            upgraded: Mutex::new(None),
        })
    }

    fn encode(&self, phase: Phase) -> u64 {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(TIME_MASK);
        ((phase as u64) << PHASE_SHIFT) | (ms & TIME_MASK)
    }

    /// The phase and when it began.
    pub fn phase(&self) -> (Phase, Instant) {
        let state = self.state.load(Ordering::Acquire);
        let phase = match state >> PHASE_SHIFT {
            0 => Phase::Idle,
            1 => Phase::Head,
            2 => Phase::Busy,
            _ => Phase::Upgraded,
        };
        (phase, self.start + Duration::from_millis(state & TIME_MASK))
    }

    fn set(&self, phase: Phase) {
        self.state.store(self.encode(phase), Ordering::Release);
    }

    /// Bytes arrived from the client.
    fn on_read(&self, bytes: &[u8]) {
        let state = self.state.load(Ordering::Acquire);
        let phase = state >> PHASE_SHIFT;
        if phase == Phase::Idle as u64 {
            // Only from this exact idle state: the service may have moved on meanwhile.
            let _ = self.state.compare_exchange(
                state,
                self.encode(Phase::Head),
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        } else if phase != Phase::Head as u64 {
            return;
        }
        let mut head = self.head.lock().unwrap_or_else(PoisonError::into_inner);
        if head.bytes.len() + bytes.len() > HEAD_BYTES {
            head.overflowed = true;
        } else if !head.overflowed {
            head.bytes.extend_from_slice(bytes);
        }
    }

    /// hyper has a request: the connection is busy until the returned guard is dropped
    /// (with the answer's body, once it has been written).
    pub fn begin_request(self: &Arc<Self>) -> Busy {
        self.set(Phase::Busy);
        Busy {
            activity: Arc::clone(self),
        }
    }

    /// The bytes read since the connection was last idle, which begin with this request's
    /// headers when it was not pipelined behind another; None when more than
    /// [`HEAD_BYTES`] arrived or nothing was read (the request was already in hyper's
    /// buffer). Clears them for the next request.
    pub fn take_head(&self) -> Option<Vec<u8>> {
        let mut head = self.head.lock().unwrap_or_else(PoisonError::into_inner);
        let Head { bytes, overflowed } = std::mem::take(&mut *head);
        (!overflowed && !bytes.is_empty()).then_some(bytes)
    }

    /// The answer switched protocols: no idle limit from now on; `permit` (a forwarded
    /// client's place) is held for as long as the socket lives.
    pub fn upgraded(&self, permit: Option<Permit>) {
        self.set(Phase::Upgraded);
        if permit.is_some() {
            *self.upgraded.lock().unwrap_or_else(PoisonError::into_inner) = permit;
        }
    }

    /// Resolves with the reason when the connection has been idle or in its headers longer
    /// than allowed. Cheap to drop and call again: it reads the phase each time it wakes.
    pub async fn expired(&self, limits: PhaseLimits) -> &'static str {
        // A phase that begins while this sleeps ends no sooner than `step` after its start,
        // so waking at least every `step` never misses a deadline (a request's first byte
        // can bring the deadline forward: the header limit is usually the shorter).
        let step = limits.idle.min(limits.header);
        loop {
            let (phase, since) = self.phase();
            let deadline = match phase {
                Phase::Idle => Some((since + limits.idle, "idle")),
                Phase::Head => Some((since + limits.header, "headers too slow")),
                // Bodies have their own limit where they are read; a WebSocket its heartbeat.
                Phase::Busy | Phase::Upgraded => None,
            };
            let now = Instant::now();
            if let Some((at, why)) = deadline {
                if now >= at {
                    return why;
                }
            }
            let wake = deadline.map_or(now + step, |(at, _)| at.min(now + step));
            tokio::time::sleep_until(wake).await;
        }
    }
}

/// A request in progress on a connection; dropping it makes the connection idle again.
#[derive(Debug)]
pub struct Busy {
    activity: Arc<Activity>,
}

impl Busy {
    /// The connection this request came on.
    pub fn activity(&self) -> &Arc<Activity> {
        &self.activity
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let a = &self.activity;
        let state = a.state.load(Ordering::Acquire);
        // Not after an upgrade: a WebSocket is never idle in this sense.
        if state >> PHASE_SHIFT == Phase::Busy as u64 {
            let _ = a.state.compare_exchange(
                state,
                a.encode(Phase::Idle),
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
    }
}

/// An accepted socket that reports reads to its [`Activity`] and holds the address's
/// connection [`Permit`]. hyper hands this very value to the WebSocket on an upgrade, so
/// the place is held until the WebSocket closes, too.
#[derive(Debug)]
pub struct Tracked {
    io: Stream,
    activity: Arc<Activity>,
    _permit: Option<Permit>,
    /// Held as long as the socket is open, also once upgraded to a WebSocket: a stop
    /// waits (at most `CPL_SHUTDOWN_GRACE`) until every sender is dropped.
    _alive: tokio::sync::mpsc::Sender<()>,
}

impl Tracked {
    /// Wraps an accepted socket.
    pub fn new(
        io: Stream,
        activity: Arc<Activity>,
        permit: Option<Permit>,
        alive: tokio::sync::mpsc::Sender<()>,
    ) -> Tracked {
        Tracked {
            io,
            activity,
            _permit: permit,
            _alive: alive,
        }
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let read = &buf.filled()[before..];
            if !read.is_empty() {
                this.activity.on_read(read);
            }
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn silence_gets_the_idle_limit_and_a_begun_request_the_header_limit() {
        let limits = PhaseLimits {
            header: Duration::from_secs(2),
            idle: Duration::from_secs(10),
        };
        let a = Activity::new();
        let start = Instant::now();
        assert_eq!(a.expired(limits).await, "idle");
        assert!(start.elapsed() >= limits.idle);

        let a = Activity::new();
        tokio::time::advance(Duration::from_secs(5)).await;
        a.on_read(b"GET / HT");
        let start = Instant::now();
        assert_eq!(a.expired(limits).await, "headers too slow");
        assert!(start.elapsed() >= limits.header && start.elapsed() < limits.idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_first_byte_while_the_watchdog_sleeps_brings_the_header_deadline_forward() {
        let limits = PhaseLimits {
            header: Duration::from_secs(2),
            idle: Duration::from_secs(60),
        };
        let a = Activity::new();
        let start = Instant::now();
        let watchdog = tokio::spawn({
            let a = Arc::clone(&a);
            async move { a.expired(limits).await }
        });
        tokio::time::sleep(Duration::from_secs(3)).await;
        a.on_read(b"GET / HTTP/1.1\r\n");
        assert_eq!(watchdog.await.unwrap(), "headers too slow");
        assert!(start.elapsed() < limits.idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_progress_has_no_connection_deadline_and_its_end_restarts_idle() {
        let limits = PhaseLimits {
            header: Duration::from_secs(1),
            idle: Duration::from_secs(3),
        };
        let a = Activity::new();
        a.on_read(b"GET / HTTP/1.1\r\n\r\n");
        let busy = a.begin_request();
        let watch = tokio::time::timeout(Duration::from_secs(60), a.expired(limits)).await;
        assert!(watch.is_err(), "a busy connection never expires");
        drop(busy);
        assert_eq!(a.phase().0, Phase::Idle);
        let start = Instant::now();
        assert_eq!(a.expired(limits).await, "idle");
        assert!(start.elapsed() >= limits.idle);
        // An upgraded connection stays upgraded when its answer's guard goes.
        let busy = a.begin_request();
        a.upgraded(None);
        drop(busy);
        assert_eq!(a.phase().0, Phase::Upgraded);
    }

    #[test]
    fn header_bytes_are_kept_only_while_idle_or_in_headers_and_only_up_to_the_bound() {
        let a = Activity::new();
        a.on_read(b"POST / HTTP/1.1\r\n");
        a.on_read(b"\r\n");
        let busy = a.begin_request();
        a.on_read(b"body bytes are not kept");
        assert_eq!(
            a.take_head().as_deref(),
            Some(&b"POST / HTTP/1.1\r\n\r\n"[..])
        );
        assert_eq!(a.take_head(), None, "taken once");
        drop(busy);
        a.on_read(&vec![b'x'; HEAD_BYTES]);
        a.on_read(b"y");
        assert_eq!(a.take_head(), None, "past the bound nothing is claimed");
    }
}
