//! The contract of `DocumentArchive`.

use std::time::Duration;

use chrono::NaiveDate;
use navsync_domain::archive::document_key;
use navsync_domain::ports::{ArchiveError, DocumentArchive};
use navsync_domain::{Direction, DocumentRef};

use crate::fixtures::{Spec, taxpayer};

/// An invoice document with non-ASCII text, CRLF and a BOM, which must survive byte for byte.
pub fn sample_xml(number: &str) -> Vec<u8> {
    let mut xml = vec![0xEF, 0xBB, 0xBF];
    xml.extend_from_slice(
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<InvoiceData>\r\n  <invoiceNumber>{number}</invoiceNumber>\r\n  <note>árvíztűrő tükörfúrógép &amp; \u{1F9FE}</note>\n</InvoiceData>\r\n"
        )
        .as_bytes(),
    );
    xml
}

/// Put returns the documented key, size and SHA-256; get returns the bytes exactly; a second
/// put of the same bytes changes nothing.
pub async fn check_round_trip<A: DocumentArchive>(archive: &A) {
    let tp = taxpayer(1_100_001);
    let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("valid");
    let spec = Spec::new(tp, Direction::Inbound, "SZ/2024/ő#1");
    let key = spec.key();
    let xml = sample_xml("SZ/2024/ő#1");
    let doc = archive.put(&key, date, &xml).await.expect("put");
    assert_eq!(doc.key, document_key(&key, date));
    assert_eq!(doc.size, xml.len() as u64);
    assert_eq!(doc.sha256, sha256_hex(&xml));
    assert_eq!(archive.get(&doc).await.expect("get"), xml);
    let again = archive.put(&key, date, &xml).await.expect("put again");
    assert_eq!(again, doc);
    assert_eq!(archive.get(&again).await.expect("get"), xml);

    let mut batch = spec.clone();
    batch.batch_index = Some(2);
    let other = archive
        .put(&batch.key(), date, b"<other/>")
        .await
        .expect("put batch part");
    assert_ne!(other.key, doc.key);
    assert_eq!(
        archive.get(&doc).await.expect("get"),
        xml,
        "a sibling leaves it alone"
    );
}

/// Asking for what is not there is `NotFound`; a reference whose hash does not match the
/// bytes is `Corrupt`.
pub async fn check_missing_and_mismatch<A: DocumentArchive>(archive: &A) {
    let missing = DocumentRef {
        key: "11111111/INBOUND/2024/01/99999999_nope.xml".into(),
        sha256: "0".repeat(64),
        size: 1,
    };
    assert!(matches!(
        archive.get(&missing).await,
        Err(ArchiveError::NotFound(_))
    ));

    let tp = taxpayer(1_100_002);
    let date = NaiveDate::from_ymd_opt(2024, 1, 5).expect("valid");
    let doc = archive
        .put(
            &Spec::new(tp, Direction::Outbound, "H-1").key(),
            date,
            &sample_xml("H-1"),
        )
        .await
        .expect("put");
    let wrong = DocumentRef {
        sha256: "f".repeat(64),
        ..doc.clone()
    };
    match archive.get(&wrong).await {
        Err(ArchiveError::Corrupt {
            expected, actual, ..
        }) => {
            assert_eq!(expected, wrong.sha256);
            assert_eq!(actual, doc.sha256);
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // A download URL, where the archive offers one, is a URL.
    if let Some(url) = archive
        .download_url(&doc, Duration::from_secs(60))
        .await
        .expect("download_url")
    {
        assert!(
            url.starts_with("http://") || url.starts_with("https://") || url.starts_with("file:"),
            "{url}"
        );
    }
}

/// SHA-256, lowercase hex, as archives record it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
