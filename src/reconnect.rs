//! A `/ws/{user_id}` connection that follows a daemon's restart: when the socket closes
//! with 1001 (going away: a drain, [`crate::RESTART_REASON`]), 1012 (service restart) or
//! drops without a close (1006, a transport error), it opens a new one after a jittered
//! back-off, joins again every room it had joined, and goes on. Other closes (1008 policy,
//! 1009 too big, ...) and refusals that will not change by waiting (401, 403) end it as a
//! plain [`WsConnection`] would.
//!
//! Rejoining is what keeps a restart quiet: a daemon holds a drained user's rooms for
//! `CPL_RECONNECT_GRACE`, and a join of a room one is still in announces nothing. Frames
//! sent to the user while no socket was open are not replayed (read the chat history over
//! REST for those).

use std::time::Duration;

use rand::Rng;

use crate::client::{Client, ClientError, WsConnection, WsError};
use crate::ids::{EventId, UserId};
use crate::ws::{ClientMessage, ServerMessage};

/// Close codes after which a client reconnects: going away (a drain), abnormal closure
/// (no close frame: the connection dropped), service restart.
pub const RECONNECT_CODES: [u16; 3] = [1001, 1006, 1012];

/// Whether a socket that ended with `e` is worth opening again.
pub fn should_reconnect(e: &WsError) -> bool {
    match e {
        WsError::Closed { code, .. } => RECONNECT_CODES.contains(code),
        WsError::Transport(_) => true,
        WsError::Protocol(_) => false,
    }
}

/// How long to wait between attempts: `first`, doubling up to `max`, each wait drawn
/// between half and all of it (jitter, so clients dropped together do not all come back
/// in the same instant); after `give_up_after` of failed attempts the error is returned.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The wait before the first attempt (at most; at least half of it).
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
    /// How long to keep trying.
    pub give_up_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(250),
            max: Duration::from_secs(10),
            give_up_after: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The wait before attempt `n` (0 first).
    pub fn wait(&self, n: u32, rng: &mut impl Rng) -> Duration {
        let full = self
            .first
            .saturating_mul(2u32.saturating_pow(n.min(16)))
            .min(self.max);
        full.mul_f64(rng.gen_range(0.5..=1.0))
    }
}

/// Whether a refused reconnection may succeed later: no answer, a proxy's 502/504, a
/// draining or full daemon's 503, a rate limit's 429. Not 401/403/404/422.
fn worth_retrying(e: &ClientError) -> bool {
    match e {
        ClientError::Api { status, .. } => matches!(status, 429 | 502 | 503 | 504),
        ClientError::Unreachable { .. } | ClientError::Protocol(_) => true,
        ClientError::BadUrl(_) => false,
    }
}

type Notice = Box<dyn Fn(&str) + Send + Sync>;

/// A [`WsConnection`] that reconnects and rejoins its rooms (see the module documentation).
pub struct ResilientWs {
    client: Client,
    user: UserId,
    conn: WsConnection,
    rooms: Vec<EventId>,
    backoff: Backoff,
    notice: Notice,
}

impl ResilientWs {
    /// Opens `/ws/{user}` with `client`'s token. Reconnections are silent until
    /// [`ResilientWs::on_notice`] says where to tell of them.
    pub async fn connect(client: Client, user: UserId) -> Result<Self, ClientError> {
        let conn = client.connect(&user).await?;
        Ok(ResilientWs {
            client,
            user,
            conn,
            rooms: Vec::new(),
            backoff: Backoff::default(),
            notice: Box::new(|_| {}),
        })
    }

    /// Calls `f` with a sentence at each reconnection attempt and success (the CLI prints
    /// them on stderr).
    pub fn on_notice(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.notice = Box::new(f);
        self
    }

    /// Replaces the default back-off.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Counts `event` among the rooms to join again after a reconnection, for a room
    /// joined otherwise than through this socket (over REST).
    pub fn remember_room(&mut self, event: &EventId) {
        if !self.rooms.contains(event) {
            self.rooms.push(event.clone());
        }
    }

    /// Sends one frame (a `join_event`/`leave_event` also updates the rooms to rejoin);
    /// when the socket is gone, reconnects and sends it on the new one.
    pub async fn send(&mut self, msg: &ClientMessage) -> Result<(), WsError> {
        match msg {
            ClientMessage::JoinEvent { event_id } => self.remember_room(event_id),
            ClientMessage::LeaveEvent { event_id } => self.rooms.retain(|e| e != event_id),
            _ => {}
        }
        match self.conn.send(msg).await {
            Err(e) if should_reconnect(&e) => {
                self.reconnect(&e).await?;
                self.conn.send(msg).await
            }
            other => other,
        }
    }

