//! Which client a request comes from: the peer address, or the client a trusted proxy
//! names ([`crate::config::client_addr`]). The per-client limits key on it: REST writes,
//! profile lookups and failed authentications.

use std::net::{IpAddr, SocketAddr};

use warp::Filter;

use crate::domain::state::State;

/// The client address of a request; None when the connection has no IP peer.
pub fn address(
    state: State,
) -> impl Filter<Extract = (Option<IpAddr>,), Error = std::convert::Infallible> + Clone {
    warp::addr::remote()
        .and(warp::header::headers_cloned())
        .map(
            move |peer: Option<SocketAddr>, headers: warp::http::HeaderMap| {
                let forwarded = headers
                    .get_all("x-forwarded-for")
                    .iter()
                    // Not text: no address, which ends the walk there.
                    .map(|v| v.to_str().unwrap_or("?"));
                state
                    .config
                    .trusted_proxies
                    .client(peer.map(|a| a.ip()), forwarded)
            },
        )
}
