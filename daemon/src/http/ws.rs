//! `/ws/{user_id}`: one task pair per connection.
//!
//! The reader decodes the client's frames, enforces the frame rate and the heartbeat
//! timeout, and acts through the same room/claim operations as REST. The writer drains the
//! connection's bounded queue into the socket and pings it (taking a frame off the queue
//! releases its bytes from the connection's and the user's budgets); when the hub (slow consumer) or
//! the reader (limits, timeout, shutdown) asks it to close, it flushes what is queued and
//! sends a close frame with a reason.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::upgrade::{close_with, read_error, text_of, Message, ReadError, Socket, Upgrade};
use citypulse::api::nearby;
use citypulse::model::User;
use citypulse::time;
use citypulse::ws::{error_code, ClientMessage, NearbyEventsFrame, ServerMessage};
use citypulse::UserId;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::watch;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Reply};

use crate::domain::error::DomainError;
use crate::domain::state::State;
use crate::domain::{claims, presence, rooms};
use crate::http::auth::{self, Caller};
use crate::http::error::ApiError;
use crate::ratelimit::Bucket;
use crate::realtime::hub::{KillSwitch, Outbox, Registration, REVOKED_REASON};
use crate::realtime::outgoing::Frame;
use crate::store::StoreError;

/// How long a closing connection may take to deliver what was queued and its close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// Close codes (RFC 6455).
mod close {
    pub const GOING_AWAY: u16 = 1001;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
    pub const INTERNAL: u16 = 1011;
}

/// What a user's socket first reads into: their frames (locations, joins, chat up to 500
/// characters, claims) fit in 2 KiB, and with tens of thousands of sockets open the
/// buffer is most of a socket's memory (issue 20); a bigger frame grows it.
const READ_BUFFER: usize = 2 * 1024;

/// The WebSocket routes.
pub fn routes(state: State, shutdown: watch::Receiver<bool>) -> BoxedFilter<(Response,)> {
    let st = state.clone();
    warp::path!("ws" / String)
        .and(super::upgrade::websocket())
        .and(crate::http::input::raw_query())
        .and(auth::presented(state.clone()))
        .then(
            move |path_user: String, ws: Upgrade, query: String, presented: auth::Presented| {
                let state = st.clone();
                let shutdown = shutdown.clone();
                async move {
                    match authorize(&state, &path_user, &query, &presented).await {
                        Ok((user, token_hash)) => {
                            let place = Place::take(&state, &user.id);
                            let max = citypulse::MAX_BODY_BYTES as usize;
                            ws.max_frame_size(max)
                                .max_message_size(max)
                                .read_buffer_size(READ_BUFFER)
                                .on_upgrade(move |socket| {
                                    connection(state, user, token_hash, place, socket, shutdown)
                                })
                                .into_response()
                        }
                        Err(e) => e.into_response(),
                    }
                }
            },
        )
        .boxed()
}

/// The socket's query: only `?token=`. Anything else is refused (422) rather than ignored:
/// the original backend took no query here, so an unknown parameter is a mistake
/// (`?user_id=` meant for the path) that the client should hear about.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenQuery {
    token: Option<String>,
}

/// Checks the token (query `?token=` or `Authorization`, [`auth::identify`]) before the
/// upgrade: 422 a malformed query, 401 missing or wrong token, 422 a path id that is not
/// an id (asked after "is there a token", as REST does), 403 another user's. The user and
/// the token's hash.
pub async fn authorize(
    state: &State,
    path_user: &str,
    query: &str,
    presented: &auth::Presented,
) -> Result<(User, String), ApiError> {
    let q: TokenQuery = crate::http::input::parse_query(query)?;
    let caller = auth::identify(state, presented, q.token.as_deref()).await?;
    let token = presented.token(q.token.as_deref())?;
    let user = match caller {
        Some(Caller::User(u)) => *u,
        Some(Caller::Admin) => {
            return Err(ApiError::Forbidden(
                "the admin token does not belong to a user; open the socket with a user's token".into(),
            ))
        }
        None => {
            return Err(ApiError::Unauthorized(
                "a WebSocket needs the user's token: /ws/{user_id}?token=<token> or 'Authorization: Bearer <token>'".into(),
            ))
        }
    };
    let path_user: UserId = crate::http::input::id(path_user)?;
    if path_user != user.id {
        return Err(ApiError::Forbidden(format!(
            "this token belongs to user {}; open /ws/{} instead",
            user.id, user.id
        )));
    }
    // `identify` accepted the token, so there is one.
    Ok((user, auth::hash_token(token.unwrap_or_default())))
}

