//! Helpers for the end-to-end tests: start real `cpld` processes on free ports, wait for
//! their health check, and hand out typed clients. Every daemon gets its own temporary
//! directory (database, HOME, logs) so tests never touch a developer's real files.

#![allow(clippy::unwrap_used)]

pub mod fake_daily;
pub mod fake_deepgram;
pub mod fake_twilio;
pub mod frames;
pub mod mongo;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use citypulse::api::{CreateEventRequest, NearbyQuery, RegisterRequest};
use citypulse::model::{Event, RegisteredUser};
use citypulse::{Client, ClientError};

/// The admin token every test daemon is started with.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// Path of a workspace binary (`cpld`, `cpl`), built on first use if missing.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<()>> = OnceLock::new();
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test binary> -> target/<profile>/<name>
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let path = dir.join(name);
    // `cargo test -p citypulse-tests` does not rebuild other packages' binaries, so build
    // each once per test process (a no-op when it is fresh) rather than test a stale one.
    static FRESH: OnceLock<Mutex<std::collections::HashSet<String>>> = OnceLock::new();
    let _guard = BUILT.get_or_init(|| Mutex::new(())).lock().unwrap();
    let mut fresh = FRESH.get_or_init(Default::default).lock().unwrap();
    if !fresh.contains(name) {
        let package = if name == "cpld" {
            "citypulse-daemon"
        } else {
            "citypulse-cli"
        };
        let profile = dir
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("debug")
            .to_string();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "-q", "-p", package, "--bin", name])
            .current_dir(workspace_root());
        // Without what `cargo test` sets for this test process (its package's CARGO_PKG_*,
        // CARGO_MANIFEST_DIR, ...): some build scripts (ring's) track those variables, so
        // the inner build and the next outer one would each rebuild the TLS stack and cpld.
        for (var, _) in std::env::vars_os() {
            let Some(var) = var.to_str() else { continue };
            if var.starts_with("CARGO_PKG_")
                || matches!(
                    var,
                    "CARGO_MANIFEST_DIR"
                        | "CARGO_MANIFEST_PATH"
                        | "CARGO_CRATE_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                        | "CARGO_TARGET_TMPDIR"
                )
            {
                cmd.env_remove(var);
            }
        }
        if profile == "release" {
            cmd.arg("--release");
        }
        let status = cmd.status().unwrap();
        assert!(status.success(), "building {name} failed");
        fresh.insert(name.to_string());
    }
    path
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A running `cpld`.
pub struct Daemon {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The daemon's private directory (database, logs, HOME).
    pub dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    builder: DaemonBuilder,
}

/// How to start a daemon.
#[derive(Clone, Default)]
pub struct DaemonBuilder {
    env: Vec<(String, String)>,
    dir: Option<PathBuf>,
    listen: Option<String>,
}

impl DaemonBuilder {
    /// Adds an environment variable.
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.retain(|(key, _)| key != k);
        self.env.push((k.to_string(), v.to_string()));
        self
    }

    /// Uses `dir` (database file and logs) instead of a fresh temporary directory, so a
    /// second daemon can reopen the first one's database.
    pub fn dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_path_buf());
        self
    }

    /// Listens on this address instead of a free port.
    pub fn listen(mut self, addr: &str) -> Self {
        self.listen = Some(addr.to_string());
        self
    }

    /// Starts the daemon and waits until `/health` answers 200.
    pub async fn start(self) -> Daemon {
        let (tmp, dir) = match &self.dir {
            Some(d) => (None, d.clone()),
            None => {
                let t = tempfile::tempdir().unwrap();
                let d = t.path().to_path_buf();
                (Some(t), d)
            }
        };
        let mut d = Daemon {
            child: None,
            url: String::new(),
            dir,
            _tmp: tmp,
            builder: self,
        };
        d.spawn().await;
        d
    }
}

impl Daemon {
    /// A builder with the test defaults (admin token, no rate or lookup limit, fast
    /// heartbeat).
    pub fn builder() -> DaemonBuilder {
        DaemonBuilder::default()
    }

    /// A daemon with the test defaults.
    pub async fn start() -> Daemon {
        Daemon::builder().start().await
    }

