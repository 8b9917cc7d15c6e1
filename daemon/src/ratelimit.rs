//! Token buckets: per client address for REST writes, per connection for WebSocket frames.
//!
//! A bucket holds up to `burst` tokens (5 seconds' worth) and refills at `rate` per second;
//! each request takes one. An empty bucket answers how long until the next token, which
//! becomes the `Retry-After` of a 429.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One client's allowance.
#[derive(Debug, Clone)]
pub struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(rate: u32) -> Self {
        Bucket {
            tokens: burst(rate),
            last: Instant::now(),
        }
    }

    /// Takes a token, or says how long until one is there.
    pub fn take(&mut self, rate: u32, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * rate as f64).min(burst(rate));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / rate as f64))
        }
    }
}

fn burst(rate: u32) -> f64 {
    (rate as f64 * 5.0).max(1.0)
}

/// Buckets per client address.
pub struct RateLimiter {
    rate: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `rate` per second per address; 0 = unlimited.
    pub fn new(rate: u32) -> Self {
        RateLimiter {
            rate,
            buckets: Mutex::default(),
        }
    }

    /// Takes a token for `addr`, or the time to wait.
    pub fn check(&self, addr: Option<IpAddr>) -> Result<(), Duration> {
        if self.rate == 0 {
            return Ok(());
        }
        let Some(addr) = addr else { return Ok(()) };
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() > 100_000 {
            // Forget addresses idle long enough to have refilled: bounded memory.
            let full_after = Duration::from_secs(6);
            buckets.retain(|_, b| now.saturating_duration_since(b.last) < full_after);
        }
        buckets
            .entry(addr)
            .or_insert_with(|| Bucket::new(self.rate))
            .take(self.rate, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_refuses_then_refills() {
        let start = Instant::now();
        let mut b = Bucket::new(2);
        for _ in 0..10 {
            assert!(b.take(2, start).is_ok());
        }
        let wait = b.take(2, start).unwrap_err();
        assert!(wait <= Duration::from_millis(500));
        assert!(b.take(2, start + Duration::from_millis(600)).is_ok());
    }

    #[test]
    fn zero_is_unlimited() {
        let l = RateLimiter::new(0);
        for _ in 0..1000 {
            assert!(l.check(Some([127, 0, 0, 1].into())).is_ok());
        }
    }
}
