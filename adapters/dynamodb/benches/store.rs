//! The store path against the harness's emulator, in invoices per second: what the sync does
//! per invoice (archive the XML in S3, then `put_many` in batches of 25), and `put_many` alone.
//! A relative figure for comparing changes to this code, not a promise about AWS.
//!
//! Run: `cargo bench -p navsync-dynamodb --bench store` (NAVSYNC_BENCH_N sets the count).

use std::sync::Arc;
use std::time::Instant;

use navsync_aws_emulator as emu;
use navsync_contract::archive::sample_xml;
use navsync_contract::fixtures::{self, Spec};
use navsync_domain::ports::{DocumentArchive, InvoiceRepository};
use navsync_domain::{Direction, InvoiceRecord};
use navsync_dynamodb::{DynamoConfig, DynamoStore};
use navsync_s3::{S3Archive, S3Config};

fn records(seed: u32, n: usize) -> Vec<InvoiceRecord> {
    let tp = fixtures::taxpayer(1_500_000 + seed);
    (0..n)
        .map(|i| {
            let mut spec = Spec::new(tp, Direction::Inbound, &format!("BENCH/{i:06}"));
            spec.partner = Some(fixtures::taxpayer(2_500_000 + (i % 50) as u32));
            spec.lines = 3;
            fixtures::record(&spec)
        })
        .collect()
}

fn main() {
    let n: usize = std::env::var("NAVSYNC_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let emulator = emu::emulator();
        let sdk = emulator.sdk_config().await;
        let table = emu::new_table(&sdk, "bench").await;
        let bucket = emu::new_bucket(&sdk, "bench").await;
        let archive = S3Archive::new(
            &sdk,
            S3Config {
                force_path_style: true,
                ..S3Config::new(bucket)
            },
        )
        .expect("config");
        let store = DynamoStore::new(
            &sdk,
            DynamoConfig::new(table, b"bench-cursor-key-of-at-least-32-bytes".to_vec()),
        )
        .expect("config")
        .with_overflow(Arc::new(archive.clone()));

        // Warm-up: connections, table and bucket caches.
        store.put_many(&records(0, 25)).await.expect("warm-up");

        let batch = records(1, n);
        let start = Instant::now();
        for chunk in batch.chunks(25) {
            store.put_many(chunk).await.expect("put_many");
        }
        let put_only = n as f64 / start.elapsed().as_secs_f64();

        let full = records(2, n);
        let start = Instant::now();
        for chunk in full.chunks(25) {
            let mut stored = Vec::with_capacity(chunk.len());
            for r in chunk {
                let xml = sample_xml(r.key.id.invoice_number.as_str());
                let document = archive
                    .put(&r.key, r.invoice.issue_date, &xml)
                    .await
                    .expect("archive");
                stored.push(InvoiceRecord {
                    document,
                    ..r.clone()
                });
            }
            store.put_many(&stored).await.expect("put_many");
        }
        let full_path = n as f64 / start.elapsed().as_secs_f64();

        // Idempotent re-run: everything is there already (HEAD only, same items rewritten).
        let start = Instant::now();
        for chunk in full.chunks(25) {
            store.put_many(chunk).await.expect("put_many again");
        }
        let rewrite = n as f64 / start.elapsed().as_secs_f64();

        println!("emulator: {}", emulator.name());
        println!("invoices: {n}, sequential, batches of 25");
        println!("put_many (DynamoDB BatchWriteItem only): {put_only:.0} invoices/s");
        println!("archive put (S3 HEAD+PUT) + put_many:    {full_path:.0} invoices/s");
        println!("put_many of already stored invoices:      {rewrite:.0} invoices/s");
    });
}
