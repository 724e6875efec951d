//! S3 archive behaviour against the harness's emulator: encryption and metadata on the object,
//! no new version for a re-put, corruption detected, presigned URLs that really download.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use chrono::NaiveDate;
use navsync_aws_emulator as emu;
use navsync_contract::archive::{sample_xml, sha256_hex};
use navsync_contract::fixtures::{self, Spec};
use navsync_domain::Direction;
use navsync_domain::ports::{ArchiveError, DocumentArchive};
use navsync_s3::aws_sdk_s3::types::ServerSideEncryption;
use navsync_s3::{S3Archive, S3Config, Sse};

async fn archive(sse: Sse) -> S3Archive {
    let sdk = emu::sdk_config().await;
    let bucket = emu::new_bucket(&sdk, "archive").await;
    S3Archive::new(
        &sdk,
        S3Config {
            sse,
            force_path_style: true,
            ..S3Config::new(bucket)
        },
    )
    .expect("config")
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 7, 4).expect("valid")
}

async fn versions(archive: &S3Archive, key: &str) -> usize {
    archive
        .client()
        .list_object_versions()
        .bucket(archive.bucket())
        .prefix(key)
        .send()
        .await
        .expect("list versions")
        .versions()
        .len()
}

#[tokio::test]
async fn documents_are_encrypted_hashed_and_re_puts_add_no_version() {
    let archive = archive(Sse::Aes256).await;
    let key = Spec::new(
        fixtures::taxpayer(1_400_001),
        Direction::Outbound,
        "S/2024/7",
    )
    .key();
    let xml = sample_xml("S/2024/7");
    let doc = archive.put(&key, date(), &xml).await.expect("put");
    let tp = key.taxpayer;
    assert_eq!(
        doc.key,
        format!("{tp}/OUTBOUND/2024/07/{tp}_S%2F2024%2F7.xml")
    );

    let head = archive
        .client()
        .head_object()
        .bucket(archive.bucket())
        .key(&doc.key)
        .send()
        .await
        .expect("head");
    assert_eq!(
        head.server_side_encryption(),
        Some(&ServerSideEncryption::Aes256)
    );
    assert_eq!(
        head.metadata()
            .and_then(|m| m.get("sha256"))
            .map(String::as_str),
        Some(sha256_hex(&xml).as_str())
    );
    assert_eq!(head.content_length(), Some(xml.len() as i64));

    archive.put(&key, date(), &xml).await.expect("re-put");
    archive.put(&key, date(), &xml).await.expect("re-put");
    assert_eq!(
        versions(&archive, &doc.key).await,
        1,
        "same bytes, no new version"
    );

    // Different bytes under the same key replace it; the versioned bucket keeps the old.
    let changed = archive
        .put(&key, date(), b"<changed/>")
        .await
        .expect("put changed");
    assert_eq!(versions(&archive, &doc.key).await, 2);
    assert_eq!(archive.get(&changed).await.expect("get"), b"<changed/>");
}

#[tokio::test]
async fn kms_encryption_is_requested_when_configured() {
    let archive = archive(Sse::Kms { key_id: None }).await;
    let key = Spec::new(fixtures::taxpayer(1_400_002), Direction::Inbound, "K-1").key();
    let doc = archive
        .put(&key, date(), &sample_xml("K-1"))
        .await
        .expect("put");
    let head = archive
        .client()
        .head_object()
        .bucket(archive.bucket())
        .key(&doc.key)
        .send()
        .await
        .expect("head");
    assert_eq!(
        head.server_side_encryption(),
        Some(&ServerSideEncryption::AwsKms)
    );
}

#[tokio::test]
async fn bytes_changed_behind_the_archive_are_reported_corrupt() {
    let archive = archive(Sse::Aes256).await;
    let key = Spec::new(fixtures::taxpayer(1_400_003), Direction::Inbound, "C-1").key();
    let xml = sample_xml("C-1");
    let doc = archive.put(&key, date(), &xml).await.expect("put");
    let mut tampered = xml.clone();
    tampered[20] ^= 1;
    archive
        .client()
        .put_object()
        .bucket(archive.bucket())
        .key(&doc.key)
        .body(tampered.clone().into())
        .send()
        .await
        .expect("tamper");
    match archive.get(&doc).await {
        Err(ArchiveError::Corrupt {
            key,
            expected,
            actual,
        }) => {
            assert_eq!(key, doc.key);
            assert_eq!(expected, sha256_hex(&xml));
            assert_eq!(actual, sha256_hex(&tampered));
        }
        other => panic!("{other:?}"),
    }
}

/// A plain HTTP/1.1 GET of an `http://host:port/...` URL: status and body.
fn http_get(url: &str) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("emulator URLs are http");
    let (host, path) = rest.split_at(rest.find('/').expect("a path"));
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end");
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size = usize::from_str_radix(
            std::str::from_utf8(&data[..line_end])
                .expect("ascii")
                .trim(),
            16,
        )
        .expect("hex");
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 4 + size..];
    }
}

#[tokio::test]
async fn a_presigned_url_downloads_the_document_and_its_lifetime_is_capped() {
    let sdk = emu::sdk_config().await;
    let bucket = emu::new_bucket(&sdk, "presign").await;
    let archive = S3Archive::new(
        &sdk,
        S3Config {
            force_path_style: true,
            max_url_ttl: Duration::from_secs(300),
            ..S3Config::new(bucket)
        },
    )
    .expect("config");
    let key = Spec::new(fixtures::taxpayer(1_400_004), Direction::Inbound, "P/1").key();
    let xml = sample_xml("P/1");
    let doc = archive.put(&key, date(), &xml).await.expect("put");

    let url = archive
        .download_url(&doc, Duration::from_secs(60))
        .await
        .expect("url")
        .expect("S3 gives URLs");
    assert!(url.contains("X-Amz-Expires=60"), "{url}");
    let (status, body) = http_get(&url);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, xml, "the URL serves the document byte for byte");

    // A caller asking for a day gets the configured maximum.
    let url = archive
        .download_url(&doc, Duration::from_secs(86_400))
        .await
        .expect("url")
        .expect("S3 gives URLs");
    assert!(url.contains("X-Amz-Expires=300"), "{url}");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    // (moto does not check presigned signatures or expiry, so a forged or expired URL cannot
    // be shown to fail here; that part is S3's.)
}

#[tokio::test]
async fn an_empty_bucket_name_is_refused() {
    let sdk = emu::sdk_config().await;
    assert!(S3Archive::new(&sdk, S3Config::new("")).is_err());
}
