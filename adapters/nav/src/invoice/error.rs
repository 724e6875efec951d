//! What can go wrong reading an invoice document. Every message is one line and names the
//! element path (or byte offset) to look at.

use std::fmt::Display;

/// Why a document is not a usable NAV invoice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("malformed XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error(
        "DOCTYPE declaration at byte {position} refused: NAV invoices have none, and entity \
         declarations could expand without bound or read external files"
    )]
    Doctype { position: u64 },
    #[error(
        "entity reference &{name}; at {path} refused: only the five XML entities and character references are allowed"
    )]
    Entity { name: String, path: String },
    #[error("document is {size} bytes, over the limit of {max}")]
    TooLarge { size: usize, max: usize },
    #[error("elements nest deeper than {max} at {path}")]
    TooDeep { max: usize, path: String },
    #[error("element {path} has more than {max} attributes")]
    TooManyAttributes { max: usize, path: String },
    #[error("attribute {name} appears twice on {path}")]
    DuplicateAttribute { name: String, path: String },
    #[error(
        "{} at byte {position} refused: XML 1.0 does not allow it in a document",
        describe_char(*.code)
    )]
    ForbiddenChar { code: u32, position: usize },
    #[error(
        "character reference to {} at {path} refused: XML 1.0 does not allow it in a document",
        describe_char(*.code)
    )]
    ForbiddenCharRef { code: u32, path: String },
    #[error("document ends inside {path}: truncated?")]
    Truncated { path: String },
    #[error("document is empty: no root element")]
    Empty,
    #[error("only UTF-8 documents are supported, the declaration says {0:?}")]
    Encoding(String),
    #[error("document is not valid UTF-8 at byte {position}")]
    Utf8 { position: usize },
    #[error("content after the root element at byte {position}")]
    TrailingContent { position: u64 },
    #[error(
        "not a NAV invoice document: root element <{root}> in namespace {namespace:?}; expected \
         <InvoiceData> in http://schemas.nav.gov.hu/OSA/3.0/data (or 2.0, or a 1.x <Invoice>)"
    )]
    NotInvoice { root: String, namespace: String },
    #[error("required element {path} is missing")]
    Missing { path: String },
    #[error("invalid tax number at {path}: {reason}")]
    TaxNumber {
        path: String,
        reason: navsync_domain::TaxNumberError,
    },
    #[error("invalid value {value:?} at {path}: expected {expected}")]
    Invalid {
        path: String,
        value: String,
        expected: &'static str,
    },
}

/// A character XML 1.0 forbids, by name: "NUL (U+0000)", "control character U+0001".
fn describe_char(code: u32) -> String {
    match code {
        0 => "NUL (U+0000)".to_owned(),
        0x01..=0x1F => format!("control character U+{code:04X}"),
        0xD800..=0xDFFF => format!("surrogate U+{code:04X}"),
        0xFFFE | 0xFFFF => format!("noncharacter U+{code:04X}"),
        _ => format!("code point {code:#X}"),
    }
}

impl ParseError {
    /// An invalid value, shortened so that a hostile multi-megabyte text stays a one-line error.
    pub(crate) fn invalid(path: &dyn Display, value: &str, expected: &'static str) -> Self {
        const MAX: usize = 80;
        let value = match value.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}…", &value[..cut]),
            None => value.to_owned(),
        };
        ParseError::Invalid {
            path: path.to_string(),
            value,
            expected,
        }
    }
}
