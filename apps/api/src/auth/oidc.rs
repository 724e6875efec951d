//! Verifying Cognito (OIDC) tokens in the app: RS256 only, keys from the issuer's JWKS,
//! fetched over HTTP and cached.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{AuthError, ClaimsPolicy, Principal, TokenVerifier};

/// Cognito's `token_use` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// Access tokens name the app client in `client_id`.
    Access,
    /// ID tokens name it in `aud`.
    Id,
}

impl TokenUse {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Access => "access",
            TokenUse::Id => "id",
        }
    }
}

/// Where the signing keys come from.
#[derive(Debug, Clone)]
pub struct JwksSource {
    /// Cognito: `https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/jwks.json`.
    /// Set apart from the issuer because emulators (moto) serve it elsewhere than `iss` says.
    pub url: String,
    /// An unknown `kid` triggers a refetch at most this often, so random `kid`s cannot make
    /// the API hammer the key server.
    pub min_refetch_interval: Duration,
    pub timeout: Duration,
}

impl JwksSource {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            min_refetch_interval: Duration::from_secs(60),
            timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The exact `iss` tokens must carry.
    pub issuer: String,
    /// App clients whose tokens are accepted: `client_id` of access tokens, `aud` of ID tokens.
    pub client_ids: Vec<String>,
    pub token_uses: Vec<TokenUse>,
    pub jwks: JwksSource,
    /// Clock skew tolerated on `exp`/`nbf`.
    pub leeway: Duration,
    pub policy: ClaimsPolicy,
}

impl OidcConfig {
    /// Cognito defaults: access and ID tokens, 30 s leeway, groups-only authorization.
    pub fn cognito(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        jwks_url: impl Into<String>,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            client_ids: vec![client_id.into()],
            token_uses: vec![TokenUse::Access, TokenUse::Id],
            jwks: JwksSource::new(jwks_url),
            leeway: Duration::from_secs(30),
            policy: ClaimsPolicy::default(),
        }
    }
}

/// JWKS are small; anything larger is not one.
const MAX_JWKS_BYTES: usize = 256 * 1024;

struct FetchGate {
    last_attempt: Option<Instant>,
    /// Whether that attempt failed: until the next one, an unknown `kid` is then "cannot
    /// verify now" (503), not "invalid token" (401), so clients do not drop good tokens.
    last_failed: bool,
}

/// [`super::TokenVerifier`] for Cognito and other RS256 OIDC issuers.
pub struct OidcVerifier {
    config: OidcConfig,
    http: reqwest::Client,
    keys: RwLock<HashMap<String, Arc<DecodingKey>>>,
    /// Held across a fetch so concurrent misses cause one request.
    gate: tokio::sync::Mutex<FetchGate>,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

impl OidcVerifier {
    pub fn new(config: OidcConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(config.jwks.timeout)
            .build()
            .unwrap_or_default();
        Self {
            config,
            http,
            keys: RwLock::new(HashMap::new()),
            gate: tokio::sync::Mutex::new(FetchGate {
                last_attempt: None,
                last_failed: false,
            }),
        }
    }

    fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        self.keys.read().ok()?.get(kid).cloned()
    }

    async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(k) = self.cached(kid) {
            return Ok(k);
        }
        let mut gate = self.gate.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(k) = self.cached(kid) {
            return Ok(k);
        }
        let due = gate
            .last_attempt
            .is_none_or(|t| t.elapsed() >= self.config.jwks.min_refetch_interval);
        if !due {
            return Err(if gate.last_failed {
                AuthError::Unavailable("the last JWKS fetch failed; retrying later".into())
            } else {
                AuthError::Invalid("token is signed with an unknown key (kid)".into())
            });
        }
        gate.last_attempt = Some(Instant::now());
        let fetched = self.fetch().await;
        gate.last_failed = fetched.is_err();
        let fresh = fetched?;
        tracing::info!(keys = fresh.len(), "fetched JWKS");
        let found = fresh.get(kid).cloned();
        if let Ok(mut keys) = self.keys.write() {
            *keys = fresh;
        }
        found.ok_or_else(|| AuthError::Invalid("token is signed with an unknown key (kid)".into()))
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<DecodingKey>>, AuthError> {
        let url = &self.config.jwks.url;
        let unavailable = |what: String| AuthError::Unavailable(format!("JWKS {url}: {what}"));
        let mut res = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(unavailable(format!("HTTP {}", res.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| unavailable(e.to_string()))? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(unavailable(format!("larger than {MAX_JWKS_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        let jwks: Jwks =
            serde_json::from_slice(&body).map_err(|e| unavailable(format!("not a JWKS: {e}")))?;
        let mut keys = HashMap::new();
        for k in jwks.keys {
            let usable = k.kty == "RSA"
                && k.use_.as_deref().is_none_or(|u| u == "sig")
                && k.alg.as_deref().is_none_or(|a| a == "RS256");
            let (Some(kid), Some(n), Some(e), true) = (k.kid, k.n, k.e, usable) else {
                continue;
            };
            match DecodingKey::from_rsa_components(&n, &e) {
                Ok(key) => {
                    keys.insert(kid, Arc::new(key));
                }
                Err(err) => tracing::warn!(%kid, error = %err, "skipping unusable JWK"),
            }
        }
        Ok(keys)
    }
}

fn claim_str<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

#[async_trait]
impl TokenVerifier for OidcVerifier {
    async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        // The header is read before anything is trusted only to pick the key; `alg` must be
        // RS256, so `none` and HS* (e.g. an HMAC keyed with the public key) never get further.
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::Invalid("token is not a well-formed signed JWT".into()))?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Invalid(format!(
                "token algorithm {:?} is not accepted; only RS256",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| AuthError::Invalid("token names no signing key (kid)".into()))?;
        let key = self.key(&kid).await?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = self.config.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // Access tokens carry no `aud`; the app client is checked below per token_use.
        validation.validate_aud = false;
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(|e| {
                AuthError::Invalid(
                    match e.kind() {
                        ErrorKind::ExpiredSignature => "token has expired",
                        ErrorKind::ImmatureSignature => "token is not valid yet (nbf)",
                        ErrorKind::InvalidIssuer => "token issuer (iss) is not the configured one",
                        ErrorKind::InvalidSignature => "token signature does not verify",
                        ErrorKind::MissingRequiredClaim(_) => {
                            "token lacks a required claim (exp, iss, sub)"
                        }
                        ErrorKind::InvalidAlgorithm => {
                            "token algorithm is not accepted; only RS256"
                        }
                        _ => "token is not valid",
                    }
                    .into(),
                )
            })?;
        let claims = data.claims;

        let token_use = claim_str(&claims, "token_use")
            .and_then(|u| self.config.token_uses.iter().find(|t| t.as_str() == u))
            .ok_or_else(|| AuthError::Invalid("token_use is missing or not accepted".into()))?;
        let client_ok =
            |id: Option<&str>| id.is_some_and(|id| self.config.client_ids.iter().any(|c| c == id));
        let ok = match token_use {
            TokenUse::Access => client_ok(claim_str(&claims, "client_id")),
            TokenUse::Id => match claims.get("aud") {
                Some(Value::Array(auds)) => auds.iter().any(|a| client_ok(a.as_str())),
                Some(Value::String(a)) => client_ok(Some(a)),
                _ => false,
            },
        };
        if !ok {
            return Err(AuthError::Invalid(
                "token was issued for another app client (aud/client_id)".into(),
            ));
        }
        self.config.policy.principal(&claims)
    }
}
