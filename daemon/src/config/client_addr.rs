//! Which address a request comes from, for the per-client rate limit and the cap of
//! connections per client (`http::serve`).
//!
//! Behind a reverse proxy or load balancer every request arrives from the proxy, so all
//! clients would share one bucket and one busy client would get everyone 429s. Proxies
//! listed in `CPL_TRUSTED_PROXIES` name the client in `X-Forwarded-For`; the client is the
//! rightmost address in that chain that is not a trusted proxy (entries further left were
//! written by the client itself and prove nothing). A request from any other peer is
//! keyed on the peer, whatever headers it sends, so a client cannot pick its own bucket.

use std::net::IpAddr;

use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed. Empty: none (the default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `10.0.0.5, 10.1.0.0/16, ::1`: addresses or CIDR ranges, comma-separated.
    pub fn parse(v: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(n) => n,
                Err(_) => item.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
                    format!(
                        "has {item:?}, which is neither an IP address nor a CIDR range; \
                         write addresses like 10.0.0.5 or ranges like 10.0.0.0/8"
                    )
                })?,
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    /// Whether `ip` is one of the proxies (the connection cap does not count their
    /// connections, only the clients they name).
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client behind `peer`, given every `X-Forwarded-For` value of the request in
    /// order (several headers are one list).
    pub fn client<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    ) -> Option<IpAddr> {
        let peer = peer.map(canonical)?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut client = peer;
        // From the nearest hop outwards; stop at the first address no trusted proxy wrote.
        for hop in forwarded_for.rev().flat_map(|h| h.rsplit(',')) {
            let Some(ip) = parse_hop(hop) else {
                // A hop that is not an address: nothing further left can be believed.
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// An `X-Forwarded-For` entry: `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:443` or
/// `203.0.113.7:51000` (some proxies add the port).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sa) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(sa.ip()));
    }
    None
}

/// IPv4-mapped IPv6 (`::ffff:10.0.0.5`, what a dual-stack listener reports) as IPv4, so
/// one client is one bucket and `10.0.0.0/8` matches it.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_sends() {
        let t = TrustedProxies::default();
        assert_eq!(
            t.client(ip("10.0.0.5"), ["1.2.3.4"].into_iter()),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        // The client claims 6.6.6.6; the edge proxy saw 203.0.113.7; an inner proxy 10.1.2.3.
        let chain = ["6.6.6.6, 203.0.113.7", "10.1.2.3"];
        assert_eq!(
            t.client(ip("192.168.1.1"), chain.into_iter()),
            ip("203.0.113.7")
        );
        // No header: the proxy itself.
        assert_eq!(t.client(ip("10.0.0.5"), [].into_iter()), ip("10.0.0.5"));
        // An untrusted peer's header is ignored.
        assert_eq!(
            t.client(ip("203.0.113.9"), chain.into_iter()),
            ip("203.0.113.9")
        );
        // Garbage stops the walk at the last believable hop.
        assert_eq!(
            t.client(
                ip("10.0.0.5"),
                ["203.0.113.7, nonsense, 10.2.2.2"].into_iter()
            ),
            ip("10.2.2.2")
        );
        // Ports and brackets, IPv4-mapped peers.
        assert_eq!(
            t.client(ip("::ffff:10.0.0.5"), ["[2001:db8::1]:443"].into_iter()),
            ip("2001:db8::1")
        );
        assert_eq!(
            t.client(ip("10.0.0.5"), ["203.0.113.7:51000"].into_iter()),
            ip("203.0.113.7")
        );
        // Every hop trusted: the leftmost.
        assert_eq!(
            t.client(ip("10.0.0.5"), ["10.9.9.9"].into_iter()),
            ip("10.9.9.9")
        );
    }

    #[test]
    fn bad_entries_are_refused_with_the_fix() {
        let e = TrustedProxies::parse("10.0.0.1, proxy.local").unwrap_err();
        assert!(
            e.contains("\"proxy.local\"") && e.contains("10.0.0.0/8"),
            "{e}"
        );
        assert_eq!(
            TrustedProxies::parse(" ").unwrap(),
            TrustedProxies::default()
        );
    }
}