    /// The next frame; reconnects (and rejoins) across restarts and dropped connections.
    /// Cancel-safe between attempts: dropped mid-reconnection, the next call starts over.
    pub async fn recv(&mut self) -> Result<ServerMessage, WsError> {
        loop {
            match self.conn.recv().await {
                Err(e) if should_reconnect(&e) => self.reconnect(&e).await?,
                other => return other,
            }
        }
    }

    /// Waits for the first frame `pick` accepts, discarding others, for at most `within`
    /// (reconnections included).
    pub async fn recv_until<T>(
        &mut self,
        within: Duration,
        mut pick: impl FnMut(&ServerMessage) -> Option<T>,
    ) -> Result<T, WsError> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.recv())
                .await
                .map_err(|_| {
                    WsError::Transport(format!("no matching frame within {within:?}"))
                })??;
            if let Some(t) = pick(&msg) {
                return Ok(t);
            }
        }
    }

    /// Closes the socket cleanly.
    pub async fn close(self) -> Result<(), WsError> {
        self.conn.close().await
    }

    async fn reconnect(&mut self, why: &WsError) -> Result<(), WsError> {
        let started = tokio::time::Instant::now();
        let mut last = why.to_string();
        for attempt in 0u32.. {
            let wait = self.backoff.wait(attempt, &mut rand::thread_rng());
            (self.notice)(&format!(
                "{last}; reconnecting in {:.1}s (attempt {})",
                wait.as_secs_f64(),
                attempt + 1
            ));
            tokio::time::sleep(wait).await;
            match self.reopen().await {
                Ok(conn) => {
                    self.conn = conn;
                    (self.notice)(&format!(
                        "reconnected to {}; rejoined {} room(s)",
                        self.client.base_url().as_str().trim_end_matches('/'),
                        self.rooms.len()
                    ));
                    return Ok(());
                }
                Err(Reopen::Final(e)) => return Err(WsError::Transport(e)),
                Err(Reopen::Again(e)) => last = e,
            }
            if started.elapsed() >= self.backoff.give_up_after {
                return Err(WsError::Transport(format!(
                    "could not reconnect for {}s: {last}",
                    self.backoff.give_up_after.as_secs()
                )));
            }
        }
        unreachable!("the attempts never run out before the time does")
    }

    /// A new socket with every room joined again, or why not.
    async fn reopen(&self) -> Result<WsConnection, Reopen> {
        let mut conn = self.client.connect(&self.user).await.map_err(|e| {
            if worth_retrying(&e) {
                Reopen::Again(e.to_string())
            } else {
                Reopen::Final(format!("reconnecting failed: {e}"))
            }
        })?;
        for event in &self.rooms {
            conn.send(&ClientMessage::JoinEvent {
                event_id: event.clone(),
            })
            .await
            .map_err(|e| Reopen::Again(e.to_string()))?;
        }
        Ok(conn)
    }
}

enum Reopen {
    /// Try again after the next wait.
    Again(String),
    /// Give up: waiting will not change it.
    Final(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn waits_double_up_to_the_cap_with_jitter_in_the_upper_half() {
        let b = Backoff::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for n in 0..40 {
            let full = (b.first * 2u32.pow(n.min(16))).min(b.max);
            let w = b.wait(n, &mut rng);
            assert!(w >= full / 2 && w <= full, "attempt {n}: {w:?} of {full:?}");
        }
    }

    #[test]
    fn restarts_and_drops_reconnect_refusals_do_not() {
        let closed = |code| WsError::Closed {
            code,
            reason: String::new(),
        };
        for code in RECONNECT_CODES {
            assert!(should_reconnect(&closed(code)));
        }
        assert!(should_reconnect(&WsError::Transport("reset".into())));
        for code in [1000, 1008, 1009, 1011] {
            assert!(!should_reconnect(&closed(code)), "{code}");
        }
        let api = |status| ClientError::Api {
            status,
            detail: String::new(),
        };
        assert!(worth_retrying(&api(503)));
        assert!(!worth_retrying(&api(401)));
    }
}
