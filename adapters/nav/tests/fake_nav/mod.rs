//! Test support: a scripted HTTP server on 127.0.0.1 standing in for NAV (one request per
//! connection), canned responses written after invoiceApi.xsd, and the schema check through
//! `validate-xml`.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use navsync_domain::{NavCredentials, Secret};
use navsync_nav::client::{
    ClientConfig, Endpoint, NavClient, RetryPolicy, Software, SoftwareConfig, SoftwareOperation,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// The reference material: `shared/nav` beside the repository.
pub fn nav_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nav")
}

/// Validates one API document with `validate-xml api -`; panics with xmllint's output when
/// it is invalid or the validator cannot run (a missing xmllint fails, never skips).
pub fn assert_schema_valid(xml: &str) {
    let script = nav_dir().join("validate-xml");
    let mut child = Command::new(&script)
        .args(["api", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "validate-xml api failed ({}):\n{}{}\n--- document ---\n{xml}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether `validate-xml api -` accepts the document (for tests that expect a refusal).
pub fn schema_accepts(xml: &str) -> bool {
    let mut child = Command::new(nav_dir().join("validate-xml"))
        .args(["api", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    child.wait().unwrap().success()
}

pub const SIGN_KEY: &str = "ac-ac3a-7f661bff7d342N43CYX4U9FG";

pub fn credentials() -> NavCredentials {
    NavCredentials {
        tax_number: "11111111".parse().unwrap(),
        login: "lwilsmn0uqdxe6u".into(),
        password: Secret::new("test-password-1"),
        sign_key: Secret::new(SIGN_KEY),
        exchange_key: Secret::new("exchange-key-1"),
    }
}

pub fn software() -> Software {
    Software::new(SoftwareConfig {
        software_id: "HU11111111-NAVSYNC".into(),
        software_name: "navsync".into(),
        software_operation: SoftwareOperation::LocalSoftware,
        software_main_version: "0.1.0".into(),
        software_dev_name: "navsync team".into(),
        software_dev_contact: "dev@example.com".into(),
        software_dev_country_code: Some("HU".into()),
        software_dev_tax_number: Some("11111111".into()),
    })
    .unwrap()
}

/// A client for `url` with fast retries and no pacing unless the test asks for it.
pub fn client(url: &str, tweak: impl FnOnce(&mut ClientConfig)) -> NavClient {
    let mut config = ClientConfig::new(Endpoint::custom(url).unwrap(), software());
    config.min_request_interval = None;
    config.request_timeout = Duration::from_secs(10);
    config.retry = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    };
    tweak(&mut config);
    NavClient::new(config).unwrap()
}

/// What the fake server does with one request.
pub enum Action {
    Reply {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// Read the request, then reset the connection (RST) without answering.
    Reset,
    /// Read the request and answer nothing for this long.
    Hang(Duration),
}

impl Action {
    pub fn xml(status: u16, body: String) -> Self {
        Action::Reply {
            status,
            content_type: "application/xml;charset=UTF-8",
            body,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub path: String,
    pub body: String,
}

pub struct FakeNav {
    pub url: String,
    log: Arc<Mutex<Vec<Received>>>,
}

impl FakeNav {
    /// Serves until the test ends; `script(n, request)` decides the answer to the n-th
    /// (0-based) request.
    pub async fn start(
        script: impl Fn(usize, &Received) -> Action + Send + Sync + 'static,
    ) -> FakeNav {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let script = Arc::new(script);
        let server_log = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let log = server_log.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, log, &*script).await;
                });
            }
        });
        FakeNav { url, log }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    log: Arc<Mutex<Vec<Received>>>,
    script: &(dyn Fn(usize, &Received) -> Action + Send + Sync),
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let received = Received {
        at: Instant::now(),
        path,
        body: String::from_utf8_lossy(&buf[head_end..]).into_owned(),
    };
    let n = {
        let mut log = log.lock().unwrap();
        log.push(received.clone());
        log.len() - 1
    };
    match script(n, &received) {
        Action::Reply {
            status,
            content_type,
            body,
        } => {
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes()).await?;
            stream.shutdown().await?;
        }
        Action::Reset => {
            // SO_LINGER 0 makes close send RST instead of FIN: a real connection reset.
            #[allow(deprecated)]
            stream.set_linger(Some(Duration::ZERO))?;
            drop(stream);
        }
        Action::Hang(d) => {
            tokio::time::sleep(d).await;
        }
    }
    Ok(())
}

/// The value of the first `<name>` element in a request body.
pub fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

const HEADER: &str = r#"<common:header><common:requestId>RID000000000001</common:requestId><common:timestamp>2024-03-01T10:00:00.000Z</common:timestamp><common:requestVersion>3.0</common:requestVersion><common:headerVersion>1.0</common:headerVersion></common:header>"#;
const SOFTWARE: &str = r#"<software><softwareId>HU11111111-NAVSYNC</softwareId><softwareName>navsync</softwareName><softwareOperation>LOCAL_SOFTWARE</softwareOperation><softwareMainVersion>0.1.0</softwareMainVersion><softwareDevName>navsync team</softwareDevName><softwareDevContact>dev@example.com</softwareDevContact></software>"#;

/// A successful response: header, `result` OK, software, then `body`.
pub fn ok_response(root: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="http://schemas.nav.gov.hu/OSA/3.0/api" xmlns:common="http://schemas.nav.gov.hu/NTCA/1.0/common" xmlns:base="http://schemas.nav.gov.hu/OSA/3.0/base">{HEADER}<common:result><common:funcCode>OK</common:funcCode></common:result>{SOFTWARE}{body}</{root}>"#
    )
}

