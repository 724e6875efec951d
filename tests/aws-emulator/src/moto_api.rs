//! moto's own control API (`/moto-api/…`) and services the tests need without an SDK crate:
//! Lambda without Docker, an IAM role for a function, and the request recorder that shows
//! what a client really sent. moto only: LocalStack has none of these.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::{EmulatorKind, emulator};

fn endpoint() -> String {
    let e = emulator();
    assert!(
        e.kind() != EmulatorKind::LocalStack,
        "this test needs moto (its /moto-api); it cannot run against {}",
        e.name()
    );
    e.endpoint().to_owned()
}

async fn post(path: &str, body: String) -> String {
    let url = format!("{}{path}", endpoint());
    let res = reqwest::Client::new()
        .post(&url)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert!(status.is_success(), "POST {url}: {status} {text}");
    text
}

/// Makes moto answer Lambda `Invoke` without Docker: the function does not run, and the
/// response payload is the request's. Idempotent, for the whole emulator.
pub async fn lambda_without_docker() {
    post(
        "/moto-api/config",
        json!({"lambda": {"use_docker": false}}).to_string(),
    )
    .await;
}

/// A fresh IAM role Lambda may assume (moto refuses a function whose role does not exist);
/// returns its ARN. Over IAM's query protocol, as [`crate::cognito`] speaks Cognito's.
pub async fn new_lambda_role(prefix: &str) -> String {
    let name = crate::unique_name(prefix);
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let url = endpoint();
    let res = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        // moto picks the service from the credential scope; it does not check signatures.
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00",
        )
        .body(format!(
            "Action=CreateRole&Version=2010-05-08&RoleName={name}&AssumeRolePolicyDocument={}",
            form(&policy.to_string())
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRole: {e}"));
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert!(status.is_success(), "CreateRole: {status} {text}");
    let arn = text
        .split_once("<Arn>")
        .and_then(|(_, rest)| rest.split_once("</Arn>"))
        .map(|(arn, _)| arn.to_owned());
    arn.unwrap_or_else(|| panic!("CreateRole answered no Arn: {text}"))
}

fn form(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An empty but valid zip archive: code for a function moto will not run.
pub const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

/// One request as moto's recorder kept it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub url: String,
    pub headers: serde_json::Map<String, Value>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// A header by name, any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
    }
}

/// moto's request recorder, between [`Recorder::start`] and [`Recorder::stop`]. It records
/// every request to the emulator (other tests' too), so callers filter by URL; the harness
/// points its file into `target/` (`MOTO_RECORDER_FILEPATH`).
pub struct Recorder(());

impl Recorder {
    /// Clears the recording and starts a new one.
    pub async fn start() -> Self {
        post("/moto-api/recorder/reset-recording", String::new()).await;
        post("/moto-api/recorder/start-recording", String::new()).await;
        Self(())
    }

    /// Stops recording and returns what was recorded.
    pub async fn stop(self) -> Vec<Recorded> {
        post("/moto-api/recorder/stop-recording", String::new()).await;
        let url = format!("{}/moto-api/recorder/download-recording", endpoint());
        let text = reqwest::get(&url)
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"))
            .text()
            .await
            .unwrap_or_default();
        // moto reopens the file per request, so removing it leaves nothing behind.
        let _ = std::fs::remove_file(crate::moto_recording_path());
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let v: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("recording line {line:?}: {e}"));
                let body = v["body"].as_str().unwrap_or_default();
                let body = if v["body_encoded"] == true {
                    STANDARD.decode(body).expect("recorded body is base64")
                } else {
                    body.as_bytes().to_vec()
                };
                Recorded {
                    method: v["method"].as_str().unwrap_or_default().to_owned(),
                    url: v["url"].as_str().unwrap_or_default().to_owned(),
                    headers: v["headers"].as_object().cloned().unwrap_or_default(),
                    body,
                }
            })
            .collect()
    }
}
