//! Who is calling and what they may read.
//!
//! Two ways in, one result ([`Principal`]):
//! - behind API Gateway's JWT authorizer, the runner (the Lambda binary) puts the verified claims
//!   into the request as an [`AuthorizerClaims`] extension; a client cannot set extensions, so
//!   they are trusted as API Gateway's word;
//! - otherwise the `Authorization: Bearer` token is checked by the configured [`TokenVerifier`]
//!   (e.g. [`OidcVerifier`] for Cognito).
//!
//! Authorization comes from the claims, per taxpayer ([`Role`]), in `cognito:groups`:
//! - `taxpayer-<8-digit id>`: reader of that taxpayer (its invoices, documents, export, sync status);
//! - `taxpayer-<8-digit id>-admin`: admin of that taxpayer, a reader who may also start its sync;
//! - `operators`: the operator, who reads and syncs every taxpayer. Nothing else grants more than
//!   one taxpayer (the former `admins` group grants nothing).
//!
//! With [`ClaimsPolicy::taxpayers_claim`] on, a `custom:taxpayers` claim (comma-separated ids)
//! grants reading them too, never more.

mod oidc;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use navsync_domain::TaxpayerId;
use serde_json::{Map, Value};

pub use oidc::{JwksSource, OidcConfig, OidcVerifier, TokenUse};

use crate::problem::Problem;
use crate::rate_limit::RateLimiter;

/// What a caller may do with one taxpayer. Ordered: an admin is a reader who may also sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads the taxpayer's invoices, documents, export and sync status.
    Reader,
    /// A reader who may also start the taxpayer's sync.
    Admin,
}

/// The caller, as far as authorization needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`.
    pub subject: String,
    /// Reads and syncs every taxpayer (the `operators` group). Explicit, so that no role on one
    /// taxpayer can ever widen to all of them.
    pub operator: bool,
    /// The caller's role on each taxpayer it names.
    pub roles: BTreeMap<TaxpayerId, Role>,
}

impl Principal {
    /// Grants `role` on `taxpayer`, keeping the stronger role where one is held already.
    pub fn grant(&mut self, taxpayer: TaxpayerId, role: Role) {
        let held = self.roles.entry(taxpayer).or_insert(role);
        *held = (*held).max(role);
    }

    pub fn role(&self, taxpayer: TaxpayerId) -> Option<Role> {
        self.roles.get(&taxpayer).copied()
    }

    pub fn may_read(&self, taxpayer: TaxpayerId) -> bool {
        self.operator || self.role(taxpayer).is_some()
    }

    pub fn may_sync(&self, taxpayer: TaxpayerId) -> bool {
        self.operator || self.role(taxpayer) == Some(Role::Admin)
    }
}

/// Claims that API Gateway's JWT authorizer verified, as it hands them to the Lambda
/// (`requestContext.authorizer.jwt.claims`): every value a string, arrays written `[a b]`.
/// Only a runner inserts this extension; requests cannot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizerClaims(pub HashMap<String, String>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No bearer token where one is needed (401).
    #[error("no bearer token: send Authorization: Bearer <token>")]
    Missing,
    /// The token is malformed, expired, for someone else, or its signature does not verify (401).
    /// The message says which check failed, never the token.
    #[error("{0}")]
    Invalid(String),
    /// The keys to verify it could not be had (503): trying again can help.
    #[error("token keys unavailable: {0}")]
    Unavailable(String),
}

impl From<AuthError> for Problem {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Missing | AuthError::Invalid(_) => Problem::unauthorized(e.to_string()),
            AuthError::Unavailable(msg) => {
                tracing::warn!(error = %msg, "cannot verify tokens");
                Problem::unavailable("token verification keys unavailable; try again", 5)
            }
        }
    }
}

