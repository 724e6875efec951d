//! Where a page of a DynamoDB query ended, carried in the shared signed cursor
//! ([`navsync_cursor::CursorSigner`]), which binds it to its taxpayer and query.

use serde::{Deserialize, Serialize};

pub(crate) use navsync_cursor::{CursorSigner, hex};

/// Where a page ended: the last returned item's table key and its date sort key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Position {
    pub pk: String,
    pub sk: String,
    pub sort: String,
}
