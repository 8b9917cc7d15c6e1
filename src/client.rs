//! A typed async client for every REST call and the `/ws/{user_id}` socket.
//!
//! The CLI, the end-to-end tests and any Rust program talk to a daemon through this;
//! it decodes every answer into the contract's types and every failure into a
//! [`ClientError`] whose sentence says what to do.

use std::net::IpAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_tungstenite::tungstenite::Message;
use url::Url;

use crate::api::*;
use crate::auth::{CodeRequest, CodeSent, Session, VerifyRequest};
use crate::ids::{CollectibleId, EventId, MessageId, SessionId, UserId};
use crate::model::*;
use crate::ws::{ClientMessage, ServerMessage};

/// A page of a list that answers a JSON array, with the cursor its `X-Next-Cursor`
/// header gave (None on the last page).
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// Pass it as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// What went wrong talking to a daemon.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The daemon answered with an error status and its `detail` sentence.
    #[error("{detail} (HTTP {status})")]
    Api {
        /// HTTP status.
        status: u16,
        /// The daemon's sentence.
        detail: String,
    },
    /// No daemon answered at the URL.
    #[error("cannot reach the CityPulse daemon at {url}: {reason}; is `cpld` running there? (start it with `cpld`, or point --url / CPL_URL elsewhere)")]
    Unreachable {
        /// Where we tried.
        url: String,
        /// The transport's reason.
        reason: String,
    },
    /// The URL given is not usable.
    #[error("{0}")]
    BadUrl(String),
    /// The daemon answered something that is not the contract's shape.
    #[error("the daemon's answer did not match the CityPulse contract: {0}")]
    Protocol(String),
}

impl ClientError {
    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A client of one daemon, optionally acting as one user (or as admin).
#[derive(Clone)]
pub struct Client {
    base: Url,
    http: reqwest::Client,
    token: Option<String>,
    /// The local address every connection is made from (`None`: the system picks).
    local: Option<IpAddr>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Client {
    /// A client of the daemon at `base_url` (e.g. `http://127.0.0.1:8000`).
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        let mut base = Url::parse(base_url).map_err(|e| {
            ClientError::BadUrl(format!(
                "daemon URL {base_url:?} is not a URL ({e}); use the form http://127.0.0.1:8000"
            ))
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ClientError::BadUrl(format!(
                "daemon URL {base_url:?} must start with http:// or https://"
            )));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        Ok(Self {
            base,
            http: http_client(None)?,
            token: None,
            local: None,
        })
    }

    /// The same client making every connection, HTTP and WebSocket, from the local address
    /// `ip` (a load generator spreads its sockets over 127.0.0.1, 127.0.0.2, ...: each
    /// source address has its own ~28,000 ephemeral ports towards one daemon address).
    pub fn with_local_address(mut self, ip: IpAddr) -> Result<Self, ClientError> {
        self.http = http_client(Some(ip))?;
        self.local = Some(ip);
        Ok(self)
    }

    /// The local address connections are made from, when one was chosen.
    pub fn local_address(&self) -> Option<IpAddr> {
        self.local
    }

    /// The same client acting with `token` (a user's or the admin token).
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets or clears the token.
    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    /// The daemon's base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Result<Url, ClientError> {
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|e| ClientError::BadUrl(format!("bad path {path:?}: {e}")))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: Option<&(dyn erased::Query + Sync)>,
        body: Option<&(dyn erased::Body + Sync)>,
    ) -> Result<T, ClientError> {
        let bytes = self.send(method, path, query, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            ClientError::Protocol(format!(
                "{path}: {e}; body was {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            ))
        })
    }

    /// A `GET` of a list that answers a JSON array, with its next page's cursor from the
    /// [`NEXT_CURSOR_HEADER`] header.
    async fn page<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &(dyn erased::Query + Sync),
    ) -> Result<Paged<T>, ClientError> {
        let (bytes, next_cursor) = self.exchange(Method::GET, path, Some(query), None).await?;
        let items = serde_json::from_slice(&bytes).map_err(|e| {
            ClientError::Protocol(format!(
                "{path}: {e}; body was {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            ))
        })?;
        Ok(Paged { items, next_cursor })
    }

    /// Sends a request; the body of a successful answer, an [`ClientError::Api`] otherwise.
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: Option<&(dyn erased::Query + Sync)>,
        body: Option<&(dyn erased::Body + Sync)>,
    ) -> Result<Vec<u8>, ClientError> {
        Ok(self.exchange(method, path, query, body).await?.0)
    }

    /// [`Client::send`], and the answer's [`NEXT_CURSOR_HEADER`] when it has one.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        query: Option<&(dyn erased::Query + Sync)>,
        body: Option<&(dyn erased::Body + Sync)>,
    ) -> Result<(Vec<u8>, Option<String>), ClientError> {
        let url = self.url(path)?;
        let mut req = self.http.request(method, url.clone());
        if let Some(q) = query {
            req = q.apply(req);
        }
        if let Some(b) = body {
            req = b.apply(req);
        }
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| self.transport_error(e))?;
        let status = resp.status();
        let next = resp
            .headers()
            .get(NEXT_CURSOR_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp.bytes().await.map_err(|e| self.transport_error(e))?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        Ok((bytes.to_vec(), next))
    }

