//! DynamoDB adapter behaviour beyond the port contract, against the harness's emulator:
//! batches past 25 items, documents over the 400 KB item limit, raw item layout, cursors from
//! another deployment, typed errors.

use std::collections::HashMap;
use std::sync::Arc;

use navsync_aws_emulator as emu;
use navsync_contract::fixtures::{self, Spec};
use navsync_domain::ports::{InvoiceQueries, InvoiceRepository, RepoError};
use navsync_domain::query::InvoiceQuery;
use navsync_domain::{Direction, InvoiceRecord};
use navsync_dynamodb::aws_sdk_dynamodb::types::AttributeValue;
use navsync_dynamodb::{DynamoConfig, DynamoStore};
use navsync_s3::{S3Archive, S3Config};

const KEY: &[u8] = b"dynamodb-tests-cursor-key-32-bytes!!";

async fn store() -> DynamoStore {
    let sdk = emu::sdk_config().await;
    let table = emu::new_table(&sdk, "ddb").await;
    DynamoStore::new(&sdk, DynamoConfig::new(table, KEY)).expect("config")
}

async fn overflow() -> S3Archive {
    let sdk = emu::sdk_config().await;
    let bucket = emu::new_bucket(&sdk, "overflow").await;
    S3Archive::new(
        &sdk,
        S3Config {
            force_path_style: true,
            ..S3Config::new(bucket)
        },
    )
    .expect("config")
}

#[tokio::test]
async fn one_put_many_of_137_records_is_split_into_batches_and_stores_all() {
    let store = store().await;
    let tp = fixtures::taxpayer(1_300_001);
    let records: Vec<InvoiceRecord> = (0..137)
        .map(|i| fixtures::record(&Spec::new(tp, Direction::Outbound, &format!("B-{i:03}"))))
        .collect();
    store.put_many(&records).await.expect("put 137");
    let q = InvoiceQuery {
        limit: 1000,
        ..InvoiceQuery::new(tp, Direction::Outbound)
    };
    let page = store.search(&q).await.expect("search");
    assert_eq!(page.items.len(), 137);
    assert_eq!(page.next_cursor, None);
    for r in [&records[0], &records[25], &records[136]] {
        assert_eq!(store.get(&r.key).await.expect("get").as_ref(), Some(r));
    }
}

fn big_invoice(lines: u32) -> InvoiceRecord {
    let mut spec = Spec::new(
        fixtures::taxpayer(1_300_002),
        Direction::Inbound,
        "BIG/2024/1",
    );
    spec.lines = lines;
    fixtures::record(&spec)
}

#[tokio::test]
async fn an_invoice_over_the_item_limit_keeps_its_document_in_s3_and_reads_back_whole() {
    let overflow = overflow().await;
    let store = store().await.with_overflow(Arc::new(overflow.clone()));
    let big = big_invoice(5000);
    let doc_len = serde_json::to_vec(&big).expect("serializes").len();
    assert!(
        doc_len > 400 * 1024,
        "the fixture must exceed DynamoDB's item limit: {doc_len}"
    );

    store
        .put_many(std::slice::from_ref(&big))
        .await
        .expect("put big");
    store
        .put_many(std::slice::from_ref(&big))
        .await
        .expect("put big again");
    let back = store.get(&big.key).await.expect("get").expect("stored");
    assert_eq!(back.invoice.lines.len(), 5000);
    assert_eq!(back, big);

    // The item holds a pointer, the bucket one object with the document.
    let raw = raw_item(&store, &big).await;
    assert!(!raw.contains_key("doc"));
    let pointer = raw["doc_ref"].as_s().expect("string").clone();
    assert!(
        pointer.starts_with(&format!("invoice-overflow/{}/", big.key.taxpayer)),
        "{pointer}"
    );
    let listed = overflow
        .client()
        .list_objects_v2()
        .bucket(overflow.bucket())
        .send()
        .await
        .expect("list");
    assert_eq!(listed.key_count(), Some(1));
    // It is listed and chained like any other invoice.
    let page = store
        .search(&InvoiceQuery::new(big.key.taxpayer, Direction::Inbound))
        .await
        .expect("search");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].key, big.key);

    // A small invoice stays inline.
    let small = fixtures::record(&Spec::new(big.key.taxpayer, Direction::Inbound, "SMALL-1"));
    store
        .put_many(std::slice::from_ref(&small))
        .await
        .expect("put small");
    assert!(raw_item(&store, &small).await.contains_key("doc"));
}

