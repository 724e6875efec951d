//! The AWS emulator for navsync's tests, started the way testcontainers starts things: on first
//! use, once per test process, shared by every test in it, and stopped when the process ends.
//!
//! Which emulator:
//! 1. `AWS_ENDPOINT_URL` set: that endpoint, as is (nothing is started).
//! 2. A Docker engine answers `docker info` and the `localstack` feature is on: LocalStack
//!    through `testcontainers`.
//! 3. Otherwise moto server: a virtualenv under `<workspace>/target/moto-venv` (created and
//!    `pip install 'moto[server]'`ed on first use, under a file lock so parallel test binaries
//!    install it once), `moto_server -H 127.0.0.1 -p 0`, which binds a free port itself and names it on stderr.
//!
//! The moto server never outlives its test process: it is stopped by PID at exit (`atexit`),
//! and the kernel kills it should the process die another way (`PR_SET_PDEATHSIG`).
//!
//! Credentials are static test ones, the region is eu-central-1, and S3 clients use path-style
//! addressing. Every test makes its own table/bucket/parameter path with [`unique_name`], so
//! tests run in parallel against one emulator.

pub mod cognito;
pub mod moto_api;

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

pub use aws_config;
pub use aws_sdk_dynamodb;
pub use aws_sdk_s3;
pub use aws_sdk_ssm;

pub const REGION: &str = "eu-central-1";
pub const ACCESS_KEY_ID: &str = "testing";
pub const SECRET_ACCESS_KEY: &str = "testing";
/// The `moto[server]` requirement the harness installs.
pub const MOTO_REQUIREMENT: &str = "moto[server]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmulatorKind {
    /// `AWS_ENDPOINT_URL` pointed at one already running.
    External,
    LocalStack,
    Moto,
}

#[derive(Debug)]
pub struct Emulator {
    endpoint: String,
    kind: EmulatorKind,
}

impl Emulator {
    /// The endpoint URL, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn kind(&self) -> EmulatorKind {
        self.kind
    }

    /// What to call it in reports and benchmark write-ups.
    pub fn name(&self) -> String {
        match self.kind {
            EmulatorKind::External => format!("external emulator at {}", self.endpoint),
            EmulatorKind::LocalStack => "LocalStack (testcontainers)".into(),
            EmulatorKind::Moto => format!("moto server {}", moto_version().unwrap_or_default()),
        }
    }

    /// An SDK configuration for the emulator: endpoint, region, static credentials.
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .http_client(navsync_dynamodb::sdk::https_client())
            .region(Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(
                ACCESS_KEY_ID,
                SECRET_ACCESS_KEY,
                None,
                None,
                "navsync-aws-emulator",
            ))
            .load()
            .await
    }
}

static EMULATOR: OnceLock<Emulator> = OnceLock::new();

/// The emulator, started on first call. Panics with what to fix when none can be had, so a
/// test fails rather than silently skipping.
pub fn emulator() -> &'static Emulator {
    EMULATOR.get_or_init(|| match start() {
        Ok(e) => e,
        Err(why) => panic!("no AWS emulator for the tests: {why}"),
    })
}

/// Shorthand: the emulator's SDK configuration.
pub async fn sdk_config() -> SdkConfig {
    emulator().sdk_config().await
}

/// A name no other test (in this process or another) uses: lowercase letters, digits and
/// hyphens, at most 63 characters, so it is valid for tables, buckets and parameter paths.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let prefix: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(24)
        .collect::<String>()
        .to_ascii_lowercase();
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    )
}

/// A fresh DynamoDB table made from `adapters/dynamodb/table.json`; returns its name.
pub async fn new_table(sdk: &SdkConfig, prefix: &str) -> String {
    let name = unique_name(prefix);
    let client = aws_sdk_dynamodb::Client::new(sdk);
    navsync_dynamodb::table::create_table(&client, &name)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    name
}

/// An S3 client for the emulator (path-style addressing).
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    )
}

/// A fresh, versioned S3 bucket; returns its name.
pub async fn new_bucket(sdk: &SdkConfig, prefix: &str) -> String {
    use aws_sdk_s3::types::{
        BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
        VersioningConfiguration,
    };
    let name = unique_name(prefix);
    let s3 = s3_client(sdk);
    s3.create_bucket()
        .bucket(&name)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "create bucket {name}: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            )
        });
    s3.put_bucket_versioning()
        .bucket(&name)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "versioning on {name}: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            )
        });
    name
}

/// A fresh SSM parameter path prefix, e.g. `/navsync-test/creds-123-4-567/nav` (SSM refuses
/// names that start with `aws` or `ssm`, so the fixed first level keeps any prefix legal).
pub fn new_ssm_prefix(prefix: &str) -> String {
    format!("/navsync-test/{}/nav", unique_name(prefix))
}

