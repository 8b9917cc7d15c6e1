//! The daemon's own accept loop: warp's routes served over hyper's HTTP/1.1 connections
//! with the limits a client on the open network needs.
//!
//! warp's `serve` (0.4) uses hyper-util's automatic builder, which also speaks cleartext
//! HTTP/2 (h2c) and has no timer, so a connection could dribble its headers, send an
//! endless body or say nothing for ever. Here:
//!
//! - HTTP/1.1 only: an HTTP/2 preface is not served. There is no setting for h2c: every
//!   client (browsers, `cpl`, proxies) speaks HTTP/1.1 to a cleartext port, and a second
//!   protocol would need its own limits (streams, pings, header lists) checked the same
//!   way; a proxy in front can speak HTTP/2 to clients.
//! - Each connection is idle (`CPL_IDLE_TIMEOUT`) or in a request's headers
//!   (`CPL_HEADER_TIMEOUT`, from its first byte) for a bounded time, then dropped
//!   ([`activity`]); a body has `CPL_BODY_TIMEOUT` from its headers (408, read in
//!   [`crate::http::input`]).
//! - Each client address holds at most `CPL_MAX_CONNECTIONS_PER_ADDRESS` connections
//!   ([`cap`]); one more is answered 503 and closed, by a task apart from the accept loop,
//!   so other addresses keep being served. A connection from a trusted proxy is not
//!   counted (it carries many clients); each of its requests in progress and each of its
//!   WebSockets counts for the client the proxy names ([`service`]).
//! - A request with both `Content-Length` and `Transfer-Encoding` is refused (400) and its
//!   connection closed (request smuggling).
//! - With `CPL_TLS_CERT`/`CPL_TLS_KEY`, each connection does its TLS handshake ([`tls`]) in
//!   its own task, within `CPL_HEADER_TIMEOUT` (a client that opens and never finishes it
//!   holds nothing longer than one dribbling its headers), before anything above is served.
//! - Requests carry their peer address ([`PeerAddr`], read with [`peer`]) and body
//!   deadline ([`BodyDeadline`]) as extensions: warp's own `addr::remote()` is set only by
//!   warp's `serve` and is always None here.

pub mod activity;
pub mod cap;
pub mod service;
pub mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;
use warp::http::{header, HeaderMap, HeaderValue, Request};
use warp::reply::Response;
use warp::Filter;

use activity::{Activity, Phase, PhaseLimits, Tracked};
use cap::PerAddress;
use service::{Guarded, Shared};

use crate::config::client_addr::TrustedProxies;
use crate::config::Config;
use crate::http::error::ApiError;

/// The connection limits, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Headers complete within this long of their first byte.
    pub header: Duration,
    /// A body complete within this long of its headers.
    pub body: Duration,
    /// Nothing sent for this long outside a request: closed.
    pub idle: Duration,
    /// Open connections per client address.
    pub per_address: usize,
}

impl Limits {
    /// The limits `config` sets.
    pub fn from_config(config: &Config) -> Limits {
        Limits {
            header: config.header_timeout,
            body: config.body_timeout,
            idle: config.idle_timeout,
            per_address: config.max_connections_per_address,
        }
    }

    fn phases(&self) -> PhaseLimits {
        PhaseLimits {
            header: self.header,
            idle: self.idle,
        }
    }
}

/// The TCP peer of the connection a request came on.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);

/// When the request's body must have arrived whole.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub Instant);

/// The request's TCP peer (None only where no connection exists, as in `warp::test`).
pub fn peer() -> impl Filter<Extract = (Option<SocketAddr>,), Error = Infallible> + Clone {
    warp::ext::optional::<PeerAddr>().map(|p: Option<PeerAddr>| p.map(|PeerAddr(a)| a))
}

/// The client a request is from: its peer, or the client a trusted proxy names in
/// `X-Forwarded-For` ([`crate::config::client_addr`]). What the rate limit and, behind a
/// proxy, the connection cap count.
pub fn client_ip(
    trusted: &TrustedProxies,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        // Not text: no address, which ends the walk there.
        .map(|v| v.to_str().unwrap_or("?"));
    trusted.client(peer, forwarded)
}

