//! The WebSocket upgrade for both endpoints, with the socket's buffers sized by us.
//!
//! warp 0.4's `Ws` checks the handshake well but cannot set tungstenite's read buffer, and
//! tungstenite 0.29 allocates that buffer up front at 128 KiB per socket: 10,000 idle
//! sockets would hold 1.3 GB before anyone says a word. So warp's filter still does the
//! checks (and its rejections stay what they were), and this module answers the handshake
//! and builds the socket itself with a small read buffer that grows only for big frames.
//! It also checks the key warp takes on trust, and says how a failed read is answered
//! (1002 / 1007 / 1009), for both endpoints' read loops.

use std::future::Future;

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;
use warp::http::{header, HeaderMap, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::error::ApiError;

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
/// version 13, a key), ours of the key ([`handshake_key`]), then the connection's upgrade
/// handle, taken before warp's own filter removes it from the request.
pub fn websocket() -> impl Filter<Extract = (Upgrade,), Error = Rejection> + Clone {
    warp::ext::optional::<OnUpgrade>()
        .and(warp::ws())
        .and(warp::header::headers_cloned())
        .and_then(
            |on_upgrade: Option<OnUpgrade>, _checked: warp::ws::Ws, headers: HeaderMap| async move {
                let key = handshake_key(&headers).map_err(Rejection::from)?;
                Ok::<_, Rejection>(Upgrade {
                    key,
                    on_upgrade,
                    config: WebSocketConfig::default().read_buffer_size(READ_BUFFER),
                })
            },
        )
}

/// The `Sec-WebSocket-Key`, checked as RFC 6455 §4.1 and §4.2.1 say: one header whose
/// value is the base64 of 16 bytes. warp takes any value; a client sending something else
/// is not a WebSocket client, or a broken one, and an answer derived from it would only
/// mislead it. 400 with a sentence.
pub fn handshake_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let refuse = |what: &str| {
        ApiError::BadRequest(format!(
            "{what}: Sec-WebSocket-Key must be the base64 of 16 random bytes (24 characters \
             ending in ==, RFC 6455 section 4.1); use a WebSocket client library"
        ))
    };
    let mut keys = headers.get_all(header::SEC_WEBSOCKET_KEY).iter();
    let (Some(key), None) = (keys.next(), keys.next()) else {
        return Err(refuse("the handshake has more than one Sec-WebSocket-Key"));
    };
    let key = key
        .to_str()
        .map_err(|_| refuse("the Sec-WebSocket-Key holds bytes that are not ASCII"))?;
    match data_encoding::BASE64.decode(key.as_bytes()) {
        Ok(bytes) if bytes.len() == 16 => Ok(key.to_string()),
        Ok(bytes) => Err(refuse(&format!(
            "the Sec-WebSocket-Key decodes to {} bytes",
            bytes.len()
        ))),
        Err(_) => Err(refuse("the Sec-WebSocket-Key is not base64")),
    }
}

/// How reading a socket failed, and what the peer is told (RFC 6455 §7.4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The peer broke the protocol: close with `code` (1002; 1007 for text that is not
    /// UTF-8) and `reason`. tungstenite reports these and sends nothing itself; its state
    /// stays open for writing, so the close frame can still go out.
    Violation {
        /// 1002 or 1007.
        code: u16,
        /// What was wrong, short enough for a close frame.
        reason: &'static str,
    },
    /// A frame or message over the limit set on the socket (1009).
    TooBig,
    /// The connection is gone (reset, closed, an I/O error): there is nobody to tell.
    Gone,
}

/// Close codes for protocol failures (RFC 6455 §7.4.1).
pub mod close {
    /// An endpoint broke the protocol.
    pub const PROTOCOL: u16 = 1002;
    /// A text message that is not UTF-8 (or a close reason that is not).
    pub const INVALID_DATA: u16 = 1007;
}

