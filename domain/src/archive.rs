//! The archive's key layout, shared by every archive so a person can browse any of them:
//! `{taxpayer}/{direction}/{yyyy}/{mm}/{supplier}_{invoice number}[_{batch index}].xml`.

use chrono::{Datelike, NaiveDate};

use crate::invoice::InvoiceKey;

/// The archive key of an invoice's original document, by its issue date.
///
/// Invoice numbers may hold `/` and other characters that mean something in a path; every
/// byte outside `[A-Za-z0-9._-]` is percent-encoded, so keys are unique and safe as file names.
pub fn document_key(key: &InvoiceKey, issue_date: NaiveDate) -> String {
    let mut name = String::new();
    for b in key.id.invoice_number.as_str().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            name.push(b as char);
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    let batch = key
        .id
        .batch_index
        .map(|i| format!("_{i}"))
        .unwrap_or_default();
    format!(
        "{}/{}/{:04}/{:02}/{}_{}{}.xml",
        key.taxpayer,
        key.id.direction.as_str(),
        issue_date.year(),
        issue_date.month(),
        key.id.supplier_tax_number,
        name,
        batch
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::{Direction, InvoiceId};

    fn key(number: &str, batch: Option<u32>) -> InvoiceKey {
        InvoiceKey {
            taxpayer: "11111111".parse().unwrap(),
            id: InvoiceId {
                direction: Direction::Inbound,
                supplier_tax_number: "99999999".parse().unwrap(),
                invoice_number: number.parse().unwrap(),
                batch_index: batch,
            },
        }
    }

    #[test]
    fn layout_is_browsable_and_path_safe() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 9).unwrap();
        assert_eq!(
            document_key(&key("SZ/2024/001", None), date),
            "11111111/INBOUND/2024/03/99999999_SZ%2F2024%2F001.xml"
        );
        assert_eq!(
            document_key(&key("A B..ő", Some(2)), date),
            "11111111/INBOUND/2024/03/99999999_A%20B..%C5%91_2.xml"
        );
    }

    #[test]
    fn distinct_numbers_get_distinct_keys() {
        let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_ne!(
            document_key(&key("A/B", None), date),
            document_key(&key("A%2FB", None), date)
        );
    }
}
