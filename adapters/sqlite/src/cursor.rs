//! Where a page of a SQLite listing ended, carried in the shared signed cursor
//! ([`navsync_cursor::CursorSigner`]), which binds it to its taxpayer and query.

use serde::{Deserialize, Serialize};

pub(crate) use navsync_cursor::CursorSigner;

/// The listing-order key of the last row of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Position {
    pub issue_date: i32,
    pub invoice_number: String,
    pub supplier: String,
    pub batch: i64,
}
