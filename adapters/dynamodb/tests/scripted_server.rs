//! What the emulator never does: throttle, or leave items unprocessed. A scripted DynamoDB
//! endpoint on 127.0.0.1 answers each request with the next scripted response, so the
//! adapter's retries run over real HTTP with the real SDK.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use navsync_contract::fixtures::{self, Spec};
use navsync_domain::Direction;
use navsync_domain::ports::{InvoiceQueries, InvoiceRepository, RepoError};
use navsync_dynamodb::aws_config::{self, BehaviorVersion, Region};
use navsync_dynamodb::aws_sdk_dynamodb::config::Credentials;
use navsync_dynamodb::{DynamoConfig, DynamoStore};

const THROTTLED: (u16, &str) = (
    400,
    r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#,
);

/// BatchGetItem's answer when none of the invoices is stored yet: a write first reads the
/// current versions, to keep a superseded one.
const NOTHING_STORED: &str = r#"{"Responses":{"scripted":[]},"UnprocessedKeys":{}}"#;

/// Serves `script` in order (then 500s); returns the endpoint and the request bodies seen.
fn serve(script: Vec<(u16, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script.into_iter()));
    let s = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (s, script) = (s.clone(), script.clone());
            std::thread::spawn(move || handle(stream, &s, &script));
        }
    });
    (endpoint, seen)
}

fn handle(
    stream: TcpStream,
    seen: &Mutex<Vec<String>>,
    script: &Mutex<std::vec::IntoIter<(u16, String)>>,
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut out = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return; // connection closed
            }
            if first {
                first = false;
            } else if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        seen.lock()
            .expect("lock")
            .push(String::from_utf8_lossy(&body).into_owned());
        let (status, reply) = script.lock().expect("lock").next().unwrap_or((
            500,
            r#"{"__type":"InternalServerError","message":"script exhausted"}"#.into(),
        ));
        let _ = write!(
            out,
            "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{reply}",
            reply.len()
        );
    }
}

async fn store(endpoint: &str, attempts: u32) -> DynamoStore {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .http_client(navsync_dynamodb::sdk::https_client())
        .region(Region::new("eu-central-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await;
    DynamoStore::new(
        &sdk,
        DynamoConfig {
            max_attempts: attempts,
            ..DynamoConfig::new("scripted", b"scripted-server-cursor-key-32-bytes".to_vec())
        },
    )
    .expect("config")
}

fn key() -> navsync_domain::InvoiceKey {
    Spec::new(fixtures::taxpayer(1_600_001), Direction::Outbound, "T-1").key()
}

#[tokio::test]
async fn throttling_is_retried_with_backoff_until_it_passes() {
    let throttled = (THROTTLED.0, THROTTLED.1.to_owned());
    let (endpoint, seen) = serve(vec![throttled.clone(), throttled, (200, "{}".into())]);
    let store = store(&endpoint, 5).await;
    assert_eq!(
        store.get(&key()).await.expect("passes on the third try"),
        None
    );
    assert_eq!(seen.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn throttling_past_the_retries_is_unavailable() {
    let throttled = (THROTTLED.0, THROTTLED.1.to_owned());
    let (endpoint, seen) = serve(vec![throttled; 10]);
    let store = store(&endpoint, 3).await;
    match store.get(&key()).await {
        Err(e @ RepoError::Unavailable(_)) => {
            assert!(e.is_retryable());
            assert!(
                e.to_string().contains("ProvisionedThroughputExceeded"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(seen.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn unprocessed_items_are_sent_again() {
    let records: Vec<_> = (0..3)
        .map(|i| {
            fixtures::record(&Spec::new(
                fixtures::taxpayer(1_600_002),
                Direction::Outbound,
                &format!("U-{i}"),
            ))
        })
        .collect();
    // DynamoDB took two of three; the scripted reply hands back the third (here: a stub item,
    // which the adapter must send again as is).
    let left = r#"{"UnprocessedItems":{"scripted":[{"PutRequest":{"Item":{"pk":{"S":"LEFT-OVER"},"sk":{"S":"B#"}}}}]}}"#;
    let (endpoint, seen) = serve(vec![
        (200, NOTHING_STORED.into()),
        (200, left.into()),
        (200, r#"{"UnprocessedItems":{}}"#.into()),
    ]);
    let store = store(&endpoint, 2).await;
    store.put_many(&records).await.expect("put after a retry");
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 3);
    assert!(
        seen[0].contains("\"Keys\""),
        "first the current versions: {}",
        seen[0]
    );
    assert_eq!(seen[1].matches("PutRequest").count(), 3);
    assert_eq!(seen[2].matches("PutRequest").count(), 1);
    assert!(seen[2].contains("LEFT-OVER"), "{}", seen[2]);
}

#[tokio::test]
async fn items_still_unprocessed_after_every_round_are_unavailable() {
    let left = r#"{"UnprocessedItems":{"scripted":[{"PutRequest":{"Item":{"pk":{"S":"X"},"sk":{"S":"B#"}}}}]}}"#;
    let mut script = vec![(200, NOTHING_STORED.to_owned())];
    script.extend(vec![(200, left.to_owned()); 8]);
    let (endpoint, seen) = serve(script);
    let store = store(&endpoint, 1).await;
    let records = vec![fixtures::record(&Spec::new(
        fixtures::taxpayer(1_600_003),
        Direction::Outbound,
        "V-1",
    ))];
    match store.put_many(&records).await {
        Err(RepoError::Unavailable(m)) => assert!(m.contains("unprocessed"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(seen.lock().expect("lock").len(), 1 + 8);
}

#[tokio::test]
async fn unprocessed_keys_are_asked_again() {
    let tp = fixtures::taxpayer(1_600_004);
    let keys: Vec<_> = (0..2)
        .map(|i| Spec::new(tp, Direction::Outbound, &format!("G-{i}")).key())
        .collect();
    let pk = |n: &str| format!("INV#{tp}#OUTBOUND#{tp}#{n}");
    let first = format!(
        r#"{{"Responses":{{"scripted":[{{"pk":{{"S":"{}"}},"sk":{{"S":"B#"}}}}]}},"UnprocessedKeys":{{"scripted":{{"Keys":[{{"pk":{{"S":"{}"}},"sk":{{"S":"B#"}}}}]}}}}}}"#,
        pk("G-0"),
        pk("G-1")
    );
    let second = format!(
        r#"{{"Responses":{{"scripted":[{{"pk":{{"S":"{}"}},"sk":{{"S":"B#"}}}}]}},"UnprocessedKeys":{{}}}}"#,
        pk("G-1")
    );
    let (endpoint, seen) = serve(vec![(200, first), (200, second)]);
    let store = store(&endpoint, 1).await;
    let found = store.stored_among(&keys).await.expect("stored_among");
    assert_eq!(found.len(), 2);
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1].contains("G-1") && !seen[1].contains("G-0"),
        "{}",
        seen[1]
    );
}
