//! The CSV export at size in the local mode (SQLite, no export sink): the same request the
//! API Lambda answers with a link is streamed here with 200, every row.

mod app;
mod jwks;

use app::TestApp;
use navsync_contract::fixtures::{Spec, record, taxpayer};
use navsync_domain::Direction;
use navsync_domain::ports::InvoiceRepository;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_of_50_000_invoices_streams_locally() {
    const N: usize = 50_000;
    let app = TestApp::start().await;
    let owner = taxpayer(1_500_001);
    let records: Vec<_> = (0..N)
        .map(|i| {
            let mut spec = Spec::new(owner, Direction::Outbound, &format!("EXP/{i:05}"));
            spec.lines = 1;
            record(&spec)
        })
        .collect();
    for chunk in records.chunks(5_000) {
        app.store.put_many(chunk).await.unwrap();
    }
    let r = app
        .get(
            &format!("/v1/taxpayers/{owner}/invoices.csv?direction=OUTBOUND"),
            Some(&app.operator()),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "text/csv; charset=utf-8");
    let text = r.text();
    assert!(text.starts_with('\u{FEFF}'));
    let rows: Vec<&str> = text.trim_end().split("\r\n").skip(1).collect();
    assert_eq!(rows.len(), N);
    let numbers: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter_map(|row| row.split(';').find(|f| f.starts_with("EXP/")))
        .collect();
    assert_eq!(numbers.len(), N, "every invoice once");
}
