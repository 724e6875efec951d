//! The archive's key layout, shared by every archive so a person can browse any of them:
//! `{taxpayer}/{direction}/{yyyy}/{mm}/{supplier}_{invoice number}[_{batch index}].xml`, and
//! for a further version of an invoice (a resubmission, see [`crate::InvoiceId`])
//! `…[_{batch index}]@{report id}.xml`, so no version overwrites another.

use chrono::{Datelike, NaiveDate};

use crate::invoice::{InvoiceKey, ReportId};

/// The archive key of an invoice's original document, by its issue date.
///
/// Invoice numbers may hold `/` and other characters that mean something in a path; every
/// byte outside `[A-Za-z0-9._-]` is percent-encoded, so keys are unique and safe as file names.
pub fn document_key(key: &InvoiceKey, issue_date: NaiveDate) -> String {
    let name = path_safe(key.id.invoice_number.as_str());
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

/// The archive key of a further version of an invoice: [`document_key`] with `@{report id}`
/// before `.xml`. `@` never appears unencoded in an invoice number's part, so these keys
/// cannot meet a first version's.
pub fn version_document_key(key: &InvoiceKey, issue_date: NaiveDate, report: &ReportId) -> String {
    let plain = document_key(key, issue_date);
    let stem = plain.strip_suffix(".xml").unwrap_or(&plain);
    format!("{stem}@{}.xml", path_safe(report.as_str()))
}

/// Every byte outside `[A-Za-z0-9._-]` percent-encoded.
fn path_safe(s: &str) -> String {
    let mut name = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            name.push(b as char);
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    name
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
    fn a_further_version_has_its_own_key() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 9).unwrap();
        let report = ReportId::new(Some("2UV5+VQB"), Some(2), chrono::Utc::now());
        assert_eq!(
            version_document_key(&key("SZ/1", Some(3)), date, &report),
            "11111111/INBOUND/2024/03/99999999_SZ%2F1_3@2UV5%2BVQB%2F2.xml"
        );
        let web = ReportId::new(None, None, "2024-03-09T10:11:12.5Z".parse().unwrap());
        assert_eq!(
            version_document_key(&key("A", None), date, &web),
            "11111111/INBOUND/2024/03/99999999_A@%402024-03-09T10%3A11%3A12.500Z.xml"
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
