//! The HTTP side: NAV's endpoints, the admin endpoints, fault drills, and an accept loop that
//! can reset a connection on purpose.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
// tokio's clock, not std's: tests pause and advance it to decide the traffic restriction and
// the data-lag drill exactly.
use tokio::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use navsync_domain::TaxpayerId;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot, watch};

use crate::auth::{self, User};
use crate::config::SimConfig;
use crate::generator::{Company, Generator};
use crate::request::{self, Body, Operation};
use crate::response::{self, Envelope};
use crate::rng::Rng;
use crate::store::Store;
use crate::traffic::{Admission, TrafficRestriction};
use crate::xml_tree;

/// NAV caps a request body at 10 MB (spec 1.6.5).
const MAX_BODY: usize = 10 * 1024 * 1024;

/// Counters a test or benchmark reads to see what a client did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStats {
    /// Requests received per operation (every answer, including errors and faults).
    pub requests: BTreeMap<String, u64>,
    /// Requests per operation answered with funcCode OK.
    pub ok: BTreeMap<String, u64>,
    /// Requests the traffic restriction penalised (delayed or dropped).
    pub penalised: u64,
    /// Of those, the ones dropped past the 60 s queue.
    pub dropped: u64,
    /// Faults injected, by kind.
    pub faults: BTreeMap<String, u64>,
    /// Invoices the simulator holds.
    pub invoices: usize,
    /// Requests in flight and their peak; the load model's capacity and use. Its refusals
    /// are in `faults` (`overload_queue_full`, `overload_queue_timeout`).
    #[serde(default)]
    pub load: crate::load::LoadStats,
}

#[derive(Default)]
struct Counters {
    requests: Mutex<BTreeMap<String, u64>>,
    ok: Mutex<BTreeMap<String, u64>>,
    faults: Mutex<BTreeMap<String, u64>>,
    penalised: AtomicU64,
    dropped: AtomicU64,
}

fn bump(map: &Mutex<BTreeMap<String, u64>>, key: &str) {
    *lock(map).entry(key.to_owned()).or_default() += 1;
}

/// A poisoned lock only means another request panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) struct SimState {
    pub config: SimConfig,
    pub users: Vec<User>,
    pub companies: Vec<Company>,
    pub store: RwLock<Store>,
    pub generator: Mutex<Generator>,
    used_request_ids: Mutex<HashSet<(String, String)>>,
    counters: Counters,
    traffic: Mutex<TrafficRestriction>,
    load: crate::load::Load,
    fault_rng: Mutex<Rng>,
    first_listed: Mutex<HashMap<(String, String), Instant>>,
    /// Digest queries answered so far: the late-listing drills release by this count.
    pub digests_answered: AtomicU64,
    /// [`crate::SimHandle::hold_request`]'s pending hold, if any.
    pub hold: Mutex<Option<Hold>>,
    pub maintenance: AtomicBool,
    /// The fault drills in force; starts as the config's, changeable while running.
    pub faults: RwLock<crate::config::Faults>,
}

impl SimState {
    pub fn new(config: SimConfig, generator: Generator, store: Store) -> Self {
        let users = generator
            .taxpayers
            .iter()
            .map(|t| User {
                login: t.login.clone(),
                password_hash: auth::password_hash(&t.password),
                tax_number: t
                    .company
                    .tax_number
                    .as_ref()
                    .map(|n| n.taxpayer_id.to_string())
                    .unwrap_or_default(),
                sign_key: t.sign_key.clone(),
            })
            .collect();
        let mut companies = generator.known_companies();
        // Suppliers and customers of served files are known taxpayers too.
        for s in store.all() {
            for p in [&s.invoice.supplier, &s.invoice.customer] {
                if let Some(tn) = &p.tax_number
                    && !companies.iter().any(|c| {
                        c.tax_number.as_ref().map(|t| t.taxpayer_id) == Some(tn.taxpayer_id)
                    })
                {
                    companies.push(Company::from_party(p));
                }
            }
        }
        Self {
            fault_rng: Mutex::new(Rng::new(config.seed).fork(0xFA17)),
            maintenance: AtomicBool::new(config.faults.maintenance),
            load: crate::load::Load::new(config.faults.load.clone(), config.seed),
            faults: RwLock::new(config.faults.clone()),
            config,
            users,
            companies,
            store: RwLock::new(store),
            generator: Mutex::new(generator),
            used_request_ids: Mutex::default(),
            counters: Counters::default(),
            traffic: Mutex::default(),
            first_listed: Mutex::default(),
            digests_answered: AtomicU64::new(0),
            hold: Mutex::default(),
        }
    }

