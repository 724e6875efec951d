//! An electronic invoice (`completenessIndicator` true) is served with its
//! `electronicInvoiceHash`, and navsync's client checks it over the data as served: verified
//! when it matches, not verified (still served, never refused) under the wrong-hash drill.

use chrono::Utc;
use navsync_domain::ports::NavSource;
use navsync_domain::{Direction, InvoiceId, NavCredentials, Secret};
use navsync_nav::client::SoftwareOperation;
use navsync_nav::{ClientConfig, Endpoint, NavClient, Software};
use navsync_nav_sim::{Faults, SimConfig};

const SAMPLE: &str = "Belfoldi termekertekesites.xml";

/// A folder holding one official sample, turned into an electronic invoice.
fn electronic_sample_dir(name: &str) -> std::path::PathBuf {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/nav/invoice-samples")
        .join(SAMPLE);
    let source = if shared.exists() {
        shared
    } else {
        std::path::Path::new("/work/shared/nav/invoice-samples").join(SAMPLE)
    };
    let xml = std::fs::read_to_string(&source)
        .unwrap_or_else(|e| panic!("the official sample {}: {e}", source.display()));
    let electronic = xml.replace(
        "<completenessIndicator>false</completenessIndicator>",
        "<completenessIndicator>true</completenessIndicator>",
    );
    assert_ne!(
        xml, electronic,
        "the sample states its completenessIndicator"
    );
    let dir = std::env::temp_dir().join(format!("navsync-ehash-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("electronic.xml"), electronic).unwrap();
    dir
}

/// The hash as navsync's client reads and checks it from a simulator with `wrong_hash_share`.
async fn served_hash(name: &str, wrong_hash_share: f64) -> navsync_domain::ElectronicInvoiceHash {
    let dir = electronic_sample_dir(name);
    let mut config = SimConfig::new(7, 0, Utc::now());
    config.invoice_dirs = vec![dir.clone()];
    config.faults = Faults {
        wrong_hash_share,
        ..Faults::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = navsync_nav_sim::start(config, listener).await.unwrap();
    let supplier = sim
        .taxpayers()
        .into_iter()
        .find(|t| t.tax_number == "99999999")
        .expect("the sample's supplier has a technical user");
    let software = Software::navsync(SoftwareOperation::LocalSoftware);
    let mut client_config = ClientConfig::new(Endpoint::custom(&sim.base_url()).unwrap(), software);
    client_config.min_request_interval = None;
    let client = NavClient::new(client_config).unwrap();
    let credentials = NavCredentials {
        tax_number: supplier.tax_number.parse().unwrap(),
        login: supplier.login.clone(),
        password: Secret::new(supplier.password.clone()),
        sign_key: Secret::new(supplier.sign_key.clone()),
        exchange_key: Secret::new(supplier.exchange_key.clone()),
    };
    let id = InvoiceId {
        direction: Direction::Outbound,
        supplier_tax_number: "99999999".parse().unwrap(),
        invoice_number: "2021/000123".parse().unwrap(),
        batch_index: None,
    };
    let document = client
        .invoice_data(&credentials, &id)
        .await
        .expect("the electronic invoice is served and read");
    assert!(document.invoice.completeness_indicator);
    std::fs::remove_dir_all(dir).unwrap();
    document
        .electronic_invoice_hash
        .expect("an electronic invoice carries its hash")
}

#[tokio::test]
async fn a_correct_electronic_invoice_hash_is_verified() {
    let hash = served_hash("right", 0.0).await;
    assert_eq!(hash.crypto_type, "SHA3-512");
    assert_eq!(hash.value.len(), 128);
    assert_eq!(hash.verified, Some(true));
}

#[tokio::test]
async fn a_wrong_electronic_invoice_hash_is_read_but_not_verified() {
    let hash = served_hash("wrong", 1.0).await;
    assert_eq!(hash.crypto_type, "SHA3-512");
    assert_eq!(hash.verified, Some(false));
}
