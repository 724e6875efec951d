//! SIGKILL in the middle of a transaction: a child process stores batches, reporting each one
//! on stdout once its commit has returned, and stops inside the next batch's transaction at a
//! seeded point (after its n-th row, or at its commit), says so, and is killed there. The file
//! then passes SQLite's integrity check, holds exactly the batches reported committed, each
//! whole, and nothing of the batches killed mid-transaction.
//!
//! No sleeps: the kill follows the child's own report that it is inside a transaction, so
//! every round is killed mid-transaction, however fast or slow the machine.

mod records;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use navsync_domain::Direction;
use navsync_domain::ports::InvoiceRepository;
use navsync_sqlite::{CacheSizes, SqliteStore};
use rusqlite::Connection;

const KEY: &[u8] = b"test cursor key, 32 bytes long!!";
const BATCH: usize = 300;
const ROUNDS: u32 = 6;
const SEED: u64 = 0x5EED_C0DE;
const CHILD_DB: &str = "NAVSYNC_CRASH_TEST_DB";
const CHILD_ROUND: &str = "NAVSYNC_CRASH_TEST_ROUND";
const CHILD_COMMITS: &str = "NAVSYNC_CRASH_TEST_COMMITS";
const CHILD_STOP: &str = "NAVSYNC_CRASH_TEST_STOP";
/// A writer cache far smaller than a batch, so SQLite spills the open transaction's pages to
/// the WAL before the commit: the kill then leaves uncommitted frames that recovery must
/// ignore, not just pages that never left memory.
const SPILLING_CACHE: CacheSizes = CacheSizes {
    writer_kib: 64,
    reader_kib: 64,
};

/// Where the child stops inside the batch after the committed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// After this many of the batch's rows are in the `invoice` table (1..=BATCH).
    AfterRows(usize),
    /// When the batch's commit is about to happen (every row written).
    AtCommit,
}

impl Stop {
    fn to_env(self) -> String {
        match self {
            Stop::AfterRows(n) => n.to_string(),
            Stop::AtCommit => "commit".into(),
        }
    }

    fn from_env(s: &str) -> Self {
        match s {
            "commit" => Stop::AtCommit,
            n => Stop::AfterRows(n.parse().unwrap()),
        }
    }
}

fn batch_name(round: u32, batch: usize) -> String {
    format!("R{round}B{batch}")
}

/// Says where it stopped and blocks the writer thread, inside the open transaction, until
/// the SIGKILL.
fn stop_here(what: &str) -> ! {
    let mut out = std::io::stdout().lock();
    writeln!(out, "stopped {what}").unwrap();
    out.flush().unwrap();
    loop {
        std::thread::park();
    }
}

/// The child: commits `CHILD_COMMITS` batches (numbers `R{round}B{batch}-{i}`), printing
/// `committed R{round}B{batch}` after each commit returns, then stops inside the next batch
/// where `CHILD_STOP` says.
#[tokio::test]
#[ignore = "the writer process of kill_mid_transaction_leaves_whole_batches; run by it"]
async fn child_writer() {
    let path = std::env::var(CHILD_DB).expect("run by kill_mid_transaction_leaves_whole_batches");
    let env = |name| std::env::var(name).unwrap();
    let round: u32 = env(CHILD_ROUND).parse().unwrap();
    let commits: usize = env(CHILD_COMMITS).parse().unwrap();
    let stop = Stop::from_env(&env(CHILD_STOP));
    let store = SqliteStore::open_with_caches(&path, KEY, SPILLING_CACHE).unwrap();
    let stopped_batch = batch_name(round, commits);
    store.with_writer(|conn| {
        // The hooks run on the writer thread inside put_many's transaction.
        let what = stopped_batch.clone();
        let mut rows = 0;
        conn.update_hook(Some(move |_, _: &str, table: &str, _| {
            if table == "invoice" {
                rows += 1;
                if rows > commits * BATCH && stop == Stop::AfterRows(rows - commits * BATCH) {
                    stop_here(&what);
                }
            }
        }));
        let what = stopped_batch.clone();
        let mut commits_seen = 0;
        conn.commit_hook(Some(move || {
            commits_seen += 1;
            if stop == Stop::AtCommit && commits_seen == commits + 1 {
                stop_here(&what);
            }
            false // go on with the commit
        }));
    });
    let tp = records::taxpayer(1_000_000);
    let partners = [records::taxpayer(7_000_000)];
    let mut rng = records::Rng::new(u64::from(round));
    println!("ready");
    for batch in 0..=commits {
        let name = batch_name(round, batch);
        let records: Vec<_> = (0..BATCH)
            .map(|i| {
                let number = format!("{name}-{i}");
                records::record(&mut rng, tp, Direction::Outbound, &number, &partners)
            })
            .collect();
        store.put_many(&records).await.unwrap();
        println!("committed {name}");
    }
    panic!("the writer was to stop inside {stopped_batch}, yet committed it");
}

