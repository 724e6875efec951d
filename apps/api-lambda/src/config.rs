//! The API Lambda's settings, from its environment: the contract Terraform follows
//! (terraform/README.md, "API Lambda").

use std::time::Duration;

use navsync_api::CorsOrigins;

/// Every environment variable the API Lambda reads (besides the AWS runtime's own).
pub const ENV_VARS: &[&str] = &[
    "NAVSYNC_TABLE",
    "NAVSYNC_BUCKET",
    "NAVSYNC_EXPORTS_BUCKET",
    "NAVSYNC_COGNITO_ISSUER",
    "NAVSYNC_COGNITO_CLIENT_ID",
    "NAVSYNC_JWKS_URL",
    "NAVSYNC_CORS_ORIGINS",
    "NAVSYNC_PRESIGN_TTL_SECONDS",
    "NAVSYNC_SYNC_FUNCTION",
    "NAVSYNC_CURSOR_KEY_PARAM",
    "RUST_LOG",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set (or empty)")]
    Missing(&'static str),
    #[error("environment variable {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `NAVSYNC_TABLE`
    pub table: String,
    /// `NAVSYNC_BUCKET`
    pub bucket: String,
    /// `NAVSYNC_EXPORTS_BUCKET`: where CSV exports are written and linked (303); unset, they
    /// go in the response, which Lambda bounds to about 4.3 MB.
    pub exports_bucket: Option<String>,
    /// `NAVSYNC_COGNITO_ISSUER`
    pub cognito_issuer: String,
    /// `NAVSYNC_COGNITO_CLIENT_ID`
    pub cognito_client_id: String,
    /// `NAVSYNC_JWKS_URL`
    pub jwks_url: String,
    /// `NAVSYNC_CORS_ORIGINS`: comma-separated; may be empty (no CORS) or `*`.
    pub cors_origins: CorsOrigins,
    /// `NAVSYNC_PRESIGN_TTL_SECONDS`: default 300, at most 3600.
    pub presign_ttl: Duration,
    /// `NAVSYNC_SYNC_FUNCTION`: the sync Lambda "sync now" invokes.
    pub sync_function: String,
    /// `NAVSYNC_CURSOR_KEY_PARAM`: the SSM SecureString holding the cursor signing key.
    pub cursor_key_param: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// `RUST_LOG` is read by the tracing subscriber, not here.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let optional = |name: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let presign_ttl = match optional("NAVSYNC_PRESIGN_TTL_SECONDS") {
            None => Duration::from_secs(300),
            Some(v) => match v.parse::<u64>() {
                Ok(s) if (1..=3600).contains(&s) => Duration::from_secs(s),
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "NAVSYNC_PRESIGN_TTL_SECONDS",
                        reason: format!("must be whole seconds from 1 to 3600, got {v:?}"),
                    });
                }
            },
        };
        let url = |name: &'static str| {
            let v = required(name)?;
            if v.starts_with("https://") || v.starts_with("http://") {
                Ok(v)
            } else {
                Err(ConfigError::Invalid {
                    name,
                    reason: format!("must be an http(s) URL, got {v:?}"),
                })
            }
        };
        Ok(Self {
            table: required("NAVSYNC_TABLE")?,
            bucket: required("NAVSYNC_BUCKET")?,
            exports_bucket: optional("NAVSYNC_EXPORTS_BUCKET"),
            cognito_issuer: url("NAVSYNC_COGNITO_ISSUER")?,
            cognito_client_id: required("NAVSYNC_COGNITO_CLIENT_ID")?,
            jwks_url: url("NAVSYNC_JWKS_URL")?,
            cors_origins: CorsOrigins::parse(&optional("NAVSYNC_CORS_ORIGINS").unwrap_or_default()),
            presign_ttl,
            sync_function: required("NAVSYNC_SYNC_FUNCTION")?,
            cursor_key_param: required("NAVSYNC_CURSOR_KEY_PARAM")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("NAVSYNC_TABLE", "navsync"),
            ("NAVSYNC_BUCKET", "navsync-docs"),
            ("NAVSYNC_EXPORTS_BUCKET", "navsync-exports"),
            (
                "NAVSYNC_COGNITO_ISSUER",
                "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_x",
            ),
            ("NAVSYNC_COGNITO_CLIENT_ID", "client"),
            (
                "NAVSYNC_JWKS_URL",
                "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_x/.well-known/jwks.json",
            ),
            (
                "NAVSYNC_CORS_ORIGINS",
                "https://a.example, https://b.example",
            ),
            ("NAVSYNC_PRESIGN_TTL_SECONDS", "120"),
            ("NAVSYNC_SYNC_FUNCTION", "navsync-sync"),
            ("NAVSYNC_CURSOR_KEY_PARAM", "/navsync/api/cursor-key"),
        ])
    }

    fn load(env: &HashMap<&'static str, &'static str>) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| env.get(k).map(|v| (*v).to_owned()))
    }

    #[test]
    fn reads_the_contract() {
        let c = load(&env()).unwrap();
        assert_eq!(c.presign_ttl, Duration::from_secs(120));
        assert_eq!(c.exports_bucket.as_deref(), Some("navsync-exports"));
        for name in env().keys() {
            assert!(
                ENV_VARS.contains(name),
                "{name} is read but not in ENV_VARS"
            );
        }
        assert_eq!(
            c.cors_origins,
            CorsOrigins::List(vec!["https://a.example".into(), "https://b.example".into()])
        );
    }

    #[test]
    fn names_what_is_missing_or_wrong() {
        for name in [
            "NAVSYNC_TABLE",
            "NAVSYNC_BUCKET",
            "NAVSYNC_COGNITO_ISSUER",
            "NAVSYNC_COGNITO_CLIENT_ID",
            "NAVSYNC_JWKS_URL",
            "NAVSYNC_SYNC_FUNCTION",
            "NAVSYNC_CURSOR_KEY_PARAM",
        ] {
            let mut e = env();
            e.remove(name);
            assert_eq!(load(&e).unwrap_err(), ConfigError::Missing(name));
            assert!(load(&e).unwrap_err().to_string().contains(name));
        }
        let mut e = env();
        e.remove("NAVSYNC_CORS_ORIGINS");
        e.remove("NAVSYNC_PRESIGN_TTL_SECONDS");
        e.remove("NAVSYNC_EXPORTS_BUCKET");
        let c = load(&e).unwrap();
        assert_eq!(c.exports_bucket, None);
        assert_eq!(
            (c.cors_origins, c.presign_ttl.as_secs()),
            (CorsOrigins::None, 300)
        );
        e.insert("NAVSYNC_PRESIGN_TTL_SECONDS", "0");
        assert!(
            load(&e)
                .unwrap_err()
                .to_string()
                .contains("NAVSYNC_PRESIGN_TTL_SECONDS")
        );
        e.insert("NAVSYNC_PRESIGN_TTL_SECONDS", "300");
        e.insert("NAVSYNC_JWKS_URL", "jwks.json");
        assert!(
            load(&e)
                .unwrap_err()
                .to_string()
                .contains("NAVSYNC_JWKS_URL")
        );
    }
}
