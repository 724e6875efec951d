//! `navsync demo` as a user runs it: the real binary on a free port, read until it prints the
//! token, then the API it serves must answer with the simulator's invoices (both taxpayers,
//! both directions, paged), the UI, Swagger UI and OpenAPI document must be there, a request
//! without a token must get a 401 problem, and Ctrl-C (SIGINT) must stop it.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;

const INVOICES: usize = 40;
/// Generous bounds for a loaded 2-core machine; only a hang reaches them.
const STARTUP_LIMIT: Duration = Duration::from_secs(120);
const STOP_LIMIT: Duration = Duration::from_secs(10);

/// Kills the demo if the test fails before it stops it.
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Lines from a child's stream, read on a thread so a bounded wait is possible.
fn lines_of(stream: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn next_line(rx: &mpsc::Receiver<String>, deadline: Instant, seen: &[String]) -> String {
    let left = deadline.saturating_duration_since(Instant::now());
    rx.recv_timeout(left).unwrap_or_else(|e| {
        panic!(
            "navsync demo printed no more lines ({e}) within {STARTUP_LIMIT:?}; so far:\n{}",
            seen.join("\n")
        )
    })
}

#[tokio::test]
async fn demo_serves_the_simulators_invoices_and_stops_on_ctrl_c() {
    let data_dir: PathBuf =
        std::env::temp_dir().join(format!("navsync-demo-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let child = Command::new(env!("CARGO_BIN_EXE_navsync"))
        .args(["demo", "--port", "0", "--invoices", &INVOICES.to_string()])
        .arg("--data-dir")
        .arg(&data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the navsync binary starts");
    let mut demo = Demo(child);
    let stdout = lines_of(demo.0.stdout.take().unwrap());
    let stderr = lines_of(demo.0.stderr.take().unwrap());

    // stdout: one JSON summary per taxpayer and direction, the URL, the token.
    let deadline = Instant::now() + STARTUP_LIMIT;
    let mut seen = Vec::new();
    let mut summaries = Vec::new();
    let mut url = None;
    let token = loop {
        let line = next_line(&stdout, deadline, &seen);
        seen.push(line.clone());
        if line.starts_with('{') {
            summaries.push(serde_json::from_str::<Value>(&line).expect("a JSON summary"));
        } else if let Some(rest) = line.strip_prefix("navsync is running at ") {
            url = Some(
                rest.split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_owned(),
            );
        } else if line.starts_with("Bearer token") {
            break next_line(&stdout, deadline, &seen);
        }
    };
    let url = url.unwrap_or_else(|| panic!("no URL line in:\n{}", seen.join("\n")));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        !url.ends_with(":0"),
        "--port 0 must print the port actually bound: {url}"
    );
    // stderr names the simulator; its admin endpoints are on the same host.
    let mut err_lines = Vec::new();
    let sim_base = loop {
        let line = next_line(&stderr, deadline, &err_lines);
        err_lines.push(line.clone());
        if let Some(rest) = line.strip_prefix("navsync demo: NAV simulator at ") {
            break rest.trim().to_owned();
        }
    };
    let sim_root = sim_base
        .strip_suffix("/invoiceService/v3")
        .unwrap_or_else(|| panic!("unexpected simulator URL {sim_base}"));

    let http = reqwest::Client::new();
    let sim_stats = http
        .get(format!("{sim_root}/sim/stats"))
        .send()
        .await
        .unwrap();
    let sim_stats = json(sim_stats).await;
    let sim_count = sim_stats["invoices"].as_u64().unwrap();

    assert_eq!(
        summaries.len(),
        4,
        "2 taxpayers × 2 directions: {summaries:?}"
    );
    let mut synced_new = 0;
    let mut taxpayers = std::collections::BTreeSet::new();
    for s in &summaries {
        assert!(s["error"].is_null(), "a sync failed: {s}");
        synced_new += s["new"].as_u64().unwrap();
        taxpayers.insert(s["taxpayer"].as_str().unwrap().to_owned());
    }
    assert_eq!(taxpayers.len(), 2);
    assert_eq!(
        sim_count,
        2 * INVOICES as u64,
        "the simulator holds --invoices per taxpayer"
    );

    // The API, paged with a small limit so cursors are followed.
    let mut listed = 0;
    let mut keys = std::collections::BTreeSet::new();
    for t in &taxpayers {
        for direction in ["OUTBOUND", "INBOUND"] {
            let mut cursor: Option<String> = None;
            loop {
                let mut req = http
                    .get(format!("{url}/v1/taxpayers/{t}/invoices"))
                    .bearer_auth(&token)
                    .query(&[("direction", direction), ("limit", "7")]);
                if let Some(c) = &cursor {
                    req = req.query(&[("cursor", c)]);
                }
                let resp = req.send().await.unwrap();
                assert_eq!(resp.status(), 200, "{t} {direction}");
                let page = json(resp).await;
                for item in page["items"].as_array().unwrap() {
                    assert_eq!(item["taxpayer"], t.as_str());
                    assert_eq!(item["direction"], direction);
                    let key = format!(
                        "{t}/{direction}/{}/{}/{}",
                        item["supplier_tax_number"], item["invoice_number"], item["batch_index"]
                    );
                    assert!(keys.insert(key.clone()), "{key} listed twice");
                    listed += 1;
                }
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
            }
        }
    }
    assert_eq!(listed, synced_new, "the API lists what the sync stored");
    assert_eq!(listed, sim_count, "the API lists the simulator's invoices");

    // One invoice in full, and its original document.
    let first = http
        .get(format!(
            "{url}/v1/taxpayers/{}/invoices",
            taxpayers.first().unwrap()
        ))
        .bearer_auth(&token)
        .query(&[("direction", "OUTBOUND"), ("limit", "1")])
        .send()
        .await
        .unwrap();
    let first = json(first).await;
    let href = first["items"][0]["href"].as_str().unwrap();
    let full = http
        .get(format!("{url}{href}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(full.status(), 200, "{href}");

    // The UI, the docs, the OpenAPI document, and no token.
    let get = |path: &str| http.get(format!("{url}{path}")).send();
    let ui = get("/").await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(content_type(&ui).starts_with("text/html"), "{ui:?}");
    assert!(ui.text().await.unwrap().to_lowercase().contains("<html"));
    let docs = get("/docs").await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger-ui"));
    let openapi = get("/openapi.json").await.unwrap();
    assert_eq!(openapi.status(), 200);
    let openapi = json(openapi).await;
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3.1"));
    let anonymous = get(&format!(
        "/v1/taxpayers/{}/invoices?direction=OUTBOUND",
        taxpayers.first().unwrap()
    ))
    .await
    .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(content_type(&anonymous), "application/problem+json");
    let problem = json(anonymous).await;
    assert_eq!(problem["status"], 401);
    let forged = http
        .get(format!("{url}/v1/me"))
        .bearer_auth(format!("{token}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401, "a token with a broken signature");

    // Ctrl-C stops it.
    let pid = demo.0.id() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let status = support::wait_exit(&mut demo.0, STOP_LIMIT)
        .unwrap_or_else(|| panic!("navsync demo still runs {STOP_LIMIT:?} after SIGINT"));
    assert!(status.success(), "demo exit after Ctrl-C: {status:?}");
    let _ = std::fs::remove_dir_all(&data_dir);
}

fn content_type(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// reqwest is built without its `json` feature (the NAV client needs none of it).
async fn json(resp: reqwest::Response) -> Value {
    let text = resp.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
