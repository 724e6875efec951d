//! Tokens navsync mints itself for local mode: EdDSA (Ed25519) JWTs signed with the key in the
//! data directory. They carry the same groups as Cognito: `taxpayer-<id>` (reader of that
//! taxpayer), `taxpayer-<id>-admin` (its admin, who may also sync it) or `operators` (every
//! taxpayer), so one [`ClaimsPolicy`] reads both. The API verifies them with the public half;
//! nothing symmetric, so a verifier cannot mint.

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use clap::{Args, Subcommand, ValueEnum};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use navsync_api::{
    AuthError, ClaimsPolicy, OPERATOR_GROUP, Principal, TokenVerifier, taxpayer_group,
};
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

    /// A token for `subject` with `grant`, valid for `valid_for_secs` from now.
    pub fn mint(&self, subject: &str, grant: &Grant, valid_for_secs: u64) -> String {
        let now = unix_now();
        let groups: Vec<String> = match grant {
            Grant::Operator => vec![OPERATOR_GROUP.to_owned()],
            Grant::Taxpayers(role, taxpayers) => taxpayers
                .iter()
                .map(|t| taxpayer_group(*t, (*role).into()))
                .collect(),
        };
        let claims = json!({
            "sub": subject, "iss": ISSUER, "aud": AUDIENCE, "token_use": "access",
            "iat": now, "exp": now + valid_for_secs, "cognito:groups": groups,
        });
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims, &self.encoding)
            .expect("signing with an Ed25519 key cannot fail")
    }
}

/// What a minted token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// `role` on each of these taxpayers, and nothing on any other.
    Taxpayers(TaxpayerRole, Vec<TaxpayerId>),
    /// Every taxpayer, and sync.
    Operator,
}

impl Grant {
    /// The grant `--role` and `--taxpayer` ask for. Errors: a reader or admin naming no
    /// taxpayer, an operator naming some (it would read as if limited to them, and is not).
    pub fn from_args(role: CliRole, taxpayers: &[TaxpayerId]) -> Result<Self, String> {
        let role = match role {
            CliRole::Operator if taxpayers.is_empty() => return Ok(Self::Operator),
            CliRole::Operator => {
                return Err(
                    "--role operator reads and syncs every taxpayer: leave out --taxpayer".into(),
                );
            }
            CliRole::Reader => TaxpayerRole::Reader,
            CliRole::Admin => TaxpayerRole::Admin,
        };
        if taxpayers.is_empty() {
            return Err(
                "--role reader and --role admin need --taxpayer (repeat for several)".into(),
            );
        }
        Ok(Self::Taxpayers(role, taxpayers.to_vec()))
    }
}

/// A role on one taxpayer (the CLI's [`CliRole`] without the operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxpayerRole {
    Reader,
    Admin,
}

impl From<TaxpayerRole> for navsync_api::Role {
    fn from(r: TaxpayerRole) -> Self {
        match r {
            TaxpayerRole::Reader => Self::Reader,
            TaxpayerRole::Admin => Self::Admin,
        }
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
        // The taxpayers claim (tokens of earlier releases; reader only) is safe to honour here:
        // only the holder of the key can set it.
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
                            --taxpayer 12345676 --role reader --valid-for-hours 8\n  \
                            navsync token create --taxpayer 12345676 --taxpayer 10773381 --role admin\n  \
                            navsync token create --role operator\n\n\
                            A reader or admin token grants nothing on taxpayers it does not name."
    )]
    Create(CreateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliRole {
    /// Reads the named taxpayers' invoices, documents, export and sync status; nothing else.
    Reader,
    /// A reader of the named taxpayers who may also start their sync; nothing else.
    Admin,
    /// Reads and syncs every taxpayer (no --taxpayer).
    Operator,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The data directory whose key signs the token (the one `navsync serve` uses).
    #[arg(long, default_value = "navsync-data")]
    pub data_dir: std::path::PathBuf,
    /// A taxpayer (8-digit tax number) the role applies to; repeat for several. Required for
    /// reader and admin, refused for operator.
    #[arg(long = "taxpayer")]
    pub taxpayers: Vec<TaxpayerId>,
    #[arg(long, value_enum, default_value_t = CliRole::Reader)]
    pub role: CliRole,
    /// Who the token is for (its `sub`).
    #[arg(long, default_value = "local-user")]
    pub subject: String,
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=24 * 366))]
    pub valid_for_hours: u64,
}

