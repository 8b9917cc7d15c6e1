//! Wiring: the store chosen once, the routes, CORS, request metrics, background jobs, the
//! cross-daemon bus (MongoDB), the connections (`http::serve`), and a graceful stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use warp::Filter;

use crate::config::Config;
use crate::domain::state::{AppState, State};
use crate::http::{self, transcribe, ws};
use crate::jobs::scheduler;
use crate::realtime::bus;
use crate::store::mongo::MongoStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};

/// Opens the store the configuration names: MongoDB when `MONGODB_URL` is set (its
/// indexes created at start-up), else the embedded SQLite file.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StoreError> {
    if let Some(url) = &config.mongodb_url {
        let store = MongoStore::connect(url.expose(), &config.database_name).await?;
        // Served bounded: a server that stops answering costs a request a 503, not a hang.
        return Ok(Arc::new(store));
    }
    if let Some(dir) = config.db_path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!(
                    "cannot create the database directory {}: {e}; set CPL_DB to a writable path",
                    dir.display()
                ))
            })?;
        }
    }
    let path = config.db_path.clone();
    let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
        .await
        .map_err(|e| StoreError::Unavailable(format!("opening the database failed: {e}")))??;
    Ok(Arc::new(store))
}

/// Binds `config.listen` and serves until `shutdown` resolves. Returns the bound address
/// (useful with port 0) and the future that runs the daemon.
pub async fn bind(
    state: State,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, impl Future<Output = ()>), String> {
    let listen = state.config.listen;
    // Bound here rather than by warp, whose own bind panics on a busy address.
    let (listener, addr) = listen_on(listen).map_err(|e| {
        format!("cannot listen on {listen}: {e}; is another cpld running there? set CPL_LISTEN or --listen to another address")
    })?;
    // TLS is checked before anything starts: a bad file stops the daemon with its sentence.
    let tls = match &state.config.tls {
        Some((cert, key)) => Some(Arc::new(http::serve::tls::Certificates::load(cert, key)?)),
        None => None,
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    if let Some(certs) = &tls {
        reload_on_sighup(Arc::clone(certs), stop_rx.clone());
    }
    let mut jobs = scheduler::start(state.clone(), stop_rx.clone());
    // Several daemons on one MongoDB: room broadcasts reach the other daemons' connections.
    jobs.extend(bus::start(
        state.store.as_ref(),
        &state.hub,
        stop_rx.clone(),
    ));
    // Big rooms hear joins and leaves gathered, one frame per room per window.
    jobs.extend(crate::realtime::presence_batch::start(
        state.store.clone(),
        &state.hub,
        state.metrics.clone(),
        state.config.presence_batch_window,
        stop_rx.clone(),
    ));
    let metrics = state.metrics.clone();
    let log = warp::log::custom(move |info| {
        metrics.observe_request(info.elapsed(), info.status().as_u16());
    });
    let cors = http::cors::policy(&state.config.cors_origins);
    let app = ws::routes(state.clone(), stop_rx.clone())
        .or(transcribe::routes(state.clone(), stop_rx))
        .unify()
        .or(http::routes(state.clone()))
        .unify()
        .recover(http::error::recover)
        .unify();
    // A 405 must name the allowed methods (RFC 9110); only the path knows them.
    let routes = warp::path::full()
        .and(app)
        .map(http::error::with_allow)
        .with(log)
        .with(cors)
        .map(warp::Reply::into_response)
        // A refused origin: the JSON error, not warp's bare 403.
        .or(http::cors::refused(state.config.cors_origins.clone()))
        .unify()
        .with(warp::reply::with::header(
            "x-content-type-options",
            "nosniff",
        ));
    // Our own accept loop rather than warp's serve: connection time limits, the cap per
    // client address, HTTP/1.1 only, and the framing checks (http/serve).
    let service = hyper_util::service::TowerToHyperService::new(warp::service(routes));
    let config = state.config.clone();
    let draining = state.clone();
    let server = async move {
        http::serve::run(listener, service, &config, tls, async move {
            shutdown.await;
            // Readiness first: a load balancer's health check sees 503 and sends new
            // clients elsewhere, during CPL_DRAIN_DELAY while this daemon still serves.
            draining.begin_drain();
            if !config.drain_delay.is_zero() {
                tokio::time::sleep(config.drain_delay).await;
            }
            // Then WebSockets close (1001), jobs stop (the drop-round lease is released),
            // and the accept loop stops accepting.
            let _ = stop_tx.send(true);
        })
        .await;
    };
    Ok((addr, async move {
        server.await;
        for j in jobs {
            let _ = j.await;
        }
    }))
}

/// Reads the certificate and key again at each SIGHUP until the daemon stops: connections
/// accepted afterwards use the new pair; one that does not load leaves the old in use.
fn reload_on_sighup(certs: Arc<http::serve::tls::Certificates>, mut stop: watch::Receiver<bool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("cannot watch for SIGHUP ({e}); the TLS certificate is not reloaded until a restart");
                return;
            }
        };
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = hup.recv() => match certs.reload() {
                        Ok(()) => tracing::info!("SIGHUP: TLS certificate reloaded; new connections use it"),
                        Err(e) => tracing::error!("SIGHUP: {e}. The certificate in use is kept"),
                    },
                    _ = stop.changed() => return,
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = (certs, stop);
}

/// A listening socket whose connections start with Nagle's algorithm off, as warp 0.3
/// set them: Linux hands an accepted socket the listener's TCP_NODELAY, so no call per
/// connection is needed. Without it small WebSocket frames wait for the peer's delayed
/// ACK (tens of milliseconds each).
fn listen_on(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As std's and tokio's own bind do on Unix: a restarted daemon can take its port back
    // while the old connections linger in TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(LISTEN_BACKLOG)?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}

/// tokio's TcpListener::bind backlog.
const LISTEN_BACKLOG: u32 = 1024;

/// Waits (at most `limit`) until the cross-daemon bus watches the database, so that a
/// daemon announced as listening already receives the other daemons' room broadcasts.
/// True at once when there is no bus (SQLite, one daemon).
pub async fn wait_for_bus(state: &State, limit: Duration) -> bool {
    match state.hub.bus() {
        Some(bus) => bus.wait_ready(limit).await,
        None => true,
    }
}

/// Builds the state for a store and configuration.
pub fn state(store: Arc<dyn Store>, config: Config) -> State {
    AppState::new(store, config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_nagle_off() {
        let (listener, addr) = listen_on(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let (client, accepted) =
            tokio::join!(tokio::net::TcpStream::connect(addr), listener.accept());
        let _client = client.unwrap();
        let (accepted, _) = accepted.unwrap();
        assert!(
            accepted.nodelay().unwrap(),
            "an accepted socket must not wait on Nagle"
        );
    }

    #[tokio::test]
    async fn a_busy_address_is_an_error_not_a_panic() {
        let (_first, addr) = listen_on(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        assert!(listen_on(addr).is_err());
    }
}
