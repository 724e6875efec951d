//! `navsync serve`: the API (the same router as the Lambda) and the web UI over a data
//! directory, on 127.0.0.1 unless told otherwise.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use clap::Args;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use navsync_api::{
    AnyOf, ApiConfig, Auth, ClaimsPolicy, NoSyncTrigger, OidcConfig, OidcVerifier, Ports, Problem,
    Quota, RateLimiter, SyncRequest, SyncStarted, SyncTrigger, TokenVerifier, TriggerError,
};
use navsync_config::{LocalConfig, ServeLimits};
use navsync_domain::Lookback;
use navsync_domain::ports::CredentialStore;
use navsync_domain::sync::SyncPolicy;
use navsync_sqlite::CacheSizes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::local::DataDir;
use crate::sync::{LocalSync, endpoint, print_summaries};
use crate::tokens::LocalTokens;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  navsync serve --config navsync.toml\n  \
    navsync serve --data-dir navsync-data --bind 127.0.0.1:9000\n\n\
    Tokens: `navsync token create --data-dir DIR --taxpayer 12345676 [--role reader|admin]` \
    mints one for the named taxpayers only (`--role operator`: every taxpayer); JWTs from the \
    configuration's [auth] OIDC issuer are accepted too.")]
pub struct ServeArgs {
    /// The configuration file; gives the data directory, the bind address, an OIDC issuer, and
    /// the taxpayers "sync now" may sync. Optional with --data-dir.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The data directory (default: the configuration's, else `navsync-data`).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Address to listen on (default: the configuration's, else 127.0.0.1:8080).
    #[arg(long)]
    pub bind: Option<SocketAddr>,
}

/// "Sync now" in this process; answers when the run is done, with its result.
pub struct LocalTrigger<K> {
    pub sync: Arc<LocalSync<K>>,
    pub lookback: Lookback,
    /// How far behind the watermark each run lists again (the configuration's `recheck_days`).
    pub recheck: chrono::TimeDelta,
}

#[async_trait]
impl<K: CredentialStore + 'static> SyncTrigger for LocalTrigger<K> {
    async fn trigger(&self, request: &SyncRequest) -> Result<SyncStarted, TriggerError> {
        let policy = SyncPolicy {
            recheck: self.recheck,
            ..SyncPolicy::new(request.lookback.unwrap_or(self.lookback))
        };
        let summaries = self
            .sync
            .run(&[request.taxpayer], &request.directions, &policy)
            .await
            .ok_or(TriggerError::AlreadyRunning)?;
        print_summaries(&summaries);
        // Only what may pass by itself is "try again" (503); a taxpayer without credentials or
        // a NAV rejection needs someone to act (409, with the reason).
        if let Some(failed) = summaries.iter().find(|s| s.error.is_some()) {
            let error = failed.error.clone().unwrap_or_default();
            return Err(if failed.retryable == Some(true) {
                TriggerError::Unavailable(error)
            } else {
                TriggerError::Refused(error)
            });
        }
        let new: u64 = summaries.iter().map(|s| s.report.new).sum();
        Ok(SyncStarted {
            reference: Some(format!("local sync done: {new} new invoices")),
        })
    }
}

/// The API and the UI on one origin, with the default limits.
pub fn app<T: SyncTrigger + 'static>(
    data: &DataDir,
    trigger: T,
    verifiers: Vec<Arc<dyn TokenVerifier>>,
) -> Result<Router, String> {
    app_limited(data, trigger, verifiers, &ServeLimits::default())
}

/// The per-caller quota of `limits`; none when it is 0.
fn rate_limiter(limits: &ServeLimits) -> RateLimiter {
    let per_caller =
        (limits.requests_per_minute > 0).then(|| Quota::per_minute(limits.requests_per_minute));
    RateLimiter::new(per_caller, None)
}

/// The API and the UI on one origin, each caller held to `limits`' quota.
pub fn app_limited<T: SyncTrigger + 'static>(
    data: &DataDir,
    trigger: T,
    verifiers: Vec<Arc<dyn TokenVerifier>>,
    limits: &ServeLimits,
) -> Result<Router, String> {
    let store = data.store(CacheSizes::LARGE)?;
    let ports = Ports {
        queries: store.clone(),
        sync_state: store,
        archive: data.archive()?,
        sync_trigger: trigger,
    };
    let auth = Auth::new(
        Some(Arc::new(AnyOf(verifiers))),
        ClaimsPolicy::default(),
        rate_limiter(limits),
    );
    Ok(navsync_api::router(ports, auth, ApiConfig::default())
        .merge(navsync_web::router())
        .layer(middleware::from_fn(head_limits)))
}

/// The longest request target answered; longer ones get a 414.
const MAX_URI_BYTES: usize = 8 * 1024;
/// Header bytes (names and values) and headers answered; more get a 431.
const MAX_HEADER_BYTES: usize = 32 * 1024;
const MAX_HEADERS: usize = 64;
/// What hyper itself reads of a request head before it answers 431 (or 414) with an empty
/// body; above the limits checked in [`head_limits`], so those get a problem+json answer.
const HYPER_MAX_BUF: usize = 64 * 1024;
const HYPER_MAX_HEADERS: usize = 128;

