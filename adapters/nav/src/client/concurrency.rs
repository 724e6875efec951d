//! How many NAV requests this process has in flight at once: an adaptive limit in the spirit of
//! Netflix's concurrency-limits (AIMD with a latency gradient).
//!
//! NAV's one-request-per-second restriction covers v1 endpoints only (spec 1.6.11); on v3 an
//! overloaded NAV answers slowly, with 500 `OPERATION_FAILED`, timeouts or resets. So the
//! controller starts low, adds about one request in flight per round of successful answers
//! while latency stays near its usual level, and cuts the limit hard on the first sign of
//! overload. One controller serves a whole [`super::NavClient`] (all its clones, taxpayers,
//! directions and retries): one process, one source IP, one budget.
//!
//! Hand-written rather than a crate: the Rust ports found (tower-acc 0.1, rate_limiter_aimd 0.1)
//! are young single releases shaped as tower/reqwest middleware, while this client needs the
//! overload signal from NAV's answer *document* (OPERATION_FAILED in a 500 body) and counters
//! for its run reports; the rule itself is a few lines.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::error::ClientError;
use super::request::Operation;

/// The controller's settings. [`ConcurrencyConfig::default`]: start at 2, ceiling 8.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConcurrencyConfig {
    /// Requests in flight at the start, before anything is known of NAV's latency.
    pub initial: usize,
    /// Never more requests in flight than this. A modest default (8): NAV serves every
    /// taxpayer in the country, and a client that finds more room should still not take it.
    pub max: usize,
    /// Latency counts as rising when its short-term average exceeds its floor (per
    /// operation) by this factor; the limit is then cut. Default 1.5: half the requests
    /// waiting a whole service time in NAV's queue.
    pub latency_tolerance: f64,
    /// The limit grows only while the short-term average stays below this factor of the
    /// floor ("near its floor"). Default 1.25: NAV's answers vary widely (a lognormal σ of
    /// 0.5 puts the mean 13 % over the median), and a tighter bound would stall growth on
    /// noise alone.
    pub growth_tolerance: f64,
}

impl Default for ConcurrencyConfig {
    fn default() -> Self {
        Self {
            initial: 2,
            max: 8,
            latency_tolerance: 1.5,
            growth_tolerance: 1.25,
        }
    }
}

impl ConcurrencyConfig {
    /// Checks the bounds; the error names the setting to fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.max == 0 {
            return Err("max_concurrency must be at least 1".into());
        }
        if self.initial == 0 || self.initial > self.max {
            return Err(format!(
                "initial concurrency must be from 1 to max_concurrency ({}), got {}",
                self.max, self.initial
            ));
        }
        if !(self.growth_tolerance > 1.0 && self.latency_tolerance >= self.growth_tolerance) {
            return Err(format!(
                "latency tolerances must satisfy 1 < growth ({}) <= cut ({})",
                self.growth_tolerance, self.latency_tolerance
            ));
        }
        Ok(())
    }
}

/// Why the limit was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverloadSignal {
    /// A 5xx answer (other than OPERATION_FAILED), e.g. a gateway's 502/504 page or 503.
    ServerError,
    /// NAV's 500 `OPERATION_FAILED`.
    OperationFailed,
    /// No answer within the request timeout.
    Timeout,
    /// The connection was reset or refused.
    Reset,
    /// Latency well above its usual level.
    RisingLatency,
}

impl OverloadSignal {
    /// The overload an error shows, if any. Authentication, validation and decoding errors
    /// say nothing about NAV's load; neither does REQUEST_ID_NOT_UNIQUE.
    pub fn of(error: &ClientError) -> Option<Self> {
        match error {
            ClientError::Nav(f) if f.code == "OPERATION_FAILED" => Some(Self::OperationFailed),
            ClientError::Nav(f) if f.code == "MAINTENANCE_MODE" || f.status >= 500 => {
                Some(Self::ServerError)
            }
            ClientError::NonXmlBody { status, .. }
            | ClientError::InvalidResponse { status, .. }
                if *status >= 500 || *status == 429 =>
            {
                Some(Self::ServerError)
            }
            ClientError::Timeout(_) => Some(Self::Timeout),
            ClientError::ConnectionReset(_) | ClientError::Connect(_) => Some(Self::Reset),
            _ => None,
        }
    }
}

/// Limit cuts, by the signal that caused them. One overload episode cuts once: answers to
/// requests sent before the cut do not cut again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backoffs {
    pub server_error: u64,
    pub operation_failed: u64,
    pub timeout: u64,
    pub reset: u64,
    pub rising_latency: u64,
}

impl Backoffs {
    pub fn total(&self) -> u64 {
        self.server_error + self.operation_failed + self.timeout + self.reset + self.rising_latency
    }

    fn bump(&mut self, signal: OverloadSignal) {
        *match signal {
            OverloadSignal::ServerError => &mut self.server_error,
            OverloadSignal::OperationFailed => &mut self.operation_failed,
            OverloadSignal::Timeout => &mut self.timeout,
            OverloadSignal::Reset => &mut self.reset,
            OverloadSignal::RisingLatency => &mut self.rising_latency,
        } += 1;
    }
}

