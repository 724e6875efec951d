//! NAV's authentication, computed here independently of the client so the simulator can catch
//! a client that hashes or signs wrongly.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest as _, Sha512};
use sha3::Sha3_512;

use crate::request::Envelope;

/// `passwordHash`: upper-case hex SHA-512 of the password.
pub fn password_hash(password: &str) -> String {
    upper_hex(&Sha512::digest(password.as_bytes()))
}

/// `requestSignature` of a query operation: upper-case hex SHA3-512 of the request id, the
/// timestamp as `yyyyMMddHHmmss` in UTC, and the sign key (spec 1.5.2).
pub fn request_signature(request_id: &str, timestamp: DateTime<Utc>, sign_key: &str) -> String {
    let mut h = Sha3_512::new();
    h.update(request_id.as_bytes());
    h.update(timestamp.format("%Y%m%d%H%M%S").to_string().as_bytes());
    h.update(sign_key.as_bytes());
    upper_hex(&h.finalize())
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A technical user the simulator knows.
#[derive(Debug, Clone)]
pub struct User {
    pub login: String,
    pub password_hash: String,
    pub tax_number: String,
    pub sign_key: String,
}

/// Why NAV refuses a request before looking at its business content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    RequestVersion,
    HeaderVersion,
    PasswordHashCrypto,
    SignatureCrypto,
    Timestamp,
    SecurityUser,
    NotRegisteredCustomer,
    UserRelation,
    Signature,
    RequestIdNotUnique,
}

impl AuthError {
    pub fn code(self) -> &'static str {
        match self {
            AuthError::RequestVersion => "INVALID_REQUEST_VERSION",
            AuthError::HeaderVersion => "INVALID_HEADER_VERSION",
            AuthError::PasswordHashCrypto => "INVALID_PASSWORD_HASH_CRYPTO",
            AuthError::SignatureCrypto => "INVALID_REQUEST_SIGNATURE_HASH_CRYPTO",
            AuthError::Timestamp => "INVALID_TIMESTAMP",
            AuthError::SecurityUser => "INVALID_SECURITY_USER",
            AuthError::NotRegisteredCustomer => "NOT_REGISTERED_CUSTOMER",
            AuthError::UserRelation => "INVALID_USER_RELATION",
            AuthError::Signature => "INVALID_REQUEST_SIGNATURE",
            AuthError::RequestIdNotUnique => "REQUEST_ID_NOT_UNIQUE",
        }
    }

    /// NAV's English message (messages_en_public.properties).
    pub fn message(self) -> &'static str {
        match self {
            AuthError::RequestVersion => "Invalid request version number.",
            AuthError::HeaderVersion => "Invalid header version number.",
            AuthError::PasswordHashCrypto => "Invalid password hash algorithm.",
            AuthError::SignatureCrypto => "Invalid request signature hash algorithm.",
            AuthError::Timestamp => "Invalid request timestamp!",
            AuthError::SecurityUser => "Invalid security user!",
            AuthError::NotRegisteredCustomer => "Customer not registered!",
            AuthError::UserRelation => "Invalid user relation!",
            AuthError::Signature => "Invalid request signature!",
            AuthError::RequestIdNotUnique => "Request id not unique!",
        }
    }

    /// The HTTP status NAV uses for the code (spec 3.2).
    pub fn status(self) -> u16 {
        match self {
            AuthError::SecurityUser => 401,
            AuthError::NotRegisteredCustomer | AuthError::UserRelation => 500,
            _ => 400,
        }
    }
}

/// Checks a request's envelope; the request id's uniqueness is the caller's (it is recorded
/// only once a request succeeds).
pub fn authenticate<'u>(
    env: &Envelope,
    users: &'u [User],
    now: DateTime<Utc>,
) -> Result<&'u User, AuthError> {
    if env.request_version != "3.0" {
        return Err(AuthError::RequestVersion);
    }
    if env.header_version.as_deref().is_some_and(|v| v != "1.0") {
        return Err(AuthError::HeaderVersion);
    }
    if env.password_hash_crypto != "SHA-512" {
        return Err(AuthError::PasswordHashCrypto);
    }
    if env.signature_crypto != "SHA3-512" {
        return Err(AuthError::SignatureCrypto);
    }
    if (env.timestamp - now).abs() > Duration::days(1) {
        return Err(AuthError::Timestamp);
    }
    let user = users
        .iter()
        .find(|u| u.login == env.login && u.password_hash == env.password_hash)
        .ok_or(AuthError::SecurityUser)?;
    if user.tax_number != env.tax_number {
        return Err(if users.iter().any(|u| u.tax_number == env.tax_number) {
            AuthError::UserRelation
        } else {
            AuthError::NotRegisteredCustomer
        });
    }
    if request_signature(&env.request_id, env.timestamp, &user.sign_key) != env.request_signature {
        return Err(AuthError::Signature);
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The official sample queryInvoiceData request (api-samples/queryInvoiceData.xml).
    #[test]
    fn reproduces_the_official_sample_signature() {
        let ts = DateTime::parse_from_rfc3339("2019-09-11T11:24:30.037Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            request_signature("RID005176453519", ts, "ac-ac3a-7f661bff7d342N43CYX4U9FG"),
            "A3C2FE7C2068350B1B56B535ED1A4F8CA6C84AD5F19893556FFBD7B4655C79FBAC2A4BE271121174288B99BE2EDF5128028A67ACA1D0E883336362BF14E0BB39"
        );
        assert_eq!(password_hash("").len(), 128);
    }
}