// ---- starting ------------------------------------------------------------------------

fn start() -> Result<Emulator, String> {
    if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL")
        && !endpoint.is_empty()
    {
        return Ok(Emulator {
            endpoint,
            kind: EmulatorKind::External,
        });
    }
    if docker_answers() {
        #[cfg(feature = "localstack")]
        return localstack::start();
        #[cfg(not(feature = "localstack"))]
        eprintln!(
            "navsync-aws-emulator: Docker answers, but LocalStack needs `--features localstack`; using moto server"
        );
    }
    moto::start()
}

fn docker_answers() -> bool {
    Command::new("docker")
        .arg("info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/aws-emulator sits two levels under the workspace")
        .to_path_buf()
}

/// The file moto's request recorder writes to, one per test process.
fn moto_recording_path() -> PathBuf {
    workspace_root()
        .join("target")
        .join(format!("moto-recording-{}.jsonl", std::process::id()))
}

fn moto_version() -> Option<String> {
    fs::read_to_string(moto::venv_dir().join(moto::MARKER))
        .ok()
        .map(|s| s.trim().to_owned())
}

/// A moto server this process started.
struct Child {
    pid: u32,
    /// Whether it has exited (it may not be reaped yet). The guard thread sets it before
    /// reaping, so while it is false the PID is still the child's and cannot have been reused.
    exited: Mutex<bool>,
    exit: Condvar,
}

impl Child {
    /// Signals it by PID unless it has already exited.
    fn signal(&self, signal: libc::c_int) {
        let exited = self.exited.lock().unwrap_or_else(|p| p.into_inner());
        if !*exited {
            // SAFETY: signalling our own child, which is not reaped (so its PID not reused)
            // while `exited` is false and we hold its lock.
            unsafe {
                libc::kill(self.pid as libc::pid_t, signal);
            }
        }
    }

    /// Waits up to `within` for the guard thread to see it exit.
    fn wait_exited(&self, within: Duration) -> bool {
        let exited = self.exited.lock().unwrap_or_else(|p| p.into_inner());
        let (exited, _) = self
            .exit
            .wait_timeout_while(exited, within, |done| !*done)
            .unwrap_or_else(|p| p.into_inner());
        *exited
    }

    /// Called by the guard thread once it has exited, before reaping it.
    fn mark_exited(&self) {
        *self.exited.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.exit.notify_all();
    }

    /// SIGTERM, then SIGKILL if it has not exited within two seconds.
    fn stop(&self) {
        self.signal(libc::SIGTERM);
        if !self.wait_exited(Duration::from_secs(2)) {
            self.signal(libc::SIGKILL);
            self.wait_exited(Duration::from_secs(2));
        }
    }
}

/// The moto server to stop at exit.
static RUNNING: Mutex<Option<Arc<Child>>> = Mutex::new(None);

/// `atexit` runs when the test binary returns from `main` (or calls `exit`).
extern "C" fn stop_child_at_exit() {
    let child = RUNNING.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(child) = child {
        child.stop();
    }
}

