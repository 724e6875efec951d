//! The simulator as a loaded server: each request takes a service time drawn per operation,
//! at most `capacity` are served at once, up to `queue_limit` more wait, and a request that
//! finds the queue full, or waits past `queue_timeout`, is answered 500 `OPERATION_FAILED`,
//! as an overloaded NAV answers (nav-gov-hu/Online-Invoice #1112, #345, #329).
//!
//! The defaults follow what NAV's users and its specification report for a normal day:
//! answers "typically under 200 ms" (spec 1.6.6), digests slower than single documents, and a
//! long tail (lognormal, σ 0.5: one answer in twenty takes over twice the median). Bad days
//! are far slower (#795: 2–20 s per `queryInvoiceData`; #640: timeouts under continuous
//! download); scale the medians for those drills.
//!
//! Times come from tokio's clock, so tests run it on a paused clock, and draws from a stream
//! seeded by the run's seed, so the same requests in the same order take the same times.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::request::Operation;
use crate::rng::Rng;

/// One operation's service time: lognormal around `median`, never above `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceTime {
    pub median: Duration,
    /// Spread of the underlying normal; 0 makes every answer take `median`.
    pub sigma: f64,
    pub max: Duration,
}

impl ServiceTime {
    pub fn fixed(t: Duration) -> Self {
        Self {
            median: t,
            sigma: 0.0,
            max: t,
        }
    }

    fn draw(&self, rng: &mut Rng) -> Duration {
        if self.sigma <= 0.0 {
            return self.median;
        }
        // Box–Muller: one standard normal from two uniforms (u1 in (0, 1]).
        let u1 = 1.0 - rng.unit();
        let u2 = rng.unit();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let secs = self.median.as_secs_f64() * (self.sigma * z).exp();
        Duration::from_secs_f64(secs.min(self.max.as_secs_f64()))
    }
}

/// How the simulator behaves under load. [`LoadModel::realistic`] gives the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadModel {
    /// Requests served at once; more wait in the queue.
    pub capacity: usize,
    /// Requests that may wait; one more is refused at once.
    pub queue_limit: usize,
    /// A request that waited this long is refused (NAV gives up on a synchronous request
    /// after 5 s, spec 1.6.6).
    pub queue_timeout: Duration,
    /// Service time per operation, in [`Operation::ALL`] order.
    pub service: [ServiceTime; Operation::ALL.len()],
}

impl LoadModel {
    /// A normal day at NAV, for one client's share: 6 requests served at once, 6 more
    /// queued, a 5 s queue timeout; medians 300 ms for a digest page, 200 ms for a document,
    /// 150 ms for the small queries; σ 0.5; nothing over 60 s.
    pub fn realistic() -> Self {
        let t = |ms: u64| ServiceTime {
            median: Duration::from_millis(ms),
            sigma: 0.5,
            max: Duration::from_secs(60),
        };
        let mut service = [t(150); Operation::ALL.len()];
        service[index(Operation::QueryInvoiceDigest)] = t(300);
        service[index(Operation::QueryInvoiceChainDigest)] = t(300);
        service[index(Operation::QueryInvoiceData)] = t(200);
        Self {
            capacity: 6,
            queue_limit: 6,
            queue_timeout: Duration::from_secs(5),
            service,
        }
    }

    /// Every median multiplied by `factor` (a slow day: 10).
    pub fn scaled(mut self, factor: f64) -> Self {
        for s in &mut self.service {
            s.median = s.median.mul_f64(factor);
        }
        self
    }

    pub fn service(&self, op: Operation) -> ServiceTime {
        self.service[index(op)]
    }

    /// Checks the bounds; the error names the flag to fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.capacity == 0 {
            return Err("--load-capacity must be at least 1".into());
        }
        if self.service.iter().any(|s| !(0.0..=3.0).contains(&s.sigma)) {
            return Err("--load-sigma must be from 0 to 3".into());
        }
        Ok(())
    }
}

fn index(op: Operation) -> usize {
    Operation::ALL
        .iter()
        .position(|&o| o == op)
        .expect("every operation is in ALL")
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overload {
    QueueFull,
    QueueTimeout,
}

impl Overload {
    /// The key in the simulator's fault counters.
    pub fn fault(self) -> &'static str {
        match self {
            Overload::QueueFull => "overload_queue_full",
            Overload::QueueTimeout => "overload_queue_timeout",
        }
    }
}

/// The running server's load: requests in flight (counted with or without a model) and, with
/// a model, its slots, queue and draws.
pub struct Load {
    model: Option<LoadModel>,
    slots: Semaphore,
    waiting: AtomicUsize,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
    peak_served: AtomicUsize,
    served: AtomicU64,
    rng: Mutex<Rng>,
}

impl Load {
    pub fn new(model: Option<LoadModel>, seed: u64) -> Self {
        Self {
            slots: Semaphore::new(model.as_ref().map_or(0, |m| m.capacity)),
            model,
            waiting: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            peak_in_flight: AtomicUsize::new(0),
            peak_served: AtomicUsize::new(0),
            served: AtomicU64::new(0),
            rng: Mutex::new(Rng::new(seed).fork(0x10AD)),
        }
    }

