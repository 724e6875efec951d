//! The controller against a modelled server on tokio's paused clock: time moves only when
//! every task waits for a timer, so each run is the same run. The model counts what is in
//! flight at the server itself, independent of the controller's own counters.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::Duration;

use navsync_nav::client::{
    Backoffs, ClientError, ConcurrencyConfig, ConcurrencyController, FaultKind, NavFault,
    Operation, OverloadSignal,
};

const OP: Operation = Operation::QueryInvoiceData;

fn operation_failed() -> ClientError {
    ClientError::Nav(NavFault {
        kind: FaultKind::GeneralError,
        status: 500,
        code: "OPERATION_FAILED".into(),
        message: "Operation failed!".into(),
        technical_validation: Vec::new(),
    })
}

/// A server that serves `capacity` requests at once in `service` each, queues up to
/// `queue` more (their latency grows by the wait) and answers the rest at once with 500
/// OPERATION_FAILED; `fail_from..fail_to` (request numbers) fail with `fault` regardless.
struct Model {
    capacity: tokio::sync::Semaphore,
    slots: usize,
    queue: usize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    served: AtomicUsize,
    overloaded: AtomicUsize,
    arrivals: AtomicUsize,
    service: Duration,
    failing: std::ops::Range<usize>,
    fault: fn() -> ClientError,
}

impl Model {
    fn new(capacity: usize, queue: usize, service: Duration) -> Self {
        Self {
            capacity: tokio::sync::Semaphore::new(capacity),
            slots: capacity,
            queue,
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            served: AtomicUsize::new(0),
            overloaded: AtomicUsize::new(0),
            arrivals: AtomicUsize::new(0),
            service,
            failing: 0..0,
            fault: operation_failed,
        }
    }

