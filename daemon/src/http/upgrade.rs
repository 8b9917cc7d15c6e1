//! The WebSocket upgrade for both endpoints, with the socket's buffers sized by us.
//!
//! warp 0.4's `Ws` checks the handshake well but cannot set tungstenite's read buffer, and
//! tungstenite 0.29 allocates that buffer up front at 128 KiB per socket: 10,000 idle
//! sockets would hold 1.3 GB before anyone says a word. So warp's filter still does the
//! checks (and its rejections stay what they were), and this module answers the handshake
//! and builds the socket itself with a small read buffer that grows only for big frames.

use std::future::Future;

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;
use warp::http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection};

pub use tokio_tungstenite::tungstenite::{Error as SocketError, Message};

/// An upgraded WebSocket.
pub type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// What the socket reads into at first: one read of an ordinary frame (chat, a location
/// update, an audio chunk). It grows for a bigger frame and is bounded by the frame limit.
const READ_BUFFER: usize = 8 * 1024;

/// A checked WebSocket handshake, ready to be answered.
pub struct Upgrade {
    key: String,
    on_upgrade: Option<OnUpgrade>,
    config: WebSocketConfig,
}

/// A WebSocket handshake: warp's checks (GET, `Connection: upgrade`, `Upgrade: websocket`,
/// version 13, a key), then the connection's upgrade handle, taken before warp's own filter
/// removes it from the request.
pub fn websocket() -> impl Filter<Extract = (Upgrade,), Error = Rejection> + Clone {
    warp::ext::optional::<OnUpgrade>()
        .and(warp::ws())
        .and(warp::header::<String>("sec-websocket-key"))
        .map(
            |on_upgrade: Option<OnUpgrade>, _checked: warp::ws::Ws, key: String| Upgrade {
                key,
                on_upgrade,
                config: WebSocketConfig::default().read_buffer_size(READ_BUFFER),
            },
        )
}

impl Upgrade {
    /// The largest frame accepted from the client, in bytes.
    pub fn max_frame_size(mut self, max: usize) -> Self {
        self.config = self.config.max_frame_size(Some(max));
        self
    }

    /// The largest message accepted from the client, in bytes.
    pub fn max_message_size(mut self, max: usize) -> Self {
        self.config = self.config.max_message_size(Some(max));
        self
    }

    /// Answers 101 and runs `serve` on the socket once the connection has switched.
    pub fn on_upgrade<F, U>(self, serve: F) -> Response
    where
        F: FnOnce(Socket) -> U + Send + 'static,
        U: Future<Output = ()> + Send + 'static,
    {
        let Upgrade {
            key,
            on_upgrade,
            config,
        } = self;
        match on_upgrade {
            Some(on_upgrade) => {
                tokio::spawn(async move {
                    match on_upgrade.await {
                        Ok(upgraded) => {
                            let socket = WebSocketStream::from_raw_socket(
                                TokioIo::new(upgraded),
                                Role::Server,
                                Some(config),
                            )
                            .await;
                            serve(socket).await;
                        }
                        Err(e) => tracing::debug!("websocket upgrade failed: {e}"),
                    }
                });
            }
            None => tracing::debug!("websocket cannot be upgraded: no upgrade on this connection"),
        }
        let mut res = Response::default();
        *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = res.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        res
    }
}

/// A close frame with a code and a reason.
pub fn close_with(code: u16, reason: impl Into<String>) -> Message {
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into().into(),
    }))
}

/// The text of a text frame; None for every other kind.
pub fn text_of(msg: &Message) -> Option<&str> {
    match msg {
        Message::Text(text) => Some(text.as_str()),
        _ => None,
    }
}
