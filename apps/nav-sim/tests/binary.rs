//! The `nav-sim` binary: one JSON line with what a client needs, then a working server.

mod raw_nav;

use std::io::BufRead as _;
use std::process::{Command, Stdio};

use navsync_nav_sim::TaxpayerCredentials;
use raw_nav::{Raw, digest_body, ins_date};

/// Stops the child by its PID when the test ends, pass or fail.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn prints_one_json_line_and_serves_with_those_credentials() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_nav-sim"))
            .args([
                "--port",
                "0",
                "--seed",
                "5",
                "--invoices",
                "30",
                "--taxpayers",
                "2",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("nav-sim starts"),
    );
    let mut line = String::new();
    std::io::BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    let base = v["base_url"].as_str().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:") && base.ends_with("/invoiceService/v3"));
    assert_eq!(v["invoices"], 60);
    let taxpayers = v["taxpayers"].as_array().unwrap();
    assert_eq!(taxpayers.len(), 2);
    for t in taxpayers {
        for key in [
            "tax_number",
            "login",
            "password",
            "sign_key",
            "exchange_key",
        ] {
            assert!(!t[key].as_str().unwrap().is_empty(), "{key}");
        }
        let id: navsync_domain::TaxpayerId = t["tax_number"].as_str().unwrap().parse().unwrap();
        assert_eq!(id.as_str().len(), 8);
    }
    let tp = TaxpayerCredentials {
        name: taxpayers[1]["name"].as_str().unwrap().into(),
        tax_number: taxpayers[1]["tax_number"].as_str().unwrap().into(),
        login: taxpayers[1]["login"].as_str().unwrap().into(),
        password: taxpayers[1]["password"].as_str().unwrap().into(),
        sign_key: taxpayers[1]["sign_key"].as_str().unwrap().into(),
        exchange_key: taxpayers[1]["exchange_key"].as_str().unwrap().into(),
    };
    let raw = Raw::new(base, tp);
    let now = chrono::Utc::now();
    let r = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(
                1,
                "OUTBOUND",
                &ins_date(now - chrono::Duration::days(31), now),
                "",
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.tags("invoiceDigest").is_empty());
}

#[test]
fn refuses_bad_flags_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_nav-sim"))
        .args(["--fail-share", "1.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--fail-share must be between 0 and 1"),
        "{err}"
    );
}
