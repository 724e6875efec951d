//! The user block's hashes (spec 1.5.2), request ids and timestamps.

use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, SubsecRound, Utc};
use navsync_domain::RequestId;
use sha2::{Digest, Sha512};
use sha3::Sha3_512;

/// `passwordHash` with cryptoType `SHA-512`: the upper-case hex SHA-512 of the password.
pub fn password_hash(password: &str) -> String {
    upper_hex(&Sha512::digest(password.as_bytes()))
}

/// `requestSignature` with cryptoType `SHA3-512` for every operation but manageInvoice and
/// manageAnnulment: upper-case hex SHA3-512 of requestId, the timestamp as `yyyyMMddHHmmss`
/// (UTC, milliseconds dropped) and the signing key.
pub fn request_signature(request_id: &str, timestamp: DateTime<Utc>, sign_key: &str) -> String {
    let mut hasher = Sha3_512::new();
    hasher.update(request_id.as_bytes());
    hasher.update(timestamp.format("%Y%m%d%H%M%S").to_string().as_bytes());
    hasher.update(sign_key.as_bytes());
    upper_hex(&hasher.finalize())
}

/// The header's `timestamp`: UTC with milliseconds, `yyyy-MM-ddTHH:mm:ss.SSSZ`.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Now, cut to the millisecond the header carries, so the signed value and the sent value agree.
pub fn now_millis() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// A fresh request id: `NS`, the UTC time to the millisecond (17 digits) and 11 random
/// base-62 characters — 30 characters of `[+a-zA-Z0-9_]`. NAV wants it unique per taxpayer;
/// time plus 65 bits of randomness (and a process counter mixed in) makes a collision between
/// two requests of one taxpayer practically impossible, even across processes.
pub fn new_request_id(at: DateTime<Utc>) -> RequestId {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut id = String::with_capacity(RequestId::MAX_LEN);
    id.push_str("NS");
    id.push_str(&at.format("%Y%m%d%H%M%S%3f").to_string());
    let mut r = random_u64() as u128 | (u128::from(random_u64()) << 64);
    for _ in 0..(RequestId::MAX_LEN - id.len()) {
        id.push(char::from(ALPHABET[(r % 62) as usize]));
        r /= 62;
    }
    id.parse()
        .expect("generated request id follows the schema pattern")
}

/// A non-cryptographic random number: SipHash under the process's random keys over a counter
/// and the clock. Enough for request-id uniqueness and retry jitter, and no extra dependency.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_i64(Utc::now().timestamp_nanos_opt().unwrap_or_default());
    h.finish()
}

fn upper_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn password_hash_is_upper_hex_sha512() {
        // SHA-512("abc") from FIPS 180-2, appendix C.
        assert_eq!(
            password_hash("abc"),
            "DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A\
             2192992A274FC1A836BA3C23A3FEEBBD454D4423643CE80E2A9AC94FA54CA49F"
        );
    }

    #[test]
    fn signature_uses_the_second_resolution_utc_mask() {
        let t = Utc.with_ymd_and_hms(2017, 12, 30, 18, 25, 45).unwrap();
        let with_millis = t + chrono::TimeDelta::milliseconds(999);
        assert_eq!(
            request_signature("RID1", t, "key"),
            request_signature("RID1", with_millis, "key")
        );
        assert_ne!(
            request_signature("RID1", t, "key"),
            request_signature("RID2", t, "key")
        );
        assert_eq!(request_signature("RID1", t, "key").len(), 128);
    }

    #[test]
    fn timestamps_carry_milliseconds_and_z() {
        let t = Utc.with_ymd_and_hms(2019, 9, 11, 12, 16, 48).unwrap()
            + chrono::TimeDelta::milliseconds(7);
        assert_eq!(format_timestamp(t), "2019-09-11T12:16:48.007Z");
    }

    #[test]
    fn request_ids_follow_the_pattern_and_differ() {
        let t = now_millis();
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| new_request_id(t).to_string()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert_eq!(id.len(), 30);
            assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        }
    }
}
