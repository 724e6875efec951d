//! How invoices and sync state map to items. The README lists the attributes and the access
//! pattern each serves.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use navsync_domain::ports::RepoError;
use navsync_domain::query::InvoiceSummary;
use navsync_domain::sync::chain_root;
use navsync_domain::{Direction, InvoiceKey, InvoiceRecord, ReportId, TaxpayerId};

pub(crate) type Item = HashMap<String, AttributeValue>;

/// Separates parts of composite sort keys. XML 1.0 cannot carry U+0001, so no invoice number
/// holds it, and it sorts below every character that can: "A" sorts before "AB" as strings do.
pub(crate) const SEP: char = '\u{1}';

pub(crate) const INVOICE_SCHEMA: &str = "1";

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn tp_dir(taxpayer: TaxpayerId, direction: Direction) -> String {
    format!("{taxpayer}#{}", direction.as_str())
}

/// The table key of an invoice: the number is the last part of `pk`, so no separator inside it
/// can make two identities collide.
pub(crate) fn invoice_pk(key: &InvoiceKey) -> String {
    format!(
        "INV#{}#{}#{}",
        tp_dir(key.taxpayer, key.id.direction),
        key.id.supplier_tax_number,
        key.id.invoice_number
    )
}

pub(crate) fn invoice_sk(key: &InvoiceKey) -> String {
    match key.id.batch_index {
        None => "B#".to_owned(),
        Some(i) => format!("B#{i:010}"),
    }
}

/// Sort key prefix of the superseded versions of an invoice (beside its current item, under
/// the same `pk`; they carry no index attributes, so no listing sees them).
pub(crate) fn version_sk_prefix(key: &InvoiceKey) -> String {
    format!("V#{}#", batch_part(key))
}

pub(crate) fn version_sk(key: &InvoiceKey, report: &ReportId) -> String {
    format!("{}{report}", version_sk_prefix(key))
}

/// Attributes a superseded version's item keeps of [`encode`]'s: the record and the keys.
pub(crate) const VERSION_ATTRIBUTES: [&str; 5] = ["pk", "schema", "doc", "doc_ref", "doc_sha256"];

pub(crate) fn invoice_pk_prefix(taxpayer: TaxpayerId, direction: Direction) -> String {
    format!("INV#{}#", tp_dir(taxpayer, direction))
}

fn batch_part(key: &InvoiceKey) -> String {
    key.id
        .batch_index
        .map(|i| format!("{i:010}"))
        .unwrap_or_default()
}

/// Sort key of the date-ordered indexes: issue date, then number, supplier and batch.
pub(crate) fn date_sort(key: &InvoiceKey, issue_date: chrono::NaiveDate) -> String {
    format!(
        "{issue_date}{SEP}{}{SEP}{}{SEP}{}",
        key.id.invoice_number,
        key.id.supplier_tax_number,
        batch_part(key)
    )
}

fn number_sort(key: &InvoiceKey) -> String {
    format!(
        "{}{SEP}{}{SEP}{}",
        key.id.invoice_number,
        key.id.supplier_tax_number,
        batch_part(key)
    )
}

pub(crate) fn chain_pk(
    taxpayer: TaxpayerId,
    direction: Direction,
    supplier: TaxpayerId,
    root: &str,
) -> String {
    format!("{}#{supplier}#{root}", tp_dir(taxpayer, direction))
}

pub(crate) fn sync_pk(taxpayer: TaxpayerId, direction: Direction) -> String {
    format!("SYNC#{}", tp_dir(taxpayer, direction))
}

pub(crate) const SYNC_SK: &str = "STATE";

/// Quarantined invoices live beside the state, one item each.
pub(crate) const PENDING_SK_PREFIX: &str = "PENDING#";

/// The sort key of a quarantined invoice: the number last, so a `#` in it cannot collide.
pub(crate) fn pending_sk(key: &InvoiceKey) -> String {
    format!(
        "{PENDING_SK_PREFIX}{}#{}#{}",
        key.id.supplier_tax_number,
        batch_part(key),
        key.id.invoice_number
    )
}