    pub fn stats(&self) -> SimStats {
        SimStats {
            requests: lock(&self.counters.requests).clone(),
            ok: lock(&self.counters.ok).clone(),
            penalised: self.counters.penalised.load(Ordering::Relaxed),
            dropped: self.counters.dropped.load(Ordering::Relaxed),
            faults: lock(&self.counters.faults).clone(),
            invoices: self.store.read().unwrap_or_else(|e| e.into_inner()).len(),
            load: self.load.stats(),
        }
    }

    /// Adds `per_taxpayer` fresh invoices for each taxpayer, reported now.
    pub fn add_invoices(&self, per_taxpayer: usize) -> usize {
        let fresh = lock(&self.generator).generate_now(per_taxpayer, Utc::now());
        let n = fresh.len();
        self.store
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(fresh);
        n
    }

    pub fn faults(&self) -> crate::config::Faults {
        self.faults
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn roll(&self, share: f64) -> bool {
        share > 0.0 && lock(&self.fault_rng).chance(share)
    }

    fn fault(&self, kind: &str) {
        bump(&self.counters.faults, kind);
    }
}

/// A request to hold: the `remaining`-th NAV request from now is held unanswered.
pub(crate) struct Hold {
    pub remaining: u64,
    pub reached: oneshot::Sender<()>,
    pub release: oneshot::Receiver<()>,
}

/// Where a request came from, and how to reset its connection.
#[derive(Clone)]
struct Conn {
    peer: SocketAddr,
    reset: Arc<Notify>,
}

/// When hyper handed the request over, before routing and body reading: the traffic
/// restriction measures this, so the simulator's own scheduling adds as little as possible.
#[derive(Clone, Copy)]
struct ArrivedAt(Instant);

pub(crate) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route(
            "/invoiceService/v3/{operation}",
            post(nav_operation).fallback(wrong_method),
        )
        .route("/sim/stats", get(stats))
        .route("/sim/invoices", post(add_invoices))
        .route("/sim/maintenance", post(set_maintenance))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// Spec 3.2, errors in processing #2: an operation called with another method than POST.
async fn wrong_method() -> Response {
    let env = Envelope {
        request_id: "SIMWRONGMETHOD",
        now: Utc::now(),
        software: &[],
    };
    xml(
        StatusCode::INTERNAL_SERVER_ERROR,
        env.error(
            "NOT_ALLOWED_EXCEPTION",
            "The operation does not exist with this HTTP method; use POST.",
            &[],
        ),
    )
}

async fn stats(AxState(state): AxState<Arc<SimState>>) -> Response {
    axum::Json(state.stats()).into_response()
}

#[derive(Deserialize)]
struct CountParam {
    count: Option<usize>,
}

async fn add_invoices(
    AxState(state): AxState<Arc<SimState>>,
    Query(q): Query<CountParam>,
) -> Response {
    let count = q.count.unwrap_or(1).min(100_000);
    let st = state.clone();
    let added = tokio::task::spawn_blocking(move || st.add_invoices(count))
        .await
        .unwrap_or(0);
    axum::Json(serde_json::json!({ "added": added, "invoices": state.stats().invoices }))
        .into_response()
}

#[derive(Deserialize)]
struct OnParam {
    on: bool,
}

async fn set_maintenance(
    AxState(state): AxState<Arc<SimState>>,
    Query(q): Query<OnParam>,
) -> Response {
    state.maintenance.store(q.on, Ordering::Relaxed);
    axum::Json(serde_json::json!({ "maintenance": q.on })).into_response()
}

fn xml(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml;charset=UTF-8"),
    );
    r
}