/// A snapshot of the controller, in [`super::ClientStats::concurrency`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConcurrencyStats {
    /// Requests allowed in flight now.
    pub limit: usize,
    /// The ceiling configured.
    pub max: usize,
    /// Whether the limit adapts (false in strict pacing: one at a time).
    pub adaptive: bool,
    /// Requests in flight now.
    pub in_flight: usize,
    /// Most requests in flight at once so far.
    pub peak_in_flight: usize,
    /// Highest limit reached so far.
    pub peak_limit: usize,
    pub backoffs: Backoffs,
}

/// Multiplicative decrease: an error halves the limit; rising latency takes a quarter off.
const ERROR_CUT: f64 = 0.5;
const LATENCY_CUT: f64 = 0.75;
/// Weight of one answer in the short-term latency average (about the last 30 answers).
const SHORT_WEIGHT: f64 = 1.0 / 16.0;
/// Weight of one answer in an operation's smoothed latency (about the last 130 answers):
/// smooth enough that its minimum is close to the mean of an unloaded NAV.
const LONG_WEIGHT: f64 = 1.0 / 64.0;
/// The floor is the lowest smoothed latency over the last one to two windows of this many
/// answers of the operation: a NAV that got slower for good raises it within two windows.
/// Known limit: the controller cannot tell that from a queue it keeps full itself, so after a
/// window spent at capacity the floor creeps up by the queue's share (at most the latency
/// tolerance) and the limit may grow a step; NAV's own refusals then cut it. Long windows
/// keep the creep slow.
const FLOOR_WINDOW: u64 = 2048;
/// An operation's latency is judged only after this many answers: before, its floor is noise.
const WARM_UP: u64 = 32;
/// Above the limit at which the last error came, growth slows eightfold: probing, not
/// running into the same wall every few rounds.
const PROBE_SLOWDOWN: f64 = 8.0;

/// One operation's latency picture (seconds).
#[derive(Debug, Clone, Copy, Default)]
struct Latency {
    answers: u64,
    smoothed: f64,
    window_min: f64,
    previous_min: f64,
}

impl Latency {
    /// Takes one answer; the operation's floor afterwards.
    fn observe(&mut self, latency: f64) -> f64 {
        if self.answers == 0 {
            self.smoothed = latency;
            self.window_min = latency;
            self.previous_min = latency;
        }
        self.answers += 1;
        self.smoothed += LONG_WEIGHT * (latency - self.smoothed);
        if self.answers <= WARM_UP {
            // The average still leans on its first few answers: no floor from it yet.
            self.window_min = self.smoothed;
            self.previous_min = self.smoothed;
        }
        self.window_min = self.window_min.min(self.smoothed);
        if self.answers.is_multiple_of(FLOOR_WINDOW) {
            self.previous_min = self.window_min;
            self.window_min = self.smoothed;
        }
        self.window_min.min(self.previous_min)
    }
}

#[derive(Debug)]
struct State {
    limit: f64,
    in_flight: usize,
    peak_in_flight: usize,
    peak_limit: usize,
    backoffs: Backoffs,
    /// Sequence number of the next request admitted.
    next_seq: u64,
    /// Requests admitted before this one answer for an episode already cut for.
    cut_seq: u64,
    latency: [Latency; Operation::ALL.len()],
    /// Short-term average of latency over its floor, all operations together.
    ratio: f64,
    /// The limit when the last error cut it.
    error_limit: Option<f64>,
}

/// See the module documentation. Requests wait in [`ConcurrencyController::acquire`] for a
/// free slot; the slot's [`Permit`] reports how its request went.
#[derive(Debug)]
pub struct ConcurrencyController {
    config: ConcurrencyConfig,
    adaptive: bool,
    state: Mutex<State>,
    freed: Notify,
}

impl ConcurrencyController {
    /// An adaptive controller. `config` must pass [`ConcurrencyConfig::validate`].
    pub fn adaptive(config: ConcurrencyConfig) -> Self {
        Self::build(config, true)
    }

    /// A fixed limit of `n` in flight (strict pacing uses 1).
    pub fn fixed(n: usize) -> Self {
        let n = n.max(1);
        Self::build(
            ConcurrencyConfig {
                initial: n,
                max: n,
                ..ConcurrencyConfig::default()
            },
            false,
        )
    }