/// The port in werkzeug's ` * Running on http://127.0.0.1:N` line, if `line` is it.
fn running_on_port(line: &str) -> Option<u16> {
    let rest =
        &line[line.find("Running on http://127.0.0.1:")? + "Running on http://127.0.0.1:".len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    rest[..digits].parse().ok().filter(|p| *p != 0)
}

mod moto {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::sync::mpsc;

    pub(super) const MARKER: &str = ".navsync-moto-installed";

    pub(super) fn venv_dir() -> PathBuf {
        workspace_root().join("target").join("moto-venv")
    }

    /// Creates the venv and installs moto once, whichever test binary gets there first.
    fn ensure_installed() -> Result<PathBuf, String> {
        let venv = venv_dir();
        let server = venv.join("bin").join("moto_server");
        let marker = venv.join(MARKER);
        if server.exists() && marker.exists() {
            return Ok(server);
        }
        let target = venv.parent().expect("venv has a parent");
        fs::create_dir_all(target).map_err(|e| format!("create {}: {e}", target.display()))?;
        let lock_path = target.join("moto-venv.lock");
        let lock =
            File::create(&lock_path).map_err(|e| format!("create {}: {e}", lock_path.display()))?;
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a file descriptor we own; released when `lock` closes.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(format!(
                "lock {}: {}",
                lock_path.display(),
                std::io::Error::last_os_error()
            ));
        }
        if server.exists() && marker.exists() {
            return Ok(server);
        }
        eprintln!(
            "navsync-aws-emulator: installing {MOTO_REQUIREMENT} into {}",
            venv.display()
        );
        if !venv.join("bin").join("python").exists() {
            run(
                Command::new("python3").args(["-m", "venv"]).arg(&venv),
                "python3 -m venv",
            )?;
        }
        run(
            Command::new(venv.join("bin").join("pip")).args([
                "install",
                "--disable-pip-version-check",
                "-q",
                MOTO_REQUIREMENT,
            ]),
            "pip install 'moto[server]'",
        )?;
        let version = Command::new(venv.join("bin").join("python"))
            .args(["-c", "import moto; print(moto.__version__)"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let mut m =
            File::create(&marker).map_err(|e| format!("write {}: {e}", marker.display()))?;
        writeln!(m, "{version}").map_err(|e| format!("write {}: {e}", marker.display()))?;
        Ok(server)
    }

    fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{what}: {e} (is python3 installed?)"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    pub(super) fn start() -> Result<Emulator, String> {
        let server = ensure_installed()?;
        let port = spawn(&server)?;
        Ok(Emulator {
            endpoint: format!("http://127.0.0.1:{port}"),
            kind: EmulatorKind::Moto,
        })
    }

    /// What the guard thread tells the starter.
    enum Started {
        Spawned(Arc<Child>),
        Port(u16),
    }

    /// Spawns `moto_server -p 0` (it binds a free port itself, so no other process can take it
    /// between choosing and binding) and returns the port from the line naming it.
    ///
    /// From a thread that lives as long as the process: PR_SET_PDEATHSIG fires when the
    /// *thread* that forked the child ends, so it must not be a test's thread. That thread also
    /// reads moto's stderr to its end, so the request log never fills the pipe and blocks moto.
    fn spawn(server: &Path) -> Result<u16, String> {
        let (tx, rx) = mpsc::channel::<Result<Started, String>>();
        let server = server.to_path_buf();
        std::thread::Builder::new()
            .name("moto-server-guard".into())
            .spawn(move || {
                guard(&server, &tx);
                loop {
                    std::thread::park();
                }
            })
            .map_err(|e| format!("spawn guard thread: {e}"))?;
        let recv = |what: &str| match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(format!("moto_server named no port within 60 s ({what})"))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err("moto guard thread died".into()),
        };
        let Started::Spawned(child) = recv("not started")? else {
            unreachable!("the guard thread sends the child first");
        };
        *RUNNING.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
        static REGISTERED: OnceLock<()> = OnceLock::new();
        REGISTERED.get_or_init(|| {
            // SAFETY: registering a plain extern "C" function.
            unsafe {
                libc::atexit(stop_child_at_exit);
            }
        });
        match recv("waiting for its 'Running on' line") {
            Ok(Started::Port(port)) => Ok(port),
            Ok(Started::Spawned(_)) => unreachable!("the guard thread sends one child"),
            Err(e) => {
                // Do not leave a moto that never said where it listens.
                stop_child_at_exit();
                Err(e)
            }
        }
    }

    /// Runs moto, sends its PID and then its port (or why there is none), drains its stderr
    /// to the end and reaps it.
    fn guard(server: &Path, tx: &mpsc::Sender<Result<Started, String>>) {
        let mut cmd = Command::new(server);
        cmd.args(["-H", "127.0.0.1", "-p", "0"])
            // Where moto's request recorder (moto_api::Recorder) writes, when a test starts it.
            .env("MOTO_RECORDER_FILEPATH", moto_recording_path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                let _ = tx.send(Err(format!("start {}: {e}", server.display())));
                return;
            }
        };
        let pid = child.id();
        let state = Arc::new(Child {
            pid,
            exited: Mutex::new(false),
            exit: Condvar::new(),
        });
        let _ = tx.send(Ok(Started::Spawned(state.clone())));
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
        // What moto said before the port line, to explain an early exit.
        let mut said = String::new();
        let mut announced = false;
        let mut line = Vec::new();
        loop {
            line.clear();
            match stderr.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if announced {
                continue;
            }
            let text = String::from_utf8_lossy(&line);
            if let Some(port) = running_on_port(&text) {
                announced = true;
                let _ = tx.send(Ok(Started::Port(port)));
            } else if said.len() < 16 * 1024 {
                said.push_str(&text);
            }
        }
        // stderr closed: moto has exited (or is exiting). Mark it exited before reaping, so
        // no one signals its PID once it could be reused.
        // SAFETY: waitid on our own child; WNOWAIT leaves it to be reaped below.
        unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            );
        }
        state.mark_exited();
        let status = child.wait();
        if !announced {
            let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
            let _ = tx.send(Err(format!(
                "moto_server exited ({status}) before naming its port: {}",
                said.trim()
            )));
        }
    }
}

/// The last LocalStack image that runs without an auth token.
pub const LOCALSTACK_FREE_TAG: &str = "4.14.0";

