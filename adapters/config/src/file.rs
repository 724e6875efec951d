//! Reading the TOML file into [`LocalConfig`]. The file is parsed into a plain table and each
//! setting taken out by hand, so every error names its key and none echoes a value, which
//! serde's messages ("invalid type: string \"…\"") would.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use navsync_domain::{Lookback, Secret, TaxNumber, TaxpayerId};
use toml::{Table, Value};

use crate::credentials::{ConfigCredentials, TaxpayerEntry};
use crate::{ConfigError, LocalConfig, NavEnv, NavSettings, OidcSettings, ServeLimits};

const TOP_KEYS: &[&str] = &[
    "nav_env",
    "data_dir",
    "lookback_days",
    "recheck_days",
    "bind",
    "auth",
    "nav",
    "serve",
    "taxpayer",
];
const NAV_KEYS: &[&str] = &["max_concurrency", "strict_pacing"];
const AUTH_KEYS: &[&str] = &["oidc_issuer", "oidc_audience"];
const SERVE_KEYS: &[&str] = &[
    "header_read_timeout_secs",
    "max_connections",
    "requests_per_minute",
];
const TAXPAYER_KEYS: &[&str] = &[
    "tax_number",
    "login",
    "password",
    "sign_key",
    "exchange_key",
];
const RECHECK_RULE: &str = "must be a whole number of days from 0 (off) to 30";

fn recheck_days(days: Option<i64>) -> Option<u32> {
    days.and_then(|d| u32::try_from(d).ok())
        .filter(|d| *d <= LocalConfig::MAX_RECHECK_DAYS)
}

pub(crate) const SECRET_KEYS: &[&str] = &["password", "sign_key", "exchange_key"];

struct Reader<'a> {
    file: &'a Path,
}

impl Reader<'_> {
    fn invalid(&self, key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_path_buf(),
            key: key.into(),
            reason: reason.into(),
        }
    }

    fn no_unknown_keys(&self, table: &Table, known: &[&str], at: &str) -> Result<(), ConfigError> {
        match table.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(self.invalid(
                format!("{at}{k}"),
                format!("unknown setting; expected one of {}", known.join(", ")),
            )),
            None => Ok(()),
        }
    }

    fn string<'t>(
        &self,
        table: &'t Table,
        key: &str,
        at: &str,
    ) -> Result<Option<&'t str>, ConfigError> {
        match table.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.invalid(
                format!("{at}{key}"),
                format!("must be a string, not a {}", other.type_str()),
            )),
        }
    }
}