#[tokio::test]
async fn an_oversized_invoice_without_an_overflow_store_is_refused_by_name() {
    let store = store().await;
    let big = big_invoice(5000);
    match store.put_many(std::slice::from_ref(&big)).await {
        Err(RepoError::Invalid(m)) => {
            assert!(m.contains("BIG/2024/1") && m.contains("overflow"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.get(&big.key).await.expect("get"), None);
}

#[tokio::test]
async fn an_overflow_document_that_does_not_match_its_hash_is_corrupt() {
    let overflow = overflow().await;
    let store = store()
        .await
        .with_overflow(Arc::new(overflow.clone()))
        .with_inline_limit(1024);
    let rec = fixtures::record(&Spec::new(
        fixtures::taxpayer(1_300_003),
        Direction::Outbound,
        "O-1",
    ));
    store
        .put_many(std::slice::from_ref(&rec))
        .await
        .expect("put");
    let pointer = raw_item(&store, &rec).await["doc_ref"]
        .as_s()
        .expect("string")
        .clone();
    overflow
        .client()
        .put_object()
        .bucket(overflow.bucket())
        .key(&pointer)
        .body(b"{}".to_vec().into())
        .send()
        .await
        .expect("tamper");
    assert!(matches!(
        store.get(&rec.key).await,
        Err(RepoError::Corrupt(_))
    ));
}

async fn raw_item(store: &DynamoStore, record: &InvoiceRecord) -> HashMap<String, AttributeValue> {
    let k = &record.key;
    let pk = format!(
        "INV#{}#{}#{}#{}",
        k.taxpayer,
        k.id.direction.as_str(),
        k.id.supplier_tax_number,
        k.id.invoice_number
    );
    store
        .client()
        .get_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S(pk))
        .key("sk", AttributeValue::S("B#".into()))
        .send()
        .await
        .expect("raw get")
        .item
        .expect("item exists")
}

#[tokio::test]
async fn items_carry_the_index_attributes_the_readme_documents() {
    let store = store().await;
    let mut spec = Spec::new(fixtures::taxpayer(1_300_004), Direction::Outbound, "R/1");
    spec.partner_name = Some("ÁRVÍZTŰRŐ Kft.".into());
    let rec = fixtures::record(&spec);
    store
        .put_many(std::slice::from_ref(&rec))
        .await
        .expect("put");
    let item = raw_item(&store, &rec).await;
    let s = |name: &str| item[name].as_s().expect("string").clone();
    let tp = spec.taxpayer;
    assert_eq!(s("gsi1pk"), format!("{tp}#OUTBOUND"));
    assert_eq!(s("gsi1sk"), format!("2024-03-15\u{1}R/1\u{1}{tp}\u{1}"));
    assert_eq!(s("gsi3sk"), format!("R/1\u{1}{tp}\u{1}"));
    assert_eq!(
        s("gsi2pk"),
        format!("{tp}#OUTBOUND#{}", spec.partner.expect("partner"))
    );
    assert_eq!(s("partner_name_lc"), "árvíztűrő kft.");
    assert_eq!(s("chainpk"), format!("{tp}#OUTBOUND#{tp}#R/1"));
    assert_eq!(item["gross_huf"].as_n().expect("number"), "127000");
}

#[tokio::test]
async fn a_cursor_from_another_deployment_is_invalid() {
    let sdk = emu::sdk_config().await;
    let table = emu::new_table(&sdk, "ddb").await;
    let ours = DynamoStore::new(&sdk, DynamoConfig::new(table.clone(), KEY)).expect("config");
    let theirs = DynamoStore::new(
        &sdk,
        DynamoConfig::new(table, b"another-deployment-key-of-32-bytes!".to_vec()),
    )
    .expect("config");
    let tp = fixtures::taxpayer(1_300_005);
    let records: Vec<InvoiceRecord> = (0..5)
        .map(|i| fixtures::record(&Spec::new(tp, Direction::Outbound, &format!("K-{i}"))))
        .collect();
    ours.put_many(&records).await.expect("put");
    let q = InvoiceQuery {
        limit: 2,
        ..InvoiceQuery::new(tp, Direction::Outbound)
    };
    let cursor = theirs
        .search(&q)
        .await
        .expect("search")
        .next_cursor
        .expect("cursor");
    let q = InvoiceQuery {
        cursor: Some(cursor),
        ..q
    };
    match ours.search(&q).await {
        Err(RepoError::Invalid(m)) => assert!(m.contains("not issued by this store"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn errors_are_typed() {
    let sdk = emu::sdk_config().await;
    let missing = DynamoStore::new(
        &sdk,
        DynamoConfig::new(emu::unique_name("no-such-table"), KEY),
    )
    .expect("config");
    let key = fixtures::record(&Spec::new(
        fixtures::taxpayer(1_300_006),
        Direction::Outbound,
        "E-1",
    ))
    .key;
    match missing.get(&key).await {
        Err(RepoError::Unavailable(m)) => assert!(m.contains("ResourceNotFound"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(DynamoStore::new(&sdk, DynamoConfig::new("t", b"short".to_vec())).is_err());
    assert!(DynamoStore::new(&sdk, DynamoConfig::new("", KEY)).is_err());

    // An item that is not a readable invoice is Corrupt, not a panic.
    let store = store().await;
    let rec = fixtures::record(&Spec::new(
        fixtures::taxpayer(1_300_006),
        Direction::Outbound,
        "E-2",
    ));
    store
        .put_many(std::slice::from_ref(&rec))
        .await
        .expect("put");
    let mut item = raw_item(&store, &rec).await;
    item.insert(
        "doc".into(),
        AttributeValue::B(b"{not json".to_vec().into()),
    );
    store
        .client()
        .put_item()
        .table_name(store.table())
        .set_item(Some(item))
        .send()
        .await
        .expect("raw put");
    assert!(matches!(
        store.get(&rec.key).await,
        Err(RepoError::Corrupt(_))
    ));
}