/// A socket's place in the hub, taken before the handshake is answered: once the client
/// has the 101 it may act at once (join a room over REST, have a friend send it a chat),
/// and what the hub sends the user from then on must find this socket. Entering it only
/// when the upgraded connection started would lose those frames. If the upgrade never
/// completes, dropping the place hands it back.
struct Place {
    state: State,
    user: UserId,
    /// `None` when the user already had the most sockets open: the upgrade is answered
    /// anyway and the socket closed with the reason, which a browser can show.
    reg: Option<Registration>,
}

impl Place {
    fn take(state: &State, user: &UserId) -> Place {
        Place {
            state: state.clone(),
            user: user.clone(),
            reg: state.hub.register(user),
        }
    }

    /// The registration, now the socket's to unregister when it closes.
    fn into_registration(mut self) -> Option<Registration> {
        self.reg.take()
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let Some(reg) = self.reg.take() else { return };
        tracing::debug!(user = %self.user, conn = reg.conn_id, "websocket upgrade did not complete");
        if self.state.hub.unregister(&self.user, reg.conn_id) {
            // The client may have joined rooms through REST while its socket was on its way;
            // with no socket left it leaves them, as when its last socket closes.
            let (state, user) = (self.state.clone(), self.user.clone());
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    presence::disconnected(&state, &user, presence::Departure::Closed).await
                });
            }
        }
    }
}

async fn connection(
    state: State,
    user: User,
    token_hash: String,
    place: Place,
    socket: Socket,
    shutdown: watch::Receiver<bool>,
) {
    let (mut sink, stream) = socket.split();
    let Some(reg) = place.into_registration() else {
        let reason = format!(
            "too many open connections for this user (at most {}); close another first",
            state.config.max_connections_per_user
        );
        let _ = sink.send(close_with(close::POLICY, reason)).await;
        return;
    };
    tracing::debug!(user = %user.id, conn = reg.conn_id, "websocket open");
    let writer = tokio::spawn(write_loop(
        sink,
        reg.rx,
        reg.kill.clone(),
        state.config.ws_heartbeat,
    ));
    let mut stream = stream;
    let draining = shutdown.clone();
    // Bound before the token is asked about again: a revocation after the question finds it.
    state.hub.bind_session(&token_hash, &reg.kill);
    if holds_token(&state, &user, &token_hash, reg.conn_id, &reg.kill).await {
        if reg.first {
            presence::connected(&state, &user.id).await;
        }
        read_loop(&state, &user, reg.conn_id, &mut stream, &reg.kill, shutdown).await;
    }
    reg.kill.kill(1000, "bye");
    if state.hub.unregister(&user.id, reg.conn_id) {
        // Presence rule: when a user's last connection goes (closed, dropped, cut off or
        // timed out), they leave every room at once, and each room hears it; their last
        // connection anywhere, when several daemons share the database.
        // A socket the drain closed is not a departure: the user is expected back.
        let why = if *draining.borrow() {
            presence::Departure::Drain
        } else {
            presence::Departure::Closed
        };
        presence::disconnected(&state, &user.id, why).await;
    }
    // Closing handshake: keep reading (and discarding) until the client answers the close
    // or the grace runs out. Dropping a socket with unread input makes the kernel send a
    // reset, which can destroy the error and close frames still on their way out.
    let drain = async { while let Some(Ok(_)) = stream.next().await {} };
    let _ = tokio::time::timeout(CLOSE_GRACE + Duration::from_secs(2), async {
        let _ = writer.await;
        drain.await;
    })
    .await;
    tracing::debug!(user = %user.id, conn = reg.conn_id, "websocket closed");
}

/// [`auth::still_holds`] for a socket just registered; when the token was reset (or the
/// store cannot say), the socket is closed with the reason before it reads anything.
async fn holds_token(
    state: &State,
    user: &User,
    token_hash: &str,
    conn: u64,
    kill: &KillSwitch,
) -> bool {
    match auth::still_holds(state, &user.id, token_hash).await {
        Ok(true) => true,
        Ok(false) => {
            kill.kill(close::POLICY, REVOKED_REASON);
            false
        }
        Err(e) => {
            // The whole sentence in a frame: a close reason is cut at 123 bytes.
            let m = ServerMessage::error(error_code::UNAVAILABLE, e.detail());
            state.hub.send_to_conn(&user.id, conn, &m);
            kill.kill(close::INTERNAL, e.detail());
            false
        }
    }
}

