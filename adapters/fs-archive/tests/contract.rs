//! The port contract tests every document archive passes (tests/contract), on the filesystem.

use navsync_contract::archive;
use navsync_fs_archive::FsArchive;

/// A fresh, empty archive in its own directory.
fn fresh(name: &str) -> FsArchive {
    let dir =
        std::env::temp_dir().join(format!("navsync-fs-contract-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    FsArchive::new(dir).unwrap()
}

#[tokio::test]
async fn round_trip() {
    archive::check_round_trip(&fresh("round-trip")).await;
}

#[tokio::test]
async fn missing_and_mismatch() {
    archive::check_missing_and_mismatch(&fresh("missing")).await;
}
