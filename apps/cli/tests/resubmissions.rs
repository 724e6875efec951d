//! Technical annulment and resubmission through the real binary: the supplier annuls a report
//! and reports the invoice again under the same number (new transactionId, later insDate);
//! `navsync sync` keeps the current version and the superseded one, each archived byte for
//! byte under its own key. NAV's official samples, several of which share a number, are
//! served by `navsync nav-sim --invoice-dir` as successive reports and all stored.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use navsync_nav_sim::{Faults, SimConfig};

mod support;
use support::{scratch_dir, spawn_sync, wait_bounded};

const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Every stored record (current and superseded) as JSON, with whether it is current.
fn records(data_dir: &Path) -> Vec<(bool, serde_json::Value)> {
    let db = rusqlite::Connection::open(data_dir.join("navsync.db")).unwrap();
    let mut out = Vec::new();
    for (current, sql) in [
        (
            true,
            "SELECT record FROM invoice JOIN invoice_record ON invoice_id = id",
        ),
        (false, "SELECT record FROM invoice_version"),
    ] {
        let mut q = db.prepare(sql).unwrap();
        let rows: Vec<String> = q
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.extend(
            rows.iter()
                .map(|j| (current, serde_json::from_str(j).unwrap())),
        );
    }
    out
}

fn archived(data_dir: &Path, record: &serde_json::Value) -> Vec<u8> {
    let key = record["document"]["key"].as_str().unwrap();
    std::fs::read(data_dir.join("documents").join(key)).unwrap()
}

fn sync(config: &Path, what: &str) -> Vec<serde_json::Value> {
    let mut child = spawn_sync(config);
    let (status, stdout, stderr) = wait_bounded(&mut child, RUN_LIMIT, what);
    assert!(status.success(), "{what}: {status}\n{stderr}");
    let summaries: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for s in &summaries {
        assert_eq!(s["error"], serde_json::Value::Null, "{what}: {s}");
    }
    summaries
}

fn sum(summaries: &[serde_json::Value], field: &str) -> u64 {
    summaries
        .iter()
        .map(|s| s[field].as_u64().unwrap_or_else(|| panic!("{field}: {s}")))
        .sum()
}

fn write_config(
    dir: &Path,
    base_url: &str,
    taxpayers: &[serde_json::Value],
    data_dir: &Path,
) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let mut toml = format!(
        "nav_env = {base_url:?}\ndata_dir = {:?}\nlookback_days = 30\n",
        data_dir.to_str().unwrap()
    );
    for t in taxpayers {
        toml += &format!(
            "\n[[taxpayer]]\ntax_number = {}\nlogin = {}\npassword = {}\nsign_key = {}\n\
             exchange_key = {}\n",
            t["tax_number"], t["login"], t["password"], t["sign_key"], t["exchange_key"]
        );
    }
    let path = dir.join("navsync.toml");
    std::fs::write(&path, toml).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

#[test]
fn a_resubmitted_invoice_keeps_its_superseded_version_archived() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now = Utc::now();
    let mut config = SimConfig::new(73, 40, now);
    config.period = (now - TimeDelta::hours(60), now - TimeDelta::minutes(10));
    // Resubmitted once the first run's two digest queries (a window per direction) are answered.
    config.faults = Faults {
        resubmit_share: 0.1,
        resubmit_after: 2,
        ..Faults::default()
    };
    let sim = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        navsync_nav_sim::start(config, listener).await.unwrap()
    });
    let all = sim.invoices();
    let resubmitted: Vec<_> = all
        .iter()
        .filter(|s| s.transaction_id.starts_with("RESUB"))
        .collect();
    assert!(!resubmitted.is_empty(), "seed 73 resubmits some invoices");

    let dir = scratch_dir("resubmission");
    let data_dir = dir.join("data");
    let taxpayers: Vec<serde_json::Value> = sim
        .taxpayers()
        .iter()
        .map(|t| serde_json::to_value(t).unwrap())
        .collect();
    let config = write_config(&dir, &sim.base_url(), &taxpayers, &data_dir);
    let first = sync(&config, "first run");
    assert_eq!(sum(&first, "resubmissions"), 0);
    let before = records(&data_dir);
    assert!(before.iter().all(|(current, _)| *current));

    let second = sync(&config, "second run");
    let taxpayer: navsync_domain::TaxpayerId = sim.taxpayers()[0].tax_number.parse().unwrap();
    let seen_by = |s: &navsync_nav_sim::store::StoredInvoice| {
        navsync_domain::Direction::BOTH
            .iter()
            .filter(|d| s.visible_to(taxpayer, **d))
            .count() as u64
    };
    let expected: u64 = resubmitted.iter().map(|s| seen_by(s)).sum();
    assert_eq!(sum(&second, "resubmissions"), expected, "{second:?}");
    assert_eq!(sum(&second, "pending"), 0);

    let after = records(&data_dir);
    assert_eq!(
        after.len() as u64,
        before.len() as u64 + expected,
        "one more version per resubmitted invoice and party"
    );
    // Each resubmitted invoice: the resubmission current, the original superseded, each
    // archived byte for byte as the simulator serves it, under distinct keys.
    for again in &resubmitted {
        let number = again.invoice.invoice_number.as_str();
        let original = all
            .iter()
            .find(|s| {
                s.invoice.invoice_number.as_str() == number
                    && s.transaction_id != again.transaction_id
            })
            .unwrap();
        let versions: Vec<&(bool, serde_json::Value)> = after
            .iter()
            .filter(|(_, r)| r["key"]["invoice_number"] == number)
            .collect();
        assert_eq!(
            versions.len() as u64,
            2 * seen_by(again),
            "{number}: {versions:?}"
        );
        let mut keys = BTreeSet::new();
        for (current, r) in &versions {
            let tx = r["digest"]["transaction_id"].as_str().unwrap();
            let served = if *current { again } else { original };
            assert_eq!(
                tx, served.transaction_id,
                "{number}: current = resubmission"
            );
            assert_eq!(
                archived(&data_dir, r),
                served.document().as_slice(),
                "{number}"
            );
            assert!(keys.insert(r["document"]["key"].as_str().unwrap().to_owned()));
        }
    }
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}

