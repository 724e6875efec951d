//! `navsync demo`: navsync doing its job in a minute, offline. Starts the NAV simulator with
//! two taxpayers, syncs both into a fresh data directory, serves the API and the web UI, and
//! prints the URL and a ready bearer token.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{TimeDelta, Utc};
use clap::Args;
use navsync_config::NavSettings;
use navsync_domain::ports::{CredentialStore, CredentialsError};
use navsync_domain::sync::SyncPolicy;
use navsync_domain::{Direction, Lookback, NavCredentials, Secret, TaxpayerId};
use navsync_nav::Endpoint;
use navsync_nav_sim::SimConfig;

use crate::local::DataDir;
use crate::serve::{LocalTrigger, app, bind, serve_on};
use crate::sync::{LocalSync, print_summaries, with_progress};
use crate::tokens::{Grant, LocalTokens, TaxpayerRole};

#[derive(Debug, Args)]
#[command(after_help = "Example:\n  navsync demo\n  navsync demo --port 9000 --invoices 1000")]
pub struct DemoArgs {
    /// Port for the API and UI on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Invoices the simulator generates per taxpayer.
    #[arg(long, default_value_t = 300)]
    pub invoices: usize,
    /// Seed of the simulated data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to keep the demo's data (default: a new directory under the system's temp dir).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// The simulator's technical users.
struct SimCredentials(HashMap<TaxpayerId, NavCredentials>);

#[async_trait]
impl CredentialStore for SimCredentials {
    async fn credentials(&self, taxpayer: TaxpayerId) -> Result<NavCredentials, CredentialsError> {
        self.0
            .get(&taxpayer)
            .cloned()
            .ok_or_else(|| CredentialsError::Missing {
                name: format!("the simulator has no taxpayer {taxpayer}"),
            })
    }
}

pub async fn run(args: DemoArgs) -> Result<(), String> {
    // Bind first: a busy port should fail before a minute of work, not after.
    let listener = bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port))).await?;
    let data_dir = args.data_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "navsync-demo-{}",
            Utc::now().format("%Y%m%d-%H%M%S")
        ))
    });
    let data = DataDir::open(&data_dir)?;

    let now = Utc::now();
    let mut sim_config = SimConfig::new(args.seed, args.invoices, now);
    sim_config.taxpayers = 2;
    // Received by NAV over the last four weeks, so a 30-day first sync finds all of them.
    sim_config.period = (now - TimeDelta::days(28), now - TimeDelta::minutes(10));
    let sim_listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .map_err(|e| format!("cannot start the NAV simulator: {e}"))?;
    let sim = navsync_nav_sim::start(sim_config, sim_listener)
        .await
        .map_err(|e| format!("cannot start the NAV simulator: {e}"))?;
    let mut credentials = HashMap::new();
    let mut taxpayers = Vec::new();
    for t in sim.taxpayers() {
        let tax_number: TaxpayerId = t.tax_number.parse().map_err(|e| format!("{e}"))?;
        eprintln!("  simulated taxpayer {tax_number}: {}", t.name);
        taxpayers.push(tax_number);
        credentials.insert(
            tax_number,
            NavCredentials {
                tax_number,
                login: t.login,
                password: Secret::new(t.password),
                sign_key: Secret::new(t.sign_key),
                exchange_key: Secret::new(t.exchange_key),
            },
        );
    }
    eprintln!("navsync demo: NAV simulator at {}", sim.base_url());

    let endpoint = Endpoint::custom(&sim.base_url()).map_err(|e| e.to_string())?;
    let sync = Arc::new(LocalSync::new(
        &data,
        endpoint,
        &NavSettings::default(),
        SimCredentials(credentials),
    )?);
    let lookback = Lookback::try_from(30).expect("30 days is a valid lookback");
    let policy = SyncPolicy::new(lookback);
    eprintln!(
        "navsync demo: syncing both taxpayers, both directions, into {}",
        data.path().display()
    );
    let summaries = with_progress(
        &sync.stored,
        sync.run(&taxpayers, &Direction::BOTH, &policy),
    )
    .await
    .expect("nothing else syncs yet");
    print_summaries(&summaries);
    if let Some(error) = summaries.iter().find_map(|s| s.error.as_ref()) {
        return Err(format!("the demo sync failed: {error}"));
    }

    let tokens = LocalTokens::open(&data)?;
    // Admin of the two demo taxpayers, not the operator: the demo shows the roles a deployment
    // hands out.
    let grant = Grant::Taxpayers(TaxpayerRole::Admin, taxpayers.clone());
    let token = tokens.mint("demo-admin", &grant, 24 * 3600);
    let router = app(
        &data,
        LocalTrigger {
            sync,
            lookback,
            recheck: policy.recheck,
        },
        vec![Arc::new(tokens)],
    )?;
    let url = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().map_err(|e| e.to_string())?.port()
    );
    println!();
    println!("navsync is running at {url}/   (web UI; API docs at {url}/docs)");
    println!(
        "Bearer token (admin of {}, valid 24 h):",
        taxpayers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("{token}");
    println!();
    // The curl line works as pasted: TOKEN is set first (the token is base64url and dots only).
    println!("Try:  TOKEN='{token}'");
    println!(
        "      curl -H \"Authorization: Bearer $TOKEN\" '{url}/v1/taxpayers/{}/invoices?direction=OUTBOUND&limit=5'",
        taxpayers[0]
    );
    println!("Stop with Ctrl-C.");
    serve_on(listener, router).await?;
    sim.shutdown().await;
    Ok(())
}
