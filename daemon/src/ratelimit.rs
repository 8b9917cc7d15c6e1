//! Rate limits ([`governor`]'s GCRA): per client address for REST writes, per connection
//! for WebSocket frames.
//!
//! A client may send `rate` per second after a burst of 5 seconds' worth; a refusal says
//! how long until the next one would pass, which becomes the `Retry-After` of a 429
//! (at most a second at any rate of 1 or more, shown as 1 s: [`crate::http::error`]).
//! A rate of 0 turns limiting off.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::Quota;

/// Addresses remembered before idle ones are forgotten: bounded memory under a flood of
/// one-off addresses.
const MAX_REMEMBERED: usize = 100_000;

/// `rate` per second with a burst of 5 seconds' worth; None when `rate` is 0 (off).
fn quota(rate: u32) -> Option<Quota> {
    let per_second = NonZeroU32::new(rate)?;
    let burst = NonZeroU32::new(rate.saturating_mul(5))?;
    Some(Quota::per_second(per_second).allow_burst(burst))
}

type Direct<C> =
    governor::RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;
type Keyed<C> = governor::RateLimiter<
    IpAddr,
    DefaultKeyedStateStore<IpAddr>,
    C,
    NoOpMiddleware<<C as Clock>::Instant>,
>;

/// One WebSocket connection's allowance.
pub struct Bucket<C: Clock = DefaultClock> {
    limiter: Option<Direct<C>>,
}

impl Bucket {
    /// A full bucket of `rate` per second; 0 = unlimited.
    pub fn new(rate: u32) -> Self {
        Bucket::with_clock(rate, DefaultClock::default())
    }
}

impl<C: Clock> Bucket<C> {
    fn with_clock(rate: u32, clock: C) -> Self {
        Bucket {
            limiter: quota(rate).map(|q| governor::RateLimiter::direct_with_clock(q, clock)),
        }
    }

    /// Takes a token, or says how long until one is there.
    pub fn take(&mut self) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }
}

/// Allowances per client address.
pub struct RateLimiter<C: Clock = DefaultClock> {
    limiter: Option<Keyed<C>>,
}

impl RateLimiter {
    /// `rate` per second per address; 0 = unlimited.
    pub fn new(rate: u32) -> Self {
        RateLimiter::with_clock(rate, DefaultClock::default())
    }
}

impl<C: Clock> RateLimiter<C> {
    fn with_clock(rate: u32, clock: C) -> Self {
        RateLimiter {
            limiter: quota(rate)
                .map(|q| governor::RateLimiter::new(q, DefaultKeyedStateStore::default(), clock)),
        }
    }

    /// Takes a token for `addr`, or the time to wait. No address (not a TCP peer): no limit.
    pub fn check(&self, addr: Option<IpAddr>) -> Result<(), Duration> {
        let (Some(limiter), Some(addr)) = (&self.limiter, addr) else {
            return Ok(());
        };
        if limiter.len() > MAX_REMEMBERED {
            // Addresses whose allowance has refilled are the same as never seen.
            limiter.retain_recent();
        }
        limiter
            .check_key(&addr)
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }

    /// Addresses remembered now.
    pub fn remembered(&self) -> usize {
        self.limiter.as_ref().map_or(0, |l| l.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    #[test]
    fn bucket_allows_a_burst_then_refuses_then_refills() {
        let clock = FakeRelativeClock::default();
        let mut b = Bucket::with_clock(2, clock.clone());
        for _ in 0..10 {
            assert!(b.take().is_ok());
        }
        let wait = b.take().unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        clock.advance(Duration::from_millis(600));
        assert!(b.take().is_ok());
        assert!(b.take().is_err());
    }

    #[test]
    fn each_address_has_its_own_allowance() {
        let clock = FakeRelativeClock::default();
        let l = RateLimiter::with_clock(1, clock.clone());
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let b = Some(IpAddr::from([10, 0, 0, 2]));
        for _ in 0..5 {
            assert!(l.check(a).is_ok());
        }
        let wait = l.check(a).unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(l.check(b).is_ok());
        clock.advance(Duration::from_secs(1));
        assert!(l.check(a).is_ok());
        assert!(l.check(None).is_ok(), "no address, no limit");
    }

    #[test]
    fn idle_addresses_are_forgotten_past_the_bound() {
        let clock = FakeRelativeClock::default();
        let l = RateLimiter::with_clock(1, clock.clone());
        for i in 0..=MAX_REMEMBERED as u32 {
            assert!(l.check(Some(IpAddr::from(i.to_be_bytes()))).is_ok());
        }
        assert_eq!(l.remembered(), MAX_REMEMBERED + 1);
        // Refilled (5 s of burst at 1/s): indistinguishable from new, so forgotten.
        clock.advance(Duration::from_secs(6));
        assert!(l.check(Some(IpAddr::from([192, 0, 2, 1]))).is_ok());
        assert!(l.remembered() <= 1, "{}", l.remembered());
    }

    #[test]
    fn zero_is_unlimited() {
        let l = RateLimiter::new(0);
        let mut b = Bucket::new(0);
        for _ in 0..1000 {
            assert!(l.check(Some([127, 0, 0, 1].into())).is_ok());
            assert!(b.take().is_ok());
        }
        assert_eq!(l.remembered(), 0);
    }
}
