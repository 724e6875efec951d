//! Serving NAV's official sample invoices as they are.

mod raw_nav;

use base64::Engine as _;
use chrono::Utc;
use navsync_nav_sim::SimConfig;
use raw_nav::{Raw, digest_body, ins_date, number_query, validate};

fn samples() -> std::path::PathBuf {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/nav/invoice-samples");
    if shared.exists() {
        shared
    } else {
        "/work/shared/nav/invoice-samples".into()
    }
}

fn decoded(r: &raw_nav::Reply) -> Vec<u8> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(r.tag("invoiceData").expect("invoiceData"))
        .unwrap();
    if r.tag("compressedContentIndicator").as_deref() == Some("true") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .unwrap();
        out
    } else {
        bytes
    }
}

#[tokio::test]
async fn serves_the_official_samples_byte_for_byte_to_both_parties() {
    let now = Utc::now();
    let mut config = SimConfig::new(31, 0, now);
    config.invoice_dirs = vec![samples()];
    config.compressed_share = 0.5;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = navsync_nav_sim::start(config, listener).await.unwrap();
    let files = std::fs::read_dir(samples()).unwrap().count();
    assert!(
        sim.stats().invoices >= files,
        "one entry per invoice, batch parts apart"
    );

    let supplier = sim
        .taxpayers()
        .into_iter()
        .find(|t| t.tax_number == "99999999")
        .expect("the samples' supplier has a technical user");
    let raw = Raw::new(sim.base_url(), supplier);
    let window = ins_date(now - chrono::Duration::days(31), now);
    let digest = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "OUTBOUND", &window, ""),
        )
        .await;
    validate("api", digest.body.as_bytes()).unwrap();
    let numbers = digest.tags("invoiceNumber");
    assert!(numbers.len() >= files - 1, "{numbers:?}");
    assert!(numbers.contains(&"2021/00345".to_owned()), "{numbers:?}");

    let r = raw
        .call("queryInvoiceData", &number_query("2021/00345", "OUTBOUND"))
        .await;
    validate("api", r.body.as_bytes()).unwrap();
    let doc = decoded(&r);
    let file = std::fs::read(samples().join("Belfoldi devizas szamla.xml")).unwrap();
    assert_eq!(doc, file);

    // A batch modification: one document, answered whole, its part named when asked for.
    let batch = std::fs::read(samples().join("Tobb szamla modositasa egy okirattal.xml")).unwrap();
    let whole = raw
        .call("queryInvoiceData", &number_query("SZ00004", "OUTBOUND"))
        .await;
    assert!(whole.tag("invoiceData").is_some(), "{}", whole.body);
    assert_eq!(whole.tag("batchIndex"), None);
    let part = raw
        .call(
            "queryInvoiceData",
            "<invoiceNumberQuery><invoiceNumber>SZ00004</invoiceNumber><invoiceDirection>OUTBOUND</invoiceDirection><batchIndex>2</batchIndex></invoiceNumberQuery>",
        )
        .await;
    validate("api", part.body.as_bytes()).unwrap();
    assert_eq!(part.tag("batchIndex").as_deref(), Some("2"));
    assert_eq!(decoded(&part), batch);
    let check = raw
        .call("queryInvoiceCheck", &number_query("SZ00004", "OUTBOUND"))
        .await;
    assert_eq!(check.tag("invoiceCheckResult").as_deref(), Some("true"));

    // The samples hold three documents numbered 2021/000123 from the same supplier: successive
    // reports of one invoice (NAV refuses a used number), the earlier ones technically
    // annulled. All three are listed; the data query serves the last, in name order.
    assert_eq!(
        numbers.iter().filter(|n| *n == "2021/000123").count(),
        3,
        "{numbers:?}"
    );
    let latest = raw
        .call("queryInvoiceData", &number_query("2021/000123", "OUTBOUND"))
        .await;
    validate("api", latest.body.as_bytes()).unwrap();
    assert_eq!(
        decoded(&latest),
        std::fs::read(samples().join("Belfoldi termekertekesites.xml")).unwrap()
    );

    // The customer of that invoice sees it INBOUND.
    let customer = sim
        .taxpayers()
        .into_iter()
        .find(|t| t.tax_number == "99887764")
        .expect("the samples' customer has a technical user");
    let raw = Raw::new(sim.base_url(), customer);
    let inbound = raw
        .call(
            "queryInvoiceDigest",
            &digest_body(1, "INBOUND", &window, ""),
        )
        .await;
    assert!(
        inbound
            .tags("invoiceNumber")
            .contains(&"2021/00345".to_owned())
    );
    sim.shutdown().await;
}
