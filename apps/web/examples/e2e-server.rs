//! The server the web UI's end-to-end tests run against, until `navsync serve` can stand in:
//! the NAV simulator with two taxpayers, synced into the local mode's SQLite store and
//! filesystem archive, the API and the UI on one 127.0.0.1 origin, and RS256 tokens from a local
//! JWKS (a test-only key in `examples/e2e-keys/`).
//!
//! Prints one JSON line (`url`, `taxpayers`, `tokens`) on stdout once ready; runs until
//! SIGINT/SIGTERM. Options: `--port N` (default 0: any), `--invoices N` (per taxpayer, default
//! 200), `--bulk N` (N more invoices of a third taxpayer, written straight into the store, to
//! page through a large set; their XML is not archived), `--data DIR` (default: a fresh temporary directory, removed at exit), and for sign-in
//! against a Cognito emulator: `--cognito-endpoint URL --cognito-pool ID --cognito-client ID
//! [--cognito-region R]`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use axum::Json;
use axum::routing::get;
use chrono::{TimeDelta, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use navsync_api::{
    AnyOf, ApiConfig, Auth, ClaimsPolicy, OidcConfig, OidcVerifier, Ports, RateLimiter,
    SyncRequest, SyncStarted, SyncTrigger, TokenVerifier, TriggerError,
};
use navsync_domain::ports::{CredentialStore, CredentialsError, SystemClock};
use navsync_domain::sync::{SyncPolicy, SyncService};
use navsync_domain::{Direction, Lookback, NavCredentials, Secret, TaxNumberError, TaxpayerId};
use navsync_fs_archive::FsArchive;
use navsync_nav::client::SoftwareOperation;
use navsync_nav::{ClientConfig, Endpoint, NavClient, Software};
use navsync_nav_sim::SimConfig;
use navsync_sqlite::SqliteStore;
use navsync_web::WebConfig;
use serde_json::{Value, json};

const ISSUER: &str = "https://navsync-web-e2e.invalid";
const CLIENT_ID: &str = "navsync-web";
const KID: &str = "navsync-web-e2e";
const SIGNING_PEM: &[u8] = include_bytes!("e2e-keys/signing.pem");
const JWK: &str = include_str!("e2e-keys/signing.jwk.json");

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Args {
    port: u16,
    invoices: usize,
    bulk: u32,
    data: Option<PathBuf>,
    cognito: Option<(String, String, String, String)>,
}

fn args() -> Res<Args> {
    let mut a = Args {
        port: 0,
        invoices: 200,
        bulk: 0,
        data: None,
        cognito: None,
    };
    let mut cog: HashMap<String, String> = HashMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => a.port = value.parse().map_err(|_| "--port: a number 0-65535")?,
            "--invoices" => a.invoices = value.parse().map_err(|_| "--invoices: a number")?,
            "--bulk" => a.bulk = value.parse().map_err(|_| "--bulk: a number")?,
            "--data" => a.data = Some(value.into()),
            f if f.starts_with("--cognito-") => {
                cog.insert(f.trim_start_matches("--cognito-").to_owned(), value);
            }
            other => {
                return Err(format!("unknown option {other}; see the file's doc comment").into());
            }
        }
    }
    if !cog.is_empty() {
        let get = |k: &str| {
            cog.get(k)
                .cloned()
                .ok_or_else(|| format!("--cognito-{k} is needed with the other --cognito- options"))
        };
        a.cognito = Some((
            get("endpoint")?,
            get("pool")?,
            get("client")?,
            cog.get("region")
                .cloned()
                .unwrap_or_else(|| "us-east-1".into()),
        ));
    }
    Ok(a)
}

/// The simulator's technical users, as the sync reads them.
struct SimCredentials(HashMap<TaxpayerId, NavCredentials>);

#[async_trait]
impl CredentialStore for SimCredentials {
    async fn credentials(&self, taxpayer: TaxpayerId) -> Result<NavCredentials, CredentialsError> {
        self.0
            .get(&taxpayer)
            .cloned()
            .ok_or_else(|| CredentialsError::Missing {
                name: format!("simulator taxpayer {taxpayer}"),
            })
    }
}

/// Everything a sync needs, shared by the first sync and "sync now".
struct Syncer {
    nav: NavClient,
    store: SqliteStore,
    archive: FsArchive,
    credentials: SimCredentials,
    running: tokio::sync::Mutex<()>,
}

impl Syncer {
    async fn run(
        &self,
        taxpayers: &[TaxpayerId],
        directions: &[Direction],
        lookback: Lookback,
    ) -> Vec<String> {
        let service = SyncService {
            nav: &self.nav,
            repo: &self.store,
            state: &self.store,
            archive: &self.archive,
            credentials: &self.credentials,
            clock: &SystemClock,
        };
        let policy = SyncPolicy::new(lookback);
        service
            .run(taxpayers, directions, &policy)
            .await
            .into_iter()
            .filter_map(|o| {
                o.error
                    .map(|e| format!("{} {:?}: {e}", o.report.taxpayer, o.report.direction))
            })
            .collect()
    }
}

