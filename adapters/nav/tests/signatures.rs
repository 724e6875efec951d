//! The official sample requests are test vectors: each query/token sample carries its signing
//! key in a comment, and its requestSignature must reproduce from requestId, timestamp and key.
//! Where the client can build the same request, the signature it writes must match too.

mod fake_nav;

use chrono::{DateTime, Utc};
use fake_nav::{element, nav_dir};
use navsync_domain::{Direction, NavCredentials, RequestId, Secret};
use navsync_nav::client::{
    InvoiceChainQuery, InvoiceNumberQuery, MandatoryQuery, QueryRequest, request_signature,
};

/// The nine samples whose signature is the plain requestId + timestamp + key hash.
const SAMPLES: [&str; 9] = [
    "queryInvoiceChainDigest.xml",
    "queryInvoiceCheck.xml",
    "queryInvoiceData.xml",
    "queryInvoiceDigest_inbound_invoice_chain.xml",
    "queryInvoiceDigest_outbound_query_params.xml",
    "queryTaxpayer.xml",
    "queryTransactionList.xml",
    "queryTransactionStatus.xml",
    "tokenExchange.xml",
];

struct Sample {
    request_id: String,
    timestamp: DateTime<Utc>,
    sign_key: String,
    signature: String,
    password_hash: String,
    login: String,
    tax_number: String,
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> &'a str {
    let start = s.find(open).unwrap_or_else(|| panic!("no {open}")) + open.len();
    let end = s[start..].find(close).unwrap() + start;
    &s[start..end]
}

fn sample(name: &str) -> Sample {
    let xml = std::fs::read_to_string(nav_dir().join("api-samples").join(name)).unwrap();
    Sample {
        request_id: element(&xml, "common:requestId").unwrap().to_owned(),
        timestamp: element(&xml, "common:timestamp").unwrap().parse().unwrap(),
        sign_key: between(&xml, "<!--<signKey>", "</signKey>-->").to_owned(),
        signature: between(
            &xml,
            r#"<common:requestSignature cryptoType="SHA3-512">"#,
            "<",
        )
        .to_owned(),
        password_hash: between(&xml, r#"<common:passwordHash cryptoType="SHA-512">"#, "<")
            .to_owned(),
        login: element(&xml, "common:login").unwrap().to_owned(),
        tax_number: element(&xml, "common:taxNumber").unwrap().to_owned(),
    }
}

#[test]
fn all_nine_official_signatures_reproduce_from_their_sign_key() {
    for name in SAMPLES {
        let s = sample(name);
        assert_eq!(s.signature.len(), 128, "{name}");
        assert_eq!(
            request_signature(&s.request_id, s.timestamp, &s.sign_key),
            s.signature,
            "{name}"
        );
        // A wrong key must not reproduce it: the comparison is not vacuous.
        assert_ne!(
            request_signature(&s.request_id, s.timestamp, "other-key"),
            s.signature
        );
    }
}

/// The client, given a sample's id, timestamp and key, writes the sample's signature and
/// carries the password only as its upper-case SHA-512 hash. The samples do not reveal the
/// password, so its hash is checked for form here and for value in the unit tests.
#[test]
fn client_built_requests_carry_the_samples_signatures() {
    let cases: [(&str, QueryRequest); 5] = [
        (
            "queryInvoiceData.xml",
            QueryRequest::InvoiceData(InvoiceNumberQuery {
                invoice_number: "string".parse().unwrap(),
                direction: Direction::Inbound,
                batch_index: Some(3),
                supplier_tax_number: Some("22222222".parse().unwrap()),
            }),
        ),
        (
            "queryInvoiceCheck.xml",
            QueryRequest::InvoiceCheck(InvoiceNumberQuery {
                invoice_number: "string".parse().unwrap(),
                direction: Direction::Outbound,
                batch_index: None,
                supplier_tax_number: None,
            }),
        ),
        (
            "queryInvoiceChainDigest.xml",
            QueryRequest::InvoiceChainDigest {
                page: 1,
                query: InvoiceChainQuery {
                    invoice_number: "2019/1234".parse().unwrap(),
                    direction: Direction::Outbound,
                    tax_number: Some("22222222".parse().unwrap()),
                },
            },
        ),
        (
            "queryTaxpayer.xml",
            QueryRequest::Taxpayer("22222222".parse().unwrap()),
        ),
        (
            "queryInvoiceDigest_inbound_invoice_chain.xml",
            QueryRequest::InvoiceDigest {
                page: 1,
                direction: Direction::Inbound,
                params: MandatoryQuery::OriginalInvoiceNumber(
                    "05921263386905374149059212633869053741490592126355"
                        .parse()
                        .unwrap(),
                )
                .into(),
            },
        ),
    ];
    for (name, request) in cases {
        let s = sample(name);
        let creds = NavCredentials {
            tax_number: s.tax_number.parse().unwrap(),
            login: s.login.clone(),
            password: Secret::new("not-the-sample-password"),
            sign_key: Secret::new(s.sign_key.clone()),
            exchange_key: Secret::new("unused"),
        };
        let id: RequestId = s.request_id.parse().unwrap();
        let xml = request
            .to_xml(&creds, &fake_nav::software(), &id, s.timestamp)
            .unwrap();
        assert_eq!(
            between(
                &xml,
                r#"<common:requestSignature cryptoType="SHA3-512">"#,
                "<"
            ),
            s.signature,
            "{name}"
        );
        let hash = between(&xml, r#"<common:passwordHash cryptoType="SHA-512">"#, "<");
        assert_eq!(
            hash,
            navsync_nav::client::password_hash("not-the-sample-password")
        );
        assert!(
            hash.len() == 128
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        );
        assert_eq!(
            s.password_hash.len(),
            128,
            "{name}: sample hash has SHA-512's length"
        );
        assert!(!xml.contains("not-the-sample-password") && !xml.contains(&s.sign_key));
        fake_nav::assert_schema_valid(&xml);
    }
}
