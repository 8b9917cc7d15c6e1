//! Rate limits ([`governor`]'s GCRA): per client address for REST writes and for profile
//! lookups, per connection for WebSocket frames, per user for chat; and the budget of
//! failed authentications per client address ([`FailureLimiter`]).
//!
//! A client may send `rate` per second after a burst of 5 seconds' worth; a refusal says
//! how long until the next one would pass, which becomes the `Retry-After` of a 429
//! (at most a second at any rate of 1 or more, shown as 1 s: [`crate::http::error`]).
//! A rate of 0 turns limiting off.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
type Keyed<K, C> =
    governor::RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

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

/// `per_minute` a minute with a burst of as many; None when it is 0 (off).
fn quota_per_minute(per_minute: u32) -> Option<Quota> {
    NonZeroU32::new(per_minute).map(Quota::per_minute)
}

/// Allowances per key: a client address (REST writes, lookups) or a user (chat).
pub struct RateLimiter<K: Hash + Eq + Clone = IpAddr, C: Clock = DefaultClock> {
    limiter: Option<Keyed<K, C>>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// `rate` per second per key, after a burst of 5 seconds' worth; 0 = unlimited.
    pub fn new(rate: u32) -> Self {
        RateLimiter::with_quota(quota(rate), DefaultClock::default())
    }

    /// `per_minute` a minute per key, after a burst of as many; 0 = unlimited.
    pub fn per_minute(per_minute: u32) -> Self {
        RateLimiter::with_quota(quota_per_minute(per_minute), DefaultClock::default())
    }

    /// `per_hour` an hour per key, after a burst of as many; 0 = unlimited (sign-in
    /// codes: each one is an SMS someone pays for).
    pub fn per_hour(per_hour: u32) -> Self {
        RateLimiter::with_quota(
            NonZeroU32::new(per_hour).map(Quota::per_hour),
            DefaultClock::default(),
        )
    }
}

impl<K: Hash + Eq + Clone, C: Clock> RateLimiter<K, C> {
    fn with_quota(quota: Option<Quota>, clock: C) -> Self {
        RateLimiter {
            limiter: quota
                .map(|q| governor::RateLimiter::new(q, DefaultKeyedStateStore::default(), clock)),
        }
    }

    #[cfg(test)]
    fn with_clock(rate: u32, clock: C) -> Self {
        RateLimiter::with_quota(quota(rate), clock)
    }

    /// Takes a token for `key`, or the time to wait. No key (e.g. not a TCP peer): no limit.
    pub fn check(&self, key: Option<K>) -> Result<(), Duration> {
        let (Some(limiter), Some(key)) = (&self.limiter, key) else {
            return Ok(());
        };
        if limiter.len() > MAX_REMEMBERED {
            // Keys whose allowance has refilled are the same as never seen.
            limiter.retain_recent();
        }
        limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }

    /// Addresses remembered now.
    pub fn remembered(&self) -> usize {
        self.limiter.as_ref().map_or(0, |l| l.len())
    }
}

/// A line about one address's failed authentications at most this often.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Failed authentications per client address: `per_minute` a minute after a burst of as
/// many (a GCRA like [`RateLimiter`]'s). Unlike a [`RateLimiter`], asking does not take:
/// while an address's budget is spent, every credential it presents is refused before it is
/// looked at ([`FailureLimiter::check`], a 429), the right one too, so guessing gains
/// nothing; only a failure takes from the budget ([`FailureLimiter::failed`]), so a client
/// that holds a good token is never slowed by using it. Memory is bounded like
/// [`RateLimiter`]'s: past [`MAX_REMEMBERED`] addresses, those whose budget has refilled are
/// forgotten, and if that is not enough, those that owe the least.
pub struct FailureLimiter {
    per_minute: u32,
    /// Time to earn back one failure: a minute / `per_minute`.
    interval: Duration,
    /// How far ahead of now an address's `spent_until` may be while it can still fail once
    /// more: `(per_minute - 1) * interval`.
    tolerance: Duration,
    table: Mutex<HashMap<IpAddr, Failures>>,
}

