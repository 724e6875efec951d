//! navsync's invoice store and sync state for local mode, in one SQLite file.
//!
//! [`SqliteStore`] implements [`InvoiceRepository`], [`InvoiceQueries`] and [`SyncStateStore`].
//! rusqlite is blocking, so every call runs on tokio's blocking pool: writes through one
//! connection behind a mutex (SQLite has one writer at a time anyway), reads through a small
//! pool of read connections that WAL lets run beside the writer. See README.md.

mod amount;
mod cursor;
mod schema;
mod search;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use navsync_domain::ports::{InvoiceQueries, InvoiceRepository, RepoError, SyncStateStore};
use navsync_domain::query::{InvoicePage, InvoiceQuery, InvoiceSummary};
use navsync_domain::sync::{PendingInvoice, RunRecord, SyncState, chain_root};
use navsync_domain::{
    Direction, InvoiceDigest, InvoiceKey, InvoiceRecord, ReportId, TaxpayerId, supersedes,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::cursor::{CursorSigner, Position};

/// How long a connection waits for another process's write lock (e.g. `navsync sync` beside
/// `navsync serve`) before the call fails with [`RepoError::Unavailable`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Read connections kept open between calls; more are opened under load and closed after.
const IDLE_READERS: usize = 4;

/// `total` is counted up to this many matches; above it the page says `None` (unknown),
/// since counting a million index entries would cost more than the page itself.
pub const TOTAL_COUNT_CAP: u64 = 1_000;

/// SQLite VM instructions (in thousands) a count may take before it is given up and `total`
/// is `None`: filters that no index serves can make finding 1,000 matches read far more
/// rows than that. A step budget, not a timeout, so the answer does not depend on the load.
const COUNT_BUDGET_KILO_STEPS: u32 = 100;

/// Why the database could not be opened; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the invoice database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "the invoice database {path} has schema version {found}, newer than this navsync \
         knows ({known}); use a newer navsync or another data directory"
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        known: u32,
    },
    /// WAL needs shared memory between processes, which network filesystems lack.
    #[error(
        "the invoice database {path} cannot use write-ahead logging (journal mode stays \
         {mode}); put the data directory on a local filesystem"
    )]
    NoWal { path: PathBuf, mode: String },
    #[error("the cursor key must be at least 16 bytes, got {0}")]
    WeakCursorKey(usize),
}

/// The SQLite invoice store. Cheap to clone; clones share the connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    idle_readers: Mutex<Vec<Connection>>,
    cursors: CursorSigner,
    /// [`search::PREFIX_PROBE_LIMIT`]; tests lower it to check both prefix plans.
    prefix_probe_limit: u32,
    reader_cache_kib: u32,
}

fn db_err(e: rusqlite::Error) -> RepoError {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e.sqlite_error_code() {
        Some(DatabaseCorrupt | NotADatabase) => RepoError::Corrupt(e.to_string()),
        _ => RepoError::Unavailable(e.to_string()),
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> RepoError {
    RepoError::Corrupt(format!("{what}: {e}"))
}

/// Per-connection settings.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL: readers never block the writer nor see a half-written transaction. NORMAL: in WAL
    // mode a process crash (SIGKILL) loses nothing committed and never corrupts; only a power
    // loss may drop the last commits, whole, never a part of one, and the sync state lives in
    // the same file, so the watermark can never be ahead of the invoices it covers.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    amount::register(conn)
}

/// SQLite page cache per connection, in KiB. The caches are most of the store's memory: large
/// ones serve a big store's queries and bulk loads from memory; a sync writing small batches
/// needs little.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSizes {
    /// The writer's: a batch upserts into index pages all over the file (issue dates arrive in
    /// any order), and a large cache keeps them in memory for the whole transaction instead of
    /// spilling them to the WAL and reading them back.
    pub writer_kib: u32,
    /// Each reader's: holds the hot index pages of a large store.
    pub reader_kib: u32,
}