/// How long an address over its cap may take to send the request its 503 answers.
const REFUSAL_TIME: Duration = Duration::from_secs(1);

/// Connections being refused at once; past this one more is closed without an answer, so
/// refusing cannot itself hold many sockets.
const REFUSING_AT_ONCE: usize = 64;

/// The wait after an accept error that is not about one connection (EMFILE, ENFILE,
/// ENOBUFS): the loop would otherwise spin on it.
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// What [`run`] asks of the routes' service.
pub trait Routes:
    hyper::service::Service<
        Request<Incoming>,
        Response = Response,
        Error = Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> Routes for S where
    S: hyper::service::Service<
            Request<Incoming>,
            Response = Response,
            Error = Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// Serves `service` (warp's routes) on `listener` until `shutdown` resolves, then stops
/// accepting, lets every connection finish its request in progress and every WebSocket
/// close (the routes close them on the daemon's own stop signal), and returns; after
/// `CPL_SHUTDOWN_GRACE` it returns anyway and the sockets left are dropped with the process.
pub async fn run<S: Routes>(
    listener: TcpListener,
    service: S,
    config: &Config,
    tls: Option<Arc<tls::Certificates>>,
    shutdown: impl Future<Output = ()>,
) {
    let limits = Limits::from_config(config);
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a clone; all dropped means all finished.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let connections = Connections {
        service,
        shared: Arc::new(Shared {
            limits,
            trusted: config.trusted_proxies.clone(),
            cap: PerAddress::new(limits.per_address),
        }),
        refusing: Arc::new(Semaphore::new(REFUSING_AT_ONCE)),
        tls,
        stop: stop_rx,
        alive: alive_tx,
    };
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => connections.accept(stream, peer),
                Err(e) => accept_failed(e).await,
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(connections);
    let grace = config.shutdown_grace;
    if tokio::time::timeout(grace, alive_rx.recv()).await.is_err() {
        tracing::warn!(
            "connections still open {} s after the stop began (CPL_SHUTDOWN_GRACE); dropping them",
            grace.as_secs_f64()
        );
    }
}

/// What each accepted connection is served with.
struct Connections<S> {
    service: S,
    shared: Arc<Shared>,
    refusing: Arc<Semaphore>,
    /// The certificate, when the daemon speaks TLS itself.
    tls: Option<Arc<tls::Certificates>>,
    /// Becomes true when the daemon stops.
    stop: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
}

impl<S: Routes> Connections<S> {
    /// Serves, or refuses when the peer's address is at its cap. A trusted proxy's
    /// connection is not counted: its requests are, per client it names.
    fn accept(&self, stream: TcpStream, peer: SocketAddr) {
        if self.shared.trusted.trusts(peer.ip()) {
            return self.serve(stream, peer, None);
        }
        match self.shared.cap.try_acquire(peer.ip()) {
            Some(permit) => self.serve(stream, peer, Some(permit)),
            None => refuse(
                stream,
                peer,
                self.shared.cap.max(),
                self.shared.limits.idle,
                &self.refusing,
            ),
        }
    }