/// Frames of the open (uncommitted) transaction in a WAL file: valid frames of the current
/// WAL generation (salts as in the header) after its last commit frame.
fn uncommitted_wal_frames(wal: &Path) -> usize {
    let Ok(bytes) = std::fs::read(wal) else {
        return 0;
    };
    if bytes.len() < 32 {
        return 0;
    }
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    let page_size = be(8) as usize;
    let salts = (be(16), be(20));
    let (mut frames, mut after_commit) = (0, 0);
    let mut at = 32;
    while at + 24 + page_size <= bytes.len() && (be(at + 8), be(at + 12)) == salts {
        frames += 1;
        after_commit = if be(at + 4) != 0 { 0 } else { after_commit + 1 };
        at += 24 + page_size;
    }
    assert!(frames > 0 || after_commit == 0);
    after_commit
}

#[test]
fn kill_mid_transaction_leaves_whole_batches() {
    let dir = std::env::temp_dir().join(format!("navsync-sqlite-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("navsync.db");
    drop(SqliteStore::open(&path, KEY).unwrap());

    let mut rng = records::Rng::new(SEED);
    let mut committed = BTreeSet::new();
    let mut killed = BTreeSet::new();
    let mut spilled_rounds = 0;
    for round in 0..ROUNDS {
        let commits = rng.below(4) as usize;
        // The first two rounds pin the extremes: one row in, and every row in.
        let stop = match round {
            0 => Stop::AtCommit,
            1 => Stop::AfterRows(1),
            _ => Stop::AfterRows(1 + rng.below(BATCH as u64) as usize),
        };
        eprintln!("round {round}: {commits} batches committed, then stop {stop:?}");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "child_writer", "--nocapture"])
            .env(CHILD_DB, &path)
            .env(CHILD_ROUND, round.to_string())
            .env(CHILD_COMMITS, commits.to_string())
            .env(CHILD_STOP, stop.to_env())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        // The child's reports, in order; the test harness's own lines are not reports.
        let mut reports = stdout
            .lines()
            .map_while(Result::ok)
            .filter(|l| l == "ready" || l.starts_with("committed ") || l.starts_with("stopped "));
        assert_eq!(
            reports.next().as_deref(),
            Some("ready"),
            "the writer never started"
        );
        for batch in 0..commits {
            let name = batch_name(round, batch);
            assert_eq!(reports.next(), Some(format!("committed {name}")));
            committed.insert(name);
        }
        let stopped = batch_name(round, commits);
        assert_eq!(reports.next(), Some(format!("stopped {stopped}")));
        // The child is blocked inside the transaction of `stopped` now.
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        drop(reports); // open until the kill, so the writer never sees a closed pipe
        let frames = uncommitted_wal_frames(&dir.join("navsync.db-wal"));
        eprintln!("  killed inside {stopped}: {frames} uncommitted WAL frames on disk");
        if frames > 0 {
            spilled_rounds += 1;
        }
        if stop == Stop::AtCommit {
            assert!(
                frames > 0,
                "a whole batch in a 64 KiB cache must spill to the WAL"
            );
        }
        killed.insert(stopped);
    }
    assert!(!committed.is_empty(), "no round committed a batch");
    assert!(spilled_rounds > 0);

    let conn = Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut per_batch: BTreeMap<String, usize> = BTreeMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT invoice_number, record FROM invoice LEFT JOIN invoice_record ON invoice_id = id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })
        .unwrap();
    for row in rows {
        let (number, json) = row.unwrap();
        let json = json.unwrap_or_else(|| panic!("{number} is stored without its record"));
        let record: navsync_domain::InvoiceRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(record.key.id.invoice_number.as_str(), number);
        let batch = number.split('-').next().unwrap().to_owned();
        *per_batch.entry(batch).or_default() += 1;
    }
    let stored: BTreeSet<String> = per_batch.keys().cloned().collect();
    assert_eq!(
        stored, committed,
        "stored batches differ from those reported committed (killed inside: {killed:?})"
    );
    for (batch, n) in &per_batch {
        assert_eq!(*n, BATCH, "batch {batch} is partly stored");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
