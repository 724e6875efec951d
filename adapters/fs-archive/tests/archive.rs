//! The filesystem archive as a user of the port sees it: the bytes come back, damage is
//! detected, and no key reaches outside the root.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use navsync_domain::archive::document_key;
use navsync_domain::ports::{ArchiveError, DocumentArchive};
use navsync_domain::{Direction, DocumentRef, InvoiceId, InvoiceKey};
use navsync_fs_archive::FsArchive;

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("navsync-fs-archive-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn key(number: &str) -> InvoiceKey {
    InvoiceKey {
        taxpayer: "11111111".parse().unwrap(),
        id: InvoiceId {
            direction: Direction::Inbound,
            supplier_tax_number: "99999999".parse().unwrap(),
            invoice_number: number.parse().unwrap(),
            batch_index: None,
        },
    }
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 9).unwrap()
}

fn xml(number: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InvoiceData><invoiceNumber>{number}</invoiceNumber><note>árvíztűrő</note></InvoiceData>\n").into_bytes()
}

/// Every file under `dir`, relative to it, but the archive's lock file at its root.
fn files(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path != dir.join(".writers.lock") {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn documents_round_trip_byte_for_byte_under_the_shared_layout() {
    let root = temp_dir("round-trip");
    let archive = FsArchive::new(root.join("archive")).unwrap();
    let bytes = xml("SZ/2024/001");
    let doc = archive
        .put(&key("SZ/2024/001"), date(), &bytes)
        .await
        .unwrap();
    assert_eq!(
        doc.key,
        "11111111/INBOUND/2024/03/99999999_SZ%2F2024%2F001.xml"
    );
    assert_eq!(doc.key, document_key(&key("SZ/2024/001"), date()));
    assert_eq!(doc.size, bytes.len() as u64);
    assert_eq!(doc.sha256.len(), 64);
    assert_eq!(archive.get(&doc).await.unwrap(), bytes);
    assert_eq!(
        std::fs::read(root.join("archive").join(&doc.key)).unwrap(),
        bytes
    );
    assert_eq!(files(&root.join("archive")), vec![doc.key.clone()]);
    assert_eq!(
        archive
            .download_url(&doc, Duration::from_secs(60))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_second_put_is_idempotent_and_new_bytes_replace_the_file_whole() {
    let root = temp_dir("idempotent");
    let archive = FsArchive::new(&root).unwrap();
    let first = archive.put(&key("A-1"), date(), &xml("A-1")).await.unwrap();
    let path = root.join(&first.key);
    // Every write renames a new file into place, so an unchanged inode means no rewrite.
    let inode = std::fs::metadata(&path).unwrap().ino();
    let again = archive.put(&key("A-1"), date(), &xml("A-1")).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(std::fs::metadata(&path).unwrap().ino(), inode, "rewritten");

    let changed = b"<InvoiceData>corrected</InvoiceData>".to_vec();
    let second = archive.put(&key("A-1"), date(), &changed).await.unwrap();
    assert_eq!(second.key, first.key);
    assert_ne!(second.sha256, first.sha256);
    assert_eq!(archive.get(&second).await.unwrap(), changed);
    // The earlier reference now fails its hash instead of returning other bytes.
    assert!(matches!(
        archive.get(&first).await,
        Err(ArchiveError::Corrupt { .. })
    ));
    assert_eq!(
        files(&root),
        vec![first.key.clone()],
        "temporary files left behind"
    );
}

#[tokio::test]
async fn a_flipped_byte_is_reported_as_corrupt_and_a_re_put_repairs_it() {
    let root = temp_dir("corrupt");
    let archive = FsArchive::new(&root).unwrap();
    let bytes = xml("B-1");
    let doc = archive.put(&key("B-1"), date(), &bytes).await.unwrap();
    let path = root.join(&doc.key);
    let mut damaged = std::fs::read(&path).unwrap();
    damaged[10] ^= 0x01;
    std::fs::write(&path, &damaged).unwrap();
    match archive.get(&doc).await {
        Err(ArchiveError::Corrupt {
            key,
            expected,
            actual,
        }) => {
            assert_eq!(key, doc.key);
            assert_eq!(expected, doc.sha256);
            assert_ne!(actual, doc.sha256);
        }
        other => panic!("{other:?}"),
    }
    // A truncated file too.
    std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    assert!(matches!(
        archive.get(&doc).await,
        Err(ArchiveError::Corrupt { .. })
    ));

    archive.put(&key("B-1"), date(), &bytes).await.unwrap();
    assert_eq!(archive.get(&doc).await.unwrap(), bytes);
}

#[tokio::test]
async fn missing_documents_are_not_found() {
    let root = temp_dir("missing");
    let archive = FsArchive::new(&root).unwrap();
    let doc = DocumentRef {
        key: document_key(&key("C-1"), date()),
        sha256: "0".repeat(64),
        size: 1,
    };
    assert_eq!(
        archive.get(&doc).await,
        Err(ArchiveError::NotFound(doc.key.clone()))
    );
    // A directory where a document should be is not a document.
    std::fs::create_dir_all(root.join(&doc.key)).unwrap();
    assert_eq!(
        archive.get(&doc).await,
        Err(ArchiveError::NotFound(doc.key.clone()))
    );
}

#[tokio::test]
async fn keys_that_would_leave_the_root_are_refused() {
    let base = temp_dir("escape");
    let archive = FsArchive::new(base.join("root")).unwrap();
    // A file outside the root whose hash the forged reference gets right.
    let secret = b"outside the archive".to_vec();
    std::fs::write(base.join("outside.xml"), &secret).unwrap();
    let outside = base.join("outside.xml").display().to_string();
    let sha = {
        use sha2::Digest;
        sha2::Sha256::digest(&secret)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    for key in [
        "../outside.xml",
        "a/../../outside.xml",
        outside.as_str(),
        "..\\outside.xml",
    ] {
        let doc = DocumentRef {
            key: key.into(),
            sha256: sha.clone(),
            size: secret.len() as u64,
        };
        assert_eq!(
            archive.get(&doc).await,
            Err(ArchiveError::NotFound(key.into())),
            "{key}"
        );
    }
}

#[tokio::test]
async fn concurrent_puts_of_one_document_leave_one_whole_file() {
    let root = temp_dir("concurrent");
    let archive = FsArchive::new(&root).unwrap();
    let bytes = xml("D-1").repeat(1000);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let archive = archive.clone();
            let bytes = bytes.clone();
            tokio::spawn(async move { archive.put(&key("D-1"), date(), &bytes).await })
        })
        .collect();
    let mut docs = Vec::new();
    for t in tasks {
        docs.push(t.await.unwrap().unwrap());
    }
    assert!(docs.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(archive.get(&docs[0]).await.unwrap(), bytes);
    assert_eq!(files(&root), vec![docs[0].key.clone()]);
}

#[test]
fn a_root_that_is_a_file_is_refused_by_name() {
    let base = temp_dir("root-file");
    std::fs::write(base.join("file"), b"x").unwrap();
    let err = FsArchive::new(base.join("file")).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Unavailable(m) if m.contains("file")),
        "{err}"
    );
}

/// What a writer killed mid-put leaves: a temporary file beside where its document would go.
fn orphan_temporary_file(root: &std::path::Path) -> PathBuf {
    let dir = root.join("11111111/INBOUND/2024/03");
    std::fs::create_dir_all(&dir).unwrap();
    let tmp = dir.join(".tmp-4242-0-99999999_E-1.xml");
    std::fs::write(&tmp, b"<InvoiceData>half").unwrap();
    tmp
}

#[tokio::test]
async fn opening_the_archive_removes_temporary_files_of_dead_writers_only() {
    let root = temp_dir("sweep");
    let first = FsArchive::new(&root).unwrap();
    let kept = first.put(&key("E-0"), date(), &xml("E-0")).await.unwrap();
    let tmp = orphan_temporary_file(&root);

    // While another open archive may be writing it, a temporary file is left alone.
    let second = FsArchive::new(&root).unwrap();
    assert!(tmp.exists(), "a possibly live writer's file was removed");
    drop((first, second));

    // With no other holder, it is a dead writer's: removed; documents stay.
    let archive = FsArchive::new(&root).unwrap();
    assert!(!tmp.exists(), "{} left behind", tmp.display());
    assert_eq!(files(&root), vec![kept.key.clone()]);
    assert_eq!(archive.get(&kept).await.unwrap(), xml("E-0"));
}
