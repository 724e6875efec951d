//! Tokens navsync mints itself for local mode: EdDSA (Ed25519) JWTs signed with the key in the
//! data directory, naming the taxpayers a user may read and whether it is an admin. The API
//! verifies them with the public half; nothing symmetric, so a verifier cannot mint.

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use clap::{Args, Subcommand, ValueEnum};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use navsync_api::{AuthError, ClaimsPolicy, Principal, TokenVerifier};
use navsync_domain::TaxpayerId;
use serde_json::{Map, Value, json};

use crate::local::DataDir;

pub const ISSUER: &str = "navsync-local";
pub const AUDIENCE: &str = "navsync";

pub struct LocalTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl LocalTokens {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(seed);
        let der = key
            .to_pkcs8_der()
            .expect("an Ed25519 key always encodes as PKCS#8");
        Self {
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding: DecodingKey::from_ed_der(key.verifying_key().as_bytes()),
        }
    }

    pub fn open(data: &DataDir) -> Result<Self, String> {
        Ok(Self::from_seed(&data.key(DataDir::TOKEN_KEY)?))
    }

    /// A token for `subject`, valid for `valid_for_secs` from now.
    pub fn mint(
        &self,
        subject: &str,
        taxpayers: &[TaxpayerId],
        admin: bool,
        valid_for_secs: u64,
    ) -> String {
        let now = unix_now();
        let taxpayers: Vec<String> = taxpayers.iter().map(ToString::to_string).collect();
        let groups: Vec<&str> = if admin { vec!["admins"] } else { vec![] };
        let claims = json!({
            "sub": subject, "iss": ISSUER, "aud": AUDIENCE, "token_use": "access",
            "iat": now, "exp": now + valid_for_secs,
            "custom:taxpayers": taxpayers.join(","), "cognito:groups": groups,
        });
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims, &self.encoding)
            .expect("signing with an Ed25519 key cannot fail")
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[async_trait]
impl TokenVerifier for LocalTokens {
    async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        // EdDSA only: the algorithm is pinned, so `alg: none` or an HMAC token keyed with the
        // public key is refused before any signature check.
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &self.decoding, &validation)
            .map_err(|e| AuthError::Invalid(format!("not a valid navsync token: {e}")))?;
        // The taxpayers claim is safe to honour here: only the holder of the key can set it.
        let policy = ClaimsPolicy {
            taxpayers_claim: true,
            ..ClaimsPolicy::default()
        };
        policy.principal(&data.claims)
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Mint a bearer token for `navsync serve`, signed with the data directory's key.
    #[command(
        after_help = "Example:\n  navsync token create --data-dir navsync-data \
                            --taxpayer 12345676 --role reader --valid-for-hours 8"
    )]
    Create(CreateArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Role {
    /// Reads the named taxpayers' invoices and sync status.
    Reader,
    /// A reader who may also start a sync.
    Admin,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The data directory whose key signs the token (the one `navsync serve` uses).
    #[arg(long, default_value = "navsync-data")]
    pub data_dir: std::path::PathBuf,
    /// A taxpayer (8-digit tax number) the token may read; repeat for several.
    #[arg(long = "taxpayer", required = true)]
    pub taxpayers: Vec<TaxpayerId>,
    #[arg(long, value_enum, default_value_t = Role::Reader)]
    pub role: Role,
    /// Who the token is for (its `sub`).
    #[arg(long, default_value = "local-user")]
    pub subject: String,
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=24 * 366))]
    pub valid_for_hours: u64,
}

pub fn run(cmd: TokenCommand) -> Result<(), String> {
    match cmd {
        TokenCommand::Create(args) => {
            let tokens = LocalTokens::open(&DataDir::open(&args.data_dir)?)?;
            let token = tokens.mint(
                &args.subject,
                &args.taxpayers,
                matches!(args.role, Role::Admin),
                args.valid_for_hours * 3600,
            );
            println!("{token}");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(seed: u8) -> LocalTokens {
        LocalTokens::from_seed(&[seed; 32])
    }

    #[tokio::test]
    async fn a_minted_token_names_its_taxpayers_and_role() {
        let t = tokens(1);
        let a: TaxpayerId = "12345676".parse().unwrap();
        let p = t.verify(&t.mint("anna", &[a], true, 60)).await.unwrap();
        assert_eq!(p.subject, "anna");
        assert!(p.may_read(a));
        assert!(p.admin);
        let reader = t.verify(&t.mint("bob", &[a], false, 60)).await.unwrap();
        assert!(!reader.admin);
        assert!(reader.may_read(a));
        assert!(!reader.may_read("99999999".parse().unwrap()));
    }

    #[tokio::test]
    async fn foreign_expired_and_unsigned_tokens_are_refused() {
        let a: TaxpayerId = "12345676".parse().unwrap();
        let other_key = tokens(2).mint("anna", &[a], true, 60);
        assert!(tokens(1).verify(&other_key).await.is_err());

        let t = tokens(1);
        let now = unix_now();
        let expired = jsonwebtoken::encode(
            &Header::new(Algorithm::EdDSA),
            &json!({"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "exp": now - 3600}),
            &t.encoding,
        )
        .unwrap();
        assert!(t.verify(&expired).await.is_err());

        // alg none: header {"alg":"none"}, the same claims, no signature.
        let valid = t.mint("anna", &[a], true, 60);
        let claims = valid.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{claims}.");
        assert!(t.verify(&none).await.is_err());
        // Claims changed after signing (another taxpayer granted) fail the signature.
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: Value = serde_json::from_slice(&b64.decode(claims).unwrap()).unwrap();
        claims["custom:taxpayers"] = json!("12345676,99999999");
        let parts: Vec<&str> = valid.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64.encode(serde_json::to_vec(&claims).unwrap()),
            parts[2]
        );
        assert!(t.verify(&forged).await.is_err());
        assert!(
            t.verify(&valid).await.is_ok(),
            "the untouched token still verifies"
        );
    }
}