    fn transport_error(&self, e: reqwest::Error) -> ClientError {
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            reason = format!("{reason}: {s}");
            source = s.source();
        }
        ClientError::Unreachable {
            url: self.base.as_str().trim_end_matches('/').to_string(),
            reason,
        }
    }

    /// `GET /health`.
    pub async fn health(&self) -> Result<Health, ClientError> {
        self.call(Method::GET, "health", None, None).await
    }

    /// `POST /api/users/register`.
    pub async fn register(&self, req: &RegisterRequest) -> Result<RegisteredUser, ClientError> {
        self.call(Method::POST, "api/users/register", None, Some(req))
            .await
    }

    /// `GET /api/users/me`.
    pub async fn me(&self) -> Result<User, ClientError> {
        self.call(Method::GET, "api/users/me", None, None).await
    }

    /// `GET /api/users/{id}`.
    pub async fn user(&self, id: &UserId) -> Result<User, ClientError> {
        self.call(Method::GET, &format!("api/users/{id}"), None, None)
            .await
    }

    /// `GET /api/users` (admin): the first page of users (up to 1000), newest first.
    pub async fn users(&self) -> Result<Vec<User>, ClientError> {
        self.call(Method::GET, "api/users", None, None).await
    }

    /// `GET /api/users` (admin): one page of users, newest first, and the next page's
    /// cursor.
    pub async fn users_page(&self, q: &UserListQuery) -> Result<Paged<User>, ClientError> {
        self.page("api/users", q).await
    }

    /// `GET /api/events`: one page of events, newest first (ended events, or no `status`,
    /// need the admin token).
    pub async fn events(&self, q: &EventListQuery) -> Result<EventPage, ClientError> {
        self.call(Method::GET, "api/events", Some(q), None).await
    }

    /// `GET /api/users/{id}/collectibles`.
    pub async fn user_collectibles(
        &self,
        id: &UserId,
    ) -> Result<Vec<UserCollectible>, ClientError> {
        self.call(
            Method::GET,
            &format!("api/users/{id}/collectibles"),
            None,
            None,
        )
        .await
    }

    /// `POST /api/users/{id}/token`: a new token for the user, the old one revoked
    /// (the user themselves, or admin).
    pub async fn reset_token(&self, id: &UserId) -> Result<TokenResponse, ClientError> {
        self.call(Method::POST, &format!("api/users/{id}/token"), None, None)
            .await
    }

    /// `POST /api/auth/code`: asks for a sign-in code by SMS.
    pub async fn send_code(&self, phone: &str) -> Result<CodeSent, ClientError> {
        let req = CodeRequest {
            phone: phone.to_string(),
        };
        self.call(Method::POST, "api/auth/code", None, Some(&req))
            .await
    }

    /// `POST /api/auth/verify`: signs in with the code; the profile and this device's token.
    pub async fn verify_code(&self, req: &VerifyRequest) -> Result<RegisteredUser, ClientError> {
        self.call(Method::POST, "api/auth/verify", None, Some(req))
            .await
    }

    /// `POST /api/auth/logout`: revokes this client's token.
    pub async fn logout(&self) -> Result<MessageResponse, ClientError> {
        self.call(Method::POST, "api/auth/logout", None, None).await
    }

    /// `GET /api/users/me/sessions`.
    pub async fn sessions(&self) -> Result<Vec<Session>, ClientError> {
        self.call(Method::GET, "api/users/me/sessions", None, None)
            .await
    }

    /// `DELETE /api/users/me/sessions/{id}`.
    pub async fn revoke_session(&self, id: &SessionId) -> Result<MessageResponse, ClientError> {
        self.call(
            Method::DELETE,
            &format!("api/users/me/sessions/{id}"),
            None,
            None,
        )
        .await
    }

    /// `DELETE /api/users/{id}` (`?purge=true` with `purge`): erases the user; with the
    /// user's own token or the admin token.
    pub async fn delete_user(&self, id: &UserId, purge: bool) -> Result<UserErased, ClientError> {
        let q = EraseQuery { purge };
        let query: Option<&(dyn erased::Query + Sync)> = if purge { Some(&q) } else { None };
        self.call(Method::DELETE, &format!("api/users/{id}"), query, None)
            .await
    }

    /// `POST /api/events`.
    pub async fn create_event(&self, req: &CreateEventRequest) -> Result<Event, ClientError> {
        self.call(Method::POST, "api/events", None, Some(req)).await
    }

    /// `GET /api/events/{id}`.
    pub async fn event(&self, id: &EventId) -> Result<Event, ClientError> {
        self.call(Method::GET, &format!("api/events/{id}"), None, None)
            .await
    }

    /// `GET /api/events/nearby`.
    pub async fn nearby(&self, q: &NearbyQuery) -> Result<Vec<NearbyEvent>, ClientError> {
        self.call(Method::GET, "api/events/nearby", Some(q), None)
            .await
    }

    /// `POST /api/events/{id}/join`.
    pub async fn join_event(&self, id: &EventId) -> Result<JoinResponse, ClientError> {
        self.call(Method::POST, &format!("api/events/{id}/join"), None, None)
            .await
    }

    /// `POST /api/events/{id}/leave`.
    pub async fn leave_event(&self, id: &EventId) -> Result<MessageResponse, ClientError> {
        self.call(Method::POST, &format!("api/events/{id}/leave"), None, None)
            .await
    }

    /// `POST /api/events/{id}/end` (the creator, or the admin token as moderator).
    pub async fn end_event(&self, id: &EventId) -> Result<MessageResponse, ClientError> {
        self.call(Method::POST, &format!("api/events/{id}/end"), None, None)
            .await
    }

    /// `GET /api/events/{id}/participants`.
    pub async fn participants(&self, id: &EventId) -> Result<Vec<Participant>, ClientError> {
        self.call(
            Method::GET,
            &format!("api/events/{id}/participants"),
            None,
            None,
        )
        .await
    }

    /// `GET /api/events/{id}/messages`.
    pub async fn messages(
        &self,
        id: &EventId,
        q: &PageQuery,
    ) -> Result<Vec<ChatMessage>, ClientError> {
        self.call(
            Method::GET,
            &format!("api/events/{id}/messages"),
            Some(q),
            None,
        )
        .await
    }

    /// `GET /api/events/{id}/participants`: one page and the next page's cursor.
    pub async fn participants_page(
        &self,
        id: &EventId,
        q: &UserListQuery,
    ) -> Result<Paged<Participant>, ClientError> {
        self.page(&format!("api/events/{id}/participants"), q).await
    }

    /// `GET /api/users/{id}/collectibles`: one page and the next page's cursor.
    pub async fn user_collectibles_page(
        &self,
        id: &UserId,
        q: &UserListQuery,
    ) -> Result<Paged<UserCollectible>, ClientError> {
        self.page(&format!("api/users/{id}/collectibles"), q).await
    }

    /// `GET /api/events/{id}/messages`: one page and the next page's cursor (`q.cursor`).
    pub async fn messages_page(
        &self,
        id: &EventId,
        q: &PageQuery,
    ) -> Result<Paged<ChatMessage>, ClientError> {
        self.page(&format!("api/events/{id}/messages"), q).await
    }

    /// `GET /api/events/{id}/transcriptions`: one page and the next page's cursor.
    pub async fn transcriptions_page(
        &self,
        id: &EventId,
        q: &PageQuery,
    ) -> Result<Paged<Transcription>, ClientError> {
        self.page(&format!("api/events/{id}/transcriptions"), q)
            .await
    }

    /// `DELETE /api/events/{id}/messages/{message_id}` (the message's author, or the admin
    /// token): removes the message from the history; the room hears `message_deleted`.
    pub async fn delete_message(
        &self,
        event: &EventId,
        message: &MessageId,
    ) -> Result<(), ClientError> {
        self.send(
            Method::DELETE,
            &format!("api/events/{event}/messages/{message}"),
            None,
            None,
        )
        .await
        .map(drop)
    }

    /// `GET /api/events/{id}/transcriptions`.
    pub async fn transcriptions(
        &self,
        id: &EventId,
        q: &PageQuery,
    ) -> Result<Vec<Transcription>, ClientError> {
        self.call(
            Method::GET,
            &format!("api/events/{id}/transcriptions"),
            Some(q),
            None,
        )
        .await
    }

    /// `POST /api/collectibles/claim?collectible_id=`.
    pub async fn claim(&self, id: &CollectibleId) -> Result<ClaimResult, ClientError> {
        let q = [("collectible_id", id.as_str())];
        self.call(Method::POST, "api/collectibles/claim", Some(&q), None)
            .await
    }

    /// `GET /api/collectibles/active/{event_id}`.
    pub async fn active_collectibles(
        &self,
        event: &EventId,
    ) -> Result<Vec<Collectible>, ClientError> {
        self.call(
            Method::GET,
            &format!("api/collectibles/active/{event}"),
            None,
            None,
        )
        .await
    }

    /// `POST /api/events/{id}/collectibles` (admin token).
    pub async fn drop_collectible(
        &self,
        event: &EventId,
        req: &DropRequest,
    ) -> Result<Collectible, ClientError> {
        self.call(
            Method::POST,
            &format!("api/events/{event}/collectibles"),
            None,
            Some(req),
        )
        .await
    }

    /// The WebSocket URL of `/ws/{user_id}` with the token as a query parameter.
    pub fn ws_url(&self, path: &str) -> Result<Url, ClientError> {
        let mut url = self.url(path)?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .map_err(|_| ClientError::BadUrl("cannot make a WebSocket URL".into()))?;
        if let Some(t) = &self.token {
            url.query_pairs_mut().append_pair("token", t);
        }
        Ok(url)
    }

    /// Opens `/ws/{user_id}` with this client's token.
    pub async fn connect(&self, user: &UserId) -> Result<WsConnection, ClientError> {
        let url = self.ws_url(&format!("ws/{user}"))?;
        let Some(local) = self.local else {
            // Nagle off: frames are small and latency is the point (a claim frame held back
            // 40 ms behind a delayed ACK loses races it should win).
            let (stream, _) = tokio_tungstenite::connect_async_with_config(
                url.as_str(),
                Some(socket_config()),
                true,
            )
            .await
            .map_err(|e| ws_connect_error(&self.base, e))?;
            return Ok(WsConnection { stream });
        };
        if url.scheme() == "wss" {
            // Binding the source is for load runs against a loopback daemon; the TLS path
            // of tungstenite is only reached through `connect_async` here.
            return Err(ClientError::BadUrl(format!(
                "a chosen local address ({local}) works with http:// daemons only; {} is https://",
                self.base.as_str().trim_end_matches('/')
            )));
        }
        let tcp = self
            .tcp_from(local, &url)
            .await
            .map_err(|e| ClientError::Unreachable {
                url: self.base.as_str().trim_end_matches('/').to_string(),
                reason: format!("connecting from {local}: {e}"),
            })?;
        let (stream, _) = tokio_tungstenite::client_async_with_config(
            url.as_str(),
            tokio_tungstenite::MaybeTlsStream::Plain(tcp),
            Some(socket_config()),
        )
        .await
        .map_err(|e| ws_connect_error(&self.base, e))?;
        Ok(WsConnection { stream })
    }

    /// A TCP connection to `url`'s host from the local address `local` (Nagle off).
    async fn tcp_from(&self, local: IpAddr, url: &Url) -> std::io::Result<tokio::net::TcpStream> {
        let host = url.host_str().unwrap_or("localhost");
        let port = url.port_or_known_default().unwrap_or(80);
        let mut last = None;
        // Only an address of the same family can be reached from `local`.
        for addr in tokio::net::lookup_host((host, port))
            .await?
            .filter(|a| a.is_ipv4() == local.is_ipv4())
        {
            let socket = match addr {
                std::net::SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
                std::net::SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
            };
            socket.bind(std::net::SocketAddr::new(local, 0))?;
            socket.set_nodelay(true)?;
            match tokio::time::timeout(Duration::from_secs(5), socket.connect(addr)).await {
                Ok(Ok(tcp)) => return Ok(tcp),
                Ok(Err(e)) => last = Some(e),
                Err(_) => {
                    last = Some(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no answer from {addr} within 5 s"),
                    ))
                }
            }
        }
        Err(last.unwrap_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::AddrNotAvailable,
                format!("{host} has no address of the same family as {local}"),
            )
        }))
    }
}