impl CacheSizes {
    /// For serving and bulk loads: 64 MiB writer, 32 MiB per reader.
    pub const LARGE: CacheSizes = CacheSizes {
        writer_kib: 65_536,
        reader_kib: 32_768,
    };
    /// For a sync: 8 MiB writer, 4 MiB per reader.
    pub const SMALL: CacheSizes = CacheSizes {
        writer_kib: 8_192,
        reader_kib: 4_096,
    };
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it to the current schema,
    /// with [`CacheSizes::LARGE`]. `cursor_key` signs pagination cursors (at least 16 bytes;
    /// keep it secret and stable, or cursors handed out earlier stop working).
    pub fn open(path: impl AsRef<Path>, cursor_key: impl Into<Vec<u8>>) -> Result<Self, OpenError> {
        Self::open_with_caches(path, cursor_key, CacheSizes::LARGE)
    }

    /// [`SqliteStore::open`] with the given page caches.
    pub fn open_with_caches(
        path: impl AsRef<Path>,
        cursor_key: impl Into<Vec<u8>>,
        caches: CacheSizes,
    ) -> Result<Self, OpenError> {
        // Absolute: read connections are opened later, by path, whatever the working
        // directory is by then.
        let path = std::path::absolute(path.as_ref()).unwrap_or_else(|_| path.as_ref().into());
        let cursor_key = cursor_key.into();
        if cursor_key.len() < 16 {
            return Err(OpenError::WeakCursorKey(cursor_key.len()));
        }
        let sqlite = |source| OpenError::Sqlite {
            path: path.clone(),
            source,
        };
        let mut writer = Connection::open(&path).map_err(sqlite)?;
        configure(&writer).map_err(sqlite)?;
        writer
            .pragma_update(None, "cache_size", -i64::from(caches.writer_kib))
            .map_err(sqlite)?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(sqlite)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(OpenError::NoWal { path, mode });
        }
        schema::migrate_to(&mut writer, schema::CURRENT).map_err(|e| match e {
            schema::MigrateError::TooNew { found } => OpenError::TooNew {
                path: path.clone(),
                found,
                known: schema::CURRENT,
            },
            schema::MigrateError::Sqlite(e) => sqlite(e),
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                idle_readers: Mutex::new(Vec::new()),
                cursors: CursorSigner::new(cursor_key),
                prefix_probe_limit: search::PREFIX_PROBE_LIMIT,
                reader_cache_kib: caches.reader_kib,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on the writer connection between writes. For the crash test, which installs
    /// SQLite hooks to stop a writer at a chosen point inside a transaction; not for product code.
    #[cfg(feature = "test-hooks")]
    pub fn with_writer<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        f(&self.inner.lock_writer())
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, RepoError> + Send + 'static,
    ) -> Result<T, RepoError> {
        let inner = self.inner.clone();
        blocking(move || f(&mut inner.lock_writer())).await
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection, &Inner) -> Result<T, RepoError> + Send + 'static,
    ) -> Result<T, RepoError> {
        let inner = self.inner.clone();
        blocking(move || {
            let conn = inner.checkout_reader()?;
            let result = f(&conn, &inner);
            inner.checkin_reader(conn);
            result
        })
        .await
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, RepoError> + Send + 'static,
) -> Result<T, RepoError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| RepoError::Unavailable(format!("store task failed: {e}")))?
}

impl Inner {
    fn lock_writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open (rusqlite rolls
        // back on drop), so a poisoned lock is safe to take over.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn checkout_reader(&self) -> Result<Connection, RepoError> {
        if let Some(conn) = self
            .idle_readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
        {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_err)?;
        configure(&conn).map_err(db_err)?;
        conn.pragma_update(None, "cache_size", -i64::from(self.reader_cache_kib))
            .map_err(db_err)?;
        // Read connections never write: a bug cannot slip a write past the writer's mutex.
        conn.pragma_update(None, "query_only", true)
            .map_err(db_err)?;
        Ok(conn)
    }

