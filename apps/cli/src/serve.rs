//! `navsync serve`: the API (the same router as the Lambda) and the web UI over a data
//! directory, on 127.0.0.1 unless told otherwise.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use clap::Args;
use navsync_api::{
    AnyOf, ApiConfig, Auth, ClaimsPolicy, NoSyncTrigger, OidcConfig, OidcVerifier, Ports,
    RateLimiter, SyncRequest, SyncStarted, SyncTrigger, TokenVerifier, TriggerError,
};
use navsync_config::LocalConfig;
use navsync_domain::Lookback;
use navsync_domain::ports::CredentialStore;
use navsync_domain::sync::SyncPolicy;
use navsync_sqlite::CacheSizes;

use crate::local::DataDir;
use crate::sync::{LocalSync, endpoint, pacing_for, print_summaries};
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

/// The API and the UI on one origin.
pub fn app<T: SyncTrigger + 'static>(
    data: &DataDir,
    trigger: T,
    verifiers: Vec<Arc<dyn TokenVerifier>>,
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
        RateLimiter::unlimited(),
    );
    Ok(navsync_api::router(ports, auth, ApiConfig::default()).merge(navsync_web::router()))
}

/// Serves `app` on `bind` until SIGINT/SIGTERM.
pub async fn serve_on(listener: tokio::net::TcpListener, app: Router) -> Result<(), String> {
    axum::serve(listener, app)
        .with_graceful_shutdown(crate::shutdown_signal())
        .await
        .map_err(|e| format!("the server stopped: {e}"))
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
            let pacing = pacing_for(&nav);
            let sync = LocalSync::new(&data, nav, pacing, c.credentials.clone())?;
            let trigger = LocalTrigger {
                sync: Arc::new(sync),
                lookback: c.lookback,
                recheck: chrono::TimeDelta::days(c.recheck_days.into()),
            };
            app(&data, trigger, verifiers)?
        }
        _ => app(&data, NoSyncTrigger, verifiers)?,
    };
    let listener = bind(bind_addr).await?;
    // The bound address, not the asked one: with port 0 the caller learns the port from here.
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "navsync serves {} on http://{addr}/ (API docs: http://{addr}/docs)",
        data.path().display()
    );
    serve_on(listener, app).await
}
