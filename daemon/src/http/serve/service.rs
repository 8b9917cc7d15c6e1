//! What every request passes before the routes: it is marked in progress on its
//! connection (for the idle limit), refused when it carries both `Content-Length` and
//! `Transfer-Encoding`, counted against its forwarded client's cap when it came through a
//! trusted proxy, and given its peer address and body deadline as request extensions.
//! The answer closes the connection after a 408, and keeps the request counted until its
//! body has been written.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::time::Instant;
use warp::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use warp::reply::Response;

use super::activity::{Activity, Busy};
use super::cap::{PerAddress, Permit};
use super::{client_ip, BodyDeadline, Limits, PeerAddr};
use crate::config::client_addr::TrustedProxies;
use crate::http::error::ApiError;

/// What all connections share.
#[derive(Debug)]
pub struct Shared {
    /// The time limits and the cap.
    pub limits: Limits,
    /// Whose `X-Forwarded-For` is believed.
    pub trusted: TrustedProxies,
    /// Places held per client address.
    pub cap: Arc<PerAddress>,
}

/// The routes' service, wrapped for one connection.
#[derive(Debug, Clone)]
pub struct Guarded<S> {
    inner: S,
    peer: SocketAddr,
    activity: Arc<Activity>,
    shared: Arc<Shared>,
}

impl<S> Guarded<S> {
    /// Wraps `inner` for the connection from `peer`.
    pub fn new(inner: S, peer: SocketAddr, activity: Arc<Activity>, shared: Arc<Shared>) -> Self {
        Guarded {
            inner,
            peer,
            activity,
            shared,
        }
    }
}

/// Names the body type of warp's answers (its module is private).
pub trait HasBody {
    /// The body.
    type Body;
}

impl<B> HasBody for warp::http::Response<B> {
    type Body = B;
}

/// warp's answer body.
pub type WarpBody = <Response as HasBody>::Body;

/// What the wrapped service answers.
pub type Answer = warp::http::Response<Counted<WarpBody>>;

/// The wrapped service's future.
pub type Answering = Pin<Box<dyn Future<Output = Result<Answer, Infallible>> + Send>>;

impl<S> hyper::service::Service<Request<Incoming>> for Guarded<S>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Answer;
    type Error = Infallible;
    type Future = Answering;

    fn call(&self, mut req: Request<Incoming>) -> Self::Future {
        let busy = self.activity.begin_request();
        let head = self.activity.take_head();
        if has_both_lengths(req.headers(), head.as_deref()) {
            let answer = closing(ApiError::BadRequest(
                "the request has both Content-Length and Transfer-Encoding, which makes its length ambiguous (RFC 9112 section 6.1); send one of them. The connection is closed"
                    .into(),
            ));
            return ready(answer, busy);
        }
        let permit = if self.shared.trusted.trusts(self.peer.ip()) {
            match self.forwarded_client_place(req.headers()) {
                Some(p) => Some(p),
                None => return ready(self.forwarded_client_refused(), busy),
            }
        } else {
            // The connection itself holds its address's place (see `Tracked`).
            None
        };
        req.extensions_mut().insert(PeerAddr(self.peer));
        req.extensions_mut()
            .insert(BodyDeadline(Instant::now() + self.shared.limits.body));
        let answer = self.inner.call(req);
        Box::pin(async move {
            let mut answer = match answer.await {
                Ok(a) => a,
                Err(never) => match never {},
            };
            match answer.status() {
                // The body did not arrive in time: whatever is left of it is not read, so
                // the connection cannot carry another request.
                StatusCode::REQUEST_TIMEOUT => {
                    answer
                        .headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                StatusCode::SWITCHING_PROTOCOLS => {
                    busy.activity().upgraded(permit);
                    return Ok(answer.map(|body| Counted::new(body, busy, None)));
                }
                _ => {}
            }
            Ok(answer.map(|body| Counted::new(body, busy, permit)))
        })
    }
}