    fn checkin_reader(&self, conn: Connection) {
        let mut idle = self.idle_readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
    }
}

/// One record as its row: the columns every filter reads, computed here so they see exactly
/// what `InvoiceQuery::matches` sees, and the JSON. Built before the write lock is taken, so
/// serializing one batch overlaps with writing another.
struct Row {
    columns: [Value; 17],
    record_json: String,
    key: InvoiceKey,
    digest: InvoiceDigest,
}

impl Row {
    fn of(record: &InvoiceRecord) -> Result<Self, RepoError> {
        let s = InvoiceSummary::from(record);
        let text = |v: &str| Value::Text(v.to_owned());
        let opt = |v: Option<&str>| v.map_or(Value::Null, text);
        Ok(Self {
            columns: [
                text(record.key.taxpayer.as_str()),
                text(record.key.id.direction.as_str()),
                text(record.key.id.supplier_tax_number.as_str()),
                text(record.key.id.invoice_number.as_str()),
                Value::Integer(batch_column(record.key.id.batch_index)),
                Value::Integer(search::day_number(s.issue_date)),
                text(s.operation.as_str()),
                text(s.category.as_str()),
                opt(s.partner_tax_number.as_ref().map(TaxpayerId::as_str)),
                opt(s.partner_name.as_deref().map(str::to_lowercase).as_deref()),
                text(&s.currency),
                opt(s.payment_method.map(|p| p.as_str())),
                Value::Integer(amount::minor_units(s.totals.gross_huf)),
                Value::Text(s.totals.gross_huf.to_string()),
                Value::Text(to_json(&s)?),
                text(chain_root(record).as_str()),
                text(record.digest.report_id().as_str()),
            ],
            record_json: to_json(record)?,
            key: record.key.clone(),
            digest: record.digest.clone(),
        })
    }
}

fn to_json(value: &impl serde::Serialize) -> Result<String, RepoError> {
    serde_json::to_string(value).map_err(|e| RepoError::Invalid(e.to_string()))
}

fn batch_column(batch_index: Option<u32>) -> i64 {
    batch_index.map_or(-1, i64::from)
}

const UPSERT: &str = "INSERT INTO invoice (
        taxpayer, direction, supplier, invoice_number, batch, issue_date, operation, category,
        partner_tax, partner_name_lc, currency, payment_method, gross_huf_minor, gross_huf,
        summary, chain_root, report_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
    ON CONFLICT (taxpayer, direction, supplier, invoice_number, batch) DO UPDATE SET
        issue_date = excluded.issue_date, operation = excluded.operation,
        category = excluded.category, partner_tax = excluded.partner_tax,
        partner_name_lc = excluded.partner_name_lc, currency = excluded.currency,
        payment_method = excluded.payment_method, gross_huf_minor = excluded.gross_huf_minor,
        gross_huf = excluded.gross_huf, summary = excluded.summary,
        chain_root = excluded.chain_root, report_id = excluded.report_id
    RETURNING id";

const UPSERT_RECORD: &str = "INSERT INTO invoice_record (invoice_id, record) VALUES (?1, ?2)
    ON CONFLICT (invoice_id) DO UPDATE SET record = excluded.record";

const UPSERT_VERSION: &str = "INSERT INTO invoice_version (
        taxpayer, direction, supplier, invoice_number, batch, report_id, ins_date, record)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
    ON CONFLICT (taxpayer, direction, supplier, invoice_number, batch, report_id)
    DO UPDATE SET ins_date = excluded.ins_date, record = excluded.record";

