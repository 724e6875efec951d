//! A local NAV Online Számla 3.0 server for tests, demos and fault drills.
//!
//! It serves the query operations at NAV's paths with NAV's XML, authentication, error codes
//! and paging rules, over invoices from a seeded generator (and optionally folders of invoice
//! files), and can misbehave on purpose: NAV's traffic restriction, latency, 500/503/504
//! answers, connection resets, invoices listed before their data can be fetched, invoices listed
//! late (a share, or a backfilled past period), and invoices listed but never served.
//!
//! ```no_run
//! # async fn demo() -> Result<(), navsync_nav_sim::SimError> {
//! let config = navsync_nav_sim::SimConfig::new(42, 200, chrono::Utc::now());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let sim = navsync_nav_sim::start(config, listener).await?;
//! println!("{}", sim.base_url());
//! sim.add_invoices(5);
//! println!("{:?}", sim.stats());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod auth;
pub mod cli;
pub mod config;
pub mod drills;
pub mod files;
pub mod generator;
pub mod invoice_xml;
pub mod load;
pub mod request;
pub mod response;
pub mod rng;
mod server;
pub mod store;
pub mod traffic;
pub mod xml_tree;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::{Backfill, Faults, SimConfig};
pub use request::Operation;
pub use server::SimStats;

use generator::Generator;
use server::SimState;
use store::Store;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot load invoice files: {0}")]
    Files(String),
}

/// What a client needs to act as one simulated taxpayer.
#[derive(Debug, Clone, Serialize)]
pub struct TaxpayerCredentials {
    pub name: String,
    pub tax_number: String,
    pub login: String,
    pub password: String,
    pub sign_key: String,
    pub exchange_key: String,
}

/// A request [`SimHandle::hold_request`] holds; dropping this releases it.
pub struct HeldRequest {
    reached: tokio::sync::oneshot::Receiver<()>,
    _release: tokio::sync::oneshot::Sender<()>,
}

impl HeldRequest {
    /// Resolves once the request is held; `false` if the simulator stopped first.
    pub async fn reached(&mut self) -> bool {
        (&mut self.reached).await.is_ok()
    }
}

/// A running simulator.
pub struct SimHandle {
    state: Arc<SimState>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// NAV's context root on this server, e.g. `http://127.0.0.1:8080/invoiceService/v3`.
    pub fn base_url(&self) -> String {
        format!("http://{}/invoiceService/v3", self.addr)
    }

    pub fn taxpayers(&self) -> Vec<TaxpayerCredentials> {
        let generator = self
            .state
            .generator
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        generator
            .taxpayers
            .iter()
            .map(|t| TaxpayerCredentials {
                name: t.company.name.clone(),
                tax_number: t
                    .company
                    .tax_number
                    .as_ref()
                    .map(|n| n.taxpayer_id.to_string())
                    .unwrap_or_default(),
                login: t.login.clone(),
                password: t.password.clone(),
                sign_key: t.sign_key.clone(),
                exchange_key: t.exchange_key.clone(),
            })
            .collect()
    }

    /// Adds `per_taxpayer` new invoices for every taxpayer, reported now; returns how many.
    pub fn add_invoices(&self, per_taxpayer: usize) -> usize {
        self.state.add_invoices(per_taxpayer)
    }

    pub fn stats(&self) -> SimStats {
        self.state.stats()
    }

    /// Holds the `n`-th NAV request from now (1-based, any operation) unanswered until the
    /// returned handle is released or dropped; [`HeldRequest::reached`] resolves once it is
    /// held. Lets a test interrupt a client at a point it is known to have reached, with the
    /// client waiting there. Replaces an earlier hold not yet reached.
    pub fn hold_request(&self, n: u64) -> HeldRequest {
        let (reached_tx, reached) = tokio::sync::oneshot::channel();
        let (release, release_rx) = tokio::sync::oneshot::channel();
        *self.state.hold.lock().unwrap_or_else(|e| e.into_inner()) = Some(server::Hold {
            remaining: n.max(1),
            reached: reached_tx,
            release: release_rx,
        });
        HeldRequest {
            reached,
            _release: release,
        }
    }