    fn build(config: ConcurrencyConfig, adaptive: bool) -> Self {
        Self {
            adaptive,
            state: Mutex::new(State {
                limit: config.initial as f64,
                in_flight: 0,
                peak_in_flight: 0,
                peak_limit: config.initial,
                backoffs: Backoffs::default(),
                next_seq: 0,
                cut_seq: 0,
                latency: [Latency::default(); Operation::ALL.len()],
                ratio: 1.0,
                error_limit: None,
            }),
            config,
            freed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere; the counters are still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a slot under the current limit. Waiters are woken whenever a slot frees up
    /// or the limit grows.
    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Registered before the check, so a release between the check and the wait is
            // not missed.
            freed.as_mut().enable();
            {
                let mut s = self.lock();
                if s.in_flight < s.limit as usize {
                    s.in_flight += 1;
                    s.peak_in_flight = s.peak_in_flight.max(s.in_flight);
                    let seq = s.next_seq;
                    s.next_seq += 1;
                    // Growth only when the limit is what holds requests back; an idle limit
                    // proves nothing about NAV.
                    let saturated = s.in_flight >= s.limit as usize;
                    return Permit {
                        controller: self,
                        seq,
                        saturated,
                        started: Instant::now(),
                        done: false,
                    };
                }
            }
            freed.await;
        }
    }

    pub fn stats(&self) -> ConcurrencyStats {
        let s = self.lock();
        ConcurrencyStats {
            limit: s.limit as usize,
            max: self.config.max,
            adaptive: self.adaptive,
            in_flight: s.in_flight,
            peak_in_flight: s.peak_in_flight,
            peak_limit: s.peak_limit,
            backoffs: s.backoffs,
        }
    }

    fn release(&self, seq: u64, saturated: bool, outcome: Outcome) {
        {
            let mut s = self.lock();
            s.in_flight -= 1;
            if self.adaptive {
                self.adapt(&mut s, seq, saturated, outcome);
            }
        }
        self.freed.notify_waiters();
    }

    fn adapt(&self, s: &mut State, seq: u64, saturated: bool, outcome: Outcome) {
        let signal = match outcome {
            Outcome::Cancelled => return,
            Outcome::Overload(signal) => Some(signal),
            Outcome::Answered(op, latency) => {
                let latency = latency.as_secs_f64().max(1e-6);
                let judged = &mut s.latency[op.index()];
                let floor = judged.observe(latency);
                let warm = judged.answers > WARM_UP;
                if warm {
                    s.ratio += SHORT_WEIGHT * (latency / floor - s.ratio);
                }
                if warm && s.ratio > self.config.latency_tolerance {
                    Some(OverloadSignal::RisingLatency)
                } else {
                    // While warming up only errors cut: the start limit is low anyway.
                    if saturated && s.ratio < self.config.growth_tolerance {
                        // Additive increase: about +1 per round of `limit` answers, slower
                        // past where the last error came.
                        let mut step = 1.0 / s.limit;
                        if s.error_limit.is_some_and(|wall| s.limit + 1.0 >= wall) {
                            step /= PROBE_SLOWDOWN;
                        }
                        s.limit = (s.limit + step).min(self.config.max as f64);
                        s.peak_limit = s.peak_limit.max(s.limit as usize);
                    }
                    None
                }
            }
        };
        let Some(signal) = signal else { return };
        if seq < s.cut_seq {
            // Sent under the old limit: the same episode, already cut for.
            return;
        }
        if signal == OverloadSignal::RisingLatency {
            s.limit = (s.limit * LATENCY_CUT).max(1.0);
            // The average starts over at the growth threshold: the answers still arriving
            // from the old limit do not cut twice, and growth waits for proof of room.
            s.ratio = self.config.growth_tolerance;
        } else {
            s.error_limit = Some(s.limit);
            s.limit = (s.limit * ERROR_CUT).max(1.0);
        }
        s.cut_seq = s.next_seq;
        s.backoffs.bump(signal);
        tracing::info!(?signal, limit = s.limit as usize, "NAV concurrency cut");
    }
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Answered(Operation, Duration),
    Overload(OverloadSignal),
    Cancelled,
}

/// One slot in flight. Say how it went with [`Permit::answered`] or [`Permit::failed`];
/// dropped without either (a cancelled request), it frees the slot and teaches nothing.
#[derive(Debug)]
pub struct Permit<'a> {
    controller: &'a ConcurrencyController,
    seq: u64,
    saturated: bool,
    started: Instant,
    done: bool,
}

impl Permit<'_> {
    /// Latency is measured from now: call it when the request leaves, after any pacing wait.
    pub fn sent(&mut self) {
        self.started = Instant::now();
    }

    /// NAV answered (an OK or an error document that is not an overload sign) after the
    /// time since [`ConcurrencyController::acquire`] returned.
    pub fn answered(mut self, op: Operation) {
        self.finish(Outcome::Answered(op, self.started.elapsed()));
    }

    /// The request failed with `error`: an overload sign cuts the limit; other errors count
    /// as answers.
    pub fn failed(mut self, op: Operation, error: &ClientError) {
        let outcome = match OverloadSignal::of(error) {
            Some(signal) => Outcome::Overload(signal),
            None => Outcome::Answered(op, self.started.elapsed()),
        };
        self.finish(outcome);
    }

    fn finish(&mut self, outcome: Outcome) {
        self.done = true;
        self.controller.release(self.seq, self.saturated, outcome);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.controller
                .release(self.seq, self.saturated, Outcome::Cancelled);
        }
    }
}
