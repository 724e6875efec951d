//! The Lambda's settings, from its environment. [`ENV_VARS`] is the one list of what it reads;
//! the Terraform contract test holds the deployment to it.

use std::time::Duration;

use chrono::TimeDelta;
use navsync_domain::Lookback;
use navsync_domain::sync::SyncPolicy;
use navsync_nav::{ClientConfig, Endpoint};

/// Every environment variable the sync Lambda reads (besides the AWS runtime's own).
pub const ENV_VARS: &[&str] = &[
    "NAVSYNC_TABLE",
    "NAVSYNC_BUCKET",
    "NAVSYNC_SSM_PREFIX",
    "NAVSYNC_NAV_ENV",
    "NAVSYNC_LOOKBACK_DAYS",
    "NAVSYNC_RECHECK_DAYS",
    "NAVSYNC_DEADLINE_MARGIN_SECONDS",
    "NAVSYNC_KMS_KEY_ID",
    "NAVSYNC_NAV_MAX_CONCURRENCY",
    "NAVSYNC_NAV_STRICT_PACING",
    "RUST_LOG",
];

#[derive(Debug, Clone)]
pub struct Config {
    pub table: String,
    pub bucket: String,
    pub ssm_prefix: String,
    pub nav_endpoint: Endpoint,
    pub lookback: Lookback,
    /// How far behind the watermark every run lists again; zero turns it off.
    pub recheck: TimeDelta,
    /// Stop this long before Lambda's deadline: room for one NAV request in flight and the
    /// last writes.
    pub deadline_margin: Duration,
    /// SSE-KMS key for the archive; SSE-S3 when absent.
    pub kms_key_id: Option<String>,
    /// Ceiling of the NAV client's adaptive limit on requests in flight (1–64; default 8).
    pub nav_max_concurrency: usize,
    /// One NAV request at a time, 1.02 s apart, instead of the adaptive limit (default off).
    pub nav_strict_pacing: bool,
}