async fn write_loop(
    mut sink: SplitSink<Socket, Message>,
    mut rx: Outbox,
    kill: std::sync::Arc<KillSwitch>,
    heartbeat: Duration,
) {
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    // One wait for the kill switch for the connection's whole life, not one per frame
    // sent: in a big room every member's socket sends every message.
    let killed = kill.killed();
    tokio::pin!(killed);
    let (code, reason) = loop {
        tokio::select! {
            biased;
            killed = &mut killed => break killed,
            frame = rx.recv() => {
                let Some(frame) = frame else { return };
                tokio::select! {
                    biased;
                    r = sink.send(Message::Text(frame)) => if r.is_err() { return },
                    // A client that stopped reading blocks the send; the kill switch still
                    // ends it (the unsent rest of the frame stays buffered and goes first).
                    killed = &mut killed => break killed,
                }
            }
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() { return }
            }
        }
    };
    // Flush what was queued before the close (e.g. the `error` that explains it), then
    // the close frame with its reason. Bounded: a client that never reads again is dropped.
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(frame) = rx.try_recv() {
            if sink.send(Message::Text(frame)).await.is_err() {
                return;
            }
        }
        // Close reasons are limited to 123 bytes by RFC 6455.
        let mut reason = reason;
        while reason.len() > 123 {
            reason.pop();
        }
        let _ = sink.send(close_with(code, reason)).await;
        let _ = sink.close().await;
    })
    .await;
}

async fn read_loop(
    state: &State,
    user: &User,
    conn: u64,
    stream: &mut SplitStream<Socket>,
    kill: &KillSwitch,
    mut shutdown: watch::Receiver<bool>,
) {
    let rate = state.config.rate_limit;
    let mut bucket = Bucket::new(rate);
    let mut last_seen = Instant::now();
    let timeout = state.config.ws_timeout;
    let mut check = tokio::time::interval(Duration::from_millis(
        (state.config.ws_heartbeat.as_millis() as u64 / 2).clamp(100, 5000),
    ));
    if *shutdown.borrow() {
        kill.kill(close::GOING_AWAY, citypulse::RESTART_REASON);
        return;
    }
    loop {
        tokio::select! {
            next = stream.next() => {
                let msg = match next {
                    None => return,
                    Some(Err(e)) => {
                        match read_error(&e) {
                            ReadError::Violation { code, reason } => kill.kill(code, reason),
                            ReadError::TooBig => kill.kill(close::TOO_BIG, format!("frame larger than {} KiB", citypulse::MAX_BODY_BYTES / 1024)),
                            ReadError::Gone => {}
                        }
                        return;
                    }
                    Some(Ok(m)) => m,
                };
                last_seen = Instant::now();
                if msg.is_close() {
                    return;
                }
                if msg.is_ping() || msg.is_pong() {
                    continue;
                }
                state.metrics.ws_messages_in.fetch_add(1, Ordering::Relaxed);
                if bucket.take().is_err() {
                    state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
                    let why = format!("more than {rate} messages per second; slow down and reconnect");
                    state.hub.send_to_conn(&user.id, conn, &ServerMessage::error(error_code::RATE_LIMITED, why.clone()));
                    kill.kill(close::POLICY, why);
                    return;
                }
                let Some(text) = text_of(&msg) else {
                    state.hub.send_to_conn(&user.id, conn, &ServerMessage::error(
                        error_code::INVALID_JSON,
                        "binary frames are not accepted here; send JSON text frames",
                    ));
                    continue;
                };
                let answer = match ClientMessage::decode(text) {
                    Ok(m) => handle(state, user, m).await,
                    Err(e) => Some(Answer::Message(Box::new(ServerMessage::error(e.code, e.message)))),
                };
                match answer {
                    Some(Answer::Message(m)) => state.hub.send_to_conn(&user.id, conn, &m),
                    Some(Answer::Nearby(frame)) => state.hub.send_nearby_to_conn(&user.id, conn, frame),
                    None => {}
                }
            }
            _ = check.tick() => {
                if last_seen.elapsed() > timeout {
                    kill.kill(close::GOING_AWAY, format!("no frame or pong for {}s; reconnect", timeout.as_secs()));
                    return;
                }
            }
            _ = kill.killed() => return,
            _ = shutdown.changed() => {
                kill.kill(close::GOING_AWAY, citypulse::RESTART_REASON);
                return;
            }
        }
    }
}

/// What a client frame is answered with on its own connection.
enum Answer {
    Message(Box<ServerMessage>),
    /// A `nearby_events` frame, already written: its events come straight from the
    /// store's index as JSON ([`Store::write_events_near`]), as `GET /api/events/nearby`
    /// answers, instead of being built as owned events only to be serialised once.
    Nearby(Frame),
}