/// 414 and 431 as problem+json, for heads that hyper read but that exceed what we answer.
async fn head_limits(request: Request, next: Next) -> Response {
    let uri_len = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return Problem::uri_too_long(MAX_URI_BYTES).into_response();
    }
    let headers = request.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return Problem::headers_too_large(MAX_HEADER_BYTES, MAX_HEADERS).into_response();
    }
    next.run(request).await
}

/// Serves `app` on `listener` with the default limits until SIGINT/SIGTERM.
pub async fn serve_on(listener: tokio::net::TcpListener, app: Router) -> Result<(), String> {
    serve_limited(listener, app, &ServeLimits::default()).await
}

/// Serves `app` on `listener` until SIGINT/SIGTERM, with `limits` against slow and busy
/// clients: a request's head (and an idle keep-alive) must arrive within the header-read
/// timeout, and at most `max_connections` are served at once; beyond, a connection gets a 503
/// and is closed. axum::serve sets neither, so this is its accept loop with both.
pub async fn serve_limited(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: &ServeLimits,
) -> Result<(), String> {
    let max = usize::try_from(limits.max_connections)
        .unwrap_or(usize::MAX)
        .max(1);
    let header_timeout = Duration::from_secs(limits.header_read_timeout_secs.max(1).into());
    let slots = Arc::new(Semaphore::new(max));
    // Refusals are cheap but not free: as many in flight as connections, the rest just closed.
    let refusals = Arc::new(Semaphore::new(max));
    let (closing_tx, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(crate::shutdown_signal());
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next() => {}
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors, mostly: the connections we hold free them.
                        eprintln!("navsync serve: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if let Ok(slot) = slots.clone().try_acquire_owned() {
                    let app = app.clone();
                    let closing = closing_rx.clone();
                    connections.spawn(async move {
                        serve_connection(stream, app, header_timeout, closing).await;
                        drop(slot);
                    });
                } else if let Ok(refusal) = refusals.clone().try_acquire_owned() {
                    connections.spawn(async move {
                        refuse(stream, header_timeout).await;
                        drop(refusal);
                    });
                }
            }
        }
    }
    let _ = closing_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    app: Router,
    header_timeout: Duration,
    mut closing: watch::Receiver<bool>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(HYPER_MAX_BUF)
        .max_headers(HYPER_MAX_HEADERS);
    let mut conn =
        pin!(builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app)));
    let mut shutting_down = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            changed = closing.changed(), if !shutting_down => {
                // A closed channel means the server is going too.
                let _ = changed;
                shutting_down = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Over the connection cap: a 503 problem, then closed. The client's bytes are read (for at
/// most the header timeout) before closing, so the kernel sends FIN rather than a reset that
/// could discard the answer.
async fn refuse(mut stream: TcpStream, header_timeout: Duration) {
    let problem = serde_json::json!({
        "type": "urn:navsync:problem:unavailable",
        "title": "Service unavailable",
        "status": 503,
        "code": "unavailable",
        "detail": "the server has as many connections open as it serves; try again",
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{problem}",
        problem.len()
    );
    if stream.write_all(answer.as_bytes()).await.is_err() || stream.shutdown().await.is_err() {
        return;
    }
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(header_timeout, async {
        while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}

pub async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        format!("cannot listen on {addr}: {e} (choose another address with --bind or --port)")
    })
}

pub async fn run(args: ServeArgs) -> Result<(), String> {
    let config = args
        .config
        .as_ref()
        .map(|path| LocalConfig::load(path).map_err(|e| e.to_string()))
        .transpose()?;
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| config.as_ref().map(|c| c.data_dir.clone()))
        .unwrap_or_else(|| PathBuf::from(LocalConfig::DEFAULT_DATA_DIR));
    let bind_addr = args
        .bind
        .or_else(|| config.as_ref().map(|c| c.bind))
        .unwrap_or_else(|| LocalConfig::DEFAULT_BIND.parse().expect("a valid address"));
    let data = DataDir::open(&data_dir)?;
    let limits = config.as_ref().map(|c| c.serve).unwrap_or_default();

    let mut verifiers: Vec<Arc<dyn TokenVerifier>> = vec![Arc::new(LocalTokens::open(&data)?)];
    if let Some(oidc) = config.as_ref().and_then(|c| c.oidc.clone()) {
        let jwks = format!(
            "{}/.well-known/jwks.json",
            oidc.issuer.trim_end_matches('/')
        );
        let oidc_config = OidcConfig::cognito(&oidc.issuer, &oidc.audience, &jwks);
        verifiers.push(Arc::new(OidcVerifier::new(oidc_config)));
    }

    let app = match &config {
        Some(c) if !c.taxpayers.is_empty() => {
            let nav = endpoint(c.nav_env.as_str())?;
            let sync = LocalSync::new(&data, nav, &c.nav, c.credentials.clone())?;
            let trigger = LocalTrigger {
                sync: Arc::new(sync),
                lookback: c.lookback,
                recheck: chrono::TimeDelta::days(c.recheck_days.into()),
            };
            app_limited(&data, trigger, verifiers, &limits)?
        }
        _ => app_limited(&data, NoSyncTrigger, verifiers, &limits)?,
    };
    let listener = bind(bind_addr).await?;
    // The bound address, not the asked one: with port 0 the caller learns the port from here.
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "navsync serves {} on http://{addr}/ (API docs: http://{addr}/docs)",
        data.path().display()
    );
    serve_limited(listener, app, &limits).await
}
