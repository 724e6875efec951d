//! Token-bucket throttling per caller (the token's `sub`) and for the whole instance.
//! In-process: each Lambda instance or local server counts for itself.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

    fn refill_per_sec(&self) -> f64 {
        f64::from(self.requests) / self.per.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Takes one token, or says in how many whole seconds one is due.
    fn take(&mut self, quota: Quota, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(quota.requests);
        let rate = quota.refill_per_sec();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * rate).min(capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - self.tokens) / rate).ceil().max(1.0) as u64)
        }
    }

    fn full(quota: Quota, now: Instant) -> Self {
        Self {
            tokens: f64::from(quota.requests),
            at: now,
        }
    }
}

/// Callers tracked at once before idle ones are forgotten.
const MAX_TRACKED_CALLERS: usize = 10_000;

#[derive(Debug, Default)]
pub struct RateLimiter {
    per_caller: Option<Quota>,
    global: Option<(Quota, Mutex<Option<Bucket>>)>,
    callers: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// No limits.
    pub fn unlimited() -> Self {
        Self::default()
    }

    pub fn new(per_caller: Option<Quota>, global: Option<Quota>) -> Self {
        Self {
            per_caller: per_caller.filter(|q| q.requests > 0),
            global: global
                .filter(|q| q.requests > 0)
                .map(|q| (q, Mutex::new(None))),
            callers: Mutex::new(HashMap::new()),
        }
    }

    /// Errors with the seconds to wait.
    pub fn check_global(&self) -> Result<(), u64> {
        self.check_global_at(Instant::now())
    }

    /// [`RateLimiter::check_global`] at `now` (tests pass their own instants).
    fn check_global_at(&self, now: Instant) -> Result<(), u64> {
        let Some((quota, bucket)) = &self.global else {
            return Ok(());
        };
        let mut b = bucket.lock().unwrap_or_else(|p| p.into_inner());
        b.get_or_insert_with(|| Bucket::full(*quota, now))
            .take(*quota, now)
    }

    /// Errors with the seconds to wait.
    pub fn check_caller(&self, subject: &str) -> Result<(), u64> {
        self.check_caller_at(subject, Instant::now())
    }

    /// [`RateLimiter::check_caller`] at `now` (tests pass their own instants).
    fn check_caller_at(&self, subject: &str, now: Instant) -> Result<(), u64> {
        let Some(quota) = self.per_caller else {
            return Ok(());
        };
        let mut callers = self.callers.lock().unwrap_or_else(|p| p.into_inner());
        if callers.len() >= MAX_TRACKED_CALLERS && !callers.contains_key(subject) {
            // Forget callers whose bucket has refilled: they would start full anyway.
            callers.retain(|_, b| {
                f64::from(quota.requests) - b.tokens
                    > now.duration_since(b.at).as_secs_f64() * quota.refill_per_sec()
            });
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

    #[test]
    fn a_caller_over_quota_waits_others_do_not() {
        let limiter = RateLimiter::new(Some(Quota::per_minute(2)), None);
        let t0 = Instant::now();
        assert_eq!(limiter.check_caller_at("a", t0), Ok(()));
        assert_eq!(limiter.check_caller_at("a", t0), Ok(()));
        // Empty: one token refills in 30 s (2 per minute).
        assert_eq!(limiter.check_caller_at("a", t0), Err(30));
        assert_eq!(limiter.check_caller_at("b", t0), Ok(()));
        assert_eq!(limiter.check_global_at(t0), Ok(()));
        assert_eq!(
            limiter.check_caller_at("a", t0 + Duration::from_secs(30)),
            Ok(())
        );
    }

    #[test]
    fn the_global_quota_counts_everyone() {
        let limiter = RateLimiter::new(None, Some(Quota::per_minute(1)));
        let t0 = Instant::now();
        assert_eq!(limiter.check_global_at(t0), Ok(()));
        assert_eq!(limiter.check_global_at(t0), Err(60));
        assert_eq!(
            limiter.check_global_at(t0 + Duration::from_millis(59_500)),
            Err(1)
        );
        assert_eq!(
            limiter.check_global_at(t0 + Duration::from_secs(60)),
            Ok(())
        );
    }
}
