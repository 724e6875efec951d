//! The interrupt drill: the real `navsync sync` binary against the NAV simulator, stopped at
//! seeded points it is known to reach (its n-th NAV request, held unanswered by the simulator
//! until the signal is sent) by SIGINT, SIGTERM or SIGKILL, every run, with invoices added to the
//! simulator between some runs; then one uninterrupted run. Afterwards the store must hold
//! exactly the simulator's invoices per taxpayer and direction (nothing lost, nothing twice),
//! each archived document byte-identical to the simulator's, the database must pass SQLite's
//! integrity check, and no temporary file may be left by a run that was not SIGKILLed.
//!
//! `NAVSYNC_DRILL_SEED=N` replays a failing drill (the seed is printed on every run).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use navsync_domain::ports::{DocumentArchive, InvoiceQueries};
use navsync_domain::query::InvoiceQuery;
use navsync_domain::sync::SyncPolicy;
use navsync_domain::{Direction, TaxpayerId};
use navsync_fs_archive::FsArchive;
use navsync_nav_sim::SimConfig;
use navsync_sqlite::SqliteStore;

mod support;
use support::{drill_seed, scratch_dir, spawn_sync, wait_bounded, write_config};

const TAXPAYERS: usize = 2;
const INVOICES_PER_TAXPAYER: usize = 300;
/// Interrupted runs; each is interrupted at a point it is known to reach.
const ROUNDS: usize = 24;
/// The longest a single run may take before the drill gives up on it (a hang is a failure).
const RUN_LIMIT: Duration = Duration::from_secs(90);

/// An invoice's identity within one taxpayer's direction: supplier, number, batch index.
type Identity = (String, String, Option<u32>);

#[derive(Default, Debug)]
struct Tally {
    /// SIGINT/SIGTERM handled: exit code 1 and the "nothing is lost" message.
    handled: usize,
    killed: usize,
}

/// Due invoices (per taxpayer and direction) the store does not hold yet: each costs the
/// next run a `queryInvoiceData` call.
fn unstored_due(sim: &navsync_nav_sim::SimHandle, store_path: &Path) -> usize {
    let due_before = Utc::now() - SyncPolicy::DEFAULT_SETTLE;
    let mut due = 0;
    for t in sim.taxpayers() {
        let taxpayer: TaxpayerId = t.tax_number.parse().unwrap();
        for direction in Direction::BOTH {
            due += sim
                .invoices()
                .iter()
                .filter(|i| i.visible_to(taxpayer, direction) && i.ins_date < due_before)
                .count();
        }
    }
    let stored: usize = if store_path.exists() {
        let db = rusqlite::Connection::open(store_path).unwrap();
        db.query_row("SELECT count(*) FROM invoice", [], |r| r.get(0))
            .unwrap()
    } else {
        0
    };
    due.saturating_sub(stored)
}