    /// Serves one connection in a task of its own, until it ends, outlasts its idle or
    /// header limit, or (after the daemon is asked to stop) finishes its request.
    fn serve(&self, stream: TcpStream, peer: SocketAddr, permit: Option<cap::Permit>) {
        let activity = Activity::new();
        // The certificate in use now: a reload after this accept does not change it.
        let handshake = self.tls.as_ref().map(|t| t.acceptor());
        let tracked_alive = self.alive.clone();
        let service = Guarded::new(
            self.service.clone(),
            peer,
            Arc::clone(&activity),
            Arc::clone(&self.shared),
        );
        let limits = self.shared.limits;
        let mut stop = self.stop.clone();
        let alive = self.alive.clone();
        tokio::spawn(async move {
            let _alive = alive;
            let stream = match handshake {
                None => tls::Stream::Plain(stream),
                Some(acceptor) => tokio::select! {
                    done = tokio::time::timeout(limits.header, acceptor.accept(stream)) => match done {
                        Ok(Ok(s)) => tls::Stream::Tls(Box::new(s)),
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, "TLS handshake failed: {e}");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "connection closed: no TLS handshake within the header limit");
                            return;
                        }
                    },
                    _ = stop.changed() => return,
                },
            };
            let io = TokioIo::new(Tracked::new(
                stream,
                Arc::clone(&activity),
                permit,
                tracked_alive,
            ));
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                // A backstop only: hyper's clock runs from the wait for a request to the end
                // of its headers, which the idle and header limits (enforced below, each
                // from its own start) bound together.
                .header_read_timeout(limits.idle + limits.header)
                .serve_connection(io, service)
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            let mut stopping = false;
            loop {
                tokio::select! {
                    done = conn.as_mut() => {
                        if let Err(e) = done {
                            // Clients that break off or send garbage: theirs to know, not an
                            // operator's (hyper has already answered what it could).
                            tracing::debug!(%peer, "connection ended: {e}");
                        }
                        break;
                    }
                    why = activity.expired(limits.phases()) => {
                        tracing::debug!(%peer, "connection closed: {why}");
                        break;
                    }
                    _ = stop.changed(), if !stopping => {
                        stopping = true;
                        // A request in progress is finished, then the connection closed. One
                        // waiting for a request, or still receiving headers (not a request
                        // yet; it might be dribbling them), closes now, so that stopping
                        // never waits on a client's limits.
                        if matches!(activity.phase().0, Phase::Idle | Phase::Head) {
                            tracing::debug!(%peer, "connection closed: the daemon is stopping");
                            break;
                        }
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        });
    }
}

/// Answers a connection over its address's cap with a 503 and closes it, in a task of its
/// own (the accept loop goes on at once), waiting at most [`REFUSAL_TIME`] for the
/// request so that the answer is read rather than lost to a reset. Past
/// [`REFUSING_AT_ONCE`] refusals in progress, the connection is closed unanswered.
fn refuse(
    stream: TcpStream,
    peer: SocketAddr,
    max: usize,
    idle: Duration,
    refusing: &Arc<Semaphore>,
) {
    let Ok(turn) = Arc::clone(refusing).try_acquire_owned() else {
        tracing::debug!(%peer, "address at its connection cap; closed unanswered");
        return;
    };
    tracing::debug!(%peer, "address at its connection cap; answered 503");
    tokio::spawn(async move {
        let _turn = turn;
        let answer = move |_req: Request<Incoming>| async move {
            let mut answer = ApiError::Unavailable(format!(
                "this address already has {max} connections open to the server, the most allowed; close some (a connection idle for {} s closes by itself) and try again",
                idle.as_secs()
            ))
            .into_response();
            let headers = answer.headers_mut();
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            headers.insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
            Ok::<_, Infallible>(answer)
        };
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(REFUSAL_TIME)
            .keep_alive(false)
            .serve_connection(TokioIo::new(stream), hyper::service::service_fn(answer));
        // Bounded whatever the client does: the header limit above, then the answer.
        let _ = tokio::time::timeout(REFUSAL_TIME * 2, conn).await;
    });
}

/// What to do when `accept` fails: errors about one connection (reset before it was
/// accepted) are nothing; anything else (EMFILE: out of file descriptors) is logged and
/// waited out briefly, since retrying at once would spin.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(
        "accept error: {e}; waiting {} s before accepting again",
        ACCEPT_BACKOFF.as_secs()
    );
    tokio::time::sleep(ACCEPT_BACKOFF).await;
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// warp's `addr::remote()` is filled in only by warp's own `serve`, which the daemon no
    /// longer uses: read there, it would be None for every request, and everything keyed
    /// on the client (the rate limit) would share one bucket. [`super::peer`] is the way.
    #[test]
    fn nothing_reads_the_peer_address_from_warp() {
        fn scan(dir: &Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    scan(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (n, line) in text.lines().enumerate() {
                        let code = line.split("//").next().unwrap_or("");
                        if code.contains(concat!("addr::", "remote(")) {
                            found.push(format!("{}:{}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        scan(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(
            found.is_empty(),
            "warp's remote address is always None under http::serve; use http::serve::peer() at {found:?}"
        );
    }
}