    /// Counts one NAV request in flight until the guard drops (its answer is written, or its
    /// connection reset).
    pub fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(self)
    }

    /// Serves `op` under the model: waits for a slot (or is refused), then takes its service
    /// time. Without a model, at once.
    pub async fn serve(&self, op: Operation) -> Result<(), Overload> {
        let Some(model) = &self.model else {
            return Ok(());
        };
        let slot = match self.slots.try_acquire() {
            Ok(slot) => slot,
            Err(_) => {
                // Reserve a queue place first, so concurrent arrivals cannot overfill it.
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= model.queue_limit {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(Overload::QueueFull);
                }
                let waited = tokio::time::timeout(model.queue_timeout, self.slots.acquire()).await;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                match waited {
                    Ok(Ok(slot)) => slot,
                    // The semaphore is never closed; a timeout is the only way out.
                    _ => return Err(Overload::QueueTimeout),
                }
            }
        };
        let serving = model.capacity - self.slots.available_permits();
        self.peak_served.fetch_max(serving, Ordering::SeqCst);
        let t = model
            .service(op)
            .draw(&mut self.rng.lock().unwrap_or_else(|e| e.into_inner()));
        tokio::time::sleep(t).await;
        drop(slot);
        self.served.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    pub fn stats(&self) -> LoadStats {
        LoadStats {
            in_flight: self.in_flight.load(Ordering::SeqCst),
            peak_in_flight: self.peak_in_flight.load(Ordering::SeqCst),
            capacity: self.model.as_ref().map(|m| m.capacity),
            peak_served: self.peak_served.load(Ordering::SeqCst),
            served: self.served.load(Ordering::SeqCst),
        }
    }
}

/// See [`Load::enter`].
pub struct InFlight<'a>(&'a Load);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What the load model saw, in [`crate::SimStats::load`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LoadStats {
    /// NAV requests being handled now.
    pub in_flight: usize,
    /// Most NAV requests handled at once (queued ones included).
    pub peak_in_flight: usize,
    /// The model's capacity; `None` without a model.
    pub capacity: Option<usize>,
    /// Most requests in service at once (at most the capacity).
    pub peak_served: usize,
    /// Requests that went through the model's service.
    pub served: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_times_are_lognormal_around_the_median_and_capped() {
        let s = ServiceTime {
            median: Duration::from_millis(200),
            sigma: 0.5,
            max: Duration::from_secs(1),
        };
        let mut rng = Rng::new(7);
        let mut draws: Vec<Duration> = (0..10_000).map(|_| s.draw(&mut rng)).collect();
        draws.sort();
        let median = draws[5_000].as_millis();
        assert!((185..=215).contains(&median), "median {median} ms");
        // exp(1.645 * 0.5) = 2.28: the 95th percentile is near 456 ms.
        let p95 = draws[9_500].as_millis();
        assert!((410..=500).contains(&p95), "p95 {p95} ms");
        assert_eq!(*draws.last().unwrap(), Duration::from_secs(1), "capped");
        // Same seed, same draws.
        let mut again = Rng::new(7);
        assert_eq!(s.draw(&mut again), {
            let mut r = Rng::new(7);
            s.draw(&mut r)
        });
    }

    #[tokio::test(start_paused = true)]
    async fn beyond_capacity_requests_queue_then_are_refused() {
        let model = LoadModel {
            capacity: 2,
            queue_limit: 1,
            queue_timeout: Duration::from_secs(5),
            service: [ServiceTime::fixed(Duration::from_secs(1)); Operation::ALL.len()],
        };
        let load = std::sync::Arc::new(Load::new(Some(model), 1));
        let start = tokio::time::Instant::now();
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let load = load.clone();
                tokio::spawn(async move {
                    let _in = load.enter();
                    let r = load.serve(Operation::QueryInvoiceData).await;
                    (r, start.elapsed())
                })
            })
            .collect();
        let mut results = Vec::new();
        for c in calls {
            results.push(c.await.unwrap());
        }
        let secs = Duration::from_secs;
        assert_eq!(
            results,
            [
                (Ok(()), secs(1)),
                (Ok(()), secs(1)),
                (Ok(()), secs(2)),
                (Err(Overload::QueueFull), Duration::ZERO),
            ]
        );
        let s = load.stats();
        assert_eq!(
            (s.peak_in_flight, s.peak_served, s.served, s.in_flight),
            (4, 2, 3, 0)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_queued_past_the_timeout_is_refused() {
        let model = LoadModel {
            capacity: 1,
            queue_limit: 10,
            queue_timeout: Duration::from_secs(5),
            service: [ServiceTime::fixed(Duration::from_secs(8)); Operation::ALL.len()],
        };
        let load = std::sync::Arc::new(Load::new(Some(model), 1));
        let first = tokio::spawn({
            let load = load.clone();
            async move { load.serve(Operation::QueryInvoiceDigest).await }
        });
        tokio::task::yield_now().await;
        let start = tokio::time::Instant::now();
        assert_eq!(
            load.serve(Operation::QueryInvoiceDigest).await,
            Err(Overload::QueueTimeout)
        );
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert_eq!(first.await.unwrap(), Ok(()));
    }
}