/// "Sync now" in-process: answers once the run is done, so the UI shows its result right away.
#[derive(Clone)]
struct InProcessTrigger(Arc<Syncer>);

#[async_trait]
impl SyncTrigger for InProcessTrigger {
    async fn trigger(&self, request: &SyncRequest) -> Result<SyncStarted, TriggerError> {
        let _guard = self
            .0
            .running
            .try_lock()
            .map_err(|_| TriggerError::AlreadyRunning)?;
        let lookback = request.lookback.unwrap_or(lookback_default());
        let errors = self
            .0
            .run(&[request.taxpayer], &request.directions, lookback)
            .await;
        if let Some(e) = errors.first() {
            return Err(TriggerError::Unavailable(e.clone()));
        }
        Ok(SyncStarted {
            reference: Some(format!("local-{}", Utc::now().format("%H%M%S"))),
        })
    }
}

/// `n` outbound invoices of one more taxpayer, two years of issue dates, 500 partners.
/// One invoice of `owner` quarantined as NAV listing it but not serving it, not due for a retry
/// within the tests, so the sync page has a pending row to show; described for the tests.
async fn put_pending(store: &SqliteStore, owner: TaxpayerId) -> Res<Value> {
    use navsync_contract::fixtures::{Spec, record, taxpayer};
    use navsync_domain::ports::{NavError, SyncStateStore};
    use navsync_domain::sync::PendingInvoice;
    let mut spec = Spec::new(owner, Direction::Inbound, "E2E-PENDING-1");
    spec.partner = Some(taxpayer(5_000_001));
    spec.partner_name = Some("Késő Szállító Kft.".into());
    let r = record(&spec);
    let error = NavError::NotFound(spec.number.clone());
    let entry = PendingInvoice::new(r.key, r.digest, &error, Utc::now());
    store.put_pending(&entry).await?;
    Ok(json!({
        "taxpayer": owner.to_string(),
        "direction": "INBOUND",
        "invoice_number": spec.number,
        "supplier": format!("{} ({})", entry.digest.supplier_name, entry.key.id.supplier_tax_number),
        "reason": entry.reason,
    }))
}

/// One invoice of `owner` whose document broke a rule NAV does not enforce, stored with the
/// parser's warning, so the detail page has warnings to show; described for the tests.
async fn put_with_warning(store: &SqliteStore, owner: TaxpayerId) -> Res<Value> {
    use navsync_contract::fixtures::{Spec, record};
    use navsync_domain::ports::InvoiceRepository;
    let mut r = record(&Spec::new(owner, Direction::Outbound, "E2E-WARN-1"));
    let warning = "customer tax number 12345678: check digit should be 6; the number is left out";
    r.invoice.warnings = vec![warning.to_owned()];
    store.put_many(std::slice::from_ref(&r)).await?;
    Ok(json!({
        "taxpayer": owner.to_string(),
        "invoice_number": r.key.id.invoice_number.as_str(),
        "warnings": [warning],
    }))
}