impl Config {
    /// Reads the settings through `var`; the error names the variable to fix.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let required = |name: &str| {
            var(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| format!("environment variable {name} is not set"))
        };
        let nav_env = required("NAVSYNC_NAV_ENV")?;
        let nav_endpoint = match nav_env.as_str() {
            "test" => Endpoint::Test,
            "production" => Endpoint::Production,
            url => Endpoint::custom(url)
                .map_err(|e| format!("NAVSYNC_NAV_ENV must be test, production or a URL: {e}"))?,
        };
        let lookback = required("NAVSYNC_LOOKBACK_DAYS")?
            .parse::<Lookback>()
            .map_err(|e| format!("NAVSYNC_LOOKBACK_DAYS: {e}"))?;
        let recheck = match var("NAVSYNC_RECHECK_DAYS") {
            None => SyncPolicy::DEFAULT_RECHECK,
            Some(s) => s
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|d| (0..=30).contains(d))
                .map(TimeDelta::days)
                .ok_or_else(|| {
                    format!("NAVSYNC_RECHECK_DAYS must be whole days from 0 (off) to 30, got {s:?}")
                })?,
        };
        let deadline_margin = match var("NAVSYNC_DEADLINE_MARGIN_SECONDS") {
            None => Duration::from_secs(30),
            Some(s) => Duration::from_secs(s.trim().parse().map_err(|_| {
                format!("NAVSYNC_DEADLINE_MARGIN_SECONDS must be whole seconds, got {s:?}")
            })?),
        };
        let nav_max_concurrency = match var("NAVSYNC_NAV_MAX_CONCURRENCY") {
            None => 8,
            Some(s) => s
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| {
                    format!(
                        "NAVSYNC_NAV_MAX_CONCURRENCY must be a whole number from 1 to 64, got {s:?}"
                    )
                })?,
        };
        let nav_strict_pacing = match var("NAVSYNC_NAV_STRICT_PACING").as_deref().map(str::trim) {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(s) => {
                return Err(format!(
                    "NAVSYNC_NAV_STRICT_PACING must be true or false, got {s:?}"
                ));
            }
        };
        Ok(Self {
            table: required("NAVSYNC_TABLE")?,
            bucket: required("NAVSYNC_BUCKET")?,
            ssm_prefix: required("NAVSYNC_SSM_PREFIX")?,
            nav_endpoint,
            lookback,
            recheck,
            deadline_margin,
            kms_key_id: var("NAVSYNC_KMS_KEY_ID").filter(|v| !v.trim().is_empty()),
            nav_max_concurrency,
            nav_strict_pacing,
        })
    }

    /// The NAV client's concurrency settings from this configuration.
    pub fn apply_nav(&self, nav: &mut ClientConfig) {
        nav.concurrency.max = self.nav_max_concurrency;
        nav.concurrency.initial = nav.concurrency.initial.min(self.nav_max_concurrency);
        nav.set_strict_pacing(self.nav_strict_pacing);
    }

    pub fn from_env() -> Result<Self, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const FULL: &[(&str, &str)] = &[
        ("NAVSYNC_TABLE", "t"),
        ("NAVSYNC_BUCKET", "b"),
        ("NAVSYNC_SSM_PREFIX", "/navsync/nav"),
        ("NAVSYNC_NAV_ENV", "production"),
        ("NAVSYNC_LOOKBACK_DAYS", "7"),
        ("NAVSYNC_RECHECK_DAYS", "0"),
        ("NAVSYNC_DEADLINE_MARGIN_SECONDS", "45"),
        ("NAVSYNC_KMS_KEY_ID", ""),
    ];

    #[test]
    fn reads_every_setting() {
        let c = Config::from_vars(vars(FULL)).unwrap();
        assert_eq!(c.lookback.days(), 7);
        assert_eq!(c.recheck, TimeDelta::zero(), "0 turns the re-check off");
        assert_eq!(c.deadline_margin, Duration::from_secs(45));
        assert!(matches!(c.nav_endpoint, Endpoint::Production));
        assert_eq!(c.kms_key_id, None);
    }

    #[test]
    fn errors_name_the_variable() {
        for (missing, _) in FULL.iter().filter(|(k, _)| {
            !matches!(
                *k,
                "NAVSYNC_KMS_KEY_ID" | "NAVSYNC_DEADLINE_MARGIN_SECONDS" | "NAVSYNC_RECHECK_DAYS"
            )
        }) {
            let rest: Vec<_> = FULL.iter().filter(|(k, _)| k != missing).copied().collect();
            let err = Config::from_vars(vars(&rest)).unwrap_err();
            assert!(err.contains(missing), "{err}");
        }
        let mut bad = FULL.to_vec();
        bad[4] = ("NAVSYNC_LOOKBACK_DAYS", "45");
        assert!(
            Config::from_vars(vars(&bad))
                .unwrap_err()
                .contains("1 to 30")
        );
        for days in ["31", "-1", "three"] {
            let mut bad = FULL.to_vec();
            bad[5] = ("NAVSYNC_RECHECK_DAYS", days);
            assert_eq!(
                Config::from_vars(vars(&bad)).unwrap_err(),
                format!("NAVSYNC_RECHECK_DAYS must be whole days from 0 (off) to 30, got {days:?}")
            );
        }
    }

    #[test]
    fn the_recheck_defaults_to_the_domains() {
        let rest: Vec<_> = FULL
            .iter()
            .filter(|(k, _)| *k != "NAVSYNC_RECHECK_DAYS")
            .copied()
            .collect();
        let c = Config::from_vars(vars(&rest)).unwrap();
        assert_eq!(c.recheck, SyncPolicy::DEFAULT_RECHECK);
    }

    #[test]
    fn nav_concurrency_defaults_to_adaptive_up_to_8_and_is_checked() {
        let c = Config::from_vars(vars(FULL)).unwrap();
        let mut nav = ClientConfig::new(
            c.nav_endpoint.clone(),
            navsync_nav::Software::navsync(navsync_nav::client::SoftwareOperation::OnlineService),
        );
        c.apply_nav(&mut nav);
        assert_eq!((nav.concurrency.max, nav.min_request_interval), (8, None));
        let mut set = FULL.to_vec();
        set.push(("NAVSYNC_NAV_MAX_CONCURRENCY", "1"));
        set.push(("NAVSYNC_NAV_STRICT_PACING", "true"));
        let c = Config::from_vars(vars(&set)).unwrap();
        c.apply_nav(&mut nav);
        assert_eq!((nav.concurrency.max, nav.concurrency.initial), (1, 1));
        assert_eq!(
            nav.min_request_interval,
            Some(ClientConfig::DEFAULT_REQUEST_INTERVAL)
        );
        for (name, value, says) in [
            ("NAVSYNC_NAV_MAX_CONCURRENCY", "0", "from 1 to 64"),
            ("NAVSYNC_NAV_MAX_CONCURRENCY", "65", "from 1 to 64"),
            ("NAVSYNC_NAV_STRICT_PACING", "yes", "true or false"),
        ] {
            let mut bad = FULL.to_vec();
            bad.push((name, value));
            let err = Config::from_vars(vars(&bad)).unwrap_err();
            assert!(err.starts_with(name) && err.contains(says), "{err}");
        }
    }
}