async fn reset(conn: Option<&Conn>) -> Response {
    match conn {
        Some(c) => {
            c.reset.notify_one();
            // The connection task drops this future together with the socket.
            std::future::pending::<()>().await;
            unreachable!("the connection was reset")
        }
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

async fn nav_operation(
    AxState(state): AxState<Arc<SimState>>,
    Path(operation): Path<String>,
    req_conn: Option<axum::Extension<Conn>>,
    arrived: Option<axum::Extension<ArrivedAt>>,
    body: Bytes,
) -> Response {
    let Some(op) = Operation::from_path(&operation) else {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    };
    let conn = req_conn.map(|e| e.0);
    bump(&state.counters.requests, op.path_name());
    let _in_flight = state.load.enter();
    let held = {
        let mut hold = lock(&state.hold);
        match hold.as_mut() {
            Some(h) if h.remaining > 1 => {
                h.remaining -= 1;
                None
            }
            Some(_) => hold.take(),
            None => None,
        }
    };
    if let Some(h) = held {
        let _ = h.reached.send(());
        // Until the test releases it (or drops its handle).
        let _ = h.release.await;
    }
    let faults = &state.faults();

    if faults.traffic_restriction && faults.restricted(op) {
        let ip = conn
            .as_ref()
            .map(|c| c.peer.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let at = arrived.map_or_else(Instant::now, |a| a.0.0);
        let admission = lock(&state.traffic).admit(ip, at);
        match admission {
            Admission::Now => {}
            Admission::Delayed(d) => {
                state.counters.penalised.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%ip, delay_ms = d.as_millis() as u64, "traffic restriction: request delayed");
                tokio::time::sleep(d).await;
            }
            Admission::Dropped => {
                state.counters.penalised.fetch_add(1, Ordering::Relaxed);
                state.counters.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%ip, "traffic restriction: request dropped");
                return reset(conn.as_ref()).await;
            }
        }
    }
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if state.roll(faults.reset_share) {
        state.fault("connection_reset");
        return reset(conn.as_ref()).await;
    }
    if state.roll(faults.gateway_timeout_share) {
        state.fault("gateway_timeout");
        let mut r = (
            StatusCode::GATEWAY_TIMEOUT,
            "<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>\n",
        )
            .into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        return r;
    }

    let root = match xml_tree::parse(&body) {
        Ok(root) => root,
        Err(e) => {
            return xml(
                StatusCode::BAD_REQUEST,
                response::exception("INVALID_REQUEST", &format!("Invalid request! {e}")),
            );
        }
    };
    // Spec 3.1.1: a request in the wrong namespace is technically unprocessable.
    if root.ns != xml_tree::NS_API {
        return xml(
            StatusCode::BAD_REQUEST,
            response::exception(
                "INVALID_REQUEST",
                &format!(
                    "Invalid request! The root element {} is not in the namespace {}",
                    root.name,
                    xml_tree::NS_API
                ),
            ),
        );
    }
    let now = Utc::now();
    // Spec 3.2, OPERATION_FAILED: another operation's request sent to this endpoint.
    if root.name != op.request_root() && request::is_request_root(&root.name) {
        let rid = root
            .child("header")
            .and_then(|h| h.child_text("requestId"))
            .filter(|r| request::check_shape_entity_id(r))
            .unwrap_or("SIMINVALIDREQUEST")
            .to_owned();
        let env = Envelope {
            request_id: &rid,
            now,
            software: &[],
        };
        return xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            env.error("OPERATION_FAILED", "Operation failed!", &[]),
        );
    }
    let violations = request::check_shape(op, &root);
    if !violations.is_empty() {
        let rid = root
            .child("header")
            .and_then(|h| h.child_text("requestId"))
            .filter(|r| request::check_shape_entity_id(r))
            .unwrap_or("SIMINVALIDREQUEST")
            .to_owned();
        let env = Envelope {
            request_id: &rid,
            now,
            software: &[],
        };
        return xml(
            StatusCode::BAD_REQUEST,
            env.error("INVALID_REQUEST", "Invalid request!", &violations),
        );
    }
    let req = request::envelope(&root);
    let env = Envelope {
        request_id: &req.request_id,
        now,
        software: &req.software,
    };
    let maintenance =
        state.maintenance.load(Ordering::Relaxed) || state.roll(faults.maintenance_share);
    if maintenance {
        state.fault("maintenance");
        return xml(
            StatusCode::SERVICE_UNAVAILABLE,
            env.error(
                "MAINTENANCE_MODE",
                "The requested operation temporarily does not serve requests due to maintenance!",
                &[],
            ),
        );
    }
    if let Err(overload) = state.load.serve(op).await {
        state.fault(overload.fault());
        return xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            env.error("OPERATION_FAILED", "Operation failed!", &[]),
        );
    }
    if state.roll(faults.operation_failed_share) {
        state.fault("operation_failed");
        return xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            env.error("OPERATION_FAILED", "Operation failed!", &[]),
        );
    }
    let user = match auth::authenticate(&req, &state.users, now) {
        Ok(u) => u,
        Err(e) => {
            // The code says what is wrong; no credential value is logged.
            tracing::info!(
                operation = op.path_name(),
                code = e.code(),
                "request refused"
            );
            return xml(
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
                env.error(e.code(), e.message(), &[]),
            );
        }
    };
    let id_key = (user.tax_number.clone(), req.request_id.clone());
    // Claimed now so two concurrent requests with one id cannot both pass; given back below
    // if the request fails, since only a successful request uses up its id (spec 3.2).
    if !lock(&state.used_request_ids).insert(id_key.clone()) {
        let e = auth::AuthError::RequestIdNotUnique;
        return xml(
            StatusCode::BAD_REQUEST,
            env.error(e.code(), e.message(), &[]),
        );
    }
    let taxpayer: TaxpayerId = match user.tax_number.parse() {
        Ok(t) => t,
        Err(_) => {
            lock(&state.used_request_ids).remove(&id_key);
            return xml(
                StatusCode::INTERNAL_SERVER_ERROR,
                env.error("INVALID_CUSTOMER", "Invalid customer!", &[]),
            );
        }
    };
    tracing::debug!(operation = op.path_name(), request_id = %req.request_id, "NAV request");
    match business(&state, op, &root, taxpayer) {
        Ok(body) => {
            bump(&state.counters.ok, op.path_name());
            xml(StatusCode::OK, env.ok(op, &body))
        }
        Err(e) => {
            lock(&state.used_request_ids).remove(&id_key);
            xml(
                StatusCode::BAD_REQUEST,
                env.error(e.code(), e.message(), &[]),
            )
        }
    }
}