/// Checks a bearer token and says who it names. The seam for every kind of token navsync
/// accepts: [`OidcVerifier`] for Cognito (or any OIDC issuer with RS256 keys); tokens that
/// navsync mints itself for local mode get their own implementation, with an asymmetric key.
#[async_trait]
pub trait TokenVerifier: Send + Sync {
    /// Errors: [`AuthError::Invalid`] for any token that fails a check;
    /// [`AuthError::Unavailable`] when the keys cannot be had now.
    async fn verify(&self, token: &str) -> Result<Principal, AuthError>;
}

/// Verifiers tried in order; the first that accepts a token wins. Lets `navsync serve` accept
/// both a configured issuer's tokens and its own.
pub struct AnyOf(pub Vec<Arc<dyn TokenVerifier>>);

#[async_trait]
impl TokenVerifier for AnyOf {
    async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let mut last = AuthError::Invalid("no token verifier configured".into());
        for v in &self.0 {
            match v.verify(token).await {
                Ok(p) => return Ok(p),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// How claims turn into a [`Principal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimsPolicy {
    /// The `cognito:groups` member that makes a caller the operator (every taxpayer, sync).
    pub operator_group: String,
    /// Accept `custom:taxpayers` (comma-separated taxpayer ids) besides groups. Off for Cognito
    /// unless the user pool makes the attribute read-only to users: Cognito lets users write
    /// their own custom attributes by default, and then anyone could grant themselves a taxpayer.
    pub taxpayers_claim: bool,
}

impl Default for ClaimsPolicy {
    fn default() -> Self {
        Self {
            operator_group: OPERATOR_GROUP.into(),
            taxpayers_claim: false,
        }
    }
}

pub const OPERATOR_GROUP: &str = "operators";
pub const TAXPAYER_GROUP_PREFIX: &str = "taxpayer-";
/// Ends a taxpayer group that grants [`Role::Admin`]: `taxpayer-<id>-admin`.
pub const ADMIN_GROUP_SUFFIX: &str = "-admin";

/// The group that grants `role` on `taxpayer`.
pub fn taxpayer_group(taxpayer: TaxpayerId, role: Role) -> String {
    match role {
        Role::Reader => format!("{TAXPAYER_GROUP_PREFIX}{taxpayer}"),
        Role::Admin => format!("{TAXPAYER_GROUP_PREFIX}{taxpayer}{ADMIN_GROUP_SUFFIX}"),
    }
}
pub const TAXPAYERS_CLAIM: &str = "custom:taxpayers";
pub const GROUPS_CLAIM: &str = "cognito:groups";

impl ClaimsPolicy {
    /// The principal a verified token's claims name.
    ///
    /// Errors: [`AuthError::Invalid`] when `sub` is missing.
    pub fn principal(&self, claims: &Map<String, Value>) -> Result<Principal, AuthError> {
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::Invalid("token has no subject (sub)".into()))?
            .to_owned();
        let groups = claims
            .get(GROUPS_CLAIM)
            .map(string_list)
            .unwrap_or_default();
        let mut principal = Principal {
            subject,
            operator: groups.iter().any(|g| g == &self.operator_group),
            roles: BTreeMap::new(),
        };
        for g in &groups {
            if let Some(rest) = g.strip_prefix(TAXPAYER_GROUP_PREFIX) {
                let (id, role) = match rest.strip_suffix(ADMIN_GROUP_SUFFIX) {
                    Some(id) => (id, Role::Admin),
                    None => (rest, Role::Reader),
                };
                match id.parse::<TaxpayerId>() {
                    Ok(t) => principal.grant(t, role),
                    Err(e) => {
                        tracing::warn!(group = %g, error = %e, "ignoring malformed taxpayer group")
                    }
                }
            }
        }
        if self.taxpayers_claim
            && let Some(list) = claims.get(TAXPAYERS_CLAIM).and_then(Value::as_str)
        {
            for id in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match id.parse::<TaxpayerId>() {
                    // Reader only: the claim lists taxpayers, it cannot carry a role.
                    Ok(t) => principal.grant(t, Role::Reader),
                    Err(e) => {
                        tracing::warn!(error = %e, "ignoring malformed taxpayer in custom:taxpayers")
                    }
                }
            }
        }
        Ok(principal)
    }

