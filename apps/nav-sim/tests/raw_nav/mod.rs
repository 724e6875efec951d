//! A deliberately small NAV client for the simulator's tests: builds signed requests by hand
//! (independently of the simulator's own hashing code) and posts them with reqwest.

#![allow(dead_code)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use chrono::{DateTime, Utc};
use navsync_nav_sim::TaxpayerCredentials;
use sha2::Digest as _;

pub struct Raw {
    pub http: reqwest::Client,
    pub base: String,
    pub tp: TaxpayerCredentials,
    counter: std::sync::atomic::AtomicU64,
}

/// What to put in the envelope; the defaults make a valid request.
#[derive(Default, Clone)]
pub struct Tweak {
    pub request_id: Option<String>,
    pub timestamp: Option<DateTime<Utc>>,
    pub password: Option<String>,
    pub tax_number: Option<String>,
    pub sign_key: Option<String>,
    pub password_crypto: Option<String>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn tag(&self, name: &str) -> Option<String> {
        let open = format!("<{name}>");
        let start = self.body.find(&open)? + open.len();
        let end = self.body[start..].find(&format!("</{name}>"))? + start;
        Some(self.body[start..end].to_owned())
    }

    pub fn tags(&self, name: &str) -> Vec<String> {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        self.body
            .split(&open)
            .skip(1)
            .filter_map(|s| s.split(&close).next().map(str::to_owned))
            .collect()
    }

    pub fn error_code(&self) -> Option<String> {
        self.tag("common:errorCode")
            .or_else(|| self.tag("errorCode"))
    }
}

pub fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

impl Raw {
    pub fn new(base: String, tp: TaxpayerCredentials) -> Self {
        Self {
            http: reqwest::Client::new(),
            base,
            tp,
            counter: Default::default(),
        }
    }

    pub fn fresh_id(&self) -> String {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("T{}{n}", Utc::now().timestamp_micros())
    }

    pub fn request(&self, op: &str, body: &str, t: &Tweak) -> String {
        let rid = t.request_id.clone().unwrap_or_else(|| self.fresh_id());
        let ts = t.timestamp.unwrap_or_else(Utc::now);
        let key = t
            .sign_key
            .clone()
            .unwrap_or_else(|| self.tp.sign_key.clone());
        let mut h = sha3::Sha3_512::new();
        h.update(format!("{rid}{}{key}", ts.format("%Y%m%d%H%M%S")).as_bytes());
        let signature = upper_hex(&h.finalize());
        let password = t
            .password
            .clone()
            .unwrap_or_else(|| self.tp.password.clone());
        let pw_hash = upper_hex(&sha2::Sha512::digest(password.as_bytes()));
        let tax = t
            .tax_number
            .clone()
            .unwrap_or_else(|| self.tp.tax_number.clone());
        let crypto = t
            .password_crypto
            .clone()
            .unwrap_or_else(|| "SHA-512".to_owned());
        let root = format!("{}{}Request", op[..1].to_uppercase(), &op[1..]);
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns:common="http://schemas.nav.gov.hu/NTCA/1.0/common" xmlns="http://schemas.nav.gov.hu/OSA/3.0/api">
<common:header><common:requestId>{rid}</common:requestId><common:timestamp>{}</common:timestamp><common:requestVersion>3.0</common:requestVersion><common:headerVersion>1.0</common:headerVersion></common:header>
<common:user><common:login>{}</common:login><common:passwordHash cryptoType="{crypto}">{pw_hash}</common:passwordHash><common:taxNumber>{tax}</common:taxNumber><common:requestSignature cryptoType="SHA3-512">{signature}</common:requestSignature></common:user>
<software><softwareId>NAVSYNCTEST0000001</softwareId><softwareName>raw test client</softwareName><softwareOperation>LOCAL_SOFTWARE</softwareOperation><softwareMainVersion>0.1</softwareMainVersion><softwareDevName>navsync</softwareDevName><softwareDevContact>dev@example.invalid</softwareDevContact></software>
{body}</{root}>"#,
            ts.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            self.tp.login
        )
    }

    pub async fn post_raw(&self, op: &str, xml: String) -> Result<Reply, reqwest::Error> {
        let r = self
            .http
            .post(format!("{}/{op}", self.base))
            .header("content-type", "application/xml")
            .header("accept", "application/xml")
            .body(xml)
            .send()
            .await?;
        let status = r.status().as_u16();
        Ok(Reply {
            status,
            body: r.text().await?,
        })
    }

    pub async fn call(&self, op: &str, body: &str) -> Reply {
        self.call_with(op, body, &Tweak::default()).await
    }

    pub async fn call_with(&self, op: &str, body: &str, t: &Tweak) -> Reply {
        self.post_raw(op, self.request(op, body, t))
            .await
            .expect("the simulator answers")
    }
}

pub fn digest_body(page: u32, direction: &str, mandatory: &str, extra: &str) -> String {
    format!(
        "<page>{page}</page><invoiceDirection>{direction}</invoiceDirection><invoiceQueryParams><mandatoryQueryParams>{mandatory}</mandatoryQueryParams>{extra}</invoiceQueryParams>"
    )
}

pub fn ins_date(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    format!(
        "<insDate><dateTimeFrom>{}</dateTimeFrom><dateTimeTo>{}</dateTimeTo></insDate>",
        from.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        to.format("%Y-%m-%dT%H:%M:%S%.3fZ")
    )
}

pub fn number_query(number: &str, direction: &str) -> String {
    format!(
        "<invoiceNumberQuery><invoiceNumber>{number}</invoiceNumber><invoiceDirection>{direction}</invoiceDirection></invoiceNumberQuery>"
    )
}

/// Runs `/work/shared/nav/validate-xml KIND -` (or the `NAV_VALIDATE_XML` override) on a
/// document; panics, never skips, when the validator cannot run.
pub fn validate(kind: &str, xml: &[u8]) -> Result<(), String> {
    let script = validator();
    let mut child = Command::new(&script)
        .args([kind, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(xml)
        .expect("write to validate-xml");
    let out = child.wait_with_output().expect("validate-xml runs");
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        _ => panic!(
            "validate-xml could not run (is xmllint installed? apt-get install -y libxml2-utils): {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

pub fn validator() -> String {
    std::env::var("NAV_VALIDATE_XML").unwrap_or_else(|_| {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let shared = here.join("../../../shared/nav/validate-xml");
        if shared.exists() {
            shared.to_string_lossy().into_owned()
        } else {
            "/work/shared/nav/validate-xml".to_owned()
        }
    })
}

/// Validates many documents at once (one xmllint run per file, one process for all).
pub fn validate_files(kind: &str, files: &[std::path::PathBuf]) -> Result<(), String> {
    let out = Command::new(validator())
        .arg(kind)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run validate-xml: {e}"));
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        _ => panic!(
            "validate-xml could not run: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}
