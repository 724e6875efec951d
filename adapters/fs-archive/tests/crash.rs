//! SIGKILL in the middle of archiving: a child process re-puts documents with new content
//! until it is killed; every document file left is then one whole version, never a part.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use navsync_domain::ports::DocumentArchive;
use navsync_domain::{Direction, InvoiceId, InvoiceKey};
use navsync_fs_archive::FsArchive;

const CHILD_ROOT: &str = "NAVSYNC_FS_CRASH_TEST_ROOT";
const TRAILER: &str = "</doc>\n";

/// Version `v` of a document: a header stating its length, filler, a trailer.
fn document(v: u32) -> Vec<u8> {
    let filler = "árvíztűrő tükörfúrógép ".repeat(2_000 + (v as usize % 7) * 1_000);
    let body = format!("{filler}{TRAILER}");
    format!("<doc v=\"{v}\" len=\"{:010}\">{body}", body.len()).into_bytes()
}

fn is_whole(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let Some(start) = text.find("len=\"") else {
        return false;
    };
    let len: usize = text[start + 5..start + 15].parse().unwrap_or(usize::MAX);
    let body = &bytes[start + 17..];
    body.len() == len && text.ends_with(TRAILER)
}

fn key(i: u32) -> InvoiceKey {
    InvoiceKey {
        taxpayer: "11111111".parse().unwrap(),
        id: InvoiceId {
            direction: Direction::Outbound,
            supplier_tax_number: "11111111".parse().unwrap(),
            invoice_number: format!("K/{i}").parse().unwrap(),
            batch_index: None,
        },
    }
}

#[tokio::test]
#[ignore = "the writer process of kill_mid_put_leaves_whole_files; run by it"]
async fn child_archiver() {
    let root = std::env::var(CHILD_ROOT).expect("run by kill_mid_put_leaves_whole_files");
    let archive = FsArchive::new(root).unwrap();
    let date = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    println!("ready");
    for v in 0.. {
        archive.put(&key(v % 5), date, &document(v)).await.unwrap();
    }
}

fn document_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            document_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

#[test]
fn kill_mid_put_leaves_whole_files() {
    assert!(is_whole(&document(3)) && !is_whole(&document(3)[..5_000]));
    let root = std::env::temp_dir().join(format!("navsync-fs-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for delay_ms in [13u64, 71, 150, 33, 240] {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "child_archiver", "--nocapture"])
            .env(CHILD_ROOT, &root)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        assert!(
            (&mut stdout)
                .lines()
                .map_while(Result::ok)
                .any(|l| l == "ready"),
            "the archiver never started"
        );
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        drop(stdout);
    }
    let mut files = Vec::new();
    document_files(&root, &mut files);
    assert!(!files.is_empty(), "nothing was archived");
    for file in files {
        assert!(
            is_whole(&std::fs::read(&file).unwrap()),
            "{} is partial",
            file.display()
        );
    }
}