/// Keeps `record` (JSON) of the invoice `key` as a superseded version.
fn keep_superseded(
    tx: &rusqlite::Transaction<'_>,
    key: &InvoiceKey,
    digest: &InvoiceDigest,
    record: &str,
) -> Result<(), RepoError> {
    let mut params: Vec<Value> = key_params(key).into();
    params.push(Value::Text(digest.report_id().as_str().to_owned()));
    params.push(Value::Text(format_instant(digest.ins_date)));
    params.push(Value::Text(record.to_owned()));
    tx.prepare_cached(UPSERT_VERSION)
        .and_then(|mut s| s.execute(rusqlite::params_from_iter(params)))
        .map_err(db_err)?;
    Ok(())
}

/// The current version's row id and record, when it is another report than `report`.
fn other_current(
    tx: &rusqlite::Transaction<'_>,
    key: &InvoiceKey,
    report: &ReportId,
) -> Result<Option<(i64, String)>, RepoError> {
    let current: Option<(i64, Option<String>, String)> = tx
        .prepare_cached(&format!(
            "SELECT id, report_id, record FROM invoice JOIN invoice_record ON invoice_id = id \
             WHERE {KEY_WHERE}"
        ))
        .and_then(|mut s| {
            s.query_row(key_params(key), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .map_err(db_err)?;
    let Some((id, stored_report, record)) = current else {
        return Ok(None);
    };
    let stored_report = match stored_report {
        Some(r) => r,
        // Stored before versions were kept: the record's digest names its report.
        None => parse_record(&record)?
            .digest
            .report_id()
            .as_str()
            .to_owned(),
    };
    Ok((stored_report != report.as_str()).then_some((id, record)))
}

fn put_all(conn: &mut Connection, rows: &[Row]) -> Result<(), RepoError> {
    // One transaction: the batch is stored whole or (after a crash) not at all.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err)?;
    {
        let mut upsert = tx.prepare_cached(UPSERT).map_err(db_err)?;
        let mut upsert_record = tx.prepare_cached(UPSERT_RECORD).map_err(db_err)?;
        for row in rows {
            if let Some((_, current)) = other_current(&tx, &row.key, &row.digest.report_id())? {
                let current_digest = parse_record(&current)?.digest;
                if supersedes(&row.digest, &current_digest) {
                    keep_superseded(&tx, &row.key, &current_digest, &current)?;
                } else {
                    keep_superseded(&tx, &row.key, &row.digest, &row.record_json)?;
                    continue;
                }
            }
            let id: i64 = upsert
                .query_row(rusqlite::params_from_iter(&row.columns), |r| r.get(0))
                .map_err(db_err)?;
            upsert_record
                .execute(params![id, row.record_json])
                .map_err(db_err)?;
        }
    }
    tx.commit().map_err(db_err)
}

const KEY_WHERE: &str =
    "taxpayer = ?1 AND direction = ?2 AND supplier = ?3 AND invoice_number = ?4 AND batch = ?5";

fn key_params(key: &InvoiceKey) -> [rusqlite::types::Value; 5] {
    use rusqlite::types::Value::{Integer, Text};
    [
        Text(key.taxpayer.as_str().to_owned()),
        Text(key.id.direction.as_str().to_owned()),
        Text(key.id.supplier_tax_number.as_str().to_owned()),
        Text(key.id.invoice_number.as_str().to_owned()),
        Integer(batch_column(key.id.batch_index)),
    ]
}

fn stored_report_id(id: String) -> Result<ReportId, RepoError> {
    serde_json::from_value(serde_json::Value::String(id))
        .map_err(|e| corrupt("stored report id", e))
}

fn parse_record(json: &str) -> Result<InvoiceRecord, RepoError> {
    serde_json::from_str(json).map_err(|e| corrupt("stored invoice", e))
}

fn search_page(
    conn: &Connection,
    inner: &Inner,
    query: &InvoiceQuery,
) -> Result<InvoicePage, RepoError> {
    if !(1..=InvoiceQuery::MAX_LIMIT).contains(&query.limit) {
        return Err(RepoError::Invalid(format!(
            "limit must be 1 to {}, got {}",
            InvoiceQuery::MAX_LIMIT,
            query.limit
        )));
    }
    let position = inner.cursors.open(query)?;
    let prefix_plan = match search::prefix_probe(query, inner.prefix_probe_limit) {
        None => search::PrefixPlan::ByNumber,
        Some((sql, params)) => {
            let numbers: u32 = conn
                .prepare_cached(&sql)
                .and_then(|mut s| s.query_row(rusqlite::params_from_iter(&params), |r| r.get(0)))
                .map_err(db_err)?;
            if numbers > inner.prefix_probe_limit {
                search::PrefixPlan::AlongDate
            } else {
                search::PrefixPlan::ByNumber
            }
        }
    };
    let all = search::filter(query, None, prefix_plan);

    let total = count(conn, &all, query.order)?;

    let filter = match position {
        Some(p) => search::filter(query, Some(p), prefix_plan),
        None => all,
    };
    // One more than the page: whether it exists decides if there is a next page.
    let sql = search::page_sql(&filter, query.order, query.limit + 1);
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(&filter.params))
        .map_err(db_err)?;
    let mut items = Vec::new();
    let mut last = None;
    let mut more = false;
    while let Some(row) = rows.next().map_err(db_err)? {
        if items.len() == query.limit as usize {
            more = true;
            break;
        }
        let json: String = row.get(0).map_err(db_err)?;
        items.push(
            serde_json::from_str::<InvoiceSummary>(&json)
                .map_err(|e| corrupt("stored invoice summary", e))?,
        );
        last = Some(Position {
            issue_date: row.get(1).map_err(db_err)?,
            invoice_number: row.get(2).map_err(db_err)?,
            supplier: row.get(3).map_err(db_err)?,
            batch: row.get(4).map_err(db_err)?,
        });
    }
    let next_cursor = match (more, last) {
        (true, Some(p)) => Some(inner.cursors.issue(query, p)),
        _ => None,
    };
    Ok(InvoicePage {
        items,
        next_cursor,
        total,
    })
}

/// The number of matches, when it is at most [`TOTAL_COUNT_CAP`] and found within
/// [`COUNT_BUDGET_KILO_STEPS`].
fn count(
    conn: &Connection,
    filter: &search::Filter,
    order: navsync_domain::query::SortOrder,
) -> Result<Option<u64>, RepoError> {
    let mut spent = 0u32;
    conn.progress_handler(
        1000,
        Some(move || {
            spent += 1;
            spent > COUNT_BUDGET_KILO_STEPS
        }),
    );
    let counted = conn
        .prepare_cached(&search::count_sql(filter, order, TOTAL_COUNT_CAP + 1))
        .and_then(|mut s| {
            s.query_row(rusqlite::params_from_iter(&filter.params), |r| {
                r.get::<_, u64>(0)
            })
        });
    conn.progress_handler(0, None::<fn() -> bool>);
    match counted {
        Ok(n) => Ok((n <= TOTAL_COUNT_CAP).then_some(n)),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) => {
            Ok(None)
        }
        Err(e) => Err(db_err(e)),
    }
}

#[async_trait]
impl InvoiceRepository for SqliteStore {
    async fn stored_among(&self, keys: &[InvoiceKey]) -> Result<HashSet<InvoiceKey>, RepoError> {
        let keys = keys.to_vec();
        self.read(move |conn, _| {
            let mut stmt = conn
                .prepare_cached(&format!("SELECT 1 FROM invoice WHERE {KEY_WHERE}"))
                .map_err(db_err)?;
            let mut stored = HashSet::new();
            for key in keys {
                if stmt.exists(key_params(&key)).map_err(db_err)? {
                    stored.insert(key);
                }
            }
            Ok(stored)
        })
        .await
    }

    async fn stored_versions(
        &self,
        keys: &[InvoiceKey],
    ) -> Result<HashMap<InvoiceKey, HashSet<ReportId>>, RepoError> {
        let keys = keys.to_vec();
        self.read(move |conn, _| {
            let mut current = conn
                .prepare_cached(&format!(
                    "SELECT report_id, record FROM invoice JOIN invoice_record ON invoice_id = id \
                     WHERE {KEY_WHERE}"
                ))
                .map_err(db_err)?;
            let mut superseded = conn
                .prepare_cached(&format!(
                    "SELECT report_id FROM invoice_version WHERE {KEY_WHERE}"
                ))
                .map_err(db_err)?;
            let mut found = HashMap::new();
            for key in keys {
                let row: Option<(Option<String>, String)> = current
                    .query_row(key_params(&key), |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(db_err)?;
                let Some((report, record)) = row else {
                    continue;
                };
                let mut reports = HashSet::new();
                reports.insert(match report {
                    Some(r) => stored_report_id(r)?,
                    None => parse_record(&record)?.digest.report_id(),
                });
                let rows = superseded
                    .query_map(key_params(&key), |r| r.get::<_, String>(0))
                    .map_err(db_err)?;
                for r in rows {
                    let r = r.map_err(db_err)?;
                    reports.insert(stored_report_id(r)?);
                }
                found.insert(key, reports);
            }
            Ok(found)
        })
        .await
    }

    async fn put_many(&self, records: &[InvoiceRecord]) -> Result<(), RepoError> {
        if records.is_empty() {
            return Ok(());
        }
        let records = records.to_vec();
        let inner = self.inner.clone();
        blocking(move || {
            let rows = records.iter().map(Row::of).collect::<Result<Vec<_>, _>>()?;
            put_all(&mut inner.lock_writer(), &rows)
        })
        .await
    }
}

#[async_trait]
impl InvoiceQueries for SqliteStore {
    async fn get(&self, key: &InvoiceKey) -> Result<Option<InvoiceRecord>, RepoError> {
        let key = key.clone();
        self.read(move |conn, _| {
            let json: Option<String> = conn
                .prepare_cached(&format!(
                    "SELECT record FROM invoice JOIN invoice_record ON invoice_id = id \
                     WHERE {KEY_WHERE}"
                ))
                .and_then(|mut s| s.query_row(key_params(&key), |r| r.get(0)).optional())
                .map_err(db_err)?;
            json.as_deref().map(parse_record).transpose()
        })
        .await
    }

    async fn versions(&self, key: &InvoiceKey) -> Result<Vec<InvoiceRecord>, RepoError> {
        let key = key.clone();
        self.read(move |conn, _| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT record FROM invoice_version WHERE {KEY_WHERE} \
                     ORDER BY ins_date DESC, report_id DESC"
                ))
                .map_err(db_err)?;
            let rows = stmt
                .query_map(key_params(&key), |r| r.get::<_, String>(0))
                .map_err(db_err)?;
            rows.map(|json| parse_record(&json.map_err(db_err)?))
                .collect()
        })
        .await
    }

    async fn search(&self, query: &InvoiceQuery) -> Result<InvoicePage, RepoError> {
        let query = query.clone();
        self.read(move |conn, inner| search_page(conn, inner, &query))
            .await
    }

    async fn chain(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        supplier: TaxpayerId,
        original: &str,
    ) -> Result<Vec<InvoiceRecord>, RepoError> {
        let original = original.to_owned();
        self.read(move |conn, _| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT record FROM invoice JOIN invoice_record ON invoice_id = id \
                     WHERE taxpayer = ?1 AND direction = ?2 AND supplier = ?3 AND chain_root = ?4",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map(
                    params![
                        taxpayer.as_str(),
                        direction.as_str(),
                        supplier.as_str(),
                        original
                    ],
                    |r| r.get::<_, String>(0),
                )
                .map_err(db_err)?;
            rows.map(|json| parse_record(&json.map_err(db_err)?))
                .collect()
        })
        .await
    }
}

