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

/// How a page with an invoice number prefix is read. SQLite cannot tell how many numbers a
/// prefix covers, and either plan is slow in the other's case: ranging the number index and
/// sorting reads every match (a short prefix of a large taxpayer: 100,000s); walking the date
/// index in order checks every row until the page is full (a full invoice number: the whole
/// taxpayer). So the store first counts the prefix's numbers, up to [`PREFIX_PROBE_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrefixPlan {
    /// Few numbers: range the number index, sort what it yields.
    ByNumber,
    /// Many: walk the listing order, checking the number on each index entry.
    AlongDate,
}

/// Up to this many numbers under a prefix, a page sorts them (cheap); above, it walks the dates.
pub(crate) const PREFIX_PROBE_LIMIT: u32 = 2_000;

/// Counts the invoices under `query`'s number prefix, up to one past `limit`,
/// over the number index alone. `None` when the query has no prefix.
pub(crate) fn prefix_probe(query: &InvoiceQuery, limit: u32) -> Option<(String, Vec<Value>)> {
    let prefix = query
        .invoice_number_prefix
        .as_deref()
        .filter(|p| !p.is_empty())?;
    let mut params = vec![
        text(query.taxpayer.as_str()),
        text(query.direction.as_str()),
        text(prefix),
    ];
    let upper = match prefix_upper_bound(prefix) {
        Some(upper) => {
            params.push(text(upper));
            " AND invoice_number < ?"
        }
        None => "",
    };
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM invoice INDEXED BY invoice_by_number \
         WHERE taxpayer = ? AND direction = ? AND invoice_number >= ?{upper} LIMIT {})",
        limit + 1
    );
    Some((sql, params))
}

