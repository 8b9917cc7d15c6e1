//! The cap on open connections per client address (`CPL_MAX_CONNECTIONS_PER_ADDRESS`).
//!
//! A [`Permit`] is one open connection (or, behind a trusted proxy, one request in progress
//! or one open WebSocket of a forwarded client). It is a value that gives its place back
//! when dropped, so no path (an error, an upgrade, a panic in a handler) can forget to.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::client_addr::canonical;

/// How many places each client address holds, and the most it may.
#[derive(Debug)]
pub struct PerAddress {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One place held by an address; given back when dropped.
#[derive(Debug)]
pub struct Permit {
    cap: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    /// A cap of `max` places per address.
    pub fn new(max: usize) -> Arc<PerAddress> {
        Arc::new(PerAddress {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// The most places one address may hold.
    pub fn max(&self) -> usize {
        self.max
    }

    /// A place for `ip`, or None when it already holds the most it may. An IPv4 address
    /// and its IPv4-mapped IPv6 form are one address.
    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Option<Permit> {
        let ip = canonical(ip);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Permit {
            cap: Arc::clone(self),
            ip,
        })
    }

    /// Places `ip` holds now.
    pub fn held(&self, ip: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.get(&canonical(ip)).copied().unwrap_or(0)
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = self.cap.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Entry::Occupied(mut e) = open.entry(self.ip) {
            *e.get_mut() -= 1;
            // An address with nothing open takes no memory.
            if *e.get() == 0 {
                e.remove();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_address_holds_at_most_max_and_dropping_gives_places_back() {
        let cap = PerAddress::new(2);
        let a = cap.try_acquire(ip("10.0.0.1")).unwrap();
        // The mapped form is the same client.
        let b = cap.try_acquire(ip("::ffff:10.0.0.1")).unwrap();
        assert!(cap.try_acquire(ip("10.0.0.1")).is_none());
        // Another address is not affected.
        let other = cap.try_acquire(ip("10.0.0.2")).unwrap();
        drop(a);
        assert_eq!(cap.held(ip("10.0.0.1")), 1);
        let _c = cap.try_acquire(ip("10.0.0.1")).unwrap();
        drop(b);
        drop(other);
        assert_eq!(cap.held(ip("10.0.0.2")), 0);
        assert_eq!(
            cap.open.lock().unwrap().len(),
            1,
            "empty entries are removed"
        );
    }
}
