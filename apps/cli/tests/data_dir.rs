//! A new data directory is private: it will hold every invoice document, the database and
//! the token signing key, so only its owner may list or read it.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

#[test]
fn a_new_data_directory_is_readable_by_its_owner_only() {
    let base = std::env::temp_dir().join(format!("navsync-datadir-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let data = base.join("nested").join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_navsync"))
        .args(["token", "create", "--taxpayer", "12345676", "--data-dir"])
        .arg(&data)
        .output()
        .expect("the navsync binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .split('.')
            .count(),
        3,
        "a JWT"
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "{}", data.display());
    assert_eq!(mode(&data.join("token.key")), 0o600);
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn an_existing_data_directory_open_to_others_is_made_private() {
    let base = std::env::temp_dir().join(format!("navsync-datadir-755-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_navsync"))
        .args(["token", "create", "--taxpayer", "12345676", "--data-dir"])
        .arg(&base)
        .output()
        .expect("the navsync binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let mode = std::fs::metadata(&base).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "{}", base.display());
    // The user learns that their directory was changed, and to what.
    assert!(stderr.contains("was mode 755; made it 700"), "{stderr}");
    std::fs::remove_dir_all(&base).unwrap();
}
