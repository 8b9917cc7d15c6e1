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
    // The peer comes from our serving loop ([`super::serve`]), not warp::addr::remote(),
    // which only warp's own server fills in.
    super::serve::peer()
        .and(warp::header::headers_cloned())
        .map(
            move |peer: Option<SocketAddr>, headers: warp::http::HeaderMap| {
                super::serve::client_ip(
                    &state.config.trusted_proxies,
                    peer.map(|a| a.ip()),
                    &headers,
                )
            },
        )
}
