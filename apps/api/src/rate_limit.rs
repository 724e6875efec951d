//! Token-bucket throttling per caller (the token's `sub`) and for the whole instance.
//! In-process: each Lambda instance or local server counts for itself.
//!
//! The arithmetic is in whole nanoseconds, so a wait that is exactly 20 s is answered 20, not
//! 21 as a float's rounding would have it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use navsync_domain::ports::{Clock, SystemClock};

/// `requests` per `per`, with bursts up to `requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub requests: u32,
    pub per: Duration,
}

impl Quota {
    pub fn per_second(requests: u32) -> Self {
        Self {
            requests,
            per: Duration::from_secs(1),
        }
    }

    pub fn per_minute(requests: u32) -> Self {
        Self {
            requests,
            per: Duration::from_secs(60),
        }
    }

    /// One token, in the bucket's unit: a token refills every `per / requests`, so measuring
    /// the level in nanoseconds × `requests` makes every refill a whole number.
    fn token(&self) -> u128 {
        self.per.as_nanos().max(1)
    }

    fn capacity(&self) -> u128 {
        self.token() * u128::from(self.requests)
    }

    /// What `elapsed` refills, in the bucket's unit.
    fn refill(&self, elapsed: Duration) -> u128 {
        elapsed.as_nanos() * u128::from(self.requests)
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Tokens × [`Quota::token`].
    level: u128,
    at: DateTime<Utc>,
}

/// The time from `from` to `to`; none if the clock went back.
fn elapsed(from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    (to - from).to_std().unwrap_or(Duration::ZERO)
}

impl Bucket {
    /// Takes one token, or says in how many whole seconds (at least 1) one is due.
    fn take(&mut self, quota: Quota, now: DateTime<Utc>) -> Result<(), u64> {
        self.level = (self.level + quota.refill(elapsed(self.at, now))).min(quota.capacity());
        // Also when the clock went back: refilling resumes from the new time, not from a
        // future instant it may not reach for a while.
        self.at = now;
        let token = quota.token();
        if self.level >= token {
            self.level -= token;
            Ok(())
        } else {
            let nanos = (token - self.level).div_ceil(u128::from(quota.requests));
            let secs = nanos.div_ceil(1_000_000_000).max(1);
            Err(u64::try_from(secs).unwrap_or(u64::MAX))
        }
    }

    fn full(quota: Quota, now: DateTime<Utc>) -> Self {
        Self {
            level: quota.capacity(),
            at: now,
        }
    }

    /// Whether it would be full again at `now`.
    fn refilled(&self, quota: Quota, now: DateTime<Utc>) -> bool {
        self.level + quota.refill(elapsed(self.at, now)) >= quota.capacity()
    }
}

/// Callers tracked at once before idle ones are forgotten.
const MAX_TRACKED_CALLERS: usize = 10_000;

pub struct RateLimiter {
    per_caller: Option<Quota>,
    global: Option<(Quota, Mutex<Option<Bucket>>)>,
    callers: Mutex<HashMap<String, Bucket>>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("per_caller", &self.per_caller)
            .field("global", &self.global.as_ref().map(|(q, _)| q))
            .finish_non_exhaustive()
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(None, None)
    }
}

impl RateLimiter {
    /// No limits.
    pub fn unlimited() -> Self {
        Self::default()
    }

    /// On the wall clock; see [`RateLimiter::with_clock`].
    pub fn new(per_caller: Option<Quota>, global: Option<Quota>) -> Self {
        Self {
            per_caller: per_caller.filter(|q| q.requests > 0),
            global: global
                .filter(|q| q.requests > 0)
                .map(|q| (q, Mutex::new(None))),
            callers: Mutex::new(HashMap::new()),
            clock: Arc::new(SystemClock),
        }
    }

    /// Counts time on `clock` (tests pass one they move by hand).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Errors with the seconds to wait.
    pub fn check_global(&self) -> Result<(), u64> {
        self.check_global_at(self.clock.now())
    }

    fn check_global_at(&self, now: DateTime<Utc>) -> Result<(), u64> {
        let Some((quota, bucket)) = &self.global else {
            return Ok(());
        };
        let mut b = bucket.lock().unwrap_or_else(|p| p.into_inner());
        b.get_or_insert_with(|| Bucket::full(*quota, now))
            .take(*quota, now)
    }

    /// Errors with the seconds to wait.
    pub fn check_caller(&self, subject: &str) -> Result<(), u64> {
        self.check_caller_at(subject, self.clock.now())
    }

    fn check_caller_at(&self, subject: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let Some(quota) = self.per_caller else {
            return Ok(());
        };
        let mut callers = self.callers.lock().unwrap_or_else(|p| p.into_inner());
        if callers.len() >= MAX_TRACKED_CALLERS && !callers.contains_key(subject) {
            // Forget callers whose bucket has refilled: they would start full anyway.
            callers.retain(|_, b| !b.refilled(quota, now));
        }
        callers
            .entry(subject.to_owned())
            .or_insert_with(|| Bucket::full(quota, now))
            .take(quota, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each test passes its own instants, so the answers are exact whatever the machine's speed.

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).expect("a valid instant")
    }

    fn at(millis: i64) -> DateTime<Utc> {
        t0() + chrono::Duration::milliseconds(millis)
    }

    #[test]
    fn a_caller_over_quota_waits_others_do_not() {
        let limiter = RateLimiter::new(Some(Quota::per_minute(2)), None);
        assert_eq!(limiter.check_caller_at("a", t0()), Ok(()));
        assert_eq!(limiter.check_caller_at("a", t0()), Ok(()));
        // Empty: one token refills in 30 s (2 per minute).
        assert_eq!(limiter.check_caller_at("a", t0()), Err(30));
        assert_eq!(limiter.check_caller_at("b", t0()), Ok(()));
        assert_eq!(limiter.check_global_at(t0()), Ok(()));
        assert_eq!(limiter.check_caller_at("a", at(30_000)), Ok(()));
    }

    #[test]
    fn a_wait_of_exactly_whole_seconds_is_not_rounded_up() {
        let limiter = RateLimiter::new(Some(Quota::per_minute(2)), None);
        assert_eq!(limiter.check_caller_at("a", t0()), Ok(()));
        assert_eq!(limiter.check_caller_at("a", t0()), Ok(()));
        // A third of a token came back in 10 s; the rest takes exactly 20 s (a float said 21).
        assert_eq!(limiter.check_caller_at("a", at(10_000)), Err(20));
        assert_eq!(limiter.check_caller_at("a", at(29_999)), Err(1));
        assert_eq!(limiter.check_caller_at("a", at(30_000)), Ok(()));
        assert_eq!(limiter.check_caller_at("a", at(30_000)), Err(30));
    }

    #[test]
    fn the_global_quota_counts_everyone() {
        let limiter = RateLimiter::new(None, Some(Quota::per_minute(1)));
        assert_eq!(limiter.check_global_at(t0()), Ok(()));
        assert_eq!(limiter.check_global_at(t0()), Err(60));
        assert_eq!(limiter.check_global_at(at(59_500)), Err(1));
        assert_eq!(limiter.check_global_at(at(60_000)), Ok(()));
    }

    #[test]
    fn a_clock_that_goes_back_refills_nothing_and_counts_on_from_there() {
        let limiter = RateLimiter::new(None, Some(Quota::per_minute(1)));
        assert_eq!(limiter.check_global_at(at(60_000)), Ok(()));
        assert_eq!(limiter.check_global_at(t0()), Err(60));
        assert_eq!(limiter.check_global_at(at(60_000)), Ok(()));
    }
}