    async fn call(&self) -> Result<(), ClientError> {
        let n = self.arrivals.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let result = self.serve(n).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    async fn serve(&self, n: usize) -> Result<(), ClientError> {
        if self.failing.contains(&n) {
            tokio::time::sleep(self.service).await;
            return Err((self.fault)());
        }
        // Counted from what is in flight, so a request handed a slot the instant another
        // finished is not still counted as queued.
        if self.in_flight.load(Ordering::SeqCst) > self.slots + self.queue {
            self.overloaded.fetch_add(1, Ordering::SeqCst);
            return Err(operation_failed());
        }
        let slot = self.capacity.acquire().await.unwrap();
        tokio::time::sleep(self.service).await;
        drop(slot);
        self.served.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// `callers` tasks each send `per_caller` requests one after another through `controller`.
async fn drive(
    controller: &Arc<ConcurrencyController>,
    model: &Arc<Model>,
    callers: usize,
    per_caller: usize,
) {
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (c, m) = (controller.clone(), model.clone());
            tokio::spawn(async move {
                for _ in 0..per_caller {
                    let permit = c.acquire().await;
                    match m.call().await {
                        Ok(()) => permit.answered(OP),
                        Err(e) => permit.failed(OP, &e),
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

fn adaptive() -> Arc<ConcurrencyController> {
    Arc::new(ConcurrencyController::adaptive(ConcurrencyConfig::default()))
}

#[tokio::test(start_paused = true)]
async fn grows_from_two_to_the_ceiling_when_healthy_and_never_past_it() {
    let c = adaptive();
    assert_eq!(c.stats().limit, 2);
    let model = Arc::new(Model::new(1000, 0, Duration::from_millis(200)));
    drive(&c, &model, 32, 20).await;
    let s = c.stats();
    assert_eq!(s.limit, 8);
    assert_eq!(s.peak_limit, 8);
    assert_eq!(s.peak_in_flight, 8);
    assert_eq!(
        model.peak.load(Ordering::SeqCst),
        8,
        "the server saw 8 at most"
    );
    assert_eq!(s.backoffs, Backoffs::default());
    assert_eq!(s.in_flight, 0);
}

#[tokio::test(start_paused = true)]
async fn a_custom_ceiling_holds_under_any_number_of_callers() {
    let c = Arc::new(ConcurrencyController::adaptive(ConcurrencyConfig {
        max: 3,
        ..ConcurrencyConfig::default()
    }));
    let model = Arc::new(Model::new(1000, 0, Duration::from_millis(50)));
    drive(&c, &model, 100, 5).await;
    assert_eq!(model.peak.load(Ordering::SeqCst), 3);
    assert_eq!(c.stats().limit, 3);
    assert_eq!(model.served.load(Ordering::SeqCst), 500);
}

/// The requests in flight when the first of them fails were all sent under the old limit:
/// their failures are one episode, cut for once. A request sent after the cut cuts again.
#[tokio::test(start_paused = true)]
async fn failures_of_one_episode_cut_once() {
    let c = ConcurrencyController::adaptive(ConcurrencyConfig {
        initial: 8,
        ..ConcurrencyConfig::default()
    });
    let mut in_flight = Vec::new();
    for _ in 0..8 {
        in_flight.push(c.acquire().await);
    }
    for permit in in_flight {
        permit.failed(OP, &operation_failed());
    }
    let s = c.stats();
    assert_eq!((s.limit, s.backoffs.operation_failed), (4, 1));
    c.acquire().await.failed(OP, &operation_failed());
    let s = c.stats();
    assert_eq!((s.limit, s.backoffs.operation_failed), (2, 2));
}

/// A burst of OPERATION_FAILED mid-run cuts the limit; healthy answers after it grow it
/// back to the ceiling.
#[tokio::test(start_paused = true)]
async fn after_a_burst_of_operation_failed_the_limit_recovers() {
    let c = adaptive();
    let mut model = Model::new(1000, 0, Duration::from_millis(200));
    model.failing = 400..408;
    let model = Arc::new(model);
    drive(&c, &model, 8, 200).await;
    let s = c.stats();
    assert!(s.backoffs.operation_failed >= 1, "{s:?}");
    assert_eq!(s.backoffs.total(), s.backoffs.operation_failed);
    assert_eq!(s.limit, 8, "grew back: {s:?}");
    assert_eq!(model.peak.load(Ordering::SeqCst), 8);
}

#[tokio::test(start_paused = true)]
async fn repeated_timeouts_drive_the_limit_down_to_one() {
    let c = adaptive();
    let mut model = Model::new(1000, 0, Duration::from_millis(100));
    // Every request from the 200th times out (at the server's 5 s here).
    model.failing = 200..usize::MAX;
    model.service = Duration::from_millis(100);
    model.fault = || ClientError::Timeout(Duration::from_secs(5));
    let model = Arc::new(model);
    drive(&c, &model, 8, 40).await;
    let s = c.stats();
    assert_eq!(s.limit, 1, "{s:?}");
    assert!(s.backoffs.timeout >= 3, "8 → 4 → 2 → 1: {s:?}");
    assert_eq!(s.backoffs.total(), s.backoffs.timeout);
}

#[tokio::test(start_paused = true)]
async fn resets_and_gateway_pages_cut_but_a_rejected_login_does_not() {
    let reset = ClientError::ConnectionReset("closed".into());
    let gateway = ClientError::NonXmlBody {
        status: 504,
        excerpt: "Gateway Time-out".into(),
    };
    let login = ClientError::Nav(NavFault {
        kind: FaultKind::GeneralError,
        status: 401,
        code: "INVALID_SECURITY_USER".into(),
        message: "".into(),
        technical_validation: Vec::new(),
    });
    assert_eq!(OverloadSignal::of(&reset), Some(OverloadSignal::Reset));
    assert_eq!(
        OverloadSignal::of(&gateway),
        Some(OverloadSignal::ServerError)
    );
    assert_eq!(OverloadSignal::of(&login), None);

    let c = ConcurrencyController::adaptive(ConcurrencyConfig {
        initial: 8,
        ..ConcurrencyConfig::default()
    });
    c.acquire().await.failed(OP, &login);
    assert_eq!(c.stats().limit, 8);
    c.acquire().await.failed(OP, &reset);
    assert_eq!(c.stats().limit, 4);
    c.acquire().await.failed(OP, &gateway);
    assert_eq!(c.stats().limit, 2);
    let b = c.stats().backoffs;
    assert_eq!((b.reset, b.server_error, b.total()), (1, 1, 2));
}

/// Capacity 4, a deep queue and no errors: latency rises as soon as more than 4 are in
/// flight, and the controller settles near the capacity instead of the ceiling.
#[tokio::test(start_paused = true)]
async fn rising_latency_holds_the_limit_near_the_servers_capacity() {
    let c = adaptive();
    let model = Arc::new(Model::new(4, 1000, Duration::from_millis(200)));
    drive(&c, &model, 16, 100).await;
    let s = c.stats();
    assert!(s.backoffs.rising_latency >= 1, "{s:?}");
    assert_eq!(s.backoffs.total(), s.backoffs.rising_latency);
    assert!(s.limit <= 6, "settled within 2 of the capacity: {s:?}");
    assert!(model.peak.load(Ordering::SeqCst) <= 8);
    assert_eq!(model.overloaded.load(Ordering::SeqCst), 0);
    assert_eq!(model.served.load(Ordering::SeqCst), 1600);
}

/// Capacity 3 and a queue of 2: a sixth request in flight is refused with OPERATION_FAILED.
/// The ceiling (8) is past that room; the controller stays inside it: refusals under 1 %
/// of 1,200 requests, and never more in flight than the room.
#[tokio::test(start_paused = true)]
async fn overload_refusals_stay_rare_once_the_capacity_is_found() {
    let c = adaptive();
    let model = Arc::new(Model::new(3, 2, Duration::from_millis(200)));
    drive(&c, &model, 12, 100).await;
    let s = c.stats();
    let refused = model.overloaded.load(Ordering::SeqCst);
    assert!(
        refused * 100 <= 1200,
        "under 1 %: {refused} refusals: {s:?}"
    );
    // Blind growth during warm-up may overshoot by one; after it, the room holds.
    assert!(s.peak_limit <= 6 && s.limit <= 5, "{s:?}");
    assert_eq!(model.served.load(Ordering::SeqCst) + refused, 1200);
}

/// With room for exactly one request past the capacity, the limit touches the wall now and
/// then; after the first refusal it probes slowly, so refusals stay a few per hundred.
#[tokio::test(start_paused = true)]
async fn against_a_tight_wall_refusals_stay_few() {
    let c = adaptive();
    let model = Arc::new(Model::new(3, 1, Duration::from_millis(200)));
    drive(&c, &model, 12, 100).await;
    let s = c.stats();
    let refused = model.overloaded.load(Ordering::SeqCst);
    assert!(
        refused >= 1,
        "the ceiling of 8 is past the room of 4: {s:?}"
    );
    assert!(refused * 100 <= 1200 * 3, "{refused} refusals: {s:?}");
    assert!(s.limit <= 4, "{s:?}");
    assert_eq!(s.backoffs.operation_failed, refused as u64);
}

#[tokio::test(start_paused = true)]
async fn a_fixed_limit_of_one_never_overlaps_and_never_adapts() {
    let c = Arc::new(ConcurrencyController::fixed(1));
    let mut model = Model::new(1000, 0, Duration::from_millis(10));
    model.failing = 5..10;
    let model = Arc::new(model);
    drive(&c, &model, 10, 10).await;
    let s = c.stats();
    assert_eq!(model.peak.load(Ordering::SeqCst), 1);
    assert_eq!((s.limit, s.peak_in_flight, s.adaptive), (1, 1, false));
    assert_eq!(s.backoffs, Backoffs::default());
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_request_frees_its_slot() {
    let c = ConcurrencyController::fixed(1);
    let first = c.acquire().await;
    let waiting = tokio::time::timeout(Duration::from_secs(1), c.acquire()).await;
    assert!(waiting.is_err(), "the slot is taken");
    drop(first);
    let second = tokio::time::timeout(Duration::from_secs(1), c.acquire()).await;
    assert!(second.is_ok(), "freed by the drop");
}

#[test]
fn bad_settings_are_named() {
    let bad = ConcurrencyConfig {
        max: 0,
        ..ConcurrencyConfig::default()
    };
    assert_eq!(
        bad.validate().unwrap_err(),
        "max_concurrency must be at least 1"
    );
    let bad = ConcurrencyConfig {
        initial: 9,
        ..ConcurrencyConfig::default()
    };
    assert!(bad.validate().unwrap_err().contains("initial concurrency"));
    assert_eq!(ConcurrencyConfig::default().validate(), Ok(()));
}
