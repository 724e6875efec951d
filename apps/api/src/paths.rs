//! The API's own URLs, built in one place so `href`s and routes agree.

use navsync_domain::InvoiceKey;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986 unreserved characters is encoded, `/` included: an invoice number
/// stays one path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn tail(key: &InvoiceKey) -> String {
    let batch = key
        .id
        .batch_index
        .map(|b| format!("?batch={b}"))
        .unwrap_or_default();
    format!(
        "{}/{}/{}{}",
        key.id.direction.as_str(),
        key.id.supplier_tax_number,
        utf8_percent_encode(key.id.invoice_number.as_str(), SEGMENT),
        batch
    )
}

pub fn invoice(key: &InvoiceKey) -> String {
    format!("/v1/taxpayers/{}/invoices/{}", key.taxpayer, tail(key))
}

pub fn document(key: &InvoiceKey) -> String {
    format!("/v1/taxpayers/{}/documents/{}", key.taxpayer, tail(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use navsync_domain::{Direction, InvoiceId};

    #[test]
    fn invoice_numbers_stay_one_segment() {
        let key = InvoiceKey {
            taxpayer: "12345676".parse().unwrap(),
            id: InvoiceId {
                direction: Direction::Outbound,
                supplier_tax_number: "12345676".parse().unwrap(),
                invoice_number: "SZ/2024 ő?1".parse().unwrap(),
                batch_index: Some(2),
            },
        };
        assert_eq!(
            invoice(&key),
            "/v1/taxpayers/12345676/invoices/OUTBOUND/12345676/SZ%2F2024%20%C5%91%3F1?batch=2"
        );
    }
}