fn format_instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>, RepoError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| corrupt("stored watermark", e))
}

fn show(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "none".to_owned(), format_instant)
}

#[async_trait]
impl SyncStateStore for SqliteStore {
    async fn load(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
    ) -> Result<SyncState, RepoError> {
        self.read(move |conn, _| {
            let row: Option<(Option<String>, Option<String>)> = conn
                .prepare_cached(
                    "SELECT watermark, last_run FROM sync_state WHERE taxpayer = ?1 AND direction = ?2",
                )
                .and_then(|mut s| {
                    s.query_row(params![taxpayer.as_str(), direction.as_str()], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()
                })
                .map_err(db_err)?;
            let Some((watermark, last_run)) = row else {
                return Ok(SyncState::default());
            };
            Ok(SyncState {
                watermark: watermark.as_deref().map(parse_instant).transpose()?,
                last_run: last_run
                    .as_deref()
                    .map(|j| serde_json::from_str(j).map_err(|e| corrupt("stored run", e)))
                    .transpose()?,
            })
        })
        .await
    }

    async fn advance_watermark(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        expected: Option<DateTime<Utc>>,
        to: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        self.write(move |conn| {
            // IMMEDIATE takes the write lock before reading, so another process cannot move
            // the watermark between this check and this write.
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db_err)?;
            let stored: Option<String> = tx
                .query_row(
                    "SELECT watermark FROM sync_state WHERE taxpayer = ?1 AND direction = ?2",
                    params![taxpayer.as_str(), direction.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_err)?
                .flatten();
            let stored = stored.as_deref().map(parse_instant).transpose()?;
            if stored != expected {
                return Err(RepoError::Conflict(format!(
                    "watermark of {taxpayer} {direction} is {}, expected {}",
                    show(stored),
                    show(expected)
                )));
            }
            if stored.is_some_and(|s| to <= s) {
                return Err(RepoError::Conflict(format!(
                    "watermark of {taxpayer} {direction} may only move forward: {} to {}",
                    show(stored),
                    format_instant(to)
                )));
            }
            tx.execute(
                "INSERT INTO sync_state (taxpayer, direction, watermark) VALUES (?1, ?2, ?3)
                 ON CONFLICT (taxpayer, direction) DO UPDATE SET watermark = excluded.watermark",
                params![taxpayer.as_str(), direction.as_str(), format_instant(to)],
            )
            .map_err(db_err)?;
            tx.commit().map_err(db_err)
        })
        .await
    }

    async fn record_run(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        run: &RunRecord,
    ) -> Result<(), RepoError> {
        let json = serde_json::to_string(run).map_err(|e| RepoError::Invalid(e.to_string()))?;
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO sync_state (taxpayer, direction, last_run) VALUES (?1, ?2, ?3)
                 ON CONFLICT (taxpayer, direction) DO UPDATE SET last_run = excluded.last_run",
                params![taxpayer.as_str(), direction.as_str(), json],
            )
            .map(drop)
            .map_err(db_err)
        })
        .await
    }

    async fn pending(
        &self,
        taxpayer: TaxpayerId,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<PendingInvoice>, RepoError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |conn, _| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT entry FROM pending_invoice WHERE taxpayer = ?1 AND direction = ?2
                     ORDER BY first_failed_at, invoice_key LIMIT ?3",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map(params![taxpayer.as_str(), direction.as_str(), limit], |r| {
                    r.get::<_, String>(0)
                })
                .map_err(db_err)?;
            rows.map(|json| {
                serde_json::from_str(&json.map_err(db_err)?)
                    .map_err(|e| corrupt("stored pending invoice", e))
            })
            .collect()
        })
        .await
    }

    async fn put_pending(&self, pending: &PendingInvoice) -> Result<(), RepoError> {
        let key = pending_key(&pending.key)?;
        let entry =
            serde_json::to_string(pending).map_err(|e| RepoError::Invalid(e.to_string()))?;
        let taxpayer = pending.key.taxpayer;
        let direction = pending.key.id.direction;
        let first_failed_at = format_instant(pending.first_failed_at);
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO pending_invoice (taxpayer, direction, invoice_key, first_failed_at, entry)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (taxpayer, direction, invoice_key)
                 DO UPDATE SET first_failed_at = excluded.first_failed_at, entry = excluded.entry",
                params![taxpayer.as_str(), direction.as_str(), key, first_failed_at, entry],
            )
            .map(drop)
            .map_err(db_err)
        })
        .await
    }

    async fn remove_pending(&self, key: &InvoiceKey) -> Result<(), RepoError> {
        let invoice_key = pending_key(key)?;
        let taxpayer = key.taxpayer;
        let direction = key.id.direction;
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM pending_invoice
                 WHERE taxpayer = ?1 AND direction = ?2 AND invoice_key = ?3",
                params![taxpayer.as_str(), direction.as_str(), invoice_key],
            )
            .map(drop)
            .map_err(db_err)
        })
        .await
    }
}