/// The image tag and the auth token to pass: 4.14.0 without a token; with
/// `LOCALSTACK_AUTH_TOKEN`, `NAVSYNC_LOCALSTACK_TAG` (default `latest`), as later images
/// refuse to start without one.
#[cfg_attr(not(feature = "localstack"), allow(dead_code))]
fn localstack_image(var: impl Fn(&str) -> Option<String>) -> (String, Option<String>) {
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    match set("LOCALSTACK_AUTH_TOKEN") {
        None => (LOCALSTACK_FREE_TAG.to_owned(), None),
        Some(token) => (
            set("NAVSYNC_LOCALSTACK_TAG").unwrap_or_else(|| "latest".into()),
            Some(token),
        ),
    }
}

#[cfg(feature = "localstack")]
mod localstack {
    use super::*;
    use std::sync::Mutex;
    use testcontainers::core::{IntoContainerPort, WaitFor};
    use testcontainers::runners::SyncRunner;
    use testcontainers::{Container, GenericImage, ImageExt};

    static CONTAINER: Mutex<Option<Container<GenericImage>>> = Mutex::new(None);

    extern "C" fn remove_at_exit() {
        if let Ok(mut c) = CONTAINER.lock() {
            // Dropping the handle stops and removes the container.
            drop(c.take());
        }
    }

    pub(super) fn start() -> Result<Emulator, String> {
        let (tag, token) = localstack_image(|name| std::env::var(name).ok());
        let mut image = GenericImage::new("localstack/localstack", tag.as_str())
            .with_exposed_port(4566.tcp())
            .with_wait_for(WaitFor::message_on_stdout("Ready."))
            .with_env_var("SERVICES", "dynamodb,s3,ssm,lambda,iam,sts");
        if let Some(token) = token {
            image = image.with_env_var("LOCALSTACK_AUTH_TOKEN", token);
        }
        // Every client is built from this endpoint URL; nothing uses the URLs LocalStack hands
        // back (its queue and presigned URLs name localhost.localstack.cloud by default).
        let container = image
            .start()
            .map_err(|e| format!("LocalStack {tag} container: {e}"))?;
        let port = container
            .get_host_port_ipv4(4566)
            .map_err(|e| format!("LocalStack port: {e}"))?;
        *CONTAINER.lock().expect("not poisoned") = Some(container);
        // SAFETY: registering a plain extern "C" function.
        unsafe {
            libc::atexit(remove_at_exit);
        }
        Ok(Emulator {
            endpoint: format!("http://127.0.0.1:{port}"),
            kind: EmulatorKind::LocalStack,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_differ_and_are_valid_bucket_and_table_names() {
        let names: Vec<String> = (0..50)
            .map(|_| unique_name("Contract_Tests-With-A-Rather-Long-Prefix"))
            .collect();
        let mut distinct = names.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), names.len());
        for n in &names {
            assert!((3..=63).contains(&n.len()), "{n}");
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{n}"
            );
        }
        assert!(new_ssm_prefix("ssm").starts_with("/navsync-test/ssm-"));
    }

    #[test]
    fn localstack_is_pinned_to_the_free_image_unless_a_token_is_given() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(localstack_image(env(&[])), ("4.14.0".into(), None));
        assert_eq!(
            localstack_image(env(&[
                ("NAVSYNC_LOCALSTACK_TAG", "4.15.0"),
                ("LOCALSTACK_AUTH_TOKEN", " ")
            ])),
            ("4.14.0".into(), None),
            "a newer tag needs a token"
        );
        assert_eq!(
            localstack_image(env(&[("LOCALSTACK_AUTH_TOKEN", "ls-abc")])),
            ("latest".into(), Some("ls-abc".into()))
        );
        assert_eq!(
            localstack_image(env(&[
                ("LOCALSTACK_AUTH_TOKEN", "ls-abc"),
                ("NAVSYNC_LOCALSTACK_TAG", "4.15.0")
            ])),
            ("4.15.0".into(), Some("ls-abc".into()))
        );
    }

    #[test]
    fn the_port_is_read_from_werkzeugs_running_on_line_only() {
        assert_eq!(
            running_on_port(" * Running on http://127.0.0.1:45109\n"),
            Some(45109)
        );
        assert_eq!(
            running_on_port(" * Running on http://127.0.0.1:8080 (Press CTRL+C to quit)"),
            Some(8080)
        );
        assert_eq!(
            running_on_port("WARNING: This is a development server."),
            None
        );
        assert_eq!(running_on_port(" * Running on http://127.0.0.1:0"), None);
        assert_eq!(
            running_on_port(" * Running on http://127.0.0.1:99999"),
            None
        );
    }
}