/// The HTTP client of a [`Client`], its connections made from `local` when given.
fn http_client(local: Option<IpAddr>) -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(64)
        // Below the daemon's idle limit (CPL_IDLE_TIMEOUT, 60 s by default), so a pooled
        // connection is let go before the daemon closes it under a request.
        .pool_idle_timeout(Duration::from_secs(30))
        .local_address(local)
        .build()
        .map_err(|e| ClientError::BadUrl(format!("cannot build an HTTP client: {e}")))
}

/// The WebSocket settings of every client socket (`cpl`'s and the load tools'):
/// tungstenite's defaults but a first read buffer of 8 KiB instead of the 128 KiB it
/// allocates up front, which made a 5,000-socket load run spend its cores on memory
/// (its latencies tripled). The buffer still grows for a bigger frame.
pub fn socket_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(8 * 1024)
}

fn api_error(status: StatusCode, body: &[u8]) -> ClientError {
    let detail = serde_json::from_slice::<ErrorBody>(body)
        .map(|b| b.detail)
        .unwrap_or_else(|_| {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)])
                .trim()
                .to_string();
            if text.is_empty() {
                status.canonical_reason().unwrap_or("error").to_string()
            } else {
                text
            }
        });
    ClientError::Api {
        status: status.as_u16(),
        detail,
    }
}

