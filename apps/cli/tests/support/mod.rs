//! What the CLI's process tests share: a scratch directory, a configuration pointing at the
//! NAV simulator, and running `navsync sync` as a child with a bounded wait.

#![allow(dead_code)] // each test binary uses its own part

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use navsync_nav_sim::SimHandle;

/// A fresh directory for one test binary's files.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("navsync-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `navsync.toml` (mode 600) for the simulator's taxpayers, NAV at the simulator.
pub fn write_config(dir: &Path, sim: &SimHandle, data_dir: &Path) -> PathBuf {
    let mut toml = format!(
        "nav_env = {:?}\ndata_dir = {:?}\nlookback_days = 30\n",
        sim.base_url(),
        data_dir.to_str().unwrap()
    );
    for t in sim.taxpayers() {
        toml += &format!(
            "\n[[taxpayer]]\ntax_number = {:?}\nlogin = {:?}\npassword = {:?}\nsign_key = {:?}\n\
             exchange_key = {:?}\n",
            t.tax_number, t.login, t.password, t.sign_key, t.exchange_key
        );
    }
    let path = dir.join("navsync.toml");
    fs::write(&path, toml).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    path
}

pub fn spawn_sync(config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_navsync"))
        .args(["sync", "--config"])
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the navsync binary starts")
}

/// Waits for `child` up to `limit`; kills it and fails the test past that.
pub fn wait_bounded(
    child: &mut Child,
    limit: Duration,
    what: &str,
) -> (ExitStatus, String, String) {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: navsync sync still running after {limit:?}; killed it");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stdout, stderr)
}