/// The `[nav]` table, with `NAVSYNC_NAV_MAX_CONCURRENCY` / `NAVSYNC_NAV_STRICT_PACING` on top.
fn nav_settings(
    r: &Reader<'_>,
    table: &Table,
    env: &HashMap<String, String>,
) -> Result<NavSettings, ConfigError> {
    let t = match table.get("nav") {
        None => None,
        Some(Value::Table(t)) => {
            r.no_unknown_keys(t, NAV_KEYS, "nav.")?;
            Some(t)
        }
        Some(_) => return Err(r.invalid("nav", "must be a [nav] table")),
    };
    let defaults = NavSettings::default();
    let max = NavSettings::MAX_CONCURRENCY;
    let concurrency_rule = format!("must be a whole number from 1 to {max}");
    let in_range = |n: i64| u32::try_from(n).ok().filter(|n| (1..=max).contains(n));
    let max_concurrency = match env.get("NAVSYNC_NAV_MAX_CONCURRENCY") {
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(in_range)
            .ok_or_else(|| r.invalid("NAVSYNC_NAV_MAX_CONCURRENCY", concurrency_rule.clone()))?,
        None => match t.and_then(|t| t.get("max_concurrency")) {
            None => defaults.max_concurrency,
            Some(Value::Integer(n)) => in_range(*n)
                .ok_or_else(|| r.invalid("nav.max_concurrency", concurrency_rule.clone()))?,
            Some(_) => return Err(r.invalid("nav.max_concurrency", concurrency_rule)),
        },
    };
    let strict_pacing = match env.get("NAVSYNC_NAV_STRICT_PACING") {
        Some(v) => match v.trim() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => {
                return Err(r.invalid("NAVSYNC_NAV_STRICT_PACING", "must be true or false"));
            }
        },
        None => match t.and_then(|t| t.get("strict_pacing")) {
            None => defaults.strict_pacing,
            Some(Value::Boolean(b)) => *b,
            Some(_) => return Err(r.invalid("nav.strict_pacing", "must be true or false")),
        },
    };
    Ok(NavSettings {
        max_concurrency,
        strict_pacing,
    })
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(unix)]
fn group_or_other_readable(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn group_or_other_readable(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

pub(crate) fn load(path: &Path, env: &HashMap<String, String>) -> Result<LocalConfig, ConfigError> {
    let read_err = |e: std::io::Error| ConfigError::Read {
        file: path.to_path_buf(),
        reason: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    let text = std::fs::read_to_string(path).map_err(read_err)?;
    let table: Table = toml::from_str(&text).map_err(|e| {
        let (line, column) = line_and_column(&text, e.span().map_or(0, |s| s.start));
        ConfigError::Syntax {
            file: path.to_path_buf(),
            line,
            column,
            message: e.message().to_owned(),
        }
    })?;
    let r = Reader { file: path };
    r.no_unknown_keys(&table, TOP_KEYS, "")?;

    let taxpayer_tables = match table.get("taxpayer") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Table(t) => Ok(t),
                _ => Err(r.invalid(
                    format!("taxpayer[{}]", i + 1),
                    "must be a [[taxpayer]] table",
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(r.invalid("taxpayer", "must be written as [[taxpayer]] tables")),
    };
    let holds_secret = taxpayer_tables
        .iter()
        .any(|t| SECRET_KEYS.iter().any(|k| t.contains_key(*k)));
    if holds_secret && let Some(mode) = group_or_other_readable(&meta) {
        return Err(ConfigError::Permissions {
            file: path.to_path_buf(),
            mode,
        });
    }

    // Setting from the environment if set there, else from the file; `key` names where.
    let setting = |key: &str, var: &str| -> Result<Option<(String, String)>, ConfigError> {
        if let Some(v) = env.get(var) {
            return Ok(Some((v.clone(), var.to_owned())));
        }
        Ok(r.string(&table, key, "")?
            .map(|v| (v.to_owned(), key.to_owned())))
    };

    let nav_env = match setting("nav_env", "NAVSYNC_NAV_ENV")? {
        Some((v, key)) => NavEnv::parse(&v).map_err(|reason| r.invalid(key, reason))?,
        None => NavEnv::Test,
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let data_dir = match setting("data_dir", "NAVSYNC_DATA_DIR")? {
        Some((v, key)) if v.trim().is_empty() => return Err(r.invalid(key, "must not be empty")),
        Some((v, _)) => PathBuf::from(v),
        None => PathBuf::from(LocalConfig::DEFAULT_DATA_DIR),
    };
    let data_dir = std::path::absolute(base.join(data_dir)).map_err(read_err)?;
    let lookback = match env.get("NAVSYNC_LOOKBACK_DAYS") {
        Some(v) => v
            .parse::<Lookback>()
            .map_err(|e| r.invalid("NAVSYNC_LOOKBACK_DAYS", e.to_string()))?,
        None => match table.get("lookback_days") {
            None => Lookback::try_from(LocalConfig::DEFAULT_LOOKBACK_DAYS).expect("in range"),
            Some(Value::Integer(days)) => u32::try_from(*days)
                .ok()
                .and_then(|d| Lookback::try_from(d).ok())
                .ok_or_else(|| {
                    r.invalid(
                        "lookback_days",
                        "must be a whole number of days from 1 to 30",
                    )
                })?,
            Some(_) => {
                return Err(r.invalid(
                    "lookback_days",
                    "must be a whole number of days from 1 to 30",
                ));
            }
        },
    };
    let recheck_days = match env.get("NAVSYNC_RECHECK_DAYS") {
        Some(v) => recheck_days(v.trim().parse::<i64>().ok())
            .ok_or_else(|| r.invalid("NAVSYNC_RECHECK_DAYS", RECHECK_RULE))?,
        None => match table.get("recheck_days") {
            None => LocalConfig::DEFAULT_RECHECK_DAYS,
            Some(Value::Integer(days)) => {
                recheck_days(Some(*days)).ok_or_else(|| r.invalid("recheck_days", RECHECK_RULE))?
            }
            Some(_) => return Err(r.invalid("recheck_days", RECHECK_RULE)),
        },
    };
    let bind = match setting("bind", "NAVSYNC_BIND")? {
        Some((v, key)) => v
            .parse::<SocketAddr>()
            .map_err(|_| r.invalid(key, "must be an address and port such as 127.0.0.1:8080"))?,
        None => LocalConfig::DEFAULT_BIND.parse().expect("a valid address"),
    };
    let oidc = match table.get("auth") {
        None => None,
        Some(Value::Table(auth)) => {
            r.no_unknown_keys(auth, AUTH_KEYS, "auth.")?;
            let issuer = r.string(auth, "oidc_issuer", "auth.")?;
            let audience = r.string(auth, "oidc_audience", "auth.")?;
            match (issuer, audience) {
                (None, None) => None,
                (Some(issuer), Some(audience)) => {
                    if !issuer.starts_with("https://") {
                        return Err(r.invalid("auth.oidc_issuer", "must be an https:// URL"));
                    }
                    Some(OidcSettings {
                        issuer: issuer.trim_end_matches('/').to_owned(),
                        audience: audience.to_owned(),
                    })
                }
                (Some(_), None) => {
                    return Err(r.invalid(
                        "auth.oidc_audience",
                        "is missing; set it beside auth.oidc_issuer",
                    ));
                }
                (None, Some(_)) => {
                    return Err(r.invalid(
                        "auth.oidc_issuer",
                        "is missing; set it beside auth.oidc_audience",
                    ));
                }
            }
        }
        Some(_) => return Err(r.invalid("auth", "must be an [auth] table")),
    };
    let nav = nav_settings(&r, &table, env)?;
    let serve = match table.get("serve") {
        None => ServeLimits::default(),
        Some(Value::Table(t)) => {
            r.no_unknown_keys(t, SERVE_KEYS, "serve.")?;
            let defaults = ServeLimits::default();
            let number = |key: &str, default: u32, min: u32| -> Result<u32, ConfigError> {
                let rule = || {
                    r.invalid(
                        format!("serve.{key}"),
                        format!("must be a whole number from {min} to {}", u32::MAX),
                    )
                };
                match t.get(key) {
                    None => Ok(default),
                    Some(Value::Integer(n)) => u32::try_from(*n)
                        .ok()
                        .filter(|n| *n >= min)
                        .ok_or_else(rule),
                    Some(_) => Err(rule()),
                }
            };
            ServeLimits {
                header_read_timeout_secs: number(
                    "header_read_timeout_secs",
                    defaults.header_read_timeout_secs,
                    1,
                )?,
                max_connections: number("max_connections", defaults.max_connections, 1)?,
                requests_per_minute: number(
                    "requests_per_minute",
                    defaults.requests_per_minute,
                    0,
                )?,
            }
        }
        Some(_) => return Err(r.invalid("serve", "must be a [serve] table")),
    };

    let mut taxpayers = Vec::new();
    let mut entries = HashMap::new();
    let mut seen = HashSet::new();
    for (i, t) in taxpayer_tables.into_iter().enumerate() {
        let at = format!("taxpayer[{}].", i + 1);
        r.no_unknown_keys(t, TAXPAYER_KEYS, &at)?;
        let tax_number: TaxpayerId = match r.string(t, "tax_number", &at)? {
            None => return Err(r.invalid(format!("{at}tax_number"), "is missing")),
            Some(v) => {
                v.parse::<TaxNumber>()
                    .map_err(|e| r.invalid(format!("{at}tax_number"), e.to_string()))?
                    .taxpayer_id
            }
        };
        if !seen.insert(tax_number) {
            return Err(r.invalid(
                format!("{at}tax_number"),
                format!("taxpayer {tax_number} is configured twice"),
            ));
        }
        let value = |key: &str| -> Result<Option<(Secret, String)>, ConfigError> {
            let var = format!("NAVSYNC_{tax_number}_{}", key.to_ascii_uppercase());
            if let Some(v) = env.get(&var) {
                return Ok(Some((Secret::new(v.clone()), var)));
            }
            Ok(r.string(t, key, &at)?
                .map(|v| (Secret::new(v), format!("{at}{key} in {}", path.display()))))
        };
        entries.insert(
            tax_number,
            TaxpayerEntry {
                at: at.clone(),
                login: value("login")?,
                password: value("password")?,
                sign_key: value("sign_key")?,
                exchange_key: value("exchange_key")?,
            },
        );
        taxpayers.push(tax_number);
    }

    Ok(LocalConfig {
        file: path.to_path_buf(),
        nav_env,
        data_dir,
        lookback,
        recheck_days,
        bind,
        oidc,
        nav,
        serve,
        taxpayers,
        credentials: ConfigCredentials::new(path.to_path_buf(), entries),
    })
}
