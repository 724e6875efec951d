//! Opaque, authenticated pagination cursors. A cursor holds where the last page ended (each
//! store's own position type) and a hash of the query (taxpayer, direction, every filter, the
//! order) it was issued for, signed with HMAC-SHA256 under a key only the server has. A client
//! can neither edit one nor replay it against another taxpayer or query: either fails
//! verification → `RepoError::Invalid`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use navsync_domain::ports::RepoError;
use navsync_domain::query::InvoiceQuery;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

#[derive(Serialize, Deserialize)]
struct Payload<P> {
    /// Version, so a later format can refuse older cursors clearly.
    v: u8,
    /// SHA-256 of the query the cursor belongs to, without cursor and limit.
    q: String,
    p: P,
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The query's identity: everything but the cursor and the page size (which may change
/// between pages).
fn query_hash(query: &InvoiceQuery) -> String {
    let mut q = query.clone();
    q.cursor = None;
    q.limit = 0;
    let json = serde_json::to_vec(&q).expect("a query always serializes");
    hex(&Sha256::digest(&json))
}

#[derive(Clone)]
pub struct CursorSigner {
    key: Vec<u8>,
}

impl CursorSigner {
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    /// A cursor for the page of `query` that follows `position`.
    pub fn issue<P: Serialize>(&self, query: &InvoiceQuery, position: P) -> String {
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
    ///
    /// Errors: [`RepoError::Invalid`], saying whether the cursor is malformed, not ours, or
    /// another query's.
    pub fn open<P: DeserializeOwned>(&self, query: &InvoiceQuery) -> Result<Option<P>, RepoError> {
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
        let payload: Payload<P> =
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

#[cfg(test)]
mod tests {
    use super::*;
    use navsync_domain::Direction;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Position {
        pk: String,
        sort: String,
    }

    fn query(tp: &str) -> InvoiceQuery {
        InvoiceQuery::new(tp.parse().unwrap(), Direction::Inbound)
    }

    fn position() -> Position {
        Position {
            pk: "INV#11111111#INBOUND#".into(),
            sort: "2024-01-01".into(),
        }
    }

    #[test]
    fn a_cursor_opens_for_its_own_query_only() {
        let signer = CursorSigner::new(b"k".repeat(32));
        let mut q = query("11111111");
        q.cursor = Some(signer.issue(&q, position()));
        assert_eq!(signer.open::<Position>(&q).unwrap(), Some(position()));
        q.limit = 7; // the page size may change between pages
        assert_eq!(signer.open::<Position>(&q).unwrap(), Some(position()));

        let mut other = query("12345676");
        other.cursor = q.cursor.clone();
        assert!(matches!(
            signer.open::<Position>(&other),
            Err(RepoError::Invalid(_))
        ));
        let mut filtered = q.clone();
        filtered.currency = Some("EUR".into());
        assert!(matches!(
            signer.open::<Position>(&filtered),
            Err(RepoError::Invalid(_))
        ));
    }

    #[test]
    fn edited_or_foreign_cursors_are_refused() {
        let signer = CursorSigner::new(b"k".repeat(32));
        let mut q = query("11111111");
        let cursor = signer.issue(&q, position());
        let (body, tag) = cursor.split_once('.').unwrap();
        let mut payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap();
        payload["p"]["pk"] = "INV#12345676#INBOUND#".into();
        let forged = format!(
            "{}.{tag}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap())
        );
        for bad in [forged.as_str(), "garbage", "a.b", ""] {
            q.cursor = Some(bad.into());
            assert!(
                matches!(signer.open::<Position>(&q), Err(RepoError::Invalid(_))),
                "{bad}"
            );
        }
        q.cursor = Some(cursor);
        let other_key = CursorSigner::new(b"z".repeat(32));
        assert!(matches!(
            other_key.open::<Position>(&q),
            Err(RepoError::Invalid(_))
        ));
    }
}
