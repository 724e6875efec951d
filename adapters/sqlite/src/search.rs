//! An [`InvoiceQuery`] as SQL over the `invoice` table: every filter in the WHERE clause, so
//! LIMIT counts matches only, and the listing order as an index range (keyset pagination).

use chrono::Datelike;
use navsync_domain::query::{InvoiceQuery, SortOrder};
use rusqlite::types::Value;

use crate::amount::{DEC_CMP, minor_units};
use crate::cursor::Position;

/// A WHERE clause with its positional parameters.
pub(crate) struct Filter {
    pub clauses: Vec<String>,
    pub params: Vec<Value>,
}

impl Filter {
    fn push(&mut self, clause: impl Into<String>, params: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause.into());
        self.params.extend(params);
    }

    pub fn sql(&self) -> String {
        self.clauses.join(" AND ")
    }
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

pub(crate) fn day_number(date: chrono::NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

/// The smallest string above every string that starts with `prefix`, in SQLite's BINARY
/// (byte-wise) order: the prefix with its last char incremented. UTF-8 orders bytes as code
/// points and no char lies between `c` and its successor, so `[prefix, upper)` holds exactly
/// the strings with that prefix. `None`: no upper bound (every char is `char::MAX`).
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Every filter of `query` (not its cursor).
pub(crate) fn filter(query: &InvoiceQuery) -> Filter {
    let mut f = Filter {
        clauses: Vec::new(),
        params: Vec::new(),
    };
    f.push(
        "taxpayer = ? AND direction = ?",
        [
            text(query.taxpayer.as_str()),
            text(query.direction.as_str()),
        ],
    );
    if let Some(d) = query.issue_date_from {
        f.push("issue_date >= ?", [Value::Integer(day_number(d))]);
    }
    if let Some(d) = query.issue_date_to {
        f.push("issue_date <= ?", [Value::Integer(day_number(d))]);
    }
    if let Some(t) = query.partner_tax_number {
        f.push("partner_tax = ?", [text(t.as_str())]);
    }
    if let Some(name) = &query.partner_name {
        // instr, not LIKE: the name may hold % or _, and both sides are lowercased in Rust
        // exactly as InvoiceQuery::matches does.
        f.push("instr(partner_name_lc, ?) > 0", [text(name.to_lowercase())]);
    }
    if let Some(prefix) = query
        .invoice_number_prefix
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        f.push("invoice_number >= ?", [text(prefix)]);
        if let Some(upper) = prefix_upper_bound(prefix) {
            f.push("invoice_number < ?", [text(upper)]);
        }
    }
    if let Some(min) = query.min_gross_huf {
        let m = minor_units(min);
        f.push(
            format!(
                "gross_huf_minor >= ? AND (gross_huf_minor > ? OR {DEC_CMP}(gross_huf, ?) >= 0)"
            ),
            [Value::Integer(m), Value::Integer(m), text(min.to_string())],
        );
    }
    if let Some(max) = query.max_gross_huf {
        let m = minor_units(max);
        f.push(
            format!(
                "gross_huf_minor <= ? AND (gross_huf_minor < ? OR {DEC_CMP}(gross_huf, ?) <= 0)"
            ),
            [Value::Integer(m), Value::Integer(m), text(max.to_string())],
        );
    }
    if let Some(c) = &query.currency {
        f.push("currency = ?", [text(c.clone())]);
    }
    if let Some(c) = query.category {
        f.push("category = ?", [text(c.as_str())]);
    }
    if let Some(p) = query.payment_method {
        f.push("payment_method = ?", [text(p.as_str())]);
    }
    if let Some(o) = query.operation {
        f.push("operation = ?", [text(o.as_str())]);
    }
    f
}

/// Rows after `position` in the query's order.
pub(crate) fn after(f: &mut Filter, order: SortOrder, position: Position) {
    let op = match order {
        SortOrder::NewestFirst => "<",
        SortOrder::OldestFirst => ">",
    };
    f.push(
        format!("(issue_date, invoice_number, supplier, batch) {op} (?, ?, ?, ?)"),
        [
            Value::Integer(i64::from(position.issue_date)),
            text(position.invoice_number),
            text(position.supplier),
            Value::Integer(position.batch),
        ],
    );
}

pub(crate) fn order_by(order: SortOrder) -> &'static str {
    match order {
        SortOrder::NewestFirst => {
            "ORDER BY issue_date DESC, invoice_number DESC, supplier DESC, batch DESC"
        }
        SortOrder::OldestFirst => "ORDER BY issue_date, invoice_number, supplier, batch",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_bounds_hold_exactly_the_prefixed_strings() {
        assert_eq!(prefix_upper_bound("SZ-2024/"), Some("SZ-20240".into()));
        assert_eq!(prefix_upper_bound("Ő"), Some("ő".into()));
        assert_eq!(prefix_upper_bound("a\u{D7FF}"), Some("a\u{E000}".into()));
        assert_eq!(
            prefix_upper_bound(&format!("a{}", char::MAX)),
            Some("b".into())
        );
        assert_eq!(prefix_upper_bound(&char::MAX.to_string()), None);
    }
}
