//! The port contract tests every invoice store passes (tests/contract), on SQLite.

use navsync_contract::store;
use navsync_sqlite::SqliteStore;

/// A fresh, empty store in its own file.
fn fresh(name: &str) -> SqliteStore {
    let dir = std::env::temp_dir().join(format!(
        "navsync-sqlite-contract-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    SqliteStore::open(
        dir.join("navsync.db"),
        b"contract cursor key, 32 bytes!!!".to_vec(),
    )
    .unwrap()
}

#[tokio::test]
async fn put_is_idempotent_and_reads_back() {
    store::check_put_is_idempotent_and_reads_back(&fresh("idempotent")).await;
}

#[tokio::test]
async fn identity_lookups() {
    store::check_identity_lookups(&fresh("identity")).await;
}

#[tokio::test]
async fn search_agrees_with_matches() {
    store::check_search_agrees_with_matches(&fresh("search")).await;
}

#[tokio::test]
async fn cursor_cannot_be_forged() {
    store::check_cursor_cannot_be_forged(&fresh("cursor")).await;
}

#[tokio::test]
async fn chain() {
    store::check_chain(&fresh("chain")).await;
}

#[tokio::test]
async fn watermark() {
    store::check_watermark(&fresh("watermark")).await;
}

#[tokio::test]
async fn versions() {
    store::check_versions(&fresh("versions")).await;
}

#[tokio::test]
async fn pending() {
    store::check_pending(&fresh("pending")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watermark_race() {
    store::check_watermark_race(&fresh("race")).await;
}
