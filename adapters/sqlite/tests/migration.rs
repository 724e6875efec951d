//! Databases written by older versions open and migrate; newer ones are refused.

mod records;

use navsync_domain::ports::{InvoiceQueries, InvoiceRepository, SyncStateStore};
use navsync_domain::query::InvoiceQuery;
use navsync_domain::{Direction, InvoiceOperation, ModificationReference};
use navsync_sqlite::{OpenError, SqliteStore};
use rusqlite::{Connection, params};

const KEY: &[u8] = b"test cursor key, 32 bytes long!!";

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("navsync-migration-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("navsync.db")
}

#[tokio::test]
async fn a_v1_database_migrates_and_its_invoices_get_their_chain() {
    let path = temp_db("v1");
    let tp = records::taxpayer(1_000_000);
    let mut rng = records::Rng::new(9);
    let mut original = records::record(&mut rng, tp, Direction::Outbound, "ORIG/1", &[tp]);
    original.invoice.modification = None;
    let mut storno = records::record(&mut rng, tp, Direction::Outbound, "STORNO/1", &[tp]);
    storno.digest.operation = InvoiceOperation::Storno;
    storno.invoice.modification = Some(ModificationReference {
        original_invoice_number: "ORIG/1".parse().unwrap(),
        modification_index: 1,
        modify_without_master: false,
    });
    {
        // A database as navsync with schema v1 left it.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!(
            "../src/migrations/001_invoices_and_sync_state.sql"
        ))
        .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        for r in [&original, &storno] {
            let s = navsync_domain::query::InvoiceSummary::from(r);
            conn.execute(
                "INSERT INTO invoice (taxpayer, direction, supplier, invoice_number, batch,
                    issue_date, operation, category, partner_tax, partner_name_lc, currency,
                    payment_method, gross_huf_minor, gross_huf, summary)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    tp.as_str(),
                    "OUTBOUND",
                    r.key.id.supplier_tax_number.as_str(),
                    r.key.id.invoice_number.as_str(),
                    r.key.id.batch_index.map_or(-1, i64::from),
                    chrono::Datelike::num_days_from_ce(&s.issue_date),
                    s.operation.as_str(),
                    s.category.as_str(),
                    s.partner_tax_number.map(|t| t.to_string()),
                    s.partner_name.as_deref().map(str::to_lowercase),
                    s.currency,
                    s.payment_method.map(|p| p.as_str()),
                    0,
                    s.totals.gross_huf.to_string(),
                    serde_json::to_string(&s).unwrap(),
                ],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO invoice_record VALUES (last_insert_rowid(), ?1)",
                [serde_json::to_string(r).unwrap()],
            )
            .unwrap();
        }
    }

    let store = SqliteStore::open(&path, KEY).unwrap();
    let version: u32 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 4);
    let supplier = original.key.id.supplier_tax_number;
    let mut chain = store
        .chain(tp, Direction::Outbound, supplier, "ORIG/1")
        .await
        .unwrap();
    chain.sort_by(|a, b| a.key.cmp(&b.key));
    let mut want = vec![original.clone(), storno.clone()];
    want.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(chain, want);
    let page = store
        .search(&InvoiceQuery::new(tp, Direction::Outbound))
        .await
        .unwrap();
    assert_eq!(page.total, Some(2));
    // v3's quarantine list exists and starts empty.
    assert!(
        store
            .pending(tp, Direction::Outbound, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // v4: a row stored before versions names its report through its record's digest, and a
    // later report of it supersedes it.
    let versions = store
        .stored_versions(std::slice::from_ref(&original.key))
        .await
        .unwrap();
    assert_eq!(
        versions[&original.key],
        std::collections::HashSet::from([original.digest.report_id()])
    );
    let mut resubmitted = original.clone();
    resubmitted.digest.transaction_id = Some("RESUBMIT1".into());
    resubmitted.digest.ins_date += chrono::TimeDelta::hours(1);
    store
        .put_many(std::slice::from_ref(&resubmitted))
        .await
        .unwrap();
    assert_eq!(store.get(&original.key).await.unwrap(), Some(resubmitted));
    assert_eq!(
        store.versions(&original.key).await.unwrap(),
        vec![original.clone()]
    );

    // Opening again changes nothing.
    drop(store);
    SqliteStore::open(&path, KEY).unwrap();
}

#[test]
fn a_database_from_a_newer_navsync_is_refused_by_name() {
    let path = temp_db("newer");
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = SqliteStore::open(&path, KEY).err().unwrap();
    assert!(
        matches!(
            err,
            OpenError::TooNew {
                found: 99,
                known: 4,
                ..
            }
        ),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
}