impl<S> Guarded<S> {
    /// A place for the client a trusted proxy names; None when it holds all it may.
    fn forwarded_client_place(&self, headers: &HeaderMap) -> Option<Permit> {
        let client = client_ip(&self.shared.trusted, Some(self.peer.ip()), headers)
            .unwrap_or(self.peer.ip());
        let place = self.shared.cap.try_acquire(client);
        if place.is_none() {
            tracing::debug!(%client, "forwarded client at its connection cap");
        }
        place
    }

    /// The 503 for a forwarded client at its cap. The proxy's connection stays open: it
    /// carries other clients.
    fn forwarded_client_refused(&self) -> Response {
        let mut answer = ApiError::Unavailable(format!(
            "this client already has {} requests and WebSockets open at once, the most allowed; close some and try again",
            self.shared.cap.max()
        ))
        .into_response();
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        nosniff(answer)
    }
}

/// True when the request carried both a `Content-Length` and a `Transfer-Encoding`. hyper
/// removes the `Content-Length` of such a request (and closes the connection after it) but
/// would still serve it; the raw header lines, when we have them, show what was sent.
fn has_both_lengths(headers: &HeaderMap, raw_head: Option<&[u8]>) -> bool {
    if !headers.contains_key(header::TRANSFER_ENCODING) {
        return false;
    }
    if headers.contains_key(header::CONTENT_LENGTH) {
        return true;
    }
    // hyper's parser, on the bytes hyper parsed; more headers than hyper takes (100) never
    // reach here. Without the bytes (a pipelined request, or headers over the kept bound)
    // hyper's handling stands: the answer closes the connection, so nothing can be
    // smuggled behind it.
    let Some(raw) = raw_head else {
        return false;
    };
    let mut parsed = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut parsed);
    match req.parse(raw) {
        Ok(httparse::Status::Complete(_)) => req
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("content-length")),
        _ => false,
    }
}

/// An answer given before the routes, with the headers every answer carries, that closes
/// the connection.
fn closing(e: ApiError) -> Response {
    let mut answer = e.into_response();
    answer
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    nosniff(answer)
}

fn nosniff(mut answer: Response) -> Response {
    answer.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    answer
}

/// An answer given at once, without the routes.
fn ready(answer: Response, busy: Busy) -> Answering {
    Box::pin(std::future::ready(Ok(
        answer.map(|body| Counted::new(body, busy, None))
    )))
}

/// An answer's body that keeps its request in progress (and its forwarded client's place)
/// until hyper has written it and drops it.
#[derive(Debug)]
pub struct Counted<B> {
    body: B,
    _busy: Busy,
    _permit: Option<Permit>,
}

impl<B> Counted<B> {
    fn new(body: B, busy: Busy, permit: Option<Permit>) -> Self {
        Counted {
            body,
            _busy: busy,
            _permit: permit,
        }
    }
}

impl<B: Body + Unpin> Body for Counted<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn both_lengths_are_found_in_the_raw_head_hyper_hides_them_in() {
        let chunked = headers(&[("transfer-encoding", "chunked")]);
        let raw = b"POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n";
        assert!(has_both_lengths(&chunked, Some(raw)));
        // Either order, any case, leading empty lines as hyper allows.
        let raw =
            b"\r\nPOST /api/x HTTP/1.1\r\ncontent-LENGTH: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(has_both_lengths(&chunked, Some(raw)));
        // Chunked alone is fine, and so is a body with a length alone.
        let raw = b"POST /api/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(!has_both_lengths(&chunked, Some(raw)));
        let with_length = headers(&[("content-length", "5")]);
        let raw = b"POST /api/x HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
        assert!(!has_both_lengths(&with_length, Some(raw)));
        // A header that merely ends in the name is another header.
        let raw =
            b"POST /api/x HTTP/1.1\r\nX-Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(!has_both_lengths(&chunked, Some(raw)));
        // Unknown bytes (pipelined, or a tail of another request): hyper's handling stands.
        assert!(!has_both_lengths(&chunked, None));
        assert!(!has_both_lengths(
            &chunked,
            Some(b"Content-Length: 5\r\n\r\n")
        ));
        // Both visible is refused whatever the bytes.
        let both = headers(&[("transfer-encoding", "chunked"), ("content-length", "5")]);
        assert!(has_both_lengths(&both, None));
    }
}