    /// The principal from API Gateway authorizer claims. API Gateway checked signature, issuer,
    /// audience and expiry; `token_use`, where present, must still be one `allowed`.
    pub fn principal_from_authorizer(
        &self,
        claims: &AuthorizerClaims,
        allowed: &[TokenUse],
    ) -> Result<Principal, AuthError> {
        if let Some(token_use) = claims.0.get("token_use")
            && !allowed.iter().any(|u| u.as_str() == token_use)
        {
            return Err(AuthError::Invalid(format!(
                "token_use {token_use:?} is not accepted"
            )));
        }
        let map: Map<String, Value> = claims
            .0
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        self.principal(&map)
    }
}

/// A list claim in any of the forms it arrives in: a JSON array (a JWT), a string holding a
/// JSON array, API Gateway's `[a b c]` rendering, or a single string.
fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(s) {
                return string_list(&Value::Array(items));
            }
            let inner = s
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .unwrap_or(s);
            inner
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Everything the API needs to authenticate and throttle a request.
pub struct Auth {
    verifier: Option<Arc<dyn TokenVerifier>>,
    policy: ClaimsPolicy,
    /// `token_use` values accepted from API Gateway's claims.
    authorizer_token_uses: Vec<TokenUse>,
    limiter: RateLimiter,
}

impl Auth {
    /// `verifier`: how to check bearer tokens where no authorizer stands in front (`None`: only
    /// [`AuthorizerClaims`] are accepted, every other request gets 401).
    pub fn new(
        verifier: Option<Arc<dyn TokenVerifier>>,
        policy: ClaimsPolicy,
        limiter: RateLimiter,
    ) -> Self {
        Self {
            verifier,
            policy,
            authorizer_token_uses: vec![TokenUse::Access, TokenUse::Id],
            limiter,
        }
    }

    async fn authenticate(&self, parts: &Parts) -> Result<Principal, Problem> {
        self.limiter
            .check_global()
            .map_err(Problem::too_many_requests)?;
        let principal = if let Some(claims) = parts.extensions.get::<AuthorizerClaims>() {
            self.policy
                .principal_from_authorizer(claims, &self.authorizer_token_uses)?
        } else {
            let token = bearer(parts)?;
            let verifier = self.verifier.as_ref().ok_or_else(|| {
                AuthError::Invalid("this deployment accepts no bearer tokens".into())
            })?;
            verifier.verify(token).await?
        };
        self.limiter
            .check_caller(&principal.subject)
            .map_err(Problem::too_many_requests)?;
        Ok(principal)
    }
}

fn bearer(parts: &Parts) -> Result<&str, AuthError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?;
    let value = value
        .to_str()
        .map_err(|_| AuthError::Invalid("Authorization header is not ASCII".into()))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| AuthError::Invalid("Authorization must be `Bearer <token>`".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::Invalid(
            "Authorization must be `Bearer <token>`".into(),
        ));
    }
    Ok(token.trim())
}

/// An authenticated caller; extracting it answers 401/429/503 for requests without one.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

/// Access to the [`Auth`] of a router state.
pub trait HasAuth {
    fn auth(&self) -> &Auth;
}

impl<S: HasAuth + Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        state.auth().authenticate(parts).await.map(Caller)
    }
}