/// An encoded invoice: the item, and the full record as JSON (inline in `doc` unless it is
/// moved to the overflow store).
pub(crate) struct Encoded {
    pub item: Item,
    pub doc: Vec<u8>,
}

pub(crate) fn encode(record: &InvoiceRecord) -> Result<Encoded, RepoError> {
    let key = &record.key;
    let summary = InvoiceSummary::from(record);
    let mut item = Item::new();
    item.insert("pk".into(), s(invoice_pk(key)));
    item.insert("sk".into(), s(invoice_sk(key)));
    item.insert("schema".into(), s(INVOICE_SCHEMA));
    item.insert("report_id".into(), s(record.digest.report_id().as_str()));
    item.insert(
        "ins_date".into(),
        s(record
            .digest
            .ins_date
            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)),
    );
    item.insert("gsi1pk".into(), s(tp_dir(key.taxpayer, key.id.direction)));
    item.insert("gsi1sk".into(), s(date_sort(key, summary.issue_date)));
    item.insert("gsi3sk".into(), s(number_sort(key)));
    if let Some(partner) = summary.partner_tax_number {
        item.insert(
            "gsi2pk".into(),
            s(format!(
                "{}#{partner}",
                tp_dir(key.taxpayer, key.id.direction)
            )),
        );
        item.insert("partner_tax".into(), s(partner.to_string()));
    }
    item.insert(
        "chainpk".into(),
        s(chain_pk(
            key.taxpayer,
            key.id.direction,
            key.id.supplier_tax_number,
            chain_root(record).as_str(),
        )),
    );
    item.insert("issue_date".into(), s(summary.issue_date.to_string()));
    item.insert("invoice_number".into(), s(key.id.invoice_number.as_str()));
    item.insert(
        "gross_huf".into(),
        AttributeValue::N(summary.totals.gross_huf.normalize().to_string()),
    );
    item.insert("currency".into(), s(&summary.currency));
    item.insert("category".into(), s(summary.category.as_str()));
    if let Some(p) = summary.payment_method {
        item.insert("payment_method".into(), s(p.as_str()));
    }
    item.insert("operation".into(), s(summary.operation.as_str()));
    if let Some(name) = &summary.partner_name {
        // Lower-cased here so the index can do `InvoiceQuery::matches`' case-insensitive match.
        item.insert("partner_name_lc".into(), s(name.to_lowercase()));
    }
    let summary_json = serde_json::to_string(&summary).map_err(|e| {
        RepoError::Invalid(format!(
            "invoice {} does not serialize: {e}",
            key.id.invoice_number
        ))
    })?;
    item.insert("summary".into(), s(summary_json));
    let doc = serde_json::to_vec(record).map_err(|e| {
        RepoError::Invalid(format!(
            "invoice {} does not serialize: {e}",
            key.id.invoice_number
        ))
    })?;
    Ok(Encoded { item, doc })
}

pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, RepoError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(RepoError::Corrupt(format!(
            "item {} has no string attribute {name}",
            item.get("pk")
                .and_then(|v| v.as_s().ok())
                .map_or("?", String::as_str)
        ))),
    }
}

pub(crate) fn decode_summary(item: &Item) -> Result<InvoiceSummary, RepoError> {
    let json = get_s(item, "summary")?;
    serde_json::from_str(json).map_err(|e| {
        RepoError::Corrupt(format!(
            "invoice summary of {} unreadable: {e}",
            get_s(item, "pk").unwrap_or("?")
        ))
    })
}

/// Approximate item size as DynamoDB counts it: attribute names plus values.
pub(crate) fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(k, v)| {
            k.len()
                + match v {
                    AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
                    AttributeValue::B(b) => b.as_ref().len(),
                    _ => 16,
                }
        })
        .sum()
}
