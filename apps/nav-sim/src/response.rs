//! NAV's response documents (invoiceApi.xsd, common.xsd), written as strings with escaping.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use navsync_domain::InvoiceDigest;

use crate::generator::Company;
use crate::invoice_xml::el;
use crate::request::Operation;
use crate::store::{Page, StoredInvoice};
use crate::xml_tree::{NS_API, NS_BASE, NS_COMMON, escape};

/// The software block of the simulator's own answers when a request's could not be read.
const SIM_SOFTWARE: [(&str, &str); 7] = [
    ("softwareId", "NAVSYNCSIM00000001"),
    ("softwareName", "navsync NAV simulator"),
    ("softwareOperation", "ONLINE_SERVICE"),
    ("softwareMainVersion", "1.0"),
    ("softwareDevName", "navsync"),
    ("softwareDevContact", "navsync@example.invalid"),
    ("softwareDevCountryCode", "HU"),
];

pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Header, result and software of every business response; `body` follows them.
pub struct Envelope<'a> {
    pub request_id: &'a str,
    pub now: DateTime<Utc>,
    pub software: &'a [(String, String)],
}

impl Envelope<'_> {
    fn open(&self, x: &mut String, root: &str) {
        x.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        let _ = write!(
            x,
            r#"<{root} xmlns="{NS_API}" xmlns:common="{NS_COMMON}" xmlns:base="{NS_BASE}">"#
        );
        x.push_str("<common:header>");
        el(x, "common:requestId", self.request_id);
        el(x, "common:timestamp", &timestamp(self.now));
        el(x, "common:requestVersion", "3.0");
        el(x, "common:headerVersion", "1.0");
        x.push_str("</common:header>");
    }

    fn software(&self, x: &mut String) {
        x.push_str("<software>");
        if self.software.is_empty() {
            for (k, v) in SIM_SOFTWARE {
                el(x, k, v);
            }
        } else {
            for (k, v) in self.software {
                el(x, k, v);
            }
        }
        x.push_str("</software>");
    }

    /// A successful response of `op` with its operation-specific `body`.
    pub fn ok(&self, op: Operation, body: &str) -> String {
        let mut x = String::with_capacity(1024 + body.len());
        self.open(&mut x, op.response_root());
        x.push_str("<common:result><common:funcCode>OK</common:funcCode></common:result>");
        self.software(&mut x);
        x.push_str(body);
        let _ = write!(x, "</{}>", op.response_root());
        x
    }

    /// `GeneralErrorResponse` with NAV's errorCode and, for schema violations, the messages.
    pub fn error(&self, code: &str, message: &str, validation: &[String]) -> String {
        let mut x = String::with_capacity(1024);
        self.open(&mut x, "GeneralErrorResponse");
        x.push_str("<common:result><common:funcCode>ERROR</common:funcCode>");
        el(&mut x, "common:errorCode", code);
        el(&mut x, "common:message", message);
        x.push_str("</common:result>");
        self.software(&mut x);
        for m in validation.iter().take(100) {
            x.push_str("<technicalValidationMessages>");
            el(&mut x, "common:validationResultCode", "ERROR");
            el(&mut x, "common:validationErrorCode", "SCHEMA_VIOLATION");
            let m: String = m.chars().take(1000).collect();
            el(&mut x, "common:message", &m);
            x.push_str("</technicalValidationMessages>");
        }
        x.push_str("</GeneralErrorResponse>");
        x
    }
}

/// `GeneralExceptionResponse`: NAV's answer to a body it cannot read as XML at all.
pub fn exception(code: &str, message: &str) -> String {
    let message: String = message.chars().take(1000).collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><GeneralExceptionResponse xmlns="{NS_COMMON}"><funcCode>ERROR</funcCode><errorCode>{}</errorCode><message>{}</message></GeneralExceptionResponse>"#,
        escape(code),
        escape(&message)
    )
}

fn opt(x: &mut String, tag: &str, v: Option<impl ToString>) {
    if let Some(v) = v {
        el(x, tag, &v.to_string());
    }
}

fn money(d: rust_decimal::Decimal) -> String {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_string()
}

pub fn digest_body(page: &Page<'_>) -> String {
    let mut x = String::with_capacity(256 + page.items.len() * 1200);
    x.push_str("<invoiceDigestResult>");
    el(&mut x, "currentPage", &page.current.to_string());
    el(&mut x, "availablePage", &page.available.to_string());
    for s in &page.items {
        digest(&mut x, &s.digest());
    }
    x.push_str("</invoiceDigestResult>");
    x
}