fn business(
    state: &SimState,
    op: Operation,
    root: &xml_tree::Element,
    taxpayer: TaxpayerId,
) -> Result<String, crate::store::QueryError> {
    let store = state.store.read().unwrap_or_else(|e| e.into_inner());
    match request::body(op, root) {
        Body::Digest(q) => {
            let faults = &state.faults();
            let answered = state.digests_answered.load(Ordering::Relaxed);
            let seed = state.config.seed;
            let page = store.digest_listed(taxpayer, &q, |s| {
                s.listed(answered) && !crate::drills::unlisted(seed, faults, s, answered)
            })?;
            state.digests_answered.fetch_add(1, Ordering::Relaxed);
            if faults.data_lag_share > 0.0 {
                let now = Instant::now();
                let mut listed = lock(&state.first_listed);
                for s in &page.items {
                    listed.entry(lag_key(s)).or_insert(now);
                }
            }
            Ok(response::digest_body(&page))
        }
        Body::Data(q) => {
            let found = valid(state, store.by_number(taxpayer, &q)?);
            match single_document(&found)? {
                Some(one) if !withheld(state, one) && !never_served(state, one) => Ok(
                    response::data_body(one, q.batch_index, wrong_hash(state, one)),
                ),
                _ => Ok(String::new()),
            }
        }
        Body::Check(q) => {
            let found = valid(state, store.by_number(taxpayer, &q)?);
            Ok(response::check_body(single_document(&found)?.is_some()))
        }
        Body::Chain(q) => Ok(response::chain_body(&store.chain(taxpayer, &q))),
        Body::Taxpayer(tax_number) => {
            let company = state.companies.iter().find(|c| {
                c.tax_number
                    .as_ref()
                    .is_some_and(|t| t.taxpayer_id.as_str() == tax_number)
            });
            Ok(response::taxpayer_body(Utc::now(), company))
        }
    }
}

