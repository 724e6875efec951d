//! What the CLI's process tests share: a scratch directory, a configuration pointing at the
//! NAV simulator, and running `navsync sync` as a child with a bounded wait.

#![allow(dead_code)] // each test binary uses its own part

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

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

/// Reads a child's stream to its end on a thread, so its pipe never fills and blocks the child.
pub fn drain(stream: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stream) = stream {
            let mut bytes = Vec::new();
            let _ = stream.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

/// Says (by the channel closing) when `child` has exited: a thread blocks in `waitid` until
/// then, so no one polls. `WNOWAIT` leaves the child unreaped for `Child::wait`, so its PID
/// cannot be reused meanwhile and killing it by PID stays safe.
pub fn exit_signal(child: &Child) -> mpsc::Receiver<()> {
    let pid = child.id();
    let (tx, rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        // SAFETY: waitid on our own child, into a zeroed siginfo_t we own.
        unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            );
        }
        drop(tx);
    });
    rx
}

/// Waits for `child` to exit, up to `limit`; `None` if it still runs then.
pub fn wait_exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    match exit_signal(child).recv_timeout(limit) {
        Err(mpsc::RecvTimeoutError::Timeout) => None,
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => Some(child.wait().unwrap()),
    }
}

/// Waits for `child` up to `limit`, reading its stdout and stderr meanwhile; kills it and
/// fails the test past that.
pub fn wait_bounded(
    child: &mut Child,
    limit: Duration,
    what: &str,
) -> (ExitStatus, String, String) {
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let Some(status) = wait_exit(child, limit) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{what}: navsync sync still running after {limit:?}; killed it");
    };
    (status, stdout.join().unwrap(), stderr.join().unwrap())
}

/// A drill's seed: `var` from the environment when set (to replay a failure), else `default`;
/// printed first, so a failure's captured output names the seed that replays it.
pub fn drill_seed(var: &str, default: u64, what: &str) -> u64 {
    let seed = std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    eprintln!("{what} seed {seed} (replay: {var}={seed})");
    seed
}