fn digest(x: &mut String, d: &InvoiceDigest) {
    x.push_str("<invoiceDigest>");
    el(x, "invoiceNumber", d.invoice_number.as_str());
    opt(x, "batchIndex", d.batch_index);
    el(x, "invoiceOperation", d.operation.as_str());
    el(x, "invoiceCategory", d.category.as_str());
    el(x, "invoiceIssueDate", &d.issue_date.to_string());
    el(x, "supplierTaxNumber", d.supplier_tax_number.as_str());
    opt(
        x,
        "supplierGroupMemberTaxNumber",
        d.supplier_group_member_tax_number,
    );
    el(x, "supplierName", &d.supplier_name);
    opt(x, "customerTaxNumber", d.customer_tax_number);
    opt(
        x,
        "customerGroupMemberTaxNumber",
        d.customer_group_member_tax_number,
    );
    opt(x, "customerName", d.customer_name.as_deref());
    opt(x, "paymentMethod", d.payment_method.map(|p| p.as_str()));
    opt(x, "paymentDate", d.payment_date);
    opt(x, "invoiceAppearance", d.appearance.as_deref());
    opt(x, "source", d.source.as_deref());
    opt(x, "invoiceDeliveryDate", d.delivery_date);
    opt(x, "currency", d.currency.as_deref());
    opt(x, "invoiceNetAmount", d.net_amount.map(money));
    opt(x, "invoiceNetAmountHUF", d.net_amount_huf.map(money));
    opt(x, "invoiceVatAmount", d.vat_amount.map(money));
    opt(x, "invoiceVatAmountHUF", d.vat_amount_huf.map(money));
    opt(x, "transactionId", d.transaction_id.as_deref());
    opt(x, "index", d.index);
    opt(
        x,
        "originalInvoiceNumber",
        d.original_invoice_number.as_ref().map(|n| n.as_str()),
    );
    opt(x, "modificationIndex", d.modification_index);
    el(x, "insDate", &timestamp(d.ins_date));
    opt(x, "completenessIndicator", d.completeness_indicator);
    x.push_str("</invoiceDigest>");
}

/// `invoiceDataResult`: the document in base64 (gzip first when it was reported compressed).
/// `batch_index` is the query's: a batch document is answered whole, its part named only when
/// the query named one.
///
/// An electronic invoice (`completenessIndicator` true) carries `electronicInvoiceHash`: the
/// upper-case SHA3-512 of the base64 as served (spec 1.8.5.2 note 2); `wrong_hash` serves a
/// corrupted one instead, for the wrong-hash drill.
pub fn data_body(s: &StoredInvoice, batch_index: Option<u32>, wrong_hash: bool) -> String {
    use base64::Engine as _;
    let doc = s.document();
    let payload = if s.compressed {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&doc).expect("writing to memory");
        gz.finish().expect("writing to memory")
    } else {
        doc.to_vec()
    };
    let mut x = String::with_capacity(payload.len() * 4 / 3 + 512);
    let data = base64::engine::general_purpose::STANDARD.encode(payload);
    x.push_str("<invoiceDataResult>");
    el(&mut x, "invoiceData", &data);
    x.push_str("<auditData>");
    el(&mut x, "insdate", &timestamp(s.ins_date));
    el(&mut x, "insCusUser", &s.ins_cus_user);
    el(&mut x, "source", "XML");
    el(&mut x, "transactionId", &s.transaction_id);
    el(&mut x, "index", &s.index.to_string());
    opt(&mut x, "batchIndex", batch_index);
    el(
        &mut x,
        "originalRequestVersion",
        &s.original_request_version,
    );
    x.push_str("</auditData>");
    el(
        &mut x,
        "compressedContentIndicator",
        if s.compressed { "true" } else { "false" },
    );
    if s.invoice.completeness_indicator {
        use sha3::{Digest, Sha3_512};
        let mut hasher = Sha3_512::new();
        hasher.update(data.as_bytes());
        if wrong_hash {
            hasher.update(b"tampered");
        }
        let hash: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        let _ = write!(
            x,
            "<electronicInvoiceHash cryptoType=\"SHA3-512\">{hash}</electronicInvoiceHash>"
        );
    }
    x.push_str("</invoiceDataResult>");
    x
}

pub fn check_body(found: bool) -> String {
    format!("<invoiceCheckResult>{found}</invoiceCheckResult>")
}