impl Caller {
    /// 403 unless the caller may read `taxpayer`. Decided from the token alone, before any
    /// lookup, so the answer says nothing about whether the taxpayer has data here.
    pub fn require_taxpayer(&self, taxpayer: TaxpayerId) -> Result<(), Problem> {
        if self.0.may_read(taxpayer) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!(
                "your token grants no role on taxpayer {taxpayer}: reading it needs the reader or \
                 admin role on it (group {}) or the operator role",
                taxpayer_group(taxpayer, Role::Reader)
            )))
        }
    }

    /// 403 unless the caller may start a sync of `taxpayer`; like [`Self::require_taxpayer`],
    /// decided from the token alone.
    pub fn require_sync(&self, taxpayer: TaxpayerId) -> Result<(), Problem> {
        if self.0.may_sync(taxpayer) {
            return Ok(());
        }
        let held = if self.0.may_read(taxpayer) {
            format!("your token makes you a reader of taxpayer {taxpayer}, not its admin")
        } else {
            format!("your token grants no role on taxpayer {taxpayer}")
        };
        Err(Problem::forbidden(format!(
            "{held}: starting its sync needs the admin role on it (group {}) or the operator role",
            taxpayer_group(taxpayer, Role::Admin)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn tp(s: &str) -> TaxpayerId {
        s.parse().unwrap()
    }

    fn roles(p: &Principal) -> Vec<(String, Role)> {
        p.roles.iter().map(|(t, r)| (t.to_string(), *r)).collect()
    }

    #[test]
    fn groups_grant_roles_per_taxpayer() {
        let p = ClaimsPolicy::default()
            .principal(&claims(json!({
                "sub": "u1",
                "cognito:groups": [
                    "taxpayer-12345676", "taxpayer-10773381-admin", "taxpayer-10773381",
                    "taxpayer-12345678", "taxpayer-12345678-admin", "admins", "other"
                ]
            })))
            .unwrap();
        // 12345678 fails its check digit: ignored, not granted; the stronger role wins.
        assert_eq!(
            roles(&p),
            [
                ("10773381".to_owned(), Role::Admin),
                ("12345676".to_owned(), Role::Reader)
            ]
        );
        // The old `admins` group grants nothing.
        assert!(!p.operator);
        assert!(p.may_read(tp("12345676")) && !p.may_sync(tp("12345676")));
        assert!(p.may_read(tp("10773381")) && p.may_sync(tp("10773381")));
        assert!(!p.may_read(tp("99999999")) && !p.may_sync(tp("99999999")));
    }

    #[test]
    fn only_the_operators_group_reaches_every_taxpayer() {
        let op = ClaimsPolicy::default()
            .principal(&claims(
                json!({"sub": "u1", "cognito:groups": ["operators"]}),
            ))
            .unwrap();
        assert!(op.operator && op.roles.is_empty());
        assert!(op.may_read(tp("99999999")) && op.may_sync(tp("99999999")));
    }

    #[test]
    fn the_taxpayers_claim_counts_only_when_the_policy_trusts_it() {
        let c = claims(json!({"sub": "u1", "custom:taxpayers": "12345676, 99999999"}));
        assert!(
            ClaimsPolicy::default()
                .principal(&c)
                .unwrap()
                .roles
                .is_empty()
        );
        let trusting = ClaimsPolicy {
            taxpayers_claim: true,
            ..ClaimsPolicy::default()
        };
        // The claim names taxpayers to read, never a role beyond that.
        assert_eq!(
            roles(&trusting.principal(&c).unwrap()),
            [
                ("12345676".to_owned(), Role::Reader),
                ("99999999".to_owned(), Role::Reader)
            ]
        );
    }

    #[test]
    fn api_gateway_renders_groups_as_a_bracketed_string() {
        let mut m = HashMap::new();
        m.insert("sub".into(), "u1".into());
        m.insert("token_use".into(), "access".into());
        m.insert(
            "cognito:groups".into(),
            "[taxpayer-12345676 taxpayer-10773381-admin operators]".into(),
        );
        let p = ClaimsPolicy::default()
            .principal_from_authorizer(&AuthorizerClaims(m.clone()), &[TokenUse::Access])
            .unwrap();
        assert!(p.operator);
        assert_eq!(
            roles(&p),
            [
                ("10773381".to_owned(), Role::Admin),
                ("12345676".to_owned(), Role::Reader)
            ]
        );
        m.insert("token_use".into(), "refresh".into());
        assert!(
            ClaimsPolicy::default()
                .principal_from_authorizer(&AuthorizerClaims(m), &[TokenUse::Access])
                .is_err()
        );
    }

    #[test]
    fn a_token_without_subject_is_refused() {
        assert!(
            ClaimsPolicy::default()
                .principal(&claims(json!({})))
                .is_err()
        );
    }
}