/// The valid reports among `found`: a technically annulled one (or one not reported yet) is
/// not found by number. As of the last digest query answered, so a data call sees the reports
/// the listing before it saw.
fn valid<'a>(
    state: &SimState,
    found: Vec<&'a crate::store::StoredInvoice>,
) -> Vec<&'a crate::store::StoredInvoice> {
    let answered = state
        .digests_answered
        .load(Ordering::Relaxed)
        .saturating_sub(1);
    found.into_iter().filter(|s| s.valid(answered)).collect()
}

/// NAV's "exactly one valid instance": one invoice, or the parts of one batch document;
/// several documents under one number are `MULTIPLE_QUERY_RESULT_FOUND` (spec 3.2 #17).
fn single_document<'a>(
    found: &[&'a crate::store::StoredInvoice],
) -> Result<Option<&'a crate::store::StoredInvoice>, crate::store::QueryError> {
    let Some((first, rest)) = found.split_first() else {
        return Ok(None);
    };
    let same = |s: &&crate::store::StoredInvoice| match (&first.document, &s.document) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    };
    if rest.iter().all(same) {
        Ok(Some(*first))
    } else {
        Err(crate::store::QueryError::MultipleResults)
    }
}

fn lag_key(s: &crate::store::StoredInvoice) -> (String, String) {
    (
        s.supplier_id().map(|t| t.to_string()).unwrap_or_default(),
        s.invoice.invoice_number.to_string(),
    )
}

/// The "digest lists it, data does not return it yet" drill: a deterministic share of
/// invoices stays hidden from `queryInvoiceData` until `data_lag` after it was first listed.
fn withheld(state: &SimState, s: &crate::store::StoredInvoice) -> bool {
    let faults = &state.faults();
    if faults.data_lag_share <= 0.0 || faults.data_lag.is_zero() {
        return false;
    }
    let key = lag_key(s);
    let mut h = Rng::new(state.config.seed ^ fnv(&key.1) ^ fnv(&key.0));
    if !h.chance(faults.data_lag_share) {
        return false;
    }
    let hidden = lock(&state.first_listed)
        .get(&key)
        .is_some_and(|t| t.elapsed() < faults.data_lag);
    if hidden {
        state.fault("data_withheld");
    }
    hidden
}

/// The "listed, never served" drill: answered like an invoice NAV does not have.
fn wrong_hash(state: &SimState, s: &crate::store::StoredInvoice) -> bool {
    let wrong = s.invoice.completeness_indicator
        && crate::drills::wrong_hash(state.config.seed, &state.faults(), s);
    if wrong {
        state.fault("wrong_electronic_invoice_hash");
    }
    wrong
}

fn never_served(state: &SimState, s: &crate::store::StoredInvoice) -> bool {
    let never = crate::drills::never_fetchable(state.config.seed, &state.faults(), s);
    if never {
        state.fault("never_fetchable");
    }
    never
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Serves connections until `shutdown` turns true. Each connection carries a [`Conn`] so a
/// handler can reset it (RST, not FIN) like a failing network device would.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    use hyper_util::rt::TokioIo;
    use tower_service::Service as _;
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        // A duplicate of the socket lets the connection task set SO_LINGER 0 after hyper
        // owns the stream; closing with linger 0 sends a TCP reset.
        let dup = match stream.into_std().and_then(|s| {
            let dup = s.try_clone()?;
            Ok((s, dup))
        }) {
            Ok((s, dup)) => match tokio::net::TcpStream::from_std(s) {
                Ok(s) => (s, dup),
                Err(_) => continue,
            },
            Err(_) => continue,
        };
        let (stream, dup) = dup;
        let reset = Arc::new(Notify::new());
        let conn = Conn {
            peer,
            reset: reset.clone(),
        };
        let app = app.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ArrivedAt(Instant::now()));
                    req.extensions_mut().insert(conn.clone());
                    let mut app = app.clone();
                    async move { app.call(req).await }
                },
            );
            let served = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = served => {}
                _ = reset.notified() => {
                    let _ = socket2::SockRef::from(&dup).set_linger(Some(std::time::Duration::ZERO));
                }
                _ = stop.changed() => {}
            }
        });
    }
}