/// `GeneralErrorResponse` with NAV's errorCode and message, and optional technical validation.
pub fn general_error(code: &str, message: &str, validation: &[(&str, &str)]) -> String {
    let technical: String = validation
        .iter()
        .map(|(c, m)| {
            format!(
                "<technicalValidationMessages><common:validationResultCode>ERROR</common:validationResultCode><common:validationErrorCode>{c}</common:validationErrorCode><common:message>{m}</common:message></technicalValidationMessages>"
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><GeneralErrorResponse xmlns="http://schemas.nav.gov.hu/OSA/3.0/api" xmlns:common="http://schemas.nav.gov.hu/NTCA/1.0/common">{HEADER}<common:result><common:funcCode>ERROR</common:funcCode><common:errorCode>{code}</common:errorCode><common:message>{message}</common:message></common:result>{SOFTWARE}{technical}</GeneralErrorResponse>"#
    )
}

/// `GeneralExceptionResponse` (common namespace).
pub fn general_exception(code: &str, message: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><GeneralExceptionResponse xmlns="http://schemas.nav.gov.hu/NTCA/1.0/common"><funcCode>ERROR</funcCode><errorCode>{code}</errorCode><message>{message}</message></GeneralExceptionResponse>"#
    )
}

/// One `invoiceDigest` row.
pub fn digest_row(number: &str, ins_date: &str, extra: &str) -> String {
    format!(
        "<invoiceDigest><invoiceNumber>{number}</invoiceNumber><invoiceOperation>CREATE</invoiceOperation><invoiceCategory>NORMAL</invoiceCategory><invoiceIssueDate>2024-02-28</invoiceIssueDate><supplierTaxNumber>22222222</supplierTaxNumber><supplierName>Szállító Kft.</supplierName>{extra}<insDate>{ins_date}</insDate></invoiceDigest>"
    )
}

pub fn digest_response(current: u32, available: u32, rows: &[String]) -> String {
    ok_response(
        "QueryInvoiceDigestResponse",
        &format!(
            "<invoiceDigestResult><currentPage>{current}</currentPage><availablePage>{available}</availablePage>{}</invoiceDigestResult>",
            rows.concat()
        ),
    )
}
