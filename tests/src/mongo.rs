//! A MongoDB-wire server for the end-to-end tests: `secantusd-py` (from
//! `pip install --pre secantusdb`) started on a free loopback port, or the real MongoDB of
//! `CPL_TEST_MONGODB_URL` when that is set.
//!
//! Each server runs under a small shell that kills it when the test process's end of its
//! stdin closes, so a test that panics, or a test process that exits without dropping it,
//! leaves no server behind. Neither server available: [`shared_url`] prints once that the
//! MongoDB tests were skipped and the command that enables them, and returns None; with
//! `CI=true` that is a failure instead.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The one command that enables the MongoDB tests.
pub const ENABLE: &str = "pip install --pre secantusdb";

/// The server binary.
pub const SERVER: &str = "secantusd-py";

/// A `secantusd-py` of this test process.
pub struct MongoServer {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    /// The `secantusd-py` process itself (its shell's child), for [`MongoServer::pause`].
    pid: Option<u32>,
    paused: bool,
    port: u16,
    storage: String,
    _dir: Option<tempfile::TempDir>,
}

fn executable(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Whether `secantusd-py` is installed.
pub fn server_installed() -> bool {
    executable(SERVER).is_some()
}

/// `CPL_TEST_MONGODB_URL`, when set and not empty.
pub fn external_url() -> Option<String> {
    std::env::var("CPL_TEST_MONGODB_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("a free loopback port")
        .local_addr()
        .expect("its address")
        .port()
}

impl MongoServer {
    /// A fresh server with an in-memory database; None when `secantusd-py` is missing.
    pub fn start_in_memory() -> Option<MongoServer> {
        server_installed().then_some(())?;
        let mut s = MongoServer {
            child: None,
            stdin: None,
            pid: None,
            paused: false,
            port: free_port(),
            storage: ":memory:".into(),
            _dir: None,
        };
        s.spawn();
        Some(s)
    }

    /// A fresh server whose data lives in a temporary directory, so it survives
    /// [`MongoServer::stop`] and [`MongoServer::start_again`]; None when `secantusd-py`
    /// is missing.
    pub fn start_persistent() -> Option<MongoServer> {
        server_installed().then_some(())?;
        let dir = tempfile::tempdir().expect("temporary directory");
        let storage = dir.path().join("wiredtiger").display().to_string();
        let mut s = MongoServer {
            child: None,
            stdin: None,
            pid: None,
            paused: false,
            port: free_port(),
            storage,
            _dir: Some(dir),
        };
        s.spawn();
        Some(s)
    }

    /// `mongodb://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("mongodb://127.0.0.1:{}/", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn spawn(&mut self) {
        let port = self.port.to_string();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(
                // Asked to stop with TERM; a server that has not stopped 5 s later is
                // killed (a busy secantusd-py was seen ignoring TERM and spinning on after
                // its test, slowing every later test on the machine).
                // It prints the server's pid first, for pause and resume.
                "secantusd-py \"$@\" >/dev/null & p=$!; echo $p; trap 'kill -9 $p 2>/dev/null' EXIT INT TERM; \
                 cat >/dev/null; kill $p 2>/dev/null; \
                 for _ in $(seq 50); do kill -0 $p 2>/dev/null || break; sleep 0.1; done; \
                 kill -9 $p 2>/dev/null; wait $p",
            )
            .arg("secantusd")
            .args(["--host", "127.0.0.1", "--port", &port])
            .args(["--storage-path", &self.storage])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sh starts secantusd-py");
        self.stdin = child.stdin.take();
        self.pid = child.stdout.take().and_then(|out| {
            let mut line = String::new();
            BufReader::new(out).read_line(&mut line).ok()?;
            line.trim().parse().ok()
        });
        self.paused = false;
        if let Some(err) = child.stderr.take() {
            // Keep its log flowing so it never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines() {
                    if line.is_err() {
                        break;
                    }
                }
            });
        }
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{SERVER} did not listen on 127.0.0.1:{} within 30 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Freezes the server with SIGSTOP: it keeps its port and connections (the kernel
    /// still accepts and acknowledges) but answers nothing, like an overloaded or hung
    /// server, until [`MongoServer::resume`].
    pub fn pause(&mut self) {
        self.signal("STOP");
        self.paused = true;
    }

    /// Lets a paused server go on (SIGCONT); it answers what it was sent meanwhile.
    pub fn resume(&mut self) {
        self.signal("CONT");
        self.paused = false;
    }

    fn signal(&self, name: &str) {
        let pid = self
            .pid
            .unwrap_or_else(|| panic!("the shell around {SERVER} did not print its pid"));
        let status = Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .status()
            .expect("the kill command runs");
        assert!(status.success(), "kill -{name} {pid} failed: {status}");
    }

    /// Stops the server and waits until its port is closed.
    pub fn stop(&mut self) {
        if self.paused {
            // A stopped process would keep TERM pending until the shell's KILL, 5 s on.
            self.resume();
        }
        self.stdin.take();
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts it again on the same port and storage.
    pub fn start_again(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for MongoServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The URL of a MongoDB server this test process may use: `CPL_TEST_MONGODB_URL`, or one
/// in-memory `secantusd-py` shared by the process's tests. None, after printing once why,
/// when there is neither; panics instead under `CI=true`.
pub fn shared_url() -> Option<String> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    static KEEP: Mutex<Option<MongoServer>> = Mutex::new(None);
    URL.get_or_init(|| {
        if let Some(url) = external_url() {
            return Some(url);
        }
        match MongoServer::start_in_memory() {
            Some(s) => {
                let url = s.url();
                if let Ok(mut keep) = KEEP.lock() {
                    *keep = Some(s);
                }
                Some(url)
            }
            None => {
                skipped();
                None
            }
        }
    })
    .clone()
}

/// A database for a test that leaves its server in a state no other test should share:
/// clients killed in the middle of their transactions. On `CPL_TEST_MONGODB_URL` it is a
/// fresh database, dropped afterwards; otherwise a `secantusd-py` of its own, stopped
/// afterwards without dropping anything. None, after saying why as [`shared_url`] does,
/// when there is neither.
///
/// Why not a database on the shared server: `secantusd-py` 0.7.0b3 keeps a killed client's
/// transaction open until another transaction statement reaps it (60 s idle), and its
/// `dropDatabase` spins forever in a WiredTiger remove under the storage lock while that
/// transaction still holds the rows, so no statement ever gets to reap it (py-spy: the
/// drop's thread in `__wt_btcur_remove` at 100 % CPU). A real MongoDB lets the drop wait
/// for the transaction's lifetime and then goes on.
pub struct IsolatedDatabase {
    /// Server URL.
    pub url: String,
    /// Database name.
    pub name: String,
    _drop: Option<DropDatabase>,
    _server: Option<MongoServer>,
}

impl IsolatedDatabase {
    /// A fresh database named after `prefix`.
    pub fn start(prefix: &str) -> Option<IsolatedDatabase> {
        let name = unique_database(prefix);
        if let Some(url) = external_url() {
            let drop = DropDatabase {
                url: url.clone(),
                name: name.clone(),
            };
            return Some(IsolatedDatabase {
                url,
                name,
                _drop: Some(drop),
                _server: None,
            });
        }
        let Some(server) = MongoServer::start_in_memory() else {
            skipped();
            return None;
        };
        Some(IsolatedDatabase {
            url: server.url(),
            name,
            _drop: None,
            _server: Some(server),
        })
    }
}

/// Says once that the MongoDB tests were skipped (a failure under `CI=true`).
pub fn skipped() {
    static ONCE: OnceLock<()> = OnceLock::new();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !ci,
        "CI=true but no MongoDB server for the MongoDB tests: `{ENABLE}` provides {SERVER}, \
         or set CPL_TEST_MONGODB_URL"
    );
    ONCE.get_or_init(|| {
        // Straight to the stream: libtest captures print!/eprint! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "MongoDB end-to-end tests skipped: neither {SERVER} nor CPL_TEST_MONGODB_URL is \
             available; enable them with `{ENABLE}`"
        );
    });
}

/// A database name no other test uses.
pub fn unique_database(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "cpl_{prefix}_{}_{}_{:04x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        rand::random::<u16>()
    )
}

/// Drops a database when dropped (on a thread of its own: a test's runtime cannot be
/// blocked from inside a Drop). Errors are ignored: the server may be gone already.
pub struct DropDatabase {
    /// Server URL.
    pub url: String,
    /// Database name.
    pub name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                let Ok(mut options) = mongodb::options::ClientOptions::parse(&url).await else {
                    return;
                };
                options.server_selection_timeout = Some(Duration::from_secs(2));
                if let Ok(client) = mongodb::Client::with_options(options) {
                    let _ = client.database(&name).drop().await;
                }
            });
        })
        .join();
    }
}