/// Classifies an error of the socket's read half.
pub fn read_error(e: &SocketError) -> ReadError {
    use tokio_tungstenite::tungstenite::error::ProtocolError as P;
    let violation = |reason| ReadError::Violation {
        code: close::PROTOCOL,
        reason,
    };
    match e {
        SocketError::Utf8(_) => ReadError::Violation {
            code: close::INVALID_DATA,
            reason: "text frame is not valid UTF-8",
        },
        SocketError::Capacity(_) => ReadError::TooBig,
        SocketError::Protocol(p) => match p {
            P::UnmaskedFrameFromClient => violation("client frames must be masked"),
            P::NonZeroReservedBits => {
                violation("reserved bits set, but no extension was negotiated")
            }
            P::ControlFrameTooBig => violation("control frame payload over 125 bytes"),
            P::FragmentedControlFrame => violation("control frames must not be fragmented"),
            P::UnexpectedContinueFrame => violation("continuation frame with nothing to continue"),
            P::ExpectedFragment(_) => {
                violation("new data frame before the fragmented message ended")
            }
            P::UnknownControlFrameType(_) | P::UnknownDataFrameType(_) | P::InvalidOpcode(_) => {
                violation("unknown opcode")
            }
            P::InvalidCloseSequence => violation("close frame with a one-byte payload"),
            P::ResetWithoutClosingHandshake | P::ReceivedAfterClosing | P::SendAfterClosing => {
                ReadError::Gone
            }
            _ => violation("WebSocket protocol violation"),
        },
        _ => ReadError::Gone,
    }
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

    /// What the socket first reads into (it grows for a bigger frame), instead of
    /// [`READ_BUFFER`].
    pub fn read_buffer_size(mut self, bytes: usize) -> Self {
        self.config = self.config.read_buffer_size(bytes);
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};

    fn headers(keys: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for k in keys {
            h.append(header::SEC_WEBSOCKET_KEY, HeaderValue::from_str(k).unwrap());
        }
        h
    }

    #[test]
    fn keys_are_the_base64_of_16_bytes() {
        let good = "dGhlIHNhbXBsZSBub25jZQ==";
        assert_eq!(handshake_key(&headers(&[good])).unwrap(), good);
        for bad in [
            "",
            "abc",
            "dGhlIHNhbXBsZSBub25jZQ",
            "dGhlIHNhbXBsZSBub25jZQ==dGhl",
            "dGhlIHNhbXBsZSBub25jZSE=",
            "dGhlIHNhbXBsZSBub25jZR==",
            "!!!!!!!!!!!!!!!!!!!!!!==",
            "dGhlIHNhbXBsZSBub25jZXMgYXJlIGxvbmc=",
        ] {
            match handshake_key(&headers(&[bad])) {
                Err(ApiError::BadRequest(m)) => assert!(m.contains("16 random bytes"), "{m}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert!(handshake_key(&headers(&[good, good])).is_err());
    }

    #[test]
    fn read_errors_map_to_rfc_6455_close_codes() {
        let code = |e: SocketError| match read_error(&e) {
            ReadError::Violation { code, .. } => code,
            other => panic!("{e}: {other:?}"),
        };
        assert_eq!(code(SocketError::Utf8("x".into())), 1007);
        for p in [
            ProtocolError::UnmaskedFrameFromClient,
            ProtocolError::NonZeroReservedBits,
            ProtocolError::ControlFrameTooBig,
            ProtocolError::FragmentedControlFrame,
            ProtocolError::UnexpectedContinueFrame,
            ProtocolError::InvalidOpcode(3),
            ProtocolError::InvalidCloseSequence,
        ] {
            assert_eq!(code(SocketError::Protocol(p)), 1002);
        }
        assert_eq!(
            read_error(&SocketError::Capacity(CapacityError::MessageTooLong {
                size: 2,
                max_size: 1
            })),
            ReadError::TooBig
        );
        assert_eq!(
            read_error(&SocketError::Protocol(
                ProtocolError::ResetWithoutClosingHandshake
            )),
            ReadError::Gone
        );
        assert_eq!(read_error(&SocketError::ConnectionClosed), ReadError::Gone);
    }
}