async fn write_bulk(store: &SqliteStore, n: u32) -> Res<TaxpayerId> {
    use navsync_contract::fixtures::{Spec, record, taxpayer};
    use navsync_domain::ports::InvoiceRepository;
    let started = std::time::Instant::now();
    let owner = taxpayer(3_100_001);
    let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")?;
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n {
        let mut spec = Spec::new(owner, Direction::Outbound, &format!("BULK-{:06}", i + 1));
        spec.issue_date = first + chrono::Days::new(u64::from(i % 730));
        spec.partner = Some(taxpayer(4_000_000 + i % 500));
        spec.partner_name = Some(format!("Partner {} Kft.", i % 500));
        spec.gross_huf = rust_decimal::Decimal::new(i64::from(i % 100_000) * 1_270 + 100, 2);
        spec.lines = 1;
        batch.push(record(&spec));
        if batch.len() == 1000 || i + 1 == n {
            store.put_many(&batch).await?;
            batch.clear();
        }
    }
    eprintln!(
        "e2e-server: wrote {n} bulk invoices of {owner} in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(owner)
}

fn lookback_default() -> Lookback {
    Lookback::try_from(30).expect("30 days is a valid lookback")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sign(key: &EncodingKey, sub: &str, groups: &[String], exp: u64) -> Res<String> {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.into());
    let claims = json!({
        "sub": sub, "iss": ISSUER, "client_id": CLIENT_ID, "token_use": "access",
        "iat": now(), "exp": exp, "username": sub, "cognito:groups": groups,
    });
    Ok(jsonwebtoken::encode(&header, &claims, key)?)
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("e2e-server: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Res<()> {
    let args = args()?;
    let (dir, temporary) = match &args.data {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("navsync-web-e2e-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&dir)?;

    let now_utc = Utc::now();
    let mut sim_config = SimConfig::new(11, args.invoices, now_utc);
    sim_config.taxpayers = 2;
    // Inside a 30-day lookback, and before the sync's settle time.
    sim_config.period = (now_utc - TimeDelta::days(20), now_utc - TimeDelta::hours(1));
    let sim = navsync_nav_sim::start(
        sim_config,
        tokio::net::TcpListener::bind("127.0.0.1:0").await?,
    )
    .await?;
    let creds: HashMap<TaxpayerId, NavCredentials> = sim
        .taxpayers()
        .into_iter()
        .map(|t| {
            let id: TaxpayerId = t
                .tax_number
                .parse()
                .map_err(|e: TaxNumberError| e.to_string())?;
            let c = NavCredentials {
                tax_number: id,
                login: t.login,
                password: Secret::new(t.password),
                sign_key: Secret::new(t.sign_key),
                exchange_key: Secret::new(t.exchange_key),
            };
            Ok::<_, String>((id, c))
        })
        .collect::<Result<_, _>>()?;
    let taxpayers: Vec<TaxpayerId> = {
        let mut v: Vec<_> = creds.keys().copied().collect();
        v.sort();
        v
    };

    let mut nav_config = ClientConfig::new(
        Endpoint::custom(&sim.base_url())?,
        Software::navsync(SoftwareOperation::OnlineService),
    );
    nav_config.min_request_interval = None; // the simulator runs without NAV's traffic limit
    let cursor_key: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(now() as u8))
        .collect();
    let syncer = Arc::new(Syncer {
        nav: NavClient::new(nav_config)?,
        store: SqliteStore::open(dir.join("navsync.db"), cursor_key)?,
        archive: FsArchive::new(dir.join("archive"))?,
        credentials: SimCredentials(creds),
        running: tokio::sync::Mutex::new(()),
    });
    let started = std::time::Instant::now();
    let errors = syncer
        .run(&taxpayers, &Direction::BOTH, lookback_default())
        .await;
    if !errors.is_empty() {
        return Err(format!("first sync failed: {}", errors.join("; ")).into());
    }
    eprintln!(
        "e2e-server: synced the simulator in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let pending = put_pending(&syncer.store, taxpayers[1]).await?;
    let warned = put_with_warning(&syncer.store, taxpayers[0]).await?;

    let bulk = if args.bulk > 0 {
        Some(write_bulk(&syncer.store, args.bulk).await?)
    } else {
        None
    };

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");

    let mut oidc = OidcConfig::cognito(ISSUER, CLIENT_ID, format!("{base}/e2e/jwks.json"));
    oidc.leeway = Duration::ZERO;
    let mut verifiers: Vec<Arc<dyn TokenVerifier>> = vec![Arc::new(OidcVerifier::new(oidc))];
    let mut web = WebConfig::default();
    if let Some((endpoint, pool, client, region)) = &args.cognito {
        let endpoint = endpoint.trim_end_matches('/');
        // moto names the real Cognito issuer in `iss` but serves the keys itself.
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{pool}");
        let jwks = format!("{endpoint}/{pool}/.well-known/jwks.json");
        verifiers.push(Arc::new(OidcVerifier::new(OidcConfig::cognito(
            issuer, client, jwks,
        ))));
        web.region = Some(region.clone());
        web.user_pool_id = Some(pool.clone());
        web.user_pool_client_id = Some(client.clone());
        web.cognito_endpoint = Some(format!("{endpoint}/"));
    }
    let auth = Auth::new(
        Some(Arc::new(AnyOf(verifiers))),
        ClaimsPolicy::default(),
        RateLimiter::unlimited(),
    );
    let api = navsync_api::router(
        Ports {
            queries: syncer.store.clone(),
            sync_state: syncer.store.clone(),
            archive: syncer.archive.clone(),
            sync_trigger: InProcessTrigger(syncer.clone()),
        },
        auth,
        ApiConfig::default(),
    );
    let jwk: Value = serde_json::from_str(JWK)?;
    let app = api.merge(navsync_web::router_with_config(&web)).route(
        "/e2e/jwks.json",
        get(move || async move { Json(json!({ "keys": [jwk] })) }),
    );

    let key = EncodingKey::from_rsa_pem(SIGNING_PEM)?;
    let group = |t: &TaxpayerId| format!("taxpayer-{t}");
    let mut all: Vec<String> = taxpayers.iter().map(group).collect();
    all.extend(bulk.iter().map(group));
    let admin_of_all: Vec<String> = all.iter().map(|g| format!("{g}-admin")).collect();
    let hour = now() + 3600;
    let tokens = json!({
        "reader": sign(&key, "reader-1", &all[..1], hour)?,
        "reader_all": sign(&key, "reader-2", &all, hour)?,
        // Admin of each taxpayer it names (roles are per taxpayer; no `operators`).
        "admin": sign(&key, "admin-1", &admin_of_all, hour)?,
        "expired": sign(&key, "reader-2", &all, now() - 600)?,
    });
    println!(
        "{}",
        json!({
            "url": base,
            "taxpayers": taxpayers.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "tokens": tokens,
            "bulk_taxpayer": bulk.map(|t| t.to_string()),
            "pending": pending,
            "warned": warned,
        })
    );

    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    sim.shutdown().await;
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
