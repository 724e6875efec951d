//! Loading navsync.toml: settings, credentials, environment overrides, the permission check,
//! and errors that name the file and key but never a secret.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use navsync_config::{ConfigError, LocalConfig, NavEnv, ServeLimits};
use navsync_domain::TaxpayerId;
use navsync_domain::ports::{CredentialStore, CredentialsError};

const PASSWORD: &str = "hunter2-Pa55word";
const SIGN_KEY: &str = "ce-8f5e-215119fa7dd621DLMRHRLH2S";
const EXCHANGE_KEY: &str = "CCDD1A2B3C4D5E6F";
const SECRETS: &[&str] = &[PASSWORD, SIGN_KEY, EXCHANGE_KEY, "env-password-XYZ"];

fn write(name: &str, text: &str, mode: u32) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("navsync-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("navsync.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn full() -> String {
    format!(
        r#"
nav_env = "production"
data_dir = "data"
lookback_days = 14
recheck_days = 5
bind = "127.0.0.1:9090"

[auth]
oidc_issuer = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Example/"
oidc_audience = "navsync-api"

[[taxpayer]]
tax_number = "12345676-2-41"
login = "techuser1"
password = "{PASSWORD}"
sign_key = "{SIGN_KEY}"
exchange_key = "{EXCHANGE_KEY}"

[[taxpayer]]
tax_number = "99999999"
login = "techuser2"

[serve]
header_read_timeout_secs = 4
max_connections = 64
requests_per_minute = 0
"#
    )
}

fn no_env() -> HashMap<String, String> {
    HashMap::new()
}

fn tp(s: &str) -> TaxpayerId {
    s.parse().unwrap()
}

fn assert_no_secret(shown: &str) {
    for secret in SECRETS {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

fn load(path: &Path, env: &[(&str, &str)]) -> Result<LocalConfig, ConfigError> {
    LocalConfig::load_with_env(
        path,
        env.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

#[tokio::test]
async fn a_private_file_gives_settings_and_credentials() {
    let path = write("full", &full(), 0o600);
    let config = LocalConfig::load_with_env(&path, no_env()).unwrap();
    assert_eq!(config.nav_env, NavEnv::Production);
    assert_eq!(config.data_dir, path.parent().unwrap().join("data"));
    assert_eq!(config.lookback.days(), 14);
    assert_eq!(config.recheck_days, 5);
    assert_eq!(config.bind, "127.0.0.1:9090".parse().unwrap());
    assert_eq!(
        config.serve,
        ServeLimits {
            header_read_timeout_secs: 4,
            max_connections: 64,
            requests_per_minute: 0,
        }
    );
    let oidc = config.oidc.clone().unwrap();
    assert_eq!(
        oidc.issuer,
        "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Example"
    );
    assert_eq!(oidc.audience, "navsync-api");
    assert_eq!(config.taxpayers, vec![tp("12345676"), tp("99999999")]);

    let creds = config
        .credentials
        .credentials(tp("12345676"))
        .await
        .unwrap();
    assert_eq!(creds.tax_number, tp("12345676"));
    assert_eq!(creds.login, "techuser1");
    assert_eq!(creds.password.expose(), PASSWORD);
    assert_eq!(creds.sign_key.expose(), SIGN_KEY);
    assert_eq!(creds.exchange_key.expose(), EXCHANGE_KEY);
    assert_no_secret(&format!("{config:?} {creds:?}"));
}

#[tokio::test]
async fn environment_variables_override_the_file() {
    let path = write("env", &full(), 0o600);
    let config = load(
        &path,
        &[
            (
                "NAVSYNC_NAV_ENV",
                "http://127.0.0.1:8081/invoiceService/v3/",
            ),
            ("NAVSYNC_DATA_DIR", "/var/lib/navsync"),
            ("NAVSYNC_LOOKBACK_DAYS", "3"),
            ("NAVSYNC_RECHECK_DAYS", "0"),
            ("NAVSYNC_BIND", "0.0.0.0:8080"),
            ("NAVSYNC_12345676_PASSWORD", "env-password-XYZ"),
            ("NAVSYNC_99999999_PASSWORD", "p2"),
            ("NAVSYNC_99999999_SIGN_KEY", "s2"),
            ("NAVSYNC_99999999_EXCHANGE_KEY", "e2"),
        ],
    )
    .unwrap();
    assert_eq!(
        config.nav_env,
        NavEnv::Url("http://127.0.0.1:8081/invoiceService/v3".into())
    );
    assert_eq!(config.data_dir, PathBuf::from("/var/lib/navsync"));
    assert_eq!(config.lookback.days(), 3);
    assert_eq!(config.recheck_days, 0, "0 turns the re-check off");
    assert_eq!(config.bind, "0.0.0.0:8080".parse().unwrap());
    let a = config
        .credentials
        .credentials(tp("12345676"))
        .await
        .unwrap();
    assert_eq!(a.password.expose(), "env-password-XYZ");
    assert_eq!(a.sign_key.expose(), SIGN_KEY);
    let b = config
        .credentials
        .credentials(tp("99999999"))
        .await
        .unwrap();
    assert_eq!((b.login.as_str(), b.password.expose()), ("techuser2", "p2"));
}

#[test]
fn a_file_with_secrets_readable_by_others_is_refused_with_the_fix() {
    for mode in [0o644, 0o640, 0o604] {
        let path = write("perm", &full(), mode);
        let err = LocalConfig::load_with_env(&path, no_env()).unwrap_err();
        assert_eq!(
            err,
            ConfigError::Permissions {
                file: path.clone(),
                mode
            }
        );
        let message = err.to_string();
        assert!(
            message.contains(&format!("chmod 600 {}", path.display())),
            "{message}"
        );
        assert_no_secret(&message);
    }
}

#[tokio::test]
async fn a_file_without_secrets_may_be_readable_and_the_environment_supplies_them() {
    let text = "[[taxpayer]]\ntax_number = \"12345676\"\nlogin = \"techuser1\"\n";
    let path = write("public", text, 0o644);
    let config = load(
        &path,
        &[
            ("NAVSYNC_12345676_PASSWORD", PASSWORD),
            ("NAVSYNC_12345676_SIGN_KEY", SIGN_KEY),
            ("NAVSYNC_12345676_EXCHANGE_KEY", EXCHANGE_KEY),
        ],
    )
    .unwrap();
    assert_eq!(config.nav_env, NavEnv::Test);
    assert_eq!(config.lookback.days(), LocalConfig::DEFAULT_LOOKBACK_DAYS);
    assert_eq!(config.recheck_days, LocalConfig::DEFAULT_RECHECK_DAYS);
    assert_eq!(
        i64::from(LocalConfig::DEFAULT_RECHECK_DAYS),
        navsync_domain::sync::SyncPolicy::DEFAULT_RECHECK.num_days(),
        "the local default is the domain's"
    );
    assert_eq!(config.bind.to_string(), LocalConfig::DEFAULT_BIND);
    assert_eq!(config.data_dir, path.parent().unwrap().join("navsync-data"));
    let creds = config
        .credentials
        .credentials(tp("12345676"))
        .await
        .unwrap();
    assert_eq!(creds.password.expose(), PASSWORD);
}

#[tokio::test]
async fn a_missing_credential_names_the_key_the_file_and_the_variable() {
    let path = write("missing", &full(), 0o600);
    let config = LocalConfig::load_with_env(&path, no_env()).unwrap();
    match config.credentials.credentials(tp("99999999")).await {
        Err(CredentialsError::Missing { name }) => {
            assert!(name.contains("taxpayer[2].password"), "{name}");
            assert!(name.contains(&path.display().to_string()), "{name}");
            assert!(name.contains("NAVSYNC_99999999_PASSWORD"), "{name}");
        }
        other => panic!("{other:?}"),
    }
    match config.credentials.credentials(tp("11111111")).await {
        Err(CredentialsError::Missing { name }) => {
            assert!(
                name.contains("11111111") && name.contains("[[taxpayer]]"),
                "{name}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_malformed_credential_names_its_source_not_its_value() {
    let text = full().replace(PASSWORD, &format!(" {PASSWORD}"));
    let path = write("malformed", &text, 0o600);
    let config = LocalConfig::load_with_env(&path, no_env()).unwrap();
    let err = config
        .credentials
        .credentials(tp("12345676"))
        .await
        .unwrap_err();
    match &err {
        CredentialsError::Malformed { name, reason } => {
            assert!(name.contains("taxpayer[1].password"), "{name}");
            assert!(reason.contains("whitespace"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_no_secret(&format!("{err} {err:?}"));

    let config = load(&path, &[("NAVSYNC_12345676_PASSWORD", "")]).unwrap();
    let err = config
        .credentials
        .credentials(tp("12345676"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CredentialsError::Malformed { name, .. } if name == "NAVSYNC_12345676_PASSWORD"),
        "{err:?}"
    );
}

#[test]
fn bad_settings_are_named_by_file_and_key_without_their_values() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "pasword",
            &full().replace("password =", "pasword ="),
            "taxpayer[1].pasword",
        ),
        (
            "nav_env",
            &full().replace("\"production\"", "\"prod-ish\""),
            "nav_env",
        ),
        ("lookback", &full().replace("14", "31"), "lookback_days"),
        (
            "recheck",
            &full().replace("recheck_days = 5", "recheck_days = 31"),
            "recheck_days",
        ),
        (
            "negative recheck",
            &full().replace("recheck_days = 5", "recheck_days = -1"),
            "recheck_days",
        ),
        (
            "recheck type",
            &full().replace("recheck_days = 5", "recheck_days = \"3\""),
            "recheck_days",
        ),
        (
            "bind",
            &full().replace("127.0.0.1:9090", "localhost"),
            "bind",
        ),
        (
            "tax_number",
            &full().replace("12345676-2-41", "12345678"),
            "taxpayer[1].tax_number",
        ),
        (
            "twice",
            &full().replace("99999999", "12345676"),
            "taxpayer[2].tax_number",
        ),
        (
            "secret type",
            &full().replace(&format!("\"{SIGN_KEY}\""), "42"),
            "taxpayer[1].sign_key",
        ),
        (
            "audience",
            &full().replace("oidc_audience = \"navsync-api\"", ""),
            "auth.oidc_audience",
        ),
        (
            "serve key",
            &full().replace("max_connections", "max_conections"),
            "serve.max_conections",
        ),
        (
            "no connections",
            &full().replace("max_connections = 64", "max_connections = 0"),
            "serve.max_connections",
        ),
        (
            "no header time",
            &full().replace(
                "header_read_timeout_secs = 4",
                "header_read_timeout_secs = 0",
            ),
            "serve.header_read_timeout_secs",
        ),
        (
            "negative rate",
            &full().replace("requests_per_minute = 0", "requests_per_minute = -5"),
            "serve.requests_per_minute",
        ),
        (
            "no tax number",
            &full().replace("tax_number = \"99999999\"", ""),
            "taxpayer[2].tax_number",
        ),
    ];
    for (what, text, key) in cases {
        let path = write("invalid", text, 0o600);
        let err = LocalConfig::load_with_env(&path, no_env()).unwrap_err();
        match &err {
            ConfigError::Invalid { file, key: k, .. } => {
                assert_eq!(file, &path, "{what}");
                assert_eq!(k, key, "{what}: {err}");
            }
            other => panic!("{what}: {other:?}"),
        }
        assert_no_secret(&format!("{err} {err:?}"));
    }
}

#[test]
fn a_syntax_error_names_the_line_and_not_the_secret_on_it() {
    // An unterminated string: the parser stops inside the secret.
    let text = full().replace(&format!("\"{PASSWORD}\""), &format!("\"{PASSWORD}"));
    let path = write("syntax", &text, 0o600);
    let err = LocalConfig::load_with_env(&path, no_env()).unwrap_err();
    match &err {
        ConfigError::Syntax { file, line, .. } => {
            assert_eq!(file, &path);
            assert_eq!(*line, 15, "{err}"); // the password line
        }
        other => panic!("{other:?}"),
    }
    assert_no_secret(&format!("{err} {err:?}"));

    // Other ways a secret's line can break: unquoted, a bad escape, a stray quote.
    for broken in [
        PASSWORD.to_owned(),
        format!("\"{PASSWORD}\\q\""),
        format!("\"{PASSWORD}\"\""),
        format!("'{PASSWORD}"),
        format!("\"\"\"{PASSWORD}"),
    ] {
        let text = full().replace(&format!("\"{PASSWORD}\""), &broken);
        let path = write("syntax2", &text, 0o600);
        let err = LocalConfig::load_with_env(&path, no_env()).unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { .. }),
            "{broken}: {err:?}"
        );
        assert_no_secret(&format!("{err} {err:?}"));
    }
}

#[test]
fn a_missing_file_is_named() {
    let path = std::env::temp_dir().join("navsync-config-does-not-exist/navsync.toml");
    let err = LocalConfig::load_with_env(&path, no_env()).unwrap_err();
    assert!(
        matches!(&err, ConfigError::Read { file, .. } if file == &path),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("navsync-config-does-not-exist"),
        "{err}"
    );
}

#[test]
fn without_a_serve_table_serve_is_limited_by_default() {
    let path = write("no-serve", "bind = \"127.0.0.1:9090\"\n", 0o600);
    let config = LocalConfig::load_with_env(&path, no_env()).unwrap();
    assert_eq!(config.serve, ServeLimits::default());
    assert_eq!(config.serve.header_read_timeout_secs, 10);
    assert_eq!(config.serve.max_connections, 512);
    assert_eq!(config.serve.requests_per_minute, 600);
}