/// Acts on one client frame; the direct answer to this connection, if any (room
/// broadcasts go through the hub).
async fn handle(state: &State, user: &User, msg: ClientMessage) -> Option<Answer> {
    let result = match msg {
        ClientMessage::Ping => return Some(Answer::Message(Box::new(ServerMessage::Pong))),
        ClientMessage::LocationUpdate { coordinates } => {
            let stored = state
                .store
                .set_location(&user.id, coordinates, time::now())
                .await;
            match stored {
                Err(e) => Err(DomainError::from(e)),
                Ok(()) => {
                    state.hub.set_position(&user.id, coordinates);
                    let mut frame = NearbyEventsFrame::with_capacity(NEARBY_CAPACITY);
                    state
                        .store
                        .write_events_near(
                            coordinates,
                            nearby::DEFAULT_MAX_DISTANCE,
                            nearby::DEFAULT_LIMIT,
                            None,
                            frame.events(),
                        )
                        .await
                        .map(|()| Some(Answer::Nearby(frame.finish(&time::now()).into())))
                        .map_err(DomainError::from)
                }
            }
        }
        ClientMessage::JoinEvent { event_id } => {
            rooms::join(state, user, &event_id).await.map(|_| None)
        }
        ClientMessage::LeaveEvent { event_id } => {
            rooms::leave(state, user, &event_id).await.map(|_| None)
        }
        ClientMessage::ChatMessage { event_id, message } => {
            rooms::chat(state, user, &event_id, &message)
                .await
                .map(|_| None)
        }
        ClientMessage::ClaimCollectible { collectible_id } => {
            claims::claim(state, user, &collectible_id)
                .await
                .map(|result| {
                    Some(Answer::Message(Box::new(ServerMessage::ClaimResult {
                        result,
                    })))
                })
        }
    };
    result.unwrap_or_else(|e| Some(Answer::Message(Box::new(error_frame(&e)))))
}

/// Room for a full `nearby_events` answer (20 events of about 470 bytes) without growing.
const NEARBY_CAPACITY: usize = 12 * 1024;

/// The `error` frame for a failed operation: the code of each domain failure, with no
/// wildcard arm (a new variant cannot ship unmapped); the sentence is the error's own.
pub fn error_frame(e: &DomainError) -> ServerMessage {
    let code = match e {
        DomainError::Store(StoreError::NotFound { .. }) => error_code::NOT_FOUND,
        DomainError::NotInRoom { .. }
        | DomainError::NotInRoomToClaim { .. }
        | DomainError::NotCreator { .. }
        | DomainError::NotAuthor { .. } => error_code::FORBIDDEN,
        DomainError::RoomLimit { .. }
        | DomainError::RoomClosed { .. }
        | DomainError::DropsClosed { .. }
        | DomainError::Store(StoreError::Conflict(_)) => error_code::CONFLICT,
        DomainError::Invalid(_) => error_code::INVALID_MESSAGE,
        DomainError::ChatRateLimited { .. } => error_code::RATE_LIMITED,
        DomainError::Video { .. }
        | DomainError::Store(StoreError::Unavailable(_) | StoreError::Corrupt(_)) => {
            error_code::UNAVAILABLE
        }
    };
    ServerMessage::error(code, e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::state::AppState;
    use crate::store::NewUser;

    /// A handshake the daemon answers but that never switches (here: no connection to
    /// take over, as under `warp::test`) gives its place in the hub back, and the user,
    /// who joined a room while their socket was on its way, leaves it: nobody stays in a
    /// room with no socket.
    #[tokio::test]
    async fn a_handshake_that_never_switches_gives_its_place_back() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::for_test(dir.path());
        let token = auth::new_token();
        let user = state
            .store
            .create_user(NewUser {
                id: UserId::generate(),
                phone: "+573001112233".into(),
                name: "Ana".into(),
                token_hash: auth::hash_token(&token),
                created_at: time::now(),
            })
            .await
            .unwrap();
        let new_event = crate::seed::bogota_events(1, &user.id, 7).next().unwrap();
        let id = state.store.create_event(new_event).await.unwrap().id;
        state
            .store
            .join_event(&id, &user.id, time::now())
            .await
            .unwrap();

        let (_tx, shutdown) = watch::channel(false);
        let resp = warp::test::request()
            .path(&format!("/ws/{}?token={token}", user.id))
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .reply(&routes(state.clone(), shutdown))
            .await;
        assert_eq!(resp.status(), 101);
        assert!(!state.hub.is_connected(&user.id));
        assert_eq!(state.metrics.ws_connections.load(Ordering::Relaxed), 0);
        // The departure runs on its own task; a bounded wait for it, nothing timed.
        let left = tokio::time::timeout(Duration::from_secs(15), async {
            while state.store.is_participant(&id, &user.id).await.unwrap() {
                tokio::task::yield_now().await;
            }
        })
        .await;
        assert!(left.is_ok(), "the user is still in the room");
    }
}
