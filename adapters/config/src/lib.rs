//! navsync's local configuration: the settings of `navsync sync`/`serve` and each taxpayer's
//! NAV credentials, from one TOML file with environment variables on top.
//!
//! ```toml
//! nav_env = "test"              # "test", "production", or the service URL (e.g. a simulator)
//! data_dir = "navsync-data"     # relative paths are relative to this file's directory
//! lookback_days = 7             # how far back a first sync looks: 1 to 30 days
//! recheck_days = 3              # every sync lists again this far behind its watermark
//!                               # (NAV lists some invoices late): 0 (off) to 30 days
//! bind = "127.0.0.1:8080"       # where `navsync serve` listens
//!
//! [nav]                         # optional: how hard NAV is asked
//! max_concurrency = 8           # ceiling of the adaptive limit on requests in flight: 1 to 64
//! strict_pacing = false         # true: one request at a time, 1.02 s apart (spec 1.6.11's v1 rule)
//!
//! [serve]                       # optional: `navsync serve`'s limits against slow or busy clients
//! header_read_timeout_secs = 10 # a request's headers (and an idle keep-alive) must arrive in this
//! max_connections = 512         # open connections at once; beyond: 503 and closed
//! requests_per_minute = 600     # per caller (token subject), bursts up to it; 0: unlimited
//!
//! [auth]                        # optional: accept JWTs from an OIDC issuer (e.g. Cognito)
//! oidc_issuer = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Example"
//! oidc_audience = "navsync-api"
//!
//! [[taxpayer]]
//! tax_number = "12345676"       # the 8-digit taxpayer id (or the full 11-digit tax number)
//! login = "technicaluser1"
//! password = "…"                # or NAVSYNC_12345676_PASSWORD
//! sign_key = "…"                # or NAVSYNC_12345676_SIGN_KEY
//! exchange_key = "…"            # or NAVSYNC_12345676_EXCHANGE_KEY
//! ```
//!
//! Environment variables override the file: `NAVSYNC_NAV_ENV`, `NAVSYNC_DATA_DIR`,
//! `NAVSYNC_LOOKBACK_DAYS`, `NAVSYNC_RECHECK_DAYS`, `NAVSYNC_BIND`, `NAVSYNC_NAV_MAX_CONCURRENCY`,
//! `NAVSYNC_NAV_STRICT_PACING` (`true`/`false`), and per taxpayer
//! `NAVSYNC_<TAXNUMBER>_LOGIN`, `_PASSWORD`, `_SIGN_KEY`, `_EXCHANGE_KEY`. A file that holds a secret must not be readable
//! by group or others (`chmod 600`). Errors name the file and the key, never a value.

mod credentials;
mod file;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use navsync_domain::{Lookback, TaxpayerId};

pub use credentials::ConfigCredentials;

/// Which NAV Online Számla service to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NavEnv {
    Test,
    Production,
    /// Another endpoint, e.g. the simulator: the base URL of the `invoiceService/v3` API.
    Url(String),
}

impl NavEnv {
    /// The value as written in the file: `test`, `production` or the URL.
    pub fn as_str(&self) -> &str {
        match self {
            NavEnv::Test => "test",
            NavEnv::Production => "production",
            NavEnv::Url(url) => url,
        }
    }

    fn parse(value: &str) -> Result<Self, String> {
        match value {
            "test" => Ok(NavEnv::Test),
            "production" => Ok(NavEnv::Production),
            url if url.starts_with("https://") || url.starts_with("http://") => {
                Ok(NavEnv::Url(url.trim_end_matches('/').to_owned()))
            }
            _ => Err("must be \"test\", \"production\" or an http(s) URL".to_owned()),
        }
    }
}

impl fmt::Display for NavEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// OIDC settings for `navsync serve`: JWTs from this issuer for this audience are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    pub issuer: String,
    pub audience: String,
}

/// How navsync asks NAV (the `[nav]` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavSettings {
    /// Ceiling of the adaptive limit on NAV requests in flight, 1 to
    /// [`NavSettings::MAX_CONCURRENCY`]; default 8.
    pub max_concurrency: u32,
    /// One request at a time, 1.02 s apart, instead of the adaptive limit; default off.
    pub strict_pacing: bool,
}

impl NavSettings {
    /// A ceiling past this would be no ceiling towards a service every taxpayer shares.
    pub const MAX_CONCURRENCY: u32 = 64;
}

impl Default for NavSettings {
    fn default() -> Self {
        Self {
            max_concurrency: 8,
            strict_pacing: false,
        }
    }
}

/// `navsync serve`'s defences against slow and busy clients (the `[serve]` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// How long a client may take to send a request's headers, and to start the next request
    /// on a kept-alive connection; at least 1.
    pub header_read_timeout_secs: u32,
    /// Connections open at once; at least 1.
    pub max_connections: u32,
    /// Requests per minute per caller (token subject); 0 means unlimited.
    pub requests_per_minute: u32,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            header_read_timeout_secs: 10,
            max_connections: 512,
            requests_per_minute: 600,
        }
    }
}

/// Everything local mode reads from its configuration. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    /// The file this came from.
    pub file: PathBuf,
    pub nav_env: NavEnv,
    /// Holds the database, the archive and the token key; absolute.
    pub data_dir: PathBuf,
    pub lookback: Lookback,
    /// How many days behind the watermark every sync lists again, for invoices NAV lists
    /// late; 0 turns it off.
    pub recheck_days: u32,
    pub bind: SocketAddr,
    pub oidc: Option<OidcSettings>,
    pub nav: NavSettings,
    pub serve: ServeLimits,
    /// The configured taxpayers, in file order.
    pub taxpayers: Vec<TaxpayerId>,
    pub credentials: ConfigCredentials,
}

impl LocalConfig {
    pub const DEFAULT_DATA_DIR: &str = "navsync-data";
    pub const DEFAULT_LOOKBACK_DAYS: u32 = 7;
    pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
    /// The domain's default re-check ([`navsync_domain::sync::SyncPolicy::DEFAULT_RECHECK`]).
    pub const DEFAULT_RECHECK_DAYS: u32 = 3;
    /// Beyond a lookback, a daily rescan is the tool.
    pub const MAX_RECHECK_DAYS: u32 = 30;

    /// Reads `path`, with this process's environment variables on top.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(path, std::env::vars().collect())
    }

    /// Reads `path`, with `env` (variable name → value) on top.
    pub fn load_with_env(
        path: impl AsRef<Path>,
        env: HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        file::load(path.as_ref(), &env)
    }
}

/// Why the configuration cannot be used. Every variant names the file; none quotes a value
/// of a setting (a secret's value could be the wrong one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {file}: {reason}")]
    Read { file: PathBuf, reason: String },
    #[error(
        "{file} holds NAV credentials but group or others may read it (mode {mode:03o}); \
         run `chmod 600 {file}`, or move the secrets to NAVSYNC_<TAXNUMBER>_… variables"
    )]
    Permissions { file: PathBuf, mode: u32 },
    #[error("{file}:{line}:{column}: not valid TOML: {message}")]
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// `key` is the setting's path in the file (`taxpayer[2].login`) or the variable's name.
    #[error("{file}: {key}: {reason}")]
    Invalid {
        file: PathBuf,
        key: String,
        reason: String,
    },
}