fn samples() -> PathBuf {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nav/invoice-samples");
    if shared.exists() {
        shared
    } else {
        "/work/shared/nav/invoice-samples".into()
    }
}

/// `navsync nav-sim` as a child; its JSON line.
struct NavSim {
    child: std::process::Child,
    line: serde_json::Value,
}

impl Drop for NavSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn all_19_official_samples_are_synced_byte_for_byte() {
    // Three taxpayers (the samples' supplier and customer, one generated with no invoices),
    // two directions: the first run asks 6 digests, each later run 12 (re-check and window).
    // So the second report of a shared number is listed from the second run on, the third
    // from the third run on, each while the one before is still served.
    let mut child = Command::new(env!("CARGO_BIN_EXE_navsync"))
        .args([
            "nav-sim",
            "--invoices",
            "0",
            "--days",
            "2",
            "--compressed-share",
            "0.5",
        ])
        .args([
            "--resubmit-after",
            "6",
            "--resubmit-every",
            "12",
            "--invoice-dir",
        ])
        .arg(samples())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let sim = NavSim {
        child,
        line: serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}")),
    };
    let taxpayers = sim.line["taxpayers"].as_array().unwrap().clone();
    assert_eq!(taxpayers.len(), 3, "{}", sim.line);

    let dir = scratch_dir("samples");
    let data_dir = dir.join("data");
    let config = write_config(
        &dir,
        sim.line["base_url"].as_str().unwrap(),
        &taxpayers,
        &data_dir,
    );
    let mut superseded_unserved = 0;
    for run in 1..=3 {
        let s = sync(&config, &format!("run {run}"));
        superseded_unserved += sum(&s, "superseded_unserved");
        assert_eq!(sum(&s, "pending"), 0, "run {run}: {s:?}");
    }
    assert_eq!(
        superseded_unserved, 0,
        "every report was fetched while it was served"
    );

    let files: BTreeMap<String, Vec<u8>> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    assert_eq!(files.len(), 19);
    let stored = records(&data_dir);
    for (direction, taxpayer, want_docs, want_records) in [
        ("OUTBOUND", "99999999", 19, 21),
        ("INBOUND", "99887764", 18, 20),
    ] {
        let mine: Vec<&(bool, serde_json::Value)> = stored
            .iter()
            .filter(|(_, r)| r["key"]["taxpayer"] == taxpayer && r["key"]["direction"] == direction)
            .collect();
        // 13 numbers of their own, 2021/000123 three times (twice seen by the customer: one
        // is to a private person), ZZZ000009 twice, and a batch document of three parts.
        assert_eq!(mine.len(), want_records, "{direction}");
        let current = mine.iter().filter(|(c, _)| *c).count();
        assert_eq!(
            current,
            want_records - 3 + usize::from(direction == "INBOUND"),
            "{direction}"
        );
        let mut matched: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, r) in &mine {
            let doc = archived(&data_dir, r);
            let name = files
                .iter()
                .find(|(_, bytes)| **bytes == doc)
                .map(|(n, _)| n.as_str())
                .unwrap_or_else(|| panic!("{direction}: {} is no sample", r["document"]["key"]));
            *matched.entry(name).or_default() += 1;
            let warnings = r["invoice"]["warnings"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(warnings.is_empty(), "{name}: {warnings:?}");
        }
        assert_eq!(matched.len(), want_docs, "{direction}: {matched:?}");
        assert_eq!(
            matched["Tobb szamla modositasa egy okirattal.xml"], 3,
            "one record per batch part"
        );
        assert!(
            matched
                .iter()
                .all(|(n, c)| *c == 1 || n.starts_with("Tobb szamla modositasa egy okirattal.xml"))
        );
    }
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}