fn ws_connect_error(base: &Url, e: tokio_tungstenite::tungstenite::Error) -> ClientError {
    use tokio_tungstenite::tungstenite::Error as E;
    match e {
        E::Http(resp) => {
            let body = resp.body().as_deref().unwrap_or_default();
            api_error(
                StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
                body,
            )
        }
        other => ClientError::Unreachable {
            url: base.as_str().trim_end_matches('/').to_string(),
            reason: other.to_string(),
        },
    }
}

/// The WebSocket stream type the client uses.
pub type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An open `/ws/{user_id}` connection speaking the contract's frames.
pub struct WsConnection {
    stream: WsStream,
}

/// Why a WebSocket closed or a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WsError {
    /// The daemon closed the socket.
    #[error("the daemon closed the connection ({code}: {reason})")]
    Closed {
        /// Close code (1000 normal, 1008 policy, 1009 too big, ...).
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// The transport failed.
    #[error("WebSocket error: {0}")]
    Transport(String),
    /// A frame was not a contract frame.
    #[error("the daemon sent a frame that is not a CityPulse message: {0}")]
    Protocol(String),
}

impl WsConnection {
    /// Wraps an already-open WebSocket (e.g. one made over a specially configured socket).
    pub fn from_stream(stream: WsStream) -> Self {
        WsConnection { stream }
    }