/// Every filter of `query` and, given the position its cursor holds, the rows after it in the
/// query's order.
pub(crate) fn filter(
    query: &InvoiceQuery,
    position: Option<Position>,
    prefix_plan: PrefixPlan,
) -> Filter {
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
    // One bound each way, the query's or the cursor's, whichever is tighter: SQLite ranges an
    // index over one bound each way, and the cursor's makes a later page start where the
    // previous one ended instead of walking past every earlier page.
    let cursor_day = position.as_ref().map(|p| i64::from(p.issue_date));
    let (cursor_from, cursor_to) = match query.order {
        SortOrder::NewestFirst => (None, cursor_day),
        SortOrder::OldestFirst => (cursor_day, None),
    };
    let from = [query.issue_date_from.map(day_number), cursor_from]
        .into_iter()
        .flatten()
        .max();
    let to = [query.issue_date_to.map(day_number), cursor_to]
        .into_iter()
        .flatten()
        .min();
    if let Some(d) = from {
        f.push("issue_date >= ?", [Value::Integer(d)]);
    }
    if let Some(d) = to {
        f.push("issue_date <= ?", [Value::Integer(d)]);
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
        // `+column` keeps SQLite from ranging an index over the term (see PrefixPlan).
        let column = match prefix_plan {
            PrefixPlan::ByNumber => "invoice_number",
            PrefixPlan::AlongDate => "+invoice_number",
        };
        f.push(format!("{column} >= ?"), [text(prefix)]);
        if let Some(upper) = prefix_upper_bound(prefix) {
            f.push(format!("{column} < ?"), [text(upper)]);
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
    if let Some(p) = position {
        let op = match query.order {
            SortOrder::NewestFirst => "<",
            SortOrder::OldestFirst => ">",
        };
        f.push(
            format!("(issue_date, invoice_number, supplier, batch) {op} (?, ?, ?, ?)"),
            [
                Value::Integer(i64::from(p.issue_date)),
                text(p.invoice_number),
                text(p.supplier),
                Value::Integer(p.batch),
            ],
        );
    }
    f
}

fn order_by(order: SortOrder) -> &'static str {
    match order {
        SortOrder::NewestFirst => {
            "ORDER BY issue_date DESC, invoice_number DESC, supplier DESC, batch DESC"
        }
        SortOrder::OldestFirst => "ORDER BY issue_date, invoice_number, supplier, batch",
    }
}

/// Up to `limit` rows in the listing order: the summary and the row's position.
pub(crate) fn page_sql(f: &Filter, order: SortOrder, limit: u32) -> String {
    format!(
        "SELECT summary, issue_date, invoice_number, supplier, batch FROM invoice WHERE {} {} LIMIT {limit}",
        f.sql(),
        order_by(order)
    )
}

/// The number of matches, counting no further than `cap`. In the listing order, so SQLite
/// counts along the index the page reads (which holds the filter columns), not along the
/// smallest index (which would make it read every candidate's row).
pub(crate) fn count_sql(f: &Filter, order: SortOrder, cap: u64) -> String {
    format!(
        "SELECT count(*) FROM (SELECT 1 FROM invoice WHERE {} {} LIMIT {cap})",
        f.sql(),
        order_by(order)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use navsync_domain::{Direction, InvoiceOperation, PaymentMethod};
    use rusqlite::Connection;

    /// How SQLite runs each kind of page: always from an index, never sorting the matches
    /// (a sort would read every match before returning the first 100), never scanning the
    /// table. What a page of 100 over a million rows costs follows from this; the benchmark
    /// (benches/page_of_100.rs) measures it.
    #[test]
    fn pages_are_index_range_scans_without_a_sort() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::amount::register(&conn).unwrap();
        crate::schema::migrate_to(&mut conn, crate::schema::CURRENT).unwrap();
        let tp = "12345676".parse().unwrap();
        let base = InvoiceQuery::new(tp, Direction::Outbound);
        let with = |f: &dyn Fn(&mut InvoiceQuery)| {
            let mut q = base.clone();
            f(&mut q);
            q
        };
        let cases = [
            (base.clone(), "invoice_by_date"),
            (
                with(&|q| q.order = SortOrder::OldestFirst),
                "invoice_by_date",
            ),
            (
                with(&|q| {
                    q.issue_date_from = chrono::NaiveDate::from_ymd_opt(2024, 1, 1);
                    q.issue_date_to = chrono::NaiveDate::from_ymd_opt(2024, 1, 31);
                }),
                "invoice_by_date",
            ),
            (
                with(&|q| q.partner_tax_number = Some("99999999".parse().unwrap())),
                "invoice_by_partner",
            ),
            (
                with(&|q| q.invoice_number_prefix = Some("SZ-2024/".into())),
                "invoice_by_date",
            ),
            (
                with(&|q| {
                    q.currency = Some("EUR".into());
                    q.payment_method = Some(PaymentMethod::Card);
                    q.operation = Some(InvoiceOperation::Create);
                    q.partner_name = Some("kft".into());
                    q.min_gross_huf = Some(rust_decimal::Decimal::ONE_HUNDRED);
                }),
                "invoice_by_date",
            ),
        ];
        for (query, index) in cases {
            for with_cursor in [false, true] {
                let position = with_cursor.then(|| Position {
                    issue_date: 739_000,
                    invoice_number: "SZ-1".into(),
                    supplier: "99999999".into(),
                    batch: -1,
                });
                let plan_of = |sql: &str, f: &Filter| -> String {
                    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
                    let plan: Vec<String> = stmt
                        .query_map(rusqlite::params_from_iter(&f.params), |r| r.get(3))
                        .unwrap()
                        .collect::<Result<_, _>>()
                        .unwrap();
                    plan.join("; ")
                };
                // A long-prefix page walks the dates (the short one sorts: checked below).
                let f = filter(&query, position, PrefixPlan::AlongDate);
                // The count reads the same index as the page, whose entries hold the filter
                // columns, so neither reads a row it does not return.
                for plan in [
                    plan_of(&page_sql(&f, query.order, 101), &f),
                    plan_of(&count_sql(&f, query.order, 10_001), &f),
                ] {
                    assert!(
                        plan.contains(&format!("INDEX {index} (")),
                        "{query:?}: {plan}"
                    );
                    assert!(!plan.contains("TEMP B-TREE"), "{query:?}: {plan}");
                }
            }
        }
        let prefix = with(&|q| q.invoice_number_prefix = Some("SZ-2024/0001".into()));
        let f = filter(&prefix, None, PrefixPlan::ByNumber);
        let mut stmt = conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                page_sql(&f, prefix.order, 101)
            ))
            .unwrap();
        let plan: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(&f.params), |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.join("; ").contains("USING INDEX invoice_by_number"),
            "{plan:?}"
        );
    }

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