/// One address's account.
struct Failures {
    /// The budget is full again at this instant; each failure moves it `interval` later.
    spent_until: Instant,
    /// Failures since the last log line.
    failed: u64,
    /// Credentials refused (429) since the last log line.
    refused: u64,
    /// When the last log line about this address was written.
    logged_at: Option<Instant>,
}

/// What a log line about an address says: its failures and refusals since the previous line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureReport {
    /// Failed authentications.
    pub failed: u64,
    /// Credentials refused while the budget was spent.
    pub refused: u64,
}

impl FailureLimiter {
    /// `per_minute` failures a minute per address; 0 = unlimited (and nothing logged).
    pub fn per_minute(per_minute: u32) -> Self {
        let interval = match per_minute {
            0 => Duration::ZERO,
            n => Duration::from_secs(60) / n,
        };
        FailureLimiter {
            per_minute,
            interval,
            tolerance: interval * per_minute.saturating_sub(1),
            table: Mutex::new(HashMap::new()),
        }
    }

    /// The configured budget a minute.
    pub fn budget(&self) -> u32 {
        self.per_minute
    }

    /// Whether `addr` may present a credential now, or how long until it may. No address
    /// (not a TCP peer), or limiting off: always.
    pub fn check(&self, addr: Option<IpAddr>) -> Result<(), Duration> {
        self.check_at(addr, Instant::now())
    }

    /// Records a failed authentication from `addr`; `Some` when a log line about it is due
    /// (the first failure after a quiet [`LOG_EVERY`], with the counts since the last line).
    pub fn failed(&self, addr: Option<IpAddr>) -> Option<FailureReport> {
        self.failed_at(addr, Instant::now())
    }

    fn check_at(&self, addr: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let Some(addr) = addr.filter(|_| self.per_minute > 0) else {
            return Ok(());
        };
        let mut table = self.lock();
        let Some(f) = table.get_mut(&addr) else {
            return Ok(());
        };
        let owed = f.spent_until.saturating_duration_since(now);
        if owed <= self.tolerance {
            return Ok(());
        }
        f.refused += 1;
        Err(owed - self.tolerance)
    }

    fn failed_at(&self, addr: Option<IpAddr>, now: Instant) -> Option<FailureReport> {
        let addr = addr.filter(|_| self.per_minute > 0)?;
        let mut table = self.lock();
        if table.len() >= MAX_REMEMBERED && !table.contains_key(&addr) {
            forget_some(&mut table, now);
        }
        let f = table.entry(addr).or_insert(Failures {
            spent_until: now,
            failed: 0,
            refused: 0,
            logged_at: None,
        });
        // Never more than the whole budget owed: a failure that raced past `check` does not
        // push the address further out.
        f.spent_until =
            (f.spent_until.max(now) + self.interval).min(now + self.tolerance + self.interval);
        f.failed += 1;
        if f.logged_at
            .is_some_and(|at| now.saturating_duration_since(at) < LOG_EVERY)
        {
            return None;
        }
        f.logged_at = Some(now);
        let report = FailureReport {
            failed: f.failed,
            refused: f.refused,
        };
        f.failed = 0;
        f.refused = 0;
        Some(report)
    }