    async fn spawn(&mut self) {
        let b = &self.builder;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("cpld.log"))
            .unwrap();
        let mut cmd = Command::new(binary("cpld"));
        cmd.env_clear()
            .current_dir(&self.dir)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("XDG_DATA_HOME", self.dir.join("data"))
            .env("CPL_DB", self.dir.join("citypulse.db"))
            .env("CPL_LISTEN", b.listen.as_deref().unwrap_or("127.0.0.1:0"))
            .env("CPL_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("CPL_RATE_LIMIT", "0")
            // Like CPL_RATE_LIMIT: tests read hundreds of profiles from one address. The
            // budget of failed authentications keeps its default.
            .env("CPL_LOOKUPS_PER_MINUTE", "0")
            .env("CPL_LOG", "info,citypulse_daemon=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        for (k, v) in &b.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("cpld starts");
        let stdout = child.stdout.take().unwrap();
        let url = tokio::task::spawn_blocking(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            // Keep draining stdout so the daemon never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut sink = String::new();
                while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                    sink.clear();
                }
            });
            line
        })
        .await
        .unwrap();
        let url = url
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .unwrap_or_else(|| panic!("cpld did not print its address; log:\n{}", self.logs()))
            .to_string();
        self.child = Some(child);
        self.url = url;
        self.wait_healthy().await;
    }

    /// Polls `/health` until it answers 200 (never a fixed sleep). A daemon serving TLS
    /// (`https://`) is only known to listen: its tests bring the client that trusts it.
    pub async fn wait_healthy(&self) {
        if self.url.starts_with("https://") {
            return;
        }
        let client = self.client();
        for _ in 0..200 {
            if client.health().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "cpld at {} never became healthy; log:\n{}",
            self.url,
            self.logs()
        );
    }

    /// The daemon's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// A size field of the daemon's `/proc/<pid>/status` in bytes (`VmRSS`: resident now;
    /// `VmHWM`: the most it has been resident); `None` off Linux or once it has exited.
    pub fn memory(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?;
        let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kib * 1024)
    }

    /// One counter or gauge of the daemon's `/metrics` (without labels); panics naming it
    /// when it is missing.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = reqwest::get(format!("{}/metrics", self.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from /metrics of {}:\n{text}", self.url))
    }

    /// The daemon's log so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.dir.join("cpld.log")).unwrap_or_default()
    }

    /// An anonymous client.
    pub fn client(&self) -> Client {
        Client::new(&self.url).unwrap()
    }

    /// A client with the admin token.
    pub fn admin(&self) -> Client {
        self.client().with_token(ADMIN_TOKEN)
    }

    /// Registers a user with a unique phone; their client and registration.
    pub async fn user(&self, name: &str) -> (Client, RegisteredUser) {
        let reg = self
            .client()
            .register(&RegisterRequest {
                phone: unique_phone(),
                name: name.to_string(),
            })
            .await
            .unwrap();
        (self.client().with_token(reg.token.clone()), reg)
    }

    /// Stops the daemon with SIGTERM and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill").arg(c.id().to_string()).status();
            let _ = c.wait();
        }
    }

    /// Sends the daemon SIGTERM without waiting for it to exit (a drain begins).
    pub fn terminate(&self) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill").arg(c.id().to_string()).status();
        }
    }

    /// Waits at most `limit` for the daemon to exit; its exit status, None if it still runs.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    self.child = None;
                    return Some(status);
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// Kills the daemon with SIGKILL (a crash).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same directory (same database, same settings).
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().await;
    }

    /// Starts it again after a [`Daemon::kill`].
    pub async fn start_again(&mut self) {
        self.spawn().await;
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A phone number no other test uses.
pub fn unique_phone() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id() as u64 % 10_000;
    format!("+57{:04}{:06}", pid, n % 1_000_000)
}

/// Bogotá, Plaza de Bolívar, `[lng, lat]`.
pub const BOGOTA: (f64, f64) = (-74.0761, 4.5981);

/// An event titled `title` at [`BOGOTA`], made by `c` (category `cultura`, nothing else set).
pub async fn event_in_bogota(c: &Client, title: &str) -> Event {
    c.create_event(&CreateEventRequest {
        title: title.into(),
        description: None,
        category: "cultura".into(),
        coordinates: citypulse::geo::Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
        address: None,
        starts_at: None,
        ends_at: None,
    })
    .await
    .unwrap()
}

/// Nearby events around [`BOGOTA`] with the default distance and limit.
pub fn near_bogota() -> NearbyQuery {
    NearbyQuery {
        lng: BOGOTA.0,
        lat: BOGOTA.1,
        max_distance: None,
        limit: None,
        category: None,
    }
}

/// How many active events are near [`BOGOTA`].
pub async fn nearby_count(c: &Client) -> usize {
    c.nearby(&near_bogota()).await.unwrap().len()
}

/// The status and sentence of a failed call.
pub fn api_error(e: ClientError) -> (u16, String) {
    match e {
        ClientError::Api { status, detail } => (status, detail),
        other => panic!("not an API error: {other}"),
    }
}

/// A point `metres` north of `(lng, lat)`.
pub fn north_of((lng, lat): (f64, f64), metres: f64) -> (f64, f64) {
    (
        lng,
        lat + (metres / citypulse::geo::EARTH_RADIUS_M).to_degrees(),
    )
}

/// A point `metres` east of `(lng, lat)`.
pub fn east_of((lng, lat): (f64, f64), metres: f64) -> (f64, f64) {
    (
        lng + (metres / (citypulse::geo::EARTH_RADIUS_M * lat.to_radians().cos())).to_degrees(),
        lat,
    )
}

/// Refuses any load-run target that is not on this machine's loopback (workplace rule:
/// load is only ever sent to 127.0.0.0/8, localhost or [::1]).
pub fn ensure_loopback(url: &str) {
    let parsed = url::Url::parse(url).unwrap_or_else(|e| panic!("{url:?} is not a URL: {e}"));
    let ok = match parsed.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    assert!(
        ok,
        "load runs only target loopback addresses (127.0.0.1, localhost, [::1]); {url} is not one"
    );
}

/// p50, p95, p99 and max of latencies, in milliseconds.
pub fn percentiles(mut v: Vec<Duration>) -> (f64, f64, f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0, 0.0, 0.0);
    }
    v.sort();
    let at = |q: f64| {
        let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
        v[i].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.95), at(0.99), at(1.0))
}
