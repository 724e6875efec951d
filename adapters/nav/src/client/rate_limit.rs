//! Pacing: NAV serves one request per second per IP on its restricted endpoints and holds back
//! (+4 s each) or drops a client that sends faster (spec 1.6.11). The limiter keeps one client's
//! requests — concurrent callers and retries alike — at least `interval` apart, measured from
//! the moment the previous request was sent.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    interval: Option<Duration>,
    last_sent: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `None` switches pacing off.
    pub fn new(interval: Option<Duration>) -> Self {
        Self {
            interval: interval.filter(|d| !d.is_zero()),
            last_sent: Mutex::new(None),
        }
    }

    pub fn interval(&self) -> Option<Duration> {
        self.interval
    }

    /// Waits until a request may be sent and records that it is sent now. Callers queue on the
    /// lock in arrival order (tokio's mutex is fair), so each waits for the one before it.
    pub async fn until_ready(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let mut last = self.last_sent.lock().await;
        if let Some(prev) = *last {
            tokio::time::sleep_until(prev + interval).await;
        }
        *last = Some(Instant::now());
    }
}
