//! NAV lists some invoices late and some it never serves; `navsync sync` must still end with
//! every fetchable invoice stored exactly once, never stall its watermark, and say what it
//! found late and what it quarantined. The real binary against the NAV simulator's listing
//! drills, which release by how many digest queries were answered (no clock), so each run's
//! view is known. Late invoices carry an insDate within the re-check behind the watermark
//! (the last 3 days), since the clock is real here.
//!
//! `NAVSYNC_MIX_SEED=N` replays the completeness mix (its seed is printed).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use navsync_domain::{Direction, TaxpayerId};
use navsync_nav_sim::store::StoredInvoice;
use navsync_nav_sim::{Backfill, Faults, SimConfig, SimHandle};

mod support;
use support::{drill_seed, scratch_dir, spawn_sync, wait_bounded, write_config};

const RUN_LIMIT: Duration = Duration::from_secs(120);

/// An invoice as stored for one taxpayer: direction, supplier, number, batch (-1: none).
type Stored = (String, String, String, i64);

fn start_sim(seed: u64, invoices: usize, faults: Faults) -> (tokio::runtime::Runtime, SimHandle) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now = Utc::now();
    let mut config = SimConfig::new(seed, invoices, now);
    // Settled, and inside the 3-day re-check behind any watermark a run sets.
    config.period = (now - TimeDelta::hours(60), now - TimeDelta::minutes(10));
    config.faults = faults;
    let sim = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        navsync_nav_sim::start(config, listener).await.unwrap()
    });
    (rt, sim)
}

fn key(taxpayer: TaxpayerId, direction: Direction, s: &StoredInvoice) -> (String, Stored) {
    (
        taxpayer.to_string(),
        (
            direction.as_str().to_owned(),
            s.supplier_id().map(|t| t.to_string()).unwrap_or_default(),
            s.invoice.invoice_number.to_string(),
            s.invoice.batch_index.map_or(-1, i64::from),
        ),
    )
}

/// What the simulator lists for each configured taxpayer and direction, filtered.
fn listed_by_sim(
    sim: &SimHandle,
    keep: impl Fn(&StoredInvoice) -> bool,
) -> BTreeSet<(String, Stored)> {
    let mut all = BTreeSet::new();
    for t in sim.taxpayers() {
        let taxpayer: TaxpayerId = t.tax_number.parse().unwrap();
        for direction in Direction::BOTH {
            for s in sim.invoices() {
                if s.visible_to(taxpayer, direction) && keep(&s) {
                    all.insert(key(taxpayer, direction, &s));
                }
            }
        }
    }
    all
}