/// A key's one text form (serde_json writes struct fields in declaration order).
fn pending_key(key: &InvoiceKey) -> Result<String, RepoError> {
    serde_json::to_string(key).map_err(|e| RepoError::Invalid(e.to_string()))
}

#[cfg(test)]
#[path = "../tests/records/mod.rs"]
mod records;

#[cfg(test)]
mod tests {
    use super::*;
    use navsync_domain::query::SortOrder;

    /// Both ways of reading a prefix page (see `search::PrefixPlan`) give what `matches` gives.
    #[tokio::test]
    async fn both_prefix_plans_agree_with_matches() {
        let dir =
            std::env::temp_dir().join(format!("navsync-sqlite-prefix-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let tp = records::taxpayer(1_000_000);
        let generated = records::dedup(&records::varied(5, &[tp], 150));
        let mut by_number = SqliteStore::open(dir.join("db"), b"k".repeat(32)).unwrap();
        by_number.put_many(&generated).await.unwrap();
        Arc::get_mut(&mut by_number.inner)
            .unwrap()
            .prefix_probe_limit = u32::MAX - 1;
        let mut along_date = SqliteStore::open(dir.join("db"), b"k".repeat(32)).unwrap();
        Arc::get_mut(&mut along_date.inner)
            .unwrap()
            .prefix_probe_limit = 0;

        for prefix in ["SZ", "SZ-2024/", "A%", "A_", "Ő-", "SZ-2025/0004", "x"] {
            for order in [SortOrder::NewestFirst, SortOrder::OldestFirst] {
                let mut query = InvoiceQuery::new(tp, Direction::Outbound);
                query.invoice_number_prefix = Some(prefix.into());
                query.order = order;
                query.limit = 9;
                let mut want: Vec<InvoiceSummary> = generated
                    .iter()
                    .filter(|r| query.matches(r))
                    .map(InvoiceSummary::from)
                    .collect();
                want.sort_by_key(|s| {
                    (
                        s.issue_date,
                        s.key.id.invoice_number.clone(),
                        s.key.id.supplier_tax_number,
                        s.key.id.batch_index,
                    )
                });
                if order == SortOrder::NewestFirst {
                    want.reverse();
                }
                for store in [&by_number, &along_date] {
                    let mut q = query.clone();
                    let mut got = Vec::new();
                    loop {
                        let page = store.search(&q).await.unwrap();
                        assert_eq!(page.total, Some(want.len() as u64));
                        got.extend(page.items);
                        match page.next_cursor {
                            Some(c) => q.cursor = Some(c),
                            None => break,
                        }
                    }
                    assert_eq!(got, want, "{prefix:?} {order:?}");
                }
            }
        }
    }
}
