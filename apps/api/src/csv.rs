//! The CSV export's rows. Written by hand: one small format, no extra dependency.

use navsync_domain::query::InvoiceSummary;
use rust_decimal::Decimal;

use crate::params::CsvDialect;

pub const BOM: &str = "\u{FEFF}";

const HEADER: [&str; 18] = [
    "direction",
    "supplier_tax_number",
    "invoice_number",
    "batch_index",
    "operation",
    "category",
    "issue_date",
    "partner_tax_number",
    "partner_name",
    "currency",
    "payment_method",
    "original_invoice_number",
    "net",
    "vat",
    "gross",
    "net_huf",
    "vat_huf",
    "gross_huf",
];

impl CsvDialect {
    fn separator(self) -> char {
        match self {
            CsvDialect::ExcelHu => ';',
            CsvDialect::Rfc4180 => ',',
        }
    }

    /// What the body starts with: the BOM (Excel reads UTF-8 only with it) and the header row.
    pub fn preamble(self) -> String {
        let mut out = String::new();
        if self == CsvDialect::ExcelHu {
            out.push_str(BOM);
        }
        self.row(&mut out, HEADER.iter().map(|h| Field::Raw(h)));
        out
    }

    pub fn write(self, out: &mut String, s: &InvoiceSummary) {
        let id = &s.key.id;
        let batch = id.batch_index.map(|b| b.to_string()).unwrap_or_default();
        let partner_tax = s
            .partner_tax_number
            .map(|t| t.to_string())
            .unwrap_or_default();
        let original = s
            .original_invoice_number
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let date = s.issue_date.to_string();
        let supplier = id.supplier_tax_number.to_string();
        let t = &s.totals;
        let amounts =
            [t.net, t.vat, t.gross, t.net_huf, t.vat_huf, t.gross_huf].map(|d| self.amount(d));
        let fields = [
            Field::Raw(id.direction.as_str()),
            Field::Raw(&supplier),
            Field::Text(id.invoice_number.as_str()),
            Field::Raw(&batch),
            Field::Raw(s.operation.as_str()),
            Field::Raw(s.category.as_str()),
            Field::Raw(&date),
            Field::Raw(&partner_tax),
            Field::Text(s.partner_name.as_deref().unwrap_or_default()),
            Field::Text(&s.currency),
            Field::Raw(s.payment_method.map(|p| p.as_str()).unwrap_or_default()),
            Field::Text(&original),
        ];
        self.row(
            out,
            fields
                .into_iter()
                .chain(amounts.iter().map(|a| Field::Raw(a))),
        );
    }

    fn amount(self, d: Decimal) -> String {
        match self {
            CsvDialect::ExcelHu => d.to_string().replace('.', ","),
            CsvDialect::Rfc4180 => d.to_string(),
        }
    }

    fn row<'a>(self, out: &mut String, fields: impl Iterator<Item = Field<'a>>) {
        let sep = self.separator();
        for (i, f) in fields.enumerate() {
            if i > 0 {
                out.push(sep);
            }
            let (value, text) = match f {
                Field::Raw(v) => (v, false),
                Field::Text(v) => (v, true),
            };
            // Excel runs a cell starting with = + - @ (or a tab/CR) as a formula; a leading
            // quote makes it text. Only for Excel: RFC 4180 readers get the value verbatim.
            let guard = text
                && self == CsvDialect::ExcelHu
                && value.starts_with(['=', '+', '-', '@', '\t', '\r']);
            let needs_quotes = guard || value.contains([sep, '"', '\n', '\r']);
            if needs_quotes {
                out.push('"');
                if guard {
                    out.push('\'');
                }
                out.push_str(&value.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(value);
            }
        }
        out.push_str("\r\n");
    }
}

enum Field<'a> {
    /// Values we produce (codes, numbers, dates): never formulas.
    Raw(&'a str),
    /// Values from documents: quoted as needed, formula-guarded for Excel.
    Text(&'a str),
}
