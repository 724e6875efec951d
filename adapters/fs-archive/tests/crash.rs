//! SIGKILL in the middle of archiving: a child process re-puts documents with new content
//! until it is killed; every document file left is then one whole version, never a part, and
//! reopening the archive removes the temporary files the killed writers left.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

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
    for v in 0.. {
        archive.put(&key(v % 5), date, &document(v)).await.unwrap();
        // The parent kills after a chosen number of these, i.e. while the next put is under way.
        println!("put {v}");
    }
}

/// Every file under `dir` except the archive's lock file.
fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all_files(&path, out);
        } else if path.file_name().is_some_and(|n| n != ".writers.lock") {
            out.push(path);
        }
    }
}

fn has_temporary_file(root: &Path) -> bool {
    let mut files = Vec::new();
    all_files(root, &mut files);
    files.iter().any(|f| is_temporary(f))
}

fn is_temporary(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"))
}

#[test]
fn kill_mid_put_leaves_whole_files() {
    assert!(is_whole(&document(3)) && !is_whole(&document(3)[..5_000]));
    let root = std::env::temp_dir().join(format!("navsync-fs-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut orphaned = 0;
    // How many puts each writer completes before it is killed (fixed, so every run is the same).
    for puts in [1usize, 4, 2, 7, 3, 1, 5, 2] {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "child_archiver", "--nocapture"])
            .env(CHILD_ROOT, &root)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Kept open until the kill: a closed pipe would end the writer by itself.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let reported = (&mut stdout)
            .lines()
            .map_while(Result::ok)
            .filter(|l| l.starts_with("put "))
            .take(puts)
            .count();
        assert_eq!(reported, puts, "the archiver stopped before it was killed");
        // Kill once the next put's temporary file exists: mid-write, or just after its rename.
        while !has_temporary_file(&root) {
            assert!(child.try_wait().unwrap().is_none(), "the archiver died");
            std::thread::yield_now();
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        drop(stdout);
        let mut files = Vec::new();
        all_files(&root, &mut files);
        orphaned += files.iter().filter(|f| is_temporary(f)).count();
    }
    // Informational: whether the rename beat the kill is the scheduler's choice.
    eprintln!("temporary files orphaned by the 8 kills: {orphaned}");

    FsArchive::new(&root).unwrap();
    let mut files = Vec::new();
    all_files(&root, &mut files);
    assert!(!files.is_empty(), "nothing was archived");
    for file in files {
        assert!(
            !is_temporary(&file),
            "{} left after reopening",
            file.display()
        );
        assert!(
            is_whole(&std::fs::read(&file).unwrap()),
            "{} is partial",
            file.display()
        );
    }
}