    /// Addresses remembered now.
    pub fn remembered(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Failures>> {
        // The table holds counters only; one left half-updated by a panic is still usable.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Makes room in a full table: addresses whose budget has refilled are as good as never
/// seen; if too many still owe, the half that owes least goes (their next failures start
/// a new account, which costs an attacker with that many addresses nothing it lacked).
fn forget_some(table: &mut HashMap<IpAddr, Failures>, now: Instant) {
    table.retain(|_, f| f.spent_until > now);
    if table.len() < MAX_REMEMBERED {
        return;
    }
    let mut owed: Vec<Instant> = table.values().map(|f| f.spent_until).collect();
    owed.sort_unstable();
    let cut = owed[owed.len() / 2];
    table.retain(|_, f| f.spent_until > cut);
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
    fn users_are_keys_too_and_per_minute_has_a_minute_of_burst() {
        let clock = FakeRelativeClock::default();
        let l = RateLimiter::with_quota(quota_per_minute(3), clock.clone());
        for _ in 0..3 {
            assert!(l.check(Some("user-a")).is_ok());
        }
        let wait = l.check(Some("user-a")).unwrap_err();
        assert!(wait <= Duration::from_secs(20), "{wait:?}");
        assert!(l.check(Some("user-b")).is_ok());
        clock.advance(Duration::from_secs(20));
        assert!(l.check(Some("user-a")).is_ok());
    }

    #[test]
    fn failures_spend_a_budget_that_looking_does_not_touch() {
        let f = FailureLimiter::per_minute(3);
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let b = Some(IpAddr::from([10, 0, 0, 2]));
        let t0 = Instant::now();
        for _ in 0..100 {
            assert!(f.check_at(a, t0).is_ok(), "looking takes nothing");
        }
        // The first failure is reported at once; the next ones within the minute are not.
        assert_eq!(
            f.failed_at(a, t0),
            Some(FailureReport {
                failed: 1,
                refused: 0
            })
        );
        assert!(f.check_at(a, t0).is_ok());
        assert_eq!(f.failed_at(a, t0), None);
        assert!(f.check_at(a, t0).is_ok());
        assert_eq!(f.failed_at(a, t0), None);
        // Three failures: spent. Refused for a third of a minute (one failure earned back).
        let wait = f.check_at(a, t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        assert!(
            f.check_at(b, t0).is_ok(),
            "another address has its own budget"
        );
        let t1 = t0 + Duration::from_secs(19);
        assert_eq!(f.check_at(a, t1).unwrap_err(), Duration::from_secs(1));
        let t2 = t0 + Duration::from_secs(20);
        assert!(f.check_at(a, t2).is_ok());
        // A failure that slips past the check never pushes the debt past one minute.
        for _ in 0..10 {
            f.failed_at(a, t2);
        }
        assert_eq!(f.check_at(a, t2).unwrap_err(), Duration::from_secs(20));
        // A minute after the last line: the next failure reports what happened since.
        let t3 = t0 + Duration::from_secs(61);
        assert!(f.check_at(a, t3).is_ok());
        assert_eq!(
            f.failed_at(a, t3),
            Some(FailureReport {
                failed: 13,
                refused: 3
            })
        );
        assert!(FailureLimiter::per_minute(3).check_at(None, t0).is_ok());
        assert_eq!(FailureLimiter::per_minute(3).failed_at(None, t0), None);
    }

    #[test]
    fn failure_accounts_are_bounded() {
        let f = FailureLimiter::per_minute(5);
        let t0 = Instant::now();
        for i in 0..MAX_REMEMBERED as u32 {
            f.failed_at(Some(IpAddr::from(i.to_be_bytes())), t0);
        }
        assert_eq!(f.remembered(), MAX_REMEMBERED);
        // Everyone still owes: half goes to make room.
        f.failed_at(Some(IpAddr::from([192, 0, 2, 1])), t0);
        assert!(
            f.remembered() <= MAX_REMEMBERED / 2 + 1,
            "{}",
            f.remembered()
        );
        // Refilled accounts are forgotten first.
        let later = t0 + Duration::from_secs(61);
        for i in 0..MAX_REMEMBERED as u32 {
            f.failed_at(Some(IpAddr::from((i | 0x8000_0000).to_be_bytes())), later);
        }
        assert!(f.remembered() <= MAX_REMEMBERED, "{}", f.remembered());
    }

    #[test]
    fn zero_is_unlimited() {
        let f = FailureLimiter::per_minute(0);
        for _ in 0..1000 {
            assert!(f.failed(Some([127, 0, 0, 1].into())).is_none());
            assert!(f.check(Some([127, 0, 0, 1].into())).is_ok());
        }
        assert_eq!(f.remembered(), 0);
        let l: RateLimiter = RateLimiter::new(0);
        let mut b = Bucket::new(0);
        for _ in 0..1000 {
            assert!(l.check(Some([127, 0, 0, 1].into())).is_ok());
            assert!(b.take().is_ok());
        }
        assert_eq!(l.remembered(), 0);
    }
}
