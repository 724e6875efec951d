//! The `[nav]` table: the ceiling of the adaptive limit on NAV requests and strict pacing,
//! from the file and from the environment, with errors that name the key.

use std::collections::HashMap;
use std::path::PathBuf;

use navsync_config::{ConfigError, LocalConfig, NavSettings};

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("navsync-nav-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("navsync.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn invalid_key(err: ConfigError) -> String {
    match err {
        ConfigError::Invalid { key, .. } => key,
        other => panic!("not an Invalid error: {other:?}"),
    }
}

#[test]
fn without_a_nav_table_the_limit_is_adaptive_up_to_8() {
    let path = write("default", "nav_env = \"production\"\n");
    let config = LocalConfig::load_with_env(&path, env(&[])).unwrap();
    assert_eq!(config.nav, NavSettings::default());
    assert_eq!(
        (config.nav.max_concurrency, config.nav.strict_pacing),
        (8, false)
    );
}

#[test]
fn the_file_sets_both_and_the_environment_wins() {
    let path = write("set", "[nav]\nmax_concurrency = 3\nstrict_pacing = true\n");
    let config = LocalConfig::load_with_env(&path, env(&[])).unwrap();
    assert_eq!(
        config.nav,
        NavSettings {
            max_concurrency: 3,
            strict_pacing: true
        }
    );
    let over = env(&[
        ("NAVSYNC_NAV_MAX_CONCURRENCY", "12"),
        ("NAVSYNC_NAV_STRICT_PACING", "false"),
    ]);
    let config = LocalConfig::load_with_env(&path, over).unwrap();
    assert_eq!(
        config.nav,
        NavSettings {
            max_concurrency: 12,
            strict_pacing: false
        }
    );
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        (
            "[nav]\nmax_concurrency = 0\n",
            &[][..],
            "nav.max_concurrency",
        ),
        (
            "[nav]\nmax_concurrency = 65\n",
            &[][..],
            "nav.max_concurrency",
        ),
        (
            "[nav]\nmax_concurrency = \"8\"\n",
            &[][..],
            "nav.max_concurrency",
        ),
        (
            "[nav]\nstrict_pacing = \"yes\"\n",
            &[][..],
            "nav.strict_pacing",
        ),
        ("[nav]\nmax_concurency = 4\n", &[][..], "nav.max_concurency"),
        ("nav = 4\n", &[][..], "nav"),
        (
            "",
            &[("NAVSYNC_NAV_MAX_CONCURRENCY", "many")][..],
            "NAVSYNC_NAV_MAX_CONCURRENCY",
        ),
        (
            "",
            &[("NAVSYNC_NAV_STRICT_PACING", "yes")][..],
            "NAVSYNC_NAV_STRICT_PACING",
        ),
    ];
    for (i, (text, vars, key)) in cases.into_iter().enumerate() {
        let path = write(&format!("bad{i}"), text);
        let err = LocalConfig::load_with_env(&path, env(vars)).unwrap_err();
        let shown = err.to_string();
        assert_eq!(invalid_key(err), key, "{text:?} {vars:?}: {shown}");
    }
}