    /// Replaces the fault drills from the next request on (e.g. an outage in mid-sync).
    /// `Faults::maintenance` only applies at start; use [`SimHandle::set_maintenance`].
    pub fn set_faults(&self, faults: Faults) {
        *self.state.faults.write().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    /// Digest queries answered so far (what the late-listing drills count).
    pub fn digests_answered(&self) -> u64 {
        self.state.digests_answered.load(Ordering::Relaxed)
    }

    /// Whether the drills in force list this invoice late (late listing or backfill).
    pub fn listed_late(&self, s: &store::StoredInvoice) -> bool {
        let faults = self.state.faults();
        drills::listed_late(self.state.config.seed, &faults, s) || drills::backfilled(&faults, s)
    }

    /// Whether the drills in force never serve this invoice's data.
    pub fn never_fetchable(&self, s: &store::StoredInvoice) -> bool {
        drills::never_fetchable(self.state.config.seed, &self.state.faults(), s)
    }

    pub fn set_maintenance(&self, on: bool) {
        self.state.maintenance.store(on, Ordering::Relaxed);
    }

    /// Every invoice the simulator holds, in listing order.
    pub fn invoices(&self) -> Vec<store::StoredInvoice> {
        self.state
            .store
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .all()
            .to_vec()
    }

    /// Runs until the process is interrupted (Ctrl-C) or [`SimHandle::shutdown`] elsewhere.
    pub async fn wait(self) {
        let _ = self.task.await;
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Builds the data set and serves on `listener` in a background task.
pub async fn start(config: SimConfig, listener: TcpListener) -> Result<SimHandle, SimError> {
    let addr = listener.local_addr()?;
    let cfg = config.clone();
    let (generator, store) = tokio::task::spawn_blocking(move || build_data(&cfg))
        .await
        .map_err(|e| SimError::Files(e.to_string()))??;
    let state = Arc::new(SimState::new(config, generator, store));
    let (stop, stop_rx) = watch::channel(false);
    if let Some((every, count)) = state.config.trickle.filter(|(e, c)| !e.is_zero() && *c > 0) {
        let state = state.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        let st = state.clone();
                        let _ = tokio::task::spawn_blocking(move || st.add_invoices(count)).await;
                    }
                    _ = stop.changed() => break,
                }
            }
        });
    }
    let app = server::router(state.clone());
    let task = tokio::spawn(server::accept_loop(listener, app, stop_rx));
    Ok(SimHandle {
        state,
        addr,
        stop,
        task,
    })
}

/// Starts the simulator and serves until the task is cancelled.
pub async fn serve(config: SimConfig, listener: TcpListener) -> Result<(), SimError> {
    start(config, listener).await?.wait().await;
    Ok(())
}

fn build_data(config: &SimConfig) -> Result<(Generator, Store), SimError> {
    let mut generator = Generator::new(config.seed, config.taxpayers, config.compressed_share);
    let mut store = Store::default();
    let mut generated = generator.generate(
        config.invoices_per_taxpayer,
        config.period.0,
        config.period.1,
    );
    let mut again = Vec::new();
    for s in generated.iter_mut() {
        let plain = s.invoice.batch_index.is_none() && s.document.is_none();
        if plain && drills::resubmitted(config.seed, &config.faults, s) {
            again.push(drills::resubmission(s, config.period.1, &config.faults));
        } else if plain && drills::duplicated(config.seed, &config.faults, s) {
            let mut twice = drills::resubmission(s, config.period.1, &config.faults);
            twice.transaction_id = format!("DUP{}", s.transaction_id);
            // Neither is annulled: NAV holds two valid reports under the number.
            s.annulled_after = None;
            twice.listed_after = 0;
            again.push(twice);
        }
    }
    generated.extend(again);
    store.insert(generated);
    for dir in &config.invoice_dirs {
        let served = files::load_dir(dir, config).map_err(SimError::Files)?;
        // Both parties of a served invoice get a technical user, so a client can fetch it
        // from either side.
        for s in &served {
            for party in [&s.invoice.supplier, &s.invoice.customer] {
                if party.tax_number.is_some() {
                    generator.add_taxpayer(generator::Company::from_party(party));
                }
            }
        }
        store.insert(served);
    }
    Ok((generator, store))
}
