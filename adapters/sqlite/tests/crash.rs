//! SIGKILL in the middle of writing: a child process stores batches until it is killed; the
//! file then passes SQLite's integrity check, every row reads back, and every batch is stored
//! whole or not at all.

mod records;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use navsync_domain::Direction;
use navsync_domain::ports::InvoiceRepository;
use navsync_sqlite::SqliteStore;
use rusqlite::Connection;

const KEY: &[u8] = b"test cursor key, 32 bytes long!!";
const BATCH: usize = 300;
const CHILD_DB: &str = "NAVSYNC_CRASH_TEST_DB";
const CHILD_ROUND: &str = "NAVSYNC_CRASH_TEST_ROUND";

/// The child: stores batch after batch (numbers `R{round}B{batch}-{i}`) until killed.
#[tokio::test]
#[ignore = "the writer process of kill_mid_put_leaves_whole_batches; run by it"]
async fn child_writer() {
    let path = std::env::var(CHILD_DB).expect("run by kill_mid_put_leaves_whole_batches");
    let round: u32 = std::env::var(CHILD_ROUND).unwrap().parse().unwrap();
    let store = SqliteStore::open(&path, KEY).unwrap();
    let tp = records::taxpayer(1_000_000);
    let partners = [records::taxpayer(7_000_000)];
    let mut rng = records::Rng::new(u64::from(round));
    println!("ready");
    for batch in 0.. {
        let records: Vec<_> = (0..BATCH)
            .map(|i| {
                let number = format!("R{round}B{batch}-{i}");
                records::record(&mut rng, tp, Direction::Outbound, &number, &partners)
            })
            .collect();
        store.put_many(&records).await.unwrap();
    }
}

#[test]
fn kill_mid_put_leaves_whole_batches() {
    let dir = std::env::temp_dir().join(format!("navsync-sqlite-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("navsync.db");
    drop(SqliteStore::open(&path, KEY).unwrap());

    for (round, delay_ms) in [37u64, 120, 260, 75, 400, 190].into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "child_writer", "--nocapture"])
            .env(CHILD_DB, &path)
            .env(CHILD_ROUND, round.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Kill only once it writes, however slow the machine is to start it.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        assert!(
            (&mut stdout)
                .lines()
                .map_while(Result::ok)
                .any(|l| l == "ready"),
            "the writer never started"
        );
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        drop(stdout); // open until the kill, so the writer never sees a closed pipe
    }

    let conn = Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut per_batch: HashMap<String, usize> = HashMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT invoice_number, record FROM invoice JOIN invoice_record ON invoice_id = id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    for row in rows {
        let (number, json) = row.unwrap();
        let record: navsync_domain::InvoiceRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(record.key.id.invoice_number.as_str(), number);
        let batch = number.split('-').next().unwrap().to_owned();
        *per_batch.entry(batch).or_default() += 1;
    }
    eprintln!("{} whole batches of {BATCH}", per_batch.len());
    assert!(!per_batch.is_empty(), "the writers stored nothing");
    for (batch, n) in &per_batch {
        assert_eq!(*n, BATCH, "batch {batch} is partly stored");
    }
}