#[test]
fn interrupted_syncs_lose_nothing_and_store_nothing_twice() {
    let seed = drill_seed("NAVSYNC_DRILL_SEED", 20_261_121, "interrupt drill");
    let mut rng = fastrand::Rng::with_seed(seed);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now = Utc::now();
    let mut config = SimConfig::new(seed, INVOICES_PER_TAXPAYER, now);
    config.taxpayers = TAXPAYERS;
    // Reported over the last four weeks and settled, so a 30-day first sync is due all of them.
    config.period = (now - TimeDelta::days(28), now - TimeDelta::minutes(10));
    config.compressed_share = 0.5;
    let sim = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        navsync_nav_sim::start(config, listener).await.unwrap()
    });

    let dir = scratch_dir("interrupt");
    let data_dir = dir.join("data");
    let config_path = write_config(&dir, &sim, &data_dir);

    let mut tally = Tally::default();
    let mut killed_pids = BTreeSet::new();
    let mut added = 0;
    let store_path = data_dir.join("navsync.db");
    for round in 1..=ROUNDS {
        if round > 1 && rng.u8(0..4) == 0 {
            added += sim.add_invoices(rng.usize(1..=4));
        }
        let (name, signal) = match rng.u8(0..3) {
            0 => ("SIGINT", libc::SIGINT),
            1 => ("SIGTERM", libc::SIGTERM),
            _ => ("SIGKILL", libc::SIGKILL),
        };
        // The interrupt point: the n-th NAV request of the run, which the simulator holds
        // unanswered until the signal is sent. n is drawn up to what this run must ask for
        // (a digest per taxpayer and direction, and the data of every due invoice not stored
        // yet), so the run always reaches it, and is always interrupted there.
        let must_ask = (TAXPAYERS * 2 + unstored_due(&sim, &store_path)) as u64;
        let n = rng.u64(1..=must_ask);
        let what = format!("seed {seed} round {round} ({name} at NAV request {n} of {must_ask}+)");
        let mut held = sim.hold_request(n);
        let mut child = spawn_sync(&config_path);
        let pid = child.id();
        let reached = rt.block_on(async { tokio::time::timeout(RUN_LIMIT, held.reached()).await });
        if reached != Ok(true) {
            let _ = child.kill();
            let (status, stdout, stderr) = wait_bounded(&mut child, RUN_LIMIT, &what);
            panic!("{what}: never reached ({status:?})\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
        // The child waits for the held answer: it is alive and not reaped, so the pid is its own.
        let sent = unsafe { libc::kill(pid as libc::pid_t, signal) };
        assert_eq!(sent, 0, "{what}: kill failed");
        drop(held); // answer it now: a handled signal must not depend on NAV staying silent
        let (status, stdout, stderr) = wait_bounded(&mut child, RUN_LIMIT, &what);
        let code = status.code();
        match status.signal() {
            Some(s) if s == signal && signal == libc::SIGKILL => {
                tally.killed += 1;
                killed_pids.insert(pid);
            }
            None if signal != libc::SIGKILL => {
                assert_eq!(code, Some(1), "{what}: exit status; stderr:\n{stderr}");
                assert!(
                    stderr.contains("interrupted; nothing is lost"),
                    "{what}: an interrupted sync says so on stderr; got:\n{stderr}"
                );
                tally.handled += 1;
            }
            _ => panic!("{what}: unexpected end {status:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"),
        }
    }
    eprintln!("drill: {tally:?}, {added} invoices added between runs");
    assert_eq!(
        tally.handled + tally.killed,
        ROUNDS,
        "every run is interrupted"
    );
    assert!(
        tally.handled > 0 && tally.killed > 0,
        "the seed drew one kind of signal only: {tally:?}"
    );

    let final_start = Utc::now();
    let mut child = spawn_sync(&config_path);
    let (status, stdout, stderr) = wait_bounded(&mut child, RUN_LIMIT, "the final run");
    let final_end = Utc::now();
    assert!(
        status.success(),
        "the final run fails: {status:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );

    let key = fs::read(data_dir.join("cursor.key")).unwrap();
    let store = SqliteStore::open(&store_path, key).unwrap();
    let archive = FsArchive::new(data_dir.join("documents")).unwrap();
    let sim_invoices = sim.invoices();

    // Windows end `settle` before a run's start: what NAV received before the final run's
    // start less that is due; what it received after its end less that is not yet. Invoices
    // added in the last two minutes are therefore expected to be absent.
    let settle = SyncPolicy::DEFAULT_SETTLE;
    let due = |ins: DateTime<Utc>| ins < final_start - settle;
    let not_due = |ins: DateTime<Utc>| ins >= final_end - settle;
    let mut checked = 0;
    let mut absent_not_due = 0;
    for t in sim.taxpayers() {
        let taxpayer: TaxpayerId = t.tax_number.parse().unwrap();
        for direction in Direction::BOTH {
            let mut expected: HashMap<Identity, &navsync_nav_sim::store::StoredInvoice> =
                HashMap::new();
            for inv in sim_invoices
                .iter()
                .filter(|i| i.visible_to(taxpayer, direction))
            {
                let id = (
                    inv.supplier_id().unwrap().to_string(),
                    inv.invoice.invoice_number.as_str().to_owned(),
                    inv.invoice.batch_index,
                );
                assert!(
                    expected.insert(id.clone(), inv).is_none(),
                    "the simulator lists {id:?} twice"
                );
            }
            let listed = rt.block_on(list_all(&store, taxpayer, direction));
            let mut stored = BTreeSet::new();
            for id in &listed {
                assert!(
                    stored.insert(id.clone()),
                    "seed {seed}: {taxpayer} {direction} {id:?} is stored twice"
                );
            }
            for (id, inv) in &expected {
                if due(inv.ins_date) {
                    assert!(
                        stored.contains(id),
                        "seed {seed}: {taxpayer} {direction} {id:?} (insDate {}) was lost",
                        inv.ins_date
                    );
                } else if not_due(inv.ins_date) {
                    assert!(!stored.contains(id), "{id:?} was stored before it settled");
                    absent_not_due += 1;
                }
            }
            for id in &stored {
                let Some(inv) = expected.get(id) else {
                    panic!("seed {seed}: {taxpayer} {direction} {id:?} is not the simulator's")
                };
                let key = navsync_domain::InvoiceKey {
                    taxpayer,
                    id: navsync_domain::InvoiceId {
                        direction,
                        supplier_tax_number: id.0.parse().unwrap(),
                        invoice_number: id.1.parse().unwrap(),
                        batch_index: id.2,
                    },
                };
                let record = rt
                    .block_on(store.get(&key))
                    .unwrap()
                    .unwrap_or_else(|| panic!("{id:?} is listed but cannot be read"));
                let bytes = rt
                    .block_on(archive.get(&record.document))
                    .unwrap_or_else(|e| panic!("seed {seed}: document of {id:?}: {e}"));
                assert!(
                    bytes == *inv.document(),
                    "seed {seed}: the archived document of {id:?} differs from the simulator's"
                );
                assert_eq!(record.document.size, bytes.len() as u64);
                checked += 1;
            }
        }
    }
    eprintln!(
        "checked {checked} stored invoices and documents; {absent_not_due} added ones not yet \
         settled are correctly absent"
    );
    let due_count = sim_invoices.iter().filter(|i| due(i.ins_date)).count();
    assert!(
        checked >= due_count && due_count >= TAXPAYERS * INVOICES_PER_TAXPAYER,
        "{checked} checked, {due_count} due"
    );

    let db = rusqlite::Connection::open(&store_path).unwrap();
    let integrity: Vec<String> = db
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(integrity, ["ok"], "SQLite integrity check");

    // A SIGKILL between a temporary file's creation and its rename may leave it (named after
    // the writer's pid, never readable as a document); any other run must leave none.
    let mut leftovers: BTreeMap<u32, usize> = BTreeMap::new();
    for tmp in temp_files(&data_dir.join("documents")) {
        let name = tmp.file_name().unwrap().to_string_lossy().into_owned();
        let pid: u32 = name
            .strip_prefix(".tmp-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected file {}", tmp.display()));
        assert!(
            killed_pids.contains(&pid),
            "seed {seed}: {} was left by a run that was not SIGKILLed",
            tmp.display()
        );
        *leftovers.entry(pid).or_default() += 1;
    }
    eprintln!("temporary files left by SIGKILLed runs: {leftovers:?}");

    rt.block_on(sim.shutdown());
    let _ = fs::remove_dir_all(&dir);
}

async fn list_all(
    store: &SqliteStore,
    taxpayer: TaxpayerId,
    direction: Direction,
) -> Vec<Identity> {
    let mut query = InvoiceQuery::new(taxpayer, direction);
    query.limit = 97; // not a divisor of anything here, so page boundaries fall everywhere
    let mut all = Vec::new();
    loop {
        let page = store.search(&query).await.unwrap();
        all.extend(page.items.iter().map(|s| {
            (
                s.key.id.supplier_tax_number.to_string(),
                s.key.id.invoice_number.as_str().to_owned(),
                s.key.id.batch_index,
            )
        }));
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => return all,
        }
    }
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(temp_files(&path));
        } else if entry.file_name().to_string_lossy().starts_with(".tmp") {
            found.push(path);
        }
    }
    found
}