    /// Sends one frame.
    pub async fn send(&mut self, msg: &ClientMessage) -> Result<(), WsError> {
        let text = serde_json::to_string(msg).map_err(|e| WsError::Protocol(e.to_string()))?;
        self.send_raw(Message::text(text)).await
    }

    /// Sends any frame (tests use this for malformed input).
    pub async fn send_raw(&mut self, msg: Message) -> Result<(), WsError> {
        self.stream
            .send(msg)
            .await
            .map_err(|e| WsError::Transport(e.to_string()))
    }

    /// The next contract frame; pings and pongs are handled underneath.
    pub async fn recv(&mut self) -> Result<ServerMessage, WsError> {
        let text = self.recv_text().await?;
        serde_json::from_str(&text).map_err(|e| WsError::Protocol(format!("{e}: {text}")))
    }

    /// The next text frame as the daemon sent it, undecoded: for load tools that read
    /// tens of thousands of frames a second and need one field of each (decoding every
    /// frame into a [`ServerMessage`] costs more than the daemon spends sending it).
    pub async fn recv_text(
        &mut self,
    ) -> Result<tokio_tungstenite::tungstenite::Utf8Bytes, WsError> {
        loop {
            match self.stream.next().await {
                None => {
                    return Err(WsError::Closed {
                        code: 1006,
                        reason: "connection dropped".into(),
                    })
                }
                Some(Err(e)) => return Err(WsError::Transport(e.to_string())),
                Some(Ok(Message::Text(t))) => return Ok(t),
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return Err(WsError::Closed { code, reason });
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Waits for the first frame `pick` accepts, discarding others, for at most `within`.
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
    pub async fn close(mut self) -> Result<(), WsError> {
        self.stream
            .close(None)
            .await
            .map_err(|e| WsError::Transport(e.to_string()))
    }
}

/// Object-safe adapters so `call` can take any query or body.
mod erased {
    use super::*;

    pub trait Query {
        fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder;
    }
    impl<T: Serialize> Query for T {
        fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
            req.query(self)
        }
    }

    pub trait Body {
        fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder;
    }
    impl<T: Serialize> Body for T {
        fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
            req.json(self)
        }
    }
}