pub fn chain_body(page: &Page<'_>) -> String {
    let mut x = String::with_capacity(256 + page.items.len() * 800);
    x.push_str("<invoiceChainDigestResult>");
    el(&mut x, "currentPage", &page.current.to_string());
    el(&mut x, "availablePage", &page.available.to_string());
    for s in &page.items {
        let inv = &s.invoice;
        x.push_str("<invoiceChainElement><invoiceChainDigest>");
        el(&mut x, "invoiceNumber", inv.invoice_number.as_str());
        opt(&mut x, "batchIndex", inv.batch_index);
        el(&mut x, "invoiceOperation", s.operation.as_str());
        el(
            &mut x,
            "supplierTaxNumber",
            s.supplier_id()
                .map(|t| t.to_string())
                .as_deref()
                .unwrap_or("00000000"),
        );
        opt(&mut x, "customerTaxNumber", s.customer_id());
        el(&mut x, "insDate", &timestamp(s.ins_date));
        el(
            &mut x,
            "originalRequestVersion",
            &s.original_request_version,
        );
        x.push_str("</invoiceChainDigest>");
        if let Some(max) = inv.lines.iter().map(|l| l.number).max() {
            x.push_str("<invoiceLines>");
            el(&mut x, "maxLineNumber", &max.to_string());
            if inv.modification.is_some() {
                for (start, end) in created_intervals(inv) {
                    x.push_str("<newCreatedLines>");
                    el(&mut x, "lineNumberIntervalStart", &start.to_string());
                    el(&mut x, "lineNumberIntervalEnd", &end.to_string());
                    x.push_str("</newCreatedLines>");
                }
            }
            x.push_str("</invoiceLines>");
        }
        if let Some(m) = &inv.modification {
            x.push_str("<invoiceReferenceData>");
            el(
                &mut x,
                "originalInvoiceNumber",
                m.original_invoice_number.as_str(),
            );
            el(
                &mut x,
                "modifyWithoutMaster",
                if m.modify_without_master {
                    "true"
                } else {
                    "false"
                },
            );
            el(
                &mut x,
                "modificationIndex",
                &m.modification_index.to_string(),
            );
            x.push_str("</invoiceReferenceData>");
        }
        x.push_str("</invoiceChainElement>");
    }
    x.push_str("</invoiceChainDigestResult>");
    x
}

/// Contiguous runs of line numbers whose line operation is CREATE.
fn created_intervals(inv: &navsync_domain::Invoice) -> Vec<(u32, u32)> {
    let mut created: Vec<u32> = inv
        .lines
        .iter()
        .filter(|l| {
            l.modification
                .as_ref()
                .is_some_and(|m| m.operation == navsync_domain::InvoiceOperation::Create)
        })
        .map(|l| l.number)
        .collect();
    created.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for n in created {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => out.push((n, n)),
        }
    }
    out
}

pub fn taxpayer_body(now: DateTime<Utc>, company: Option<&Company>) -> String {
    let mut x = String::with_capacity(1024);
    el(&mut x, "infoDate", &timestamp(now));
    let Some(c) = company else {
        x.push_str("<taxpayerValidity>false</taxpayerValidity>");
        return x;
    };
    x.push_str("<taxpayerValidity>true</taxpayerValidity><taxpayerData>");
    el(&mut x, "taxpayerName", &c.name);
    el(&mut x, "taxpayerShortName", &c.short_name);
    x.push_str("<taxNumberDetail>");
    if let Some(tn) = &c.tax_number {
        el(&mut x, "base:taxpayerId", tn.taxpayer_id.as_str());
        opt(&mut x, "base:vatCode", tn.vat_code);
        opt(&mut x, "base:countyCode", tn.county_code.as_deref());
    }
    x.push_str("</taxNumberDetail>");
    el(&mut x, "incorporation", "ORGANIZATION");
    x.push_str("<taxpayerAddressList><taxpayerAddressItem>");
    el(&mut x, "taxpayerAddressType", "HQ");
    x.push_str("<taxpayerAddress>");
    el(&mut x, "base:countryCode", &c.country_code);
    el(&mut x, "base:postalCode", &c.postal_code);
    el(&mut x, "base:city", &c.city);
    el(&mut x, "base:streetName", &c.street_name);
    el(&mut x, "base:publicPlaceCategory", &c.public_place_category);
    el(&mut x, "base:number", &c.number);
    x.push_str("</taxpayerAddress></taxpayerAddressItem></taxpayerAddressList>");
    x.push_str("</taxpayerData>");
    x
}
