//! The sync streams: a month's window with 10,000 invoices runs in the memory of a page, spends
//! one `queryInvoiceDigest` call per 100 invoices plus one `queryInvoiceData` per invoice not
//! yet stored, and none for invoices already stored. Measured on the real `navsync sync` binary
//! (peak RSS of the child, from `getrusage`) against the NAV simulator.

use std::process::{Child, ExitStatus};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use navsync_domain::Direction;
use navsync_nav_sim::SimConfig;

mod support;
use support::{drain, exit_signal, scratch_dir, spawn_sync, wait_bounded, write_config};

const INVOICES: usize = 10_000;
/// A 128 MB Lambda must hold the sync with room to spare; a sync that kept every invoice of the
/// window would need several times this.
const PEAK_RSS_LIMIT_KB: i64 = 64 * 1024;

/// The child's peak RSS (`VmHWM`: its high-water mark since `exec`), sampled every 20 ms until
/// it exits, and its stderr. `getrusage(RUSAGE_CHILDREN)` would not do: Linux folds the
/// parent's memory at `fork` into the child's maximum, and this test's process holds the
/// simulator's 10,000 invoices. (A zombie has no `VmHWM`, so growth in the last 20 ms before
/// exit goes unseen; the mark only rises, so every earlier peak is counted.)
fn wait_with_peak_rss(child: &mut Child, limit: Duration) -> (ExitStatus, i64, String) {
    let status_file = format!("/proc/{}/status", child.id());
    let _stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let exited = exit_signal(child);
    let started = Instant::now();
    let mut peak_kb = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kb: i64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
            peak_kb = peak_kb.max(kb);
        }
        match exited.recv_timeout(Duration::from_millis(20)) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                let status = child.wait().unwrap();
                return (status, peak_kb, stderr.join().unwrap());
            }
        }
        if started.elapsed() >= limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("navsync sync still running after {limit:?}; killed it");
        }
    }
}

#[test]
fn a_window_of_10000_invoices_streams_in_the_memory_of_a_page() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now = Utc::now();
    let mut config = SimConfig::new(11, INVOICES, now);
    // All within one 30-day lookback window, and settled.
    config.period = (now - TimeDelta::days(29), now - TimeDelta::minutes(10));
    let sim = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        navsync_nav_sim::start(config, listener).await.unwrap()
    });
    let taxpayer = sim.taxpayers()[0].tax_number.clone();
    let per_direction = |direction: Direction| {
        sim.invoices()
            .iter()
            .filter(|s| {
                let party = match direction {
                    Direction::Outbound => &s.invoice.supplier,
                    Direction::Inbound => &s.invoice.customer,
                };
                party.tax_number.as_ref().map(|t| t.taxpayer_id.to_string())
                    == Some(taxpayer.clone())
            })
            .count() as u64
    };
    let (outbound, inbound) = (
        per_direction(Direction::Outbound),
        per_direction(Direction::Inbound),
    );
    assert_eq!(
        (outbound + inbound) as usize,
        INVOICES,
        "every invoice is the taxpayer's, one way"
    );
    let pages = outbound.div_ceil(100) + inbound.div_ceil(100);

    // On disk: a tmpfs data directory would charge the files written to the process's memory.
    let dir = scratch_dir("streaming");
    let config_path = write_config(&dir, &sim, &dir.join("data"));
    let calls = |op: &str| sim.stats().requests.get(op).copied().unwrap_or(0);

    let mut child = spawn_sync(&config_path);
    let (status, peak_kb, stderr) = wait_with_peak_rss(&mut child, Duration::from_secs(600));
    assert!(status.success(), "first sync failed: {status}: {stderr}");
    eprintln!(
        "navsync sync of {INVOICES} invoices: peak RSS {} MB",
        peak_kb / 1024
    );
    assert!(
        peak_kb < PEAK_RSS_LIMIT_KB,
        "peak RSS {peak_kb} kB for {INVOICES} invoices: the sync holds more than a page"
    );
    assert_eq!(
        calls("queryInvoiceDigest"),
        pages,
        "one digest call per 100 invoices"
    );
    assert_eq!(
        calls("queryInvoiceData"),
        INVOICES as u64,
        "one data call per new invoice"
    );

    // Listing everything again (--rescan) fetches no document: all are stored.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_navsync"))
        .args(["sync", "--rescan", "--config"])
        .arg(&config_path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (status, stdout, stderr) = wait_bounded(&mut child, Duration::from_secs(300), "rescan");
    assert!(status.success(), "rescan failed: {stderr}");
    assert_eq!(
        calls("queryInvoiceData"),
        INVOICES as u64,
        "no data call for stored invoices"
    );
    assert_eq!(
        calls("queryInvoiceDigest"),
        2 * pages,
        "the rescan lists every page once"
    );
    let already: u64 = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["already_stored"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(already, INVOICES as u64);
    let _ = std::fs::remove_dir_all(&dir);
}
