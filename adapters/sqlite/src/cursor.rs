//! Opaque, authenticated pagination cursors. A cursor holds where the last page ended and a
//! hash of the query (taxpayer, direction, every filter, the order) it was issued for, signed
//! with HMAC-SHA256 under the store's key. A client can neither edit one nor replay it against
//! another taxpayer or query: either fails verification → `RepoError::Invalid`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use navsync_domain::ports::RepoError;
use navsync_domain::query::InvoiceQuery;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The listing-order key of the last row of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Position {
    pub issue_date: i32,
    pub invoice_number: String,
    pub supplier: String,
    pub batch: i64,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    /// Version, so a later format can refuse older cursors clearly.
    v: u8,
    /// SHA-256 of the query the cursor belongs to, without cursor and limit.
    q: String,
    p: Position,
}

/// The query's identity: everything but the cursor and the page size.
fn query_hash(query: &InvoiceQuery) -> String {
    let mut q = query.clone();
    q.cursor = None;
    q.limit = 0;
    let json = serde_json::to_vec(&q).expect("a query always serializes");
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Clone)]
pub(crate) struct CursorSigner {
    key: Vec<u8>,
}

impl CursorSigner {
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    pub fn issue(&self, query: &InvoiceQuery, position: Position) -> String {
        let payload = Payload {
            v: 1,
            q: query_hash(query),
            p: position,
        };
        let body = serde_json::to_vec(&payload).expect("a cursor always serializes");
        let mut mac = self.mac();
        mac.update(&body);
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&body),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The position in `query.cursor`, when it is one this store issued for this very query.
    pub fn open(&self, query: &InvoiceQuery) -> Result<Option<Position>, RepoError> {
        let Some(cursor) = query.cursor.as_deref() else {
            return Ok(None);
        };
        let invalid =
            |why: &str| RepoError::Invalid(format!("cursor {why}; start again without one"));
        let (body, tag) = cursor
            .split_once('.')
            .ok_or_else(|| invalid("is malformed"))?;
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| invalid("is malformed"))?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| invalid("is malformed"))?;
        let mut mac = self.mac();
        mac.update(&body);
        mac.verify_slice(&tag)
            .map_err(|_| invalid("was not issued by this store"))?;
        let payload: Payload =
            serde_json::from_slice(&body).map_err(|_| invalid("is malformed"))?;
        if payload.v != 1 {
            return Err(invalid("has an unknown version"));
        }
        if payload.q != query_hash(query) {
            return Err(invalid("belongs to another query or taxpayer"));
        }
        Ok(Some(payload.p))
    }
}
