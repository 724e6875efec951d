//! The schema and its migrations. `PRAGMA user_version` holds how many migrations a database
//! has had; opening one applies the rest, each in its own transaction together with the
//! version bump, so a crash mid-migration leaves the previous version intact.

use rusqlite::{Connection, TransactionBehavior};

/// Every migration, oldest first. Append only: a shipped migration never changes (the
/// migration test builds a v1 database from the v1 file).
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_invoices_and_sync_state.sql"),
    include_str!("migrations/002_chain_root.sql"),
    include_str!("migrations/003_pending_invoices.sql"),
    include_str!("migrations/004_invoice_versions.sql"),
];

/// The schema version this build writes.
pub(crate) const CURRENT: u32 = MIGRATIONS.len() as u32;

#[derive(Debug)]
pub(crate) enum MigrateError {
    TooNew { found: u32 },
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sqlite(e)
    }
}

pub(crate) fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Applies the migrations after the database's version, up to `target`.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), MigrateError> {
    loop {
        // IMMEDIATE: two processes opening the same file at once migrate one after the other,
        // the second seeing the first's version.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = version(&tx)?;
        if found > CURRENT {
            return Err(MigrateError::TooNew { found });
        }
        if found >= target {
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[found as usize])?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}
