//! The AWS emulator for navsync's tests, started the way testcontainers starts things: on first
//! use, once per test process, shared by every test in it, and stopped when the process ends.
//!
//! Which emulator:
//! 1. `AWS_ENDPOINT_URL` set: that endpoint, as is (nothing is started).
//! 2. A Docker engine answers `docker info` and the `localstack` feature is on: LocalStack
//!    through `testcontainers`.
//! 3. Otherwise moto server: a virtualenv under `<workspace>/target/moto-venv` (created and
//!    `pip install 'moto[server]'`ed on first use, under a file lock so parallel test binaries
//!    install it once), `moto_server -H 127.0.0.1 -p <free port>`.
//!
//! The moto server never outlives its test process: it is killed at exit (`atexit`), and the
//! kernel kills it should the process die another way (`PR_SET_PDEATHSIG`).
//!
//! Credentials are static test ones, the region is eu-central-1, and S3 clients use path-style
//! addressing. Every test makes its own table/bucket/parameter path with [`unique_name`], so
//! tests run in parallel against one emulator.

pub mod cognito;

use std::fs::{self, File};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

fn moto_version() -> Option<String> {
    fs::read_to_string(moto::venv_dir().join(moto::MARKER))
        .ok()
        .map(|s| s.trim().to_owned())
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn wait_listening(
    addr: SocketAddr,
    within: Duration,
    alive: impl Fn() -> Result<(), String>,
) -> Result<(), String> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        alive()?;
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listened on {addr} within {within:?}"))
}

/// Processes to kill at exit: `atexit` runs when the test binary returns from `main`.
static CHILD_PID: AtomicU64 = AtomicU64::new(0);

extern "C" fn kill_child_at_exit() {
    let pid = CHILD_PID.swap(0, Ordering::SeqCst);
    if pid != 0 {
        // SAFETY: signalling a PID we started; it is our child, so it cannot have been reused
        // until we reap it, which nothing does before exit.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
        // Reap it (or let the guard thread do so) rather than leave a zombie behind.
        for _ in 0..100 {
            // SAFETY: waitpid on our own child; WNOHANG never blocks.
            let r =
                unsafe { libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG) };
            if r != 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: as above; it ignored SIGTERM for two seconds.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGKILL);
            libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), 0);
        }
    }
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
        let mut last = String::new();
        // A port found free can be taken before moto binds it; try a few.
        for _ in 0..3 {
            let port = free_port()?;
            match spawn(&server, port) {
                Ok(()) => {
                    return Ok(Emulator {
                        endpoint: format!("http://127.0.0.1:{port}"),
                        kind: EmulatorKind::Moto,
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Spawns moto from a thread that lives as long as the process: PR_SET_PDEATHSIG fires when
    /// the *thread* that forked the child ends, so it must not be a test's thread.
    fn spawn(server: &Path, port: u16) -> Result<(), String> {
        let (tx, rx) = mpsc::channel::<Result<u32, String>>();
        let server = server.to_path_buf();
        std::thread::Builder::new()
            .name("moto-server-guard".into())
            .spawn(move || {
                let mut cmd = Command::new(&server);
                cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                // SAFETY: only async-signal-safe calls between fork and exec.
                unsafe {
                    cmd.pre_exec(|| {
                        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                        Ok(())
                    });
                }
                match cmd.spawn() {
                    Ok(mut child) => {
                        let _ = tx.send(Ok(child.id()));
                        // Reap it if it dies early, so the starter can tell; otherwise wait forever.
                        let _ = child.wait();
                    }
                    Err(e) => {
                        let _ = tx.send(Err(format!("start {}: {e}", server.display())));
                    }
                }
                loop {
                    std::thread::park();
                }
            })
            .map_err(|e| format!("spawn guard thread: {e}"))?;
        let pid = rx
            .recv()
            .map_err(|_| "moto guard thread died".to_owned())??;
        CHILD_PID.store(u64::from(pid), Ordering::SeqCst);
        static REGISTERED: OnceLock<()> = OnceLock::new();
        REGISTERED.get_or_init(|| {
            // SAFETY: registering a plain extern "C" function.
            unsafe {
                libc::atexit(kill_child_at_exit);
            }
        });
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let alive = || {
            // SAFETY: kill(pid, 0) only checks the process exists.
            let exists = unsafe { libc::kill(pid as libc::pid_t, 0) } == 0;
            let zombie = fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| s.contains(") Z "))
                .unwrap_or(true);
            if exists && !zombie {
                Ok(())
            } else {
                Err(format!(
                    "moto_server exited before listening on port {port}"
                ))
            }
        };
        wait_listening(addr, Duration::from_secs(60), alive)
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
        let container = GenericImage::new("localstack/localstack", "4")
            .with_exposed_port(4566.tcp())
            .with_wait_for(WaitFor::message_on_stdout("Ready."))
            .with_env_var("SERVICES", "dynamodb,s3,ssm")
            .start()
            .map_err(|e| format!("LocalStack container: {e}"))?;
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
}