/// The store's invoices, and how many rows hold them (equal when none is stored twice).
fn stored(data_dir: &Path) -> (BTreeSet<(String, Stored)>, usize) {
    let db = rusqlite::Connection::open(data_dir.join("navsync.db")).unwrap();
    let mut q = db
        .prepare("SELECT taxpayer, direction, supplier, invoice_number, batch FROM invoice")
        .unwrap();
    let rows: Vec<(String, Stored)> = q
        .query_map([], |r| {
            Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let n = rows.len();
    (rows.into_iter().collect(), n)
}

/// Runs `navsync sync` once; its JSON summaries, one per taxpayer and direction.
fn sync(config: &Path, what: &str) -> Vec<serde_json::Value> {
    let mut child = spawn_sync(config);
    let (status, stdout, stderr) = wait_bounded(&mut child, RUN_LIMIT, what);
    assert!(status.success(), "{what}: {status}\n{stderr}");
    let summaries: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(summaries.len(), 2, "{what}: one summary per direction");
    for s in &summaries {
        assert_eq!(s["error"], serde_json::Value::Null, "{what}: {s}");
        assert_eq!(s["stopped_at_deadline"], false, "{what}: {s}");
    }
    summaries
}

fn sum(summaries: &[serde_json::Value], field: &str) -> u64 {
    summaries.iter().map(|s| s[field].as_u64().unwrap()).sum()
}

fn watermark(s: &serde_json::Value) -> Option<DateTime<Utc>> {
    s["watermark_after"].as_str().map(|w| w.parse().unwrap())
}

/// Every direction's watermark passed every invoice the simulator holds: nothing stalled.
fn assert_not_stalled(sim: &SimHandle, summaries: &[serde_json::Value], what: &str) {
    let newest = sim.invoices().iter().map(|s| s.ins_date).max().unwrap();
    for s in summaries {
        let w = watermark(s).unwrap_or_else(|| panic!("{what}: no watermark: {s}"));
        assert!(
            w > newest,
            "{what}: watermark {w} stalled before {newest}: {s}"
        );
    }
}

#[test]
fn invoices_listed_late_are_found_by_ordinary_runs() {
    // Released once the first run's two digest queries (a window per direction) are answered.
    let faults = Faults {
        late_listing_share: 0.15,
        late_listing_after: 2,
        ..Faults::default()
    };
    let (_rt, sim) = start_sim(71, 60, faults);
    let late = listed_by_sim(&sim, |s| sim.listed_late(s));
    let everything = listed_by_sim(&sim, |_| true);
    assert!(!late.is_empty(), "the drill lists some invoices late");
    assert!(late.len() < everything.len());

    let dir = scratch_dir("late-listing");
    let data_dir = dir.join("data");
    let config = write_config(&dir, &sim, &data_dir);

    let first = sync(&config, "first run");
    assert_eq!(
        sim.digests_answered(),
        2,
        "the first run asks one window per direction"
    );
    assert_eq!(sum(&first, "late"), 0);
    let (after_first, _) = stored(&data_dir);
    assert_eq!(
        after_first,
        everything.difference(&late).cloned().collect(),
        "the first run stores what NAV listed then"
    );
    assert_not_stalled(&sim, &first, "first run");

    let second = sync(&config, "second run");
    assert_eq!(
        sum(&second, "late") as usize,
        late.len(),
        "the summary counts what was late"
    );
    assert_eq!(sum(&second, "new") as usize, late.len());
    assert!(
        sum(&second, "recheck_digest_calls") >= 2,
        "it re-listed behind the watermark"
    );
    let (all_stored, rows) = stored(&data_dir);
    assert_eq!(
        all_stored, everything,
        "every invoice the simulator lists is stored"
    );
    assert_eq!(rows, everything.len(), "each exactly once");
    assert_not_stalled(&sim, &second, "second run");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `navsync serve` on 127.0.0.1:0, the address read from its stderr line; a reader token.
struct Serve {
    child: std::process::Child,
    base: String,
    token: String,
}

impl Serve {
    fn start(config: &Path, data_dir: &Path, taxpayer: &str) -> Self {
        let token = Command::new(env!("CARGO_BIN_EXE_navsync"))
            .args(["token", "create", "--data-dir"])
            .arg(data_dir)
            .args(["--taxpayer", taxpayer, "--role", "reader"])
            .output()
            .unwrap();
        assert!(
            token.status.success(),
            "{}",
            String::from_utf8_lossy(&token.stderr)
        );
        let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();
        let mut child = Command::new(env!("CARGO_BIN_EXE_navsync"))
            .args(["serve", "--bind", "127.0.0.1:0", "--config"])
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("navsync serve prints where it listens")
                .unwrap();
            if let Some(rest) = line.split(" on http://").nth(1) {
                break format!("http://{}", rest.split('/').next().unwrap());
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, base, token }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_invoice_nav_never_serves_is_quarantined_and_the_sync_goes_on() {
    let faults = Faults {
        never_fetchable_share: 0.025,
        ..Faults::default()
    };
    let (rt, sim) = start_sim(72, 50, faults);
    let never = listed_by_sim(&sim, |s| sim.never_fetchable(s));
    assert_eq!(
        never.len(),
        1,
        "seed 72 picks exactly one invoice: {never:?}"
    );
    let everything = listed_by_sim(&sim, |_| true);

    let dir = scratch_dir("never-fetchable");
    let data_dir = dir.join("data");
    let config = write_config(&dir, &sim, &data_dir);
    let summaries = sync(&config, "sync");
    assert_eq!(sum(&summaries, "unavailable"), 1);
    assert_eq!(sum(&summaries, "pending"), 1);
    assert_not_stalled(&sim, &summaries, "sync");
    let (all_stored, rows) = stored(&data_dir);
    assert_eq!(all_stored, everything.difference(&never).cloned().collect());
    assert_eq!(rows, all_stored.len());

    let (taxpayer, (direction, supplier, number, _)) = never.iter().next().unwrap().clone();
    let serve = Serve::start(&config, &data_dir, &taxpayer);
    let status = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/v1/taxpayers/{taxpayer}/sync", serve.base))
            .bearer_auth(&serve.token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    let directions = status["directions"].as_array().unwrap();
    assert_eq!(directions.len(), 2, "{status}");
    let pending: BTreeMap<String, &serde_json::Value> = directions
        .iter()
        .map(|d| (d["direction"].as_str().unwrap().to_owned(), &d["pending"]))
        .collect();
    for (d, list) in &pending {
        let want = if *d == direction { 1 } else { 0 };
        assert_eq!(list.as_array().unwrap().len(), want, "{d}: {status}");
    }
    let entry = &pending[&direction][0];
    assert_eq!(entry["invoice_number"], number.as_str());
    assert_eq!(entry["supplier_tax_number"], supplier.as_str());
    assert_eq!(entry["attempts"], 1);
    assert_eq!(
        entry["reason"],
        format!("NAV returned no document for invoice {number}").as_str(),
        "{entry}"
    );
    let at = |field: &str| {
        entry[field]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap()
    };
    assert_eq!(
        at("next_attempt_at") - at("first_failed_at"),
        TimeDelta::minutes(15),
        "retried after the first backoff"
    );
    drop(serve);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_seeded_mix_of_listing_drills_ends_complete() {
    let seed = drill_seed("NAVSYNC_MIX_SEED", 20_261_202, "listing drill mix");
    let mut rng = fastrand::Rng::with_seed(seed);
    let now = Utc::now();
    // From the third run on, each run asks at least four digests (re-check and window per
    // direction), so releases up to 2 + 4 are seen by the fourth of five runs.
    let back = TimeDelta::hours(rng.i64(12..=48));
    let faults = Faults {
        late_listing_share: rng.f64() * 0.3,
        late_listing_after: rng.u64(1..=6),
        never_fetchable_share: rng.f64() * 0.05,
        // Technical annulment and resubmission (listed from the given digest count on), and
        // reports NAV holds twice (MULTIPLE_QUERY_RESULT_FOUND: quarantined, like the never
        // fetchable ones).
        resubmit_share: rng.f64() * 0.2,
        resubmit_after: rng.u64(1..=6),
        duplicate_share: rng.f64() * 0.05,
        backfill: Some(Backfill {
            from: now - back,
            to: now - back + TimeDelta::hours(rng.i64(2..=12)),
            after: rng.u64(1..=6),
        }),
        ..Faults::default()
    };
    eprintln!("{faults:?}");
    let (_rt, sim) = start_sim(seed, rng.usize(30..=80), faults);
    let everything = listed_by_sim(&sim, |_| true);
    let mut never = listed_by_sim(&sim, |s| sim.never_fetchable(s));
    never.extend(listed_by_sim(&sim, |s| s.transaction_id.starts_with("DUP")));
    assert!(!everything.is_empty());

    let dir = scratch_dir("listing-mix");
    let data_dir = dir.join("data");
    let config = write_config(&dir, &sim, &data_dir);
    let mut late = 0;
    let mut resubmissions = 0;
    let mut last = Vec::new();
    let mut after_first = 0;
    for run in 1..=5 {
        last = sync(&config, &format!("seed {seed} run {run}"));
        if run == 1 {
            after_first = stored(&data_dir).0.len();
        } else {
            late += sum(&last, "late");
            resubmissions += sum(&last, "resubmissions");
        }
        assert_not_stalled(&sim, &last, &format!("seed {seed} run {run}"));
    }
    let (all_stored, rows) = stored(&data_dir);
    eprintln!(
        "{} invoices, {} never fetchable or duplicated, {late} found late after the first \
         run, {resubmissions} resubmissions",
        everything.len(),
        never.len()
    );
    assert_eq!(
        all_stored,
        everything.difference(&never).cloned().collect(),
        "seed {seed}: the store holds every fetchable invoice the simulator lists"
    );
    assert_eq!(rows, all_stored.len(), "seed {seed}: each once");
    assert_eq!(
        sum(&last, "pending") as usize,
        never.len(),
        "seed {seed}: quarantined are exactly the never-fetchable ones"
    );
    // Everything stored after the first run lies behind its watermark: found late, and
    // counted so; a resubmission is a further version of an invoice stored already.
    assert_eq!(
        (late - resubmissions) as usize,
        all_stored.len() - after_first,
        "seed {seed}: every invoice stored after the first run is counted late"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