pub fn run(cmd: TokenCommand) -> Result<(), String> {
    match cmd {
        TokenCommand::Create(args) => {
            let grant = Grant::from_args(args.role, &args.taxpayers)?;
            let tokens = LocalTokens::open(&DataDir::open(&args.data_dir)?)?;
            let token = tokens.mint(&args.subject, &grant, args.valid_for_hours * 3600);
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

    fn admin_of(t: &[TaxpayerId]) -> Grant {
        Grant::Taxpayers(TaxpayerRole::Admin, t.to_vec())
    }

    #[tokio::test]
    async fn a_minted_token_names_its_taxpayers_and_role() {
        let t = tokens(1);
        let a: TaxpayerId = "12345676".parse().unwrap();
        let b: TaxpayerId = "10773381".parse().unwrap();
        let other: TaxpayerId = "99999999".parse().unwrap();
        let p = t
            .verify(&t.mint("anna", &admin_of(&[a, b]), 60))
            .await
            .unwrap();
        assert_eq!(p.subject, "anna");
        assert!(!p.operator);
        assert!(p.may_read(a) && p.may_sync(a) && p.may_sync(b));
        // An admin of A and B is nothing of any other taxpayer.
        assert!(!p.may_read(other) && !p.may_sync(other));
        let reader = Grant::Taxpayers(TaxpayerRole::Reader, vec![a]);
        let reader = t.verify(&t.mint("bob", &reader, 60)).await.unwrap();
        assert!(reader.may_read(a) && !reader.may_sync(a));
        assert!(!reader.may_read(other));
        let op = t
            .verify(&t.mint("olga", &Grant::Operator, 60))
            .await
            .unwrap();
        assert!(op.operator && op.roles.is_empty() && op.may_sync(other));
    }

    #[test]
    fn the_role_decides_whether_taxpayers_are_needed() {
        let a: TaxpayerId = "12345676".parse().unwrap();
        assert_eq!(Grant::from_args(CliRole::Admin, &[a]), Ok(admin_of(&[a])));
        assert_eq!(
            Grant::from_args(CliRole::Operator, &[]),
            Ok(Grant::Operator)
        );
        assert!(
            Grant::from_args(CliRole::Reader, &[])
                .unwrap_err()
                .contains("--taxpayer")
        );
        assert!(
            Grant::from_args(CliRole::Admin, &[])
                .unwrap_err()
                .contains("--taxpayer")
        );
        assert!(
            Grant::from_args(CliRole::Operator, &[a])
                .unwrap_err()
                .contains("every taxpayer")
        );
    }

    #[tokio::test]
    async fn foreign_expired_and_unsigned_tokens_are_refused() {
        let a: TaxpayerId = "12345676".parse().unwrap();
        let other_key = tokens(2).mint("anna", &admin_of(&[a]), 60);
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
        let valid = t.mint("anna", &admin_of(&[a]), 60);
        let claims = valid.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{claims}.");
        assert!(t.verify(&none).await.is_err());
        // Claims changed after signing (a reader made operator) fail the signature.
        let valid = t.mint("anna", &Grant::Taxpayers(TaxpayerRole::Reader, vec![a]), 60);
        let claims = valid.split('.').nth(1).unwrap();
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: Value = serde_json::from_slice(&b64.decode(claims).unwrap()).unwrap();
        claims["cognito:groups"] = json!(["operators"]);
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
