//! End-to-end tests of the `cpl` binary against real daemons (issue 7): every command's
//! table, plain and `--json` output (parsed back into the contract's types), the exit code
//! of each kind of failure, config file permissions, the claim race, the crowd simulation,
//! and the committed completions and man pages.
//!
//! Every run of `cpl` gets a cleared environment: PATH, a temporary HOME/XDG_* and
//! CPL_CONFIG_DIR, and CPL_URL, so no test reads or writes a developer's real config.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use citypulse::api::{
    ClaimResult, EventPage, JoinResponse, MessageResponse, TokenResponse, UserErased,
};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventStatus, NearbyEvent, Participant, RegisteredUser,
    Transcription, User, UserCollectible,
};
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::Client;
use citypulse_tests::{binary, unique_phone, workspace_root, Daemon, ADMIN_TOKEN, BOGOTA};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The command that rewrites the committed completions and man pages.
const REGENERATE: &str = "cargo run -p citypulse-cli -- gen-docs";

/// `cpl` with an isolated home and config directory, pointed at one daemon.
struct Cpl {
    home: tempfile::TempDir,
    url: String,
    env: Vec<(String, String)>,
}

/// What a run printed and how it exited.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    args: String,
}

impl Run {
    fn show(&self) -> String {
        format!(
            "cpl {} exited {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        )
    }
}

impl Cpl {
    fn new(url: &str) -> Cpl {
        Cpl {
            home: tempfile::tempdir().unwrap(),
            url: url.to_string(),
            env: Vec::new(),
        }
    }

    fn env(mut self, k: &str, v: &str) -> Cpl {
        self.env.push((k.into(), v.into()));
        self
    }

    fn config_dir(&self) -> PathBuf {
        self.home.path().join("cpl-config")
    }

    fn command(&self, args: &[&str]) -> Command {
        let home = self.home.path();
        let mut cmd = Command::new(binary("cpl"));
        cmd.env_clear()
            .current_dir(home)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("xdg-config"))
            .env("XDG_DATA_HOME", home.join("xdg-data"))
            .env("XDG_CACHE_HOME", home.join("xdg-cache"))
            .env("CPL_CONFIG_DIR", self.config_dir())
            .env("CPL_URL", &self.url)
            .args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn run_with(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = self.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            use std::io::Write;
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(input.as_bytes()).unwrap();
        }
        let out: Output = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            args: args.join(" "),
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None)
    }

    /// Runs and expects exit 0; stdout.
    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{}", r.show());
        r.stdout
    }

    /// Runs with --json, expects exit 0, parses stdout as `T`.
    fn json<T: DeserializeOwned>(&self, args: &[&str]) -> T {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| {
            panic!(
                "cpl {} printed JSON that is not the contract's type: {e}\n{out}",
                args.join(" ")
            )
        })
    }

    /// Runs and expects exit `code` with a single `cpl: ...` line on stderr; that line.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let r = self.run(args);
        assert_eq!(r.code, code, "{}", r.show());
        if code != 2 || r.stderr.starts_with("cpl: ") {
            let lines: Vec<&str> = r.stderr.lines().collect();
            assert_eq!(lines.len(), 1, "the error is one line: {}", r.show());
            assert!(lines[0].starts_with("cpl: "), "{}", r.show());
        }
        r.stderr
    }

    /// Registers under `profile`; the registration.
    fn register(&self, profile: &str, name: &str) -> RegisteredUser {
        self.json(&[
            "--profile",
            profile,
            "register",
            "--phone",
            &unique_phone(),
            "--name",
            name,
        ])
    }
}

fn lng_lat((lng, lat): (f64, f64)) -> (String, String) {
    (lng.to_string(), lat.to_string())
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn register_whoami_profiles_and_config() {
    let d = Daemon::start().await;
    let cpl = Cpl::new(&d.url);

    let reg = cpl.register("default", "Ana Prueba");
    assert_eq!(reg.user.name, "Ana Prueba");
    assert!(reg.user.phone.is_some());
    let config_file = cpl.config_dir().join("config.toml");
    assert!(config_file.exists());
    #[cfg(unix)]
    assert_eq!(mode(&config_file), 0o600, "the config file holds tokens");
    assert_eq!(
        cpl.ok(&["config", "path"]).trim(),
        config_file.display().to_string()
    );

    let me: User = cpl.json(&["whoami"]);
    assert_eq!(me.id, reg.user.id);
    assert_eq!(me.phone, reg.user.phone);
    // Piped output is plain: one `field<TAB>value` per line.
    let plain = cpl.ok(&["whoami"]);
    assert!(plain.contains("name\tAna Prueba"), "{plain}");
    assert!(plain.contains(&format!("id\t{}", reg.user.id)), "{plain}");
    let table = cpl.ok(&["--format", "table", "whoami"]);
    assert!(
        table.contains('╭') && table.contains("Ana Prueba"),
        "{table}"
    );

    // `users show` sends the token, so the owner sees their phone.
    let shown: User = cpl.json(&["users", "show", reg.user.id.as_str()]);
    assert_eq!(shown.phone, reg.user.phone);

    // A second profile acts as another user.
    let other = cpl.register("second", "Beto");
    let me2: User = cpl.json(&["--profile", "second", "whoami"]);
    assert_eq!(me2.id, other.user.id);
    let me_env: User = cpl.json_env_profile("second");
    assert_eq!(me_env.id, other.user.id);

    // `config show` never prints a token in full.
    cpl.ok(&["config", "set", "admin_token", "super-secret-admin-token"]);
    for args in [vec!["config", "show"], vec!["--json", "config", "show"]] {
        let out = cpl.ok(&args);
        for secret in [
            reg.token.as_str(),
            other.token.as_str(),
            "super-secret-admin-token",
        ] {
            assert!(!out.contains(secret), "config show printed a token: {out}");
        }
        assert!(
            out.contains("second") && out.contains(other.user.id.as_str()),
            "{out}"
        );
    }
    #[cfg(unix)]
    assert_eq!(mode(&config_file), 0o600);
    cpl.fails(&["config", "set", "colour", "red"], 2);
    cpl.ok(&["config", "set", "profile", "second"]);
    let me3: User = cpl.json(&["whoami"]);
    assert_eq!(me3.id, other.user.id, "the config's profile is the default");
    cpl.ok(&["config", "unset", "profile"]);

    // Admin: list users and reset someone's token.
    let admin = Cpl::new(&d.url).env("CPL_ADMIN_TOKEN", ADMIN_TOKEN);
    let users: Vec<User> = admin.json(&["users", "list"]);
    assert!(users.iter().any(|u| u.id == reg.user.id));
    assert!(users.iter().any(|u| u.id == other.user.id));
    let listed = admin.ok(&["users", "list"]);
    assert!(listed.starts_with("ID\tNAME\t"), "{listed}");
    let fresh: TokenResponse = admin.json(&["users", "reset-token", other.user.id.as_str()]);
    assert_ne!(fresh.token, other.token);
    let old = d.client().with_token(other.token.clone());
    assert_eq!(
        old.me().await.unwrap_err().status(),
        Some(401),
        "the old token is revoked"
    );
    // The saved token of profile "second" is now stale: the daemon says no (exit 1).
    cpl.fails(&["--profile", "second", "whoami"], 1);

    // Resetting one's own token saves the new one.
    let own: TokenResponse = cpl.json(&["users", "reset-token"]);
    assert_ne!(own.token, reg.token);
    let me4: User = cpl.json(&["whoami"]);
    assert_eq!(me4.id, reg.user.id);
    #[cfg(unix)]
    assert_eq!(mode(&config_file), 0o600);
}

impl Cpl {
    /// `whoami` with the profile chosen by CPL_PROFILE.
    fn json_env_profile(&self, profile: &str) -> User {
        let mut cmd = self.command(&["--json", "whoami"]);
        let out = cmd.env("CPL_PROFILE", profile).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

#[tokio::test]
async fn events_from_creation_to_end() {
    let d = Daemon::start().await;
    let cpl = Cpl::new(&d.url);
    let ana = cpl.register("default", "Ana");
    let (lng, lat) = lng_lat(BOGOTA);

    let ev: Event = cpl.json(&[
        "events",
        "create",
        "--title",
        "Feria del libro",
        "--category",
        "Culture",
        "--lng",
        &lng,
        "--lat",
        &lat,
        "--address",
        "Carrera 7",
        "--description",
        "Libros",
    ]);
    assert_eq!(ev.title, "Feria del libro");
    assert_eq!(ev.category, "culture");
    assert_eq!(ev.creator_id, ana.user.id);
    assert_eq!(ev.location.coordinates.lng(), BOGOTA.0);
    let id = ev.id.to_string();

    let shown: Event = cpl.json(&["events", "show", &id]);
    assert_eq!(shown.id, ev.id);
    let table = cpl.ok(&["--format", "table", "events", "show", &id]);
    assert!(
        table.contains("Feria del libro") && table.contains("Carrera 7"),
        "{table}"
    );

    let near = citypulse_tests::north_of(BOGOTA, 300.0);
    let (nlng, nlat) = lng_lat(near);
    let nearby: Vec<NearbyEvent> = cpl.json(&[
        "events", "nearby", "--lng", &nlng, "--lat", &nlat, "--radius", "1000",
    ]);
    let found = nearby
        .iter()
        .find(|e| e.event.id == ev.id)
        .expect("the event is nearby");
    assert!(
        (found.distance_m - 300.0).abs() < 5.0,
        "{}",
        found.distance_m
    );
    let plain = cpl.ok(&["events", "nearby", "--lng", &nlng, "--lat", &nlat]);
    assert!(
        plain.starts_with("ID\tTITLE\tCATEGORY\tDISTANCE"),
        "{plain}"
    );
    assert!(plain.contains("Feria del libro"), "{plain}");
    let far: Vec<NearbyEvent> =
        cpl.json(&["events", "nearby", "--lng", "-75.5636", "--lat", "6.2518"]);
    assert!(far.iter().all(|e| e.event.id != ev.id));

    let joined: JoinResponse = cpl.json(&["events", "join", &id]);
    assert_eq!(joined.event_id, ev.id);
    assert_eq!(joined.room_url, None, "video is off in tests");
    let people: Vec<Participant> = cpl.json(&["events", "participants", &id]);
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].user_id, ana.user.id);

    let said: ChatMessage = cpl.json(&["chat", &id, "--message", "¡Hola a todos!"]);
    assert_eq!(said.message, "¡Hola a todos!");
    assert_eq!(said.user_id, ana.user.id);
    let history: Vec<ChatMessage> = cpl.json(&["events", "messages", &id]);
    assert_eq!(history.first().map(|m| &m.id), Some(&said.id));

    cpl.json::<JoinResponse>(&["events", "join", &id]);
    let left: MessageResponse = cpl.json(&["events", "leave", &id]);
    assert!(!left.message.is_empty());
    let people: Vec<Participant> = cpl.json(&["events", "participants", &id]);
    assert!(people.is_empty());

    // Only the creator may end it: the daemon says no, exit 1 with its sentence.
    let bob = Cpl::new(&d.url);
    bob.register("default", "Bob");
    let err = bob.fails(&["events", "end", &id], 1);
    assert!(err.contains("creator"), "{err}");

    let ended: MessageResponse = cpl.json(&["events", "end", &id]);
    assert_eq!(ended.message, "Event ended");
    let shown: Event = cpl.json(&["events", "show", &id]);
    assert_eq!(shown.status, EventStatus::Ended);
    let err = cpl.fails(&["events", "end", &id], 1);
    assert!(err.contains("ended"), "{err}");
}

/// A stored transcript segment, written into the daemon's SQLite file as the daemon would
/// store a final caption (the captions themselves come from Deepgram; tests/tests/
/// transcription.rs drives that path).
fn store_segment(d: &Daemon, event: &str, speaker: &str, text: &str, at_ms: i64) -> String {
    let id = citypulse::TranscriptId::generate().to_string();
    let db = rusqlite::Connection::open(d.dir.join("citypulse.db")).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    db.execute(
        "INSERT INTO transcriptions (id, event_id, speaker_id, text, text_folded, confidence, \
         start, duration, words, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 0.9, 0.0, 1.5, '[]', ?6)",
        rusqlite::params![id, event, speaker, text, text.to_lowercase(), at_ms],
    )
    .unwrap();
    id
}

#[tokio::test]
async fn moderation_and_transcripts_from_the_command_line() {
    let d = Daemon::start().await;
    let ana = Cpl::new(&d.url);
    let ra = ana.register("default", "Ana");
    let bob = Cpl::new(&d.url);
    let rb = bob.register("default", "Bob");
    // The admin has no profile, only the admin token.
    let admin = Cpl::new(&d.url).env("CPL_ADMIN_TOKEN", ADMIN_TOKEN);
    let (lng, lat) = lng_lat(BOGOTA);
    let ev: Event = ana.json(&[
        "events",
        "create",
        "--title",
        "Asamblea",
        "--category",
        "civic",
        "--lng",
        &lng,
        "--lat",
        &lat,
    ]);
    let id = ev.id.to_string();
    let mine: ChatMessage = ana.json(&["chat", &id, "--message", "primero"]);
    let theirs: ChatMessage = bob.json(&["chat", &id, "--message", "algo abusivo"]);
    let kept: ChatMessage = ana.json(&["chat", &id, "--message", "se queda"]);

    // The history shows each message's id, which `messages delete` takes.
    let plain = ana.ok(&["events", "messages", &id]);
    assert!(
        plain.starts_with("TIME\tID\tUSER\tNAME\tMESSAGE\n"),
        "{plain}"
    );
    assert!(plain.contains(mine.id.as_str()), "{plain}");

    // Bob cannot remove Ana's message: the daemon's sentence, exit 1.
    let err = bob.fails(&["events", "messages", "delete", &id, mine.id.as_str()], 1);
    assert!(err.contains("only its author or a moderator"), "{err}");
    // Ana removes her own; --json prints the contract's MessageResponse.
    let done: MessageResponse = ana.json(&["events", "messages", "delete", &id, mine.id.as_str()]);
    assert_eq!(done.message, format!("Message {} deleted", mine.id));
    let err = ana.fails(&["events", "messages", "delete", &id, mine.id.as_str()], 1);
    assert!(err.contains("does not exist"), "{err}");
    // The admin removes Bob's, with --admin; without a profile and without --admin it is a
    // usage error naming what is missing.
    let err = admin.fails(
        &["events", "messages", "delete", &id, theirs.id.as_str()],
        2,
    );
    assert!(err.contains("cpl register"), "{err}");
    let done: MessageResponse = admin.json(&[
        "events",
        "messages",
        "delete",
        &id,
        theirs.id.as_str(),
        "--admin",
    ]);
    assert_eq!(done.message, format!("Message {} deleted", theirs.id));
    let history: Vec<ChatMessage> = bob.json(&["events", "messages", &id]);
    assert_eq!(
        history.iter().map(|m| &m.id).collect::<Vec<_>>(),
        vec![&kept.id]
    );

    // Transcripts: the stored captions, newest first, searchable, paged by id.
    let older = store_segment(
        &d,
        &id,
        ra.user.id.as_str(),
        "Buenas tardes a todos",
        1_795_000_000_000,
    );
    let newer = store_segment(
        &d,
        &id,
        rb.user.id.as_str(),
        "La plaza está llena",
        1_795_000_001_000,
    );
    let all: Vec<Transcription> = bob.json(&["events", "transcripts", &id]);
    assert_eq!(
        all.iter().map(|t| t.id.to_string()).collect::<Vec<_>>(),
        vec![newer.clone(), older.clone()]
    );
    assert_eq!(all[0].speaker_id, rb.user.id);
    assert_eq!(all[0].text, "La plaza está llena");
    let found: Vec<Transcription> = bob.json(&["events", "transcripts", &id, "--query", "PLAZA"]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.to_string(), newer);
    let before = citypulse::time::format(&all[0].created_at);
    let page: Vec<Transcription> = bob.json(&[
        "events",
        "transcripts",
        &id,
        "--limit",
        "5",
        "--before",
        &before,
        "--before-id",
        &newer,
    ]);
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].id.to_string(), older);
    let plain = bob.ok(&["events", "transcripts", &id]);
    assert!(
        plain.starts_with("TIME\tID\tSPEAKER\tCONFIDENCE\tTEXT\n"),
        "{plain}"
    );
    assert!(plain.contains("Buenas tardes a todos"), "{plain}");
    let err = bob.fails(
        &[
            "events",
            "transcripts",
            &id,
            "--before",
            &before,
            "--before-id",
            "zz",
        ],
        2,
    );
    assert!(err.contains("--before-id"), "{err}");

    // The admin ends Ana's event with --admin; Bob (not the creator) cannot.
    let err = bob.fails(&["events", "end", &id], 1);
    assert!(err.contains("creator"), "{err}");
    let ended: MessageResponse = admin.json(&["events", "end", &id, "--admin"]);
    assert_eq!(ended.message, "Event ended");
    let shown: Event = bob.json(&["events", "show", &id]);
    assert_eq!(shown.status, EventStatus::Ended);
    let err = admin.fails(&["events", "end", &id, "--admin"], 1);
    assert!(err.contains("ended"), "{err}");
}

/// A table on a terminal that reports 0 columns (what `script` gives without a terminal
/// of its own) is laid out in 80 columns: `cpl whoami` prints the id whole, on one line,
/// not one letter per line.
#[tokio::test]
async fn tables_on_a_terminal_without_a_width_are_not_squashed() {
    let has_script = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_script {
        eprintln!("`script` (util-linux) is not installed: the pty end-to-end check is skipped; the width decision is unit-tested in cli/src/output.rs");
        return;
    }
    let d = Daemon::start().await;
    let cpl = Cpl::new(&d.url);
    let me = cpl.register("default", "Ana Terminal");
    // `script` runs cpl on a new pty whose size is 0x0 (it has no terminal to copy one
    // from), with cpl's isolated environment.
    let inner = cpl.command(&["whoami"]);
    let line = format!(
        "stty size; {} whoami",
        inner.get_program().to_string_lossy()
    );
    let mut cmd = Command::new("script");
    cmd.env_clear()
        .current_dir(cpl.home.path())
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::null());
    for (k, v) in inner.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with("0 0\n"), "the pty reports no size: {text}");
    assert!(
        text.contains(me.user.id.as_str()),
        "the id is printed whole on one line:\n{text}"
    );
    assert!(text.contains("Ana Terminal"), "{text}");
    assert!(
        text.lines().all(|l| l.chars().count() <= 80),
        "laid out in 80 columns:\n{text}"
    );
}

#[tokio::test]
async fn race_draws_progress_bars_on_a_terminal_and_none_when_quiet_or_json() {
    let has_script = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_script {
        eprintln!("`script` (util-linux) is not installed: the progress bar check is skipped");
        return;
    }
    let d = Daemon::start().await;
    let (owner, _) = d.user("Owner").await;
    let ev = create_event(&owner, "Carrera con barras").await;
    let cpl = Cpl::new(&d.url).env("CPL_ADMIN_TOKEN", ADMIN_TOKEN);
    // On a pty of 100 columns (stderr is a terminal there), with the given flags; what the
    // terminal showed.
    let on_terminal = |flags: &str| {
        let inner = cpl.command(&[]);
        let line = format!(
            "stty cols 100 rows 30; {} {flags} race --event {} --users 40 --cleanup",
            inner.get_program().to_string_lossy(),
            ev.id
        );
        let mut cmd = Command::new("script");
        // A terminal that can redraw a line: indicatif draws nothing when TERM is unset or
        // `dumb`.
        cmd.env_clear()
            .env("TERM", "xterm")
            .current_dir(cpl.home.path())
            .args(["-qec", &line, "/dev/null"])
            .stdin(Stdio::null());
        for (k, v) in inner.get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "cpl {flags} race: {text}");
        text
    };
    // A bar reads "<done>/<total> <step>" (notes never do).
    let bars = [
        "racers registered",
        "racers joined",
        "sockets open",
        "users erased",
    ]
    .map(|step| format!("/40 {step}"));
    let shown = on_terminal("");
    for bar in &bars {
        assert!(
            shown.contains(bar),
            "no {bar:?} bar on the terminal:\n{shown}"
        );
    }
    for flags in ["--quiet", "--json"] {
        let shown = on_terminal(flags);
        for bar in &bars {
            assert!(
                !shown.contains(bar),
                "a {bar:?} bar under {flags}:\n{shown}"
            );
        }
    }
}

#[tokio::test]
async fn collectibles_drop_active_claim() {
    let d = Daemon::start().await;
    let cpl = Cpl::new(&d.url);
    let ana = cpl.register("default", "Ana");
    let (lng, lat) = lng_lat(BOGOTA);
    let ev: Event = cpl.json(&[
        "events",
        "create",
        "--title",
        "Drops",
        "--category",
        "games",
        "--lng",
        &lng,
        "--lat",
        &lat,
    ]);
    let id = ev.id.to_string();

    // No admin token anywhere: a usage error that says how to give one.
    let err = cpl.fails(&["collectibles", "drop", &id], 2);
    assert!(err.contains("CPL_ADMIN_TOKEN"), "{err}");
    // A wrong admin token: the daemon says no.
    let wrong = Cpl::new(&d.url).env("CPL_ADMIN_TOKEN", "not-the-admin-token");
    wrong.fails(&["collectibles", "drop", &id], 1);

    let admin = Cpl::new(&d.url).env("CPL_ADMIN_TOKEN", ADMIN_TOKEN);
    let dropped: Collectible = admin.json(&[
        "collectibles",
        "drop",
        &id,
        "--name",
        "Paloma",
        "--rarity",
        "epic",
        "--points",
        "42",
        "--expires-in",
        "120",
    ]);
    assert_eq!(dropped.name, "Paloma");
    assert_eq!(dropped.points, 42);
    assert!(dropped.is_active);

    let active: Vec<Collectible> = cpl.json(&["collectibles", "active", &id]);
    assert_eq!(
        active.iter().map(|c| &c.id).collect::<Vec<_>>(),
        vec![&dropped.id]
    );
    let plain = cpl.ok(&["collectibles", "active", &id]);
    assert!(plain.contains("Paloma\tepic\t42"), "{plain}");

    // Not a participant yet: 403, exit 1.
    let err = cpl.fails(&["collectibles", "claim", dropped.id.as_str()], 1);
    assert!(err.contains("join"), "{err}");
    cpl.json::<JoinResponse>(&["events", "join", &id]);
    let won: ClaimResult = cpl.json(&["collectibles", "claim", dropped.id.as_str()]);
    assert!(won.success);
    assert_eq!(won.collectible.as_ref().map(|c| &c.id), Some(&dropped.id));
    // A second claim loses: the result is printed and the exit code is 1.
    let again = cpl.run(&["--json", "collectibles", "claim", dropped.id.as_str()]);
    assert_eq!(again.code, 1, "{}", again.show());
    let lost: ClaimResult = serde_json::from_str(&again.stdout).unwrap();
    assert!(!lost.success);
    assert_eq!(lost.message, "already claimed");

    let mine: Vec<UserCollectible> = cpl.json(&["users", "collectibles"]);
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].collectible_id, dropped.id);
    let theirs: Vec<UserCollectible> =
        Cpl::new(&d.url).json(&["users", "collectibles", ana.user.id.as_str()]);
    assert_eq!(theirs, mine);
    let active: Vec<Collectible> = cpl.json(&["collectibles", "active", &id]);
    assert!(active.is_empty());
}

#[tokio::test]
async fn exit_codes_for_each_kind_of_failure() {
    let d = Daemon::start().await;
    let cpl = Cpl::new(&d.url);

    // 2: usage errors, from clap and from cpl's own checks.
    cpl.fails(&["no-such-command"], 2);
    cpl.fails(&["events", "show"], 2);
    cpl.fails(&["events", "show", "not-an-id"], 2);
    let err = cpl.fails(&["whoami"], 2);
    assert!(
        err.contains("cpl register"),
        "the sentence says what to do: {err}"
    );
    cpl.register("default", "Ana");
    let err = cpl.fails(
        &[
            "events",
            "create",
            "--title",
            "x",
            "--category",
            "y",
            "--lng",
            "4.6",
            "--lat",
            "-104",
        ],
        2,
    );
    assert!(err.contains("[longitude, latitude]"), "{err}");
    let err = cpl.fails(&["--url", "ftp://example", "health"], 2);
    assert!(err.contains("http://"), "{err}");

    // 1: the daemon said no; its sentence is printed.
    let err = cpl.fails(&["events", "show", "0123456789abcdef01234567"], 1);
    assert!(err.contains("0123456789abcdef01234567"), "{err}");
    let err = cpl.fails(
        &[
            "--profile",
            "dup",
            "register",
            "--phone",
            "12",
            "--name",
            "Bad phone",
        ],
        1,
    );
    assert!(err.contains("E.164") || err.contains("digits"), "{err}");

    // 3: nothing listens at the URL; the sentence names it and suggests starting cpld.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let closed = format!("http://127.0.0.1:{port}");
    let err = Cpl::new(&closed).fails(&["health"], 3);
    assert!(err.contains(&closed) && err.contains("cpld"), "{err}");
    let err = cpl.fails(
        &[
            "--url", &closed, "events", "nearby", "--lng", "0", "--lat", "0",
        ],
        3,
    );
    assert!(err.contains(&closed), "{err}");
    let err = cpl.fails(
        &["--url", &closed, "location", "--lng", "0", "--lat", "0"],
        3,
    );
    assert!(err.contains(&closed), "{err}");

    // 0: --help, and a reader that goes away (`| head`) is not an error.
    assert_eq!(cpl.run(&["--help"]).code, 0);
    let mut child = cpl
        .command(&["completions", "zsh"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn health_prints_the_store_and_version() {
    let d = Daemon::start().await;
    let cpl = Cpl::new(&d.url);
    let h: citypulse::api::Health = cpl.json(&["health"]);
    assert_eq!(h.status, "ok");
    assert_eq!(h.store, "sqlite");
    assert!(cpl.ok(&["health"]).contains("status\tok"));
}

/// Reads a child's stdout lines on a thread.
fn lines_of(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[tokio::test]
async fn watch_prints_every_server_message_as_json_lines() {
    let d = Daemon::start().await;
    let cpl = Cpl::new(&d.url);
    let ana = cpl.register("default", "Ana");
    let (bob, bob_reg) = d.user("Bob").await;
    let ev = create_event(&bob, "Watched").await;
    bob.join_event(&ev.id).await.unwrap();

    let mut child = cpl
        .command(&[
            "--json",
            "watch",
            "--event",
            ev.id.as_str(),
            "--count",
            "2",
            "--timeout",
            "30s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = lines_of(child.stdout.take().unwrap());
    // Joining over the socket is answered by the room's `user_joined`.
    let first = lines
        .recv_timeout(Duration::from_secs(20))
        .expect("a first line");
    let first: ServerMessage = serde_json::from_str(&first).unwrap();
    assert_eq!(
        first,
        ServerMessage::UserJoined {
            event_id: ev.id.clone(),
            user_id: ana.user.id.clone(),
            name: "Ana".into()
        }
    );
    let mut ws = bob.connect(&bob_reg.user.id).await.unwrap();
    ws.send(&ClientMessage::ChatMessage {
        event_id: ev.id.clone(),
        message: "¿Me ven?".into(),
    })
    .await
    .unwrap();
    let second = lines
        .recv_timeout(Duration::from_secs(20))
        .expect("a second line");
    match serde_json::from_str::<ServerMessage>(&second).unwrap() {
        ServerMessage::ChatMessage(m) => {
            assert_eq!(m.message, "¿Me ven?");
            assert_eq!(m.user_id, bob_reg.user.id);
        }
        other => panic!("expected the chat message, got {other:?}"),
    }
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "watch stops by itself after --count messages"
    );

    // Plain lines: time, type, summary; --timeout ends a quiet watch with success.
    let out = cpl.ok(&["watch", "--event", ev.id.as_str(), "--timeout", "1s"]);
    let types: Vec<&str> = out.lines().filter_map(|l| l.split('\t').nth(1)).collect();
    assert!(types.iter().all(|t| *t == "user_joined"), "{out}");
    ws.close().await.unwrap();
}

async fn create_event(client: &Client, title: &str) -> Event {
    client
        .create_event(&citypulse::api::CreateEventRequest {
            title: title.into(),
            description: None,
            category: "test".into(),
            coordinates: citypulse::Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
            address: None,
            starts_at: None,
            ends_at: None,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn chat_interactive_sends_lines_and_prints_the_room() {
    let d = Daemon::start().await;
    let cpl = Cpl::new(&d.url);
    let ana = cpl.register("default", "Ana");
    let (bob, _) = d.user("Bob").await;
    let ev = create_event(&bob, "Charla").await;

    let r = cpl.run_with(&["chat", ev.id.as_str()], Some("uno\n\ndos\n"));
    assert_eq!(r.code, 0, "{}", r.show());
    assert!(
        r.stdout.contains("Ana: uno") && r.stdout.contains("Ana: dos"),
        "{}",
        r.show()
    );
    let history = Client::new(&d.url)
        .unwrap()
        .messages(&ev.id, &Default::default())
        .await
        .unwrap();
    let texts: Vec<&str> = history.iter().map(|m| m.message.as_str()).collect();
    assert_eq!(texts, vec!["dos", "uno"], "empty lines are not sent");
    assert!(history.iter().all(|m| m.user_id == ana.user.id));

    // JSON lines in interactive mode are server messages.
    let r = cpl.run_with(&["--json", "chat", ev.id.as_str()], Some("tres\n"));
    assert_eq!(r.code, 0, "{}", r.show());
    let frames: Vec<ServerMessage> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(frames
        .iter()
        .any(|f| matches!(f, ServerMessage::ChatMessage(m) if m.message == "tres")));

    // A message the daemon refuses (too long) is exit 1 with its sentence.
    let long = "x".repeat(501);
    let err = cpl.fails(&["chat", ev.id.as_str(), "--message", &long], 1);
    assert!(err.contains("500"), "{err}");
}

#[tokio::test]
async fn location_prints_the_nearby_events() {
    let d = Daemon::start().await;
    let cpl = Cpl::new(&d.url);
    let ana = cpl.register("default", "Ana");
    let (bob, _) = d.user("Bob").await;
    let ev = create_event(&bob, "Cerca").await;
    let (lng, lat) = lng_lat(citypulse_tests::east_of(BOGOTA, 200.0));
    let events: Vec<NearbyEvent> = cpl.json(&["location", "--lng", &lng, "--lat", &lat]);
    let found = events.iter().find(|e| e.event.id == ev.id).expect("listed");
    assert!((found.distance_m - 200.0).abs() < 5.0);
    let table = cpl.ok(&[
        "--format", "table", "location", "--lng", &lng, "--lat", &lat,
    ]);
    assert!(
        table.contains("Cerca") && table.contains("DISTANCE"),
        "{table}"
    );
    let sent = (lng.parse().unwrap(), lat.parse().unwrap());
    let stored = stored_location_eventually(&d, ana.user.id.as_str(), sent).await;
    assert_eq!(stored, Some(sent));
}

/// The user's stored location once it equals `expected`, or the last one seen after 5 s.
/// The SQLite store buffers positions and writes them every 250 ms (`LOCATION_FLUSH` in
/// daemon/src/store/sqlite.rs), so the file catches up shortly after the answer.
async fn stored_location_eventually(
    d: &Daemon,
    user: &str,
    expected: (f64, f64),
) -> Option<(f64, f64)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let seen = stored_location(d, user);
        if seen == Some(expected) || tokio::time::Instant::now() >= deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The user's location as the daemon stored it (SQLite `users.lng`, `users.lat`).
fn stored_location(d: &Daemon, user: &str) -> Option<(f64, f64)> {
    let db = rusqlite::Connection::open_with_flags(
        d.dir.join("citypulse.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    db.query_row("SELECT lng, lat FROM users WHERE id = ?1", [user], |r| {
        Ok((r.get::<_, Option<f64>>(0)?, r.get::<_, Option<f64>>(1)?))
    })
    .ok()
    .and_then(|(lng, lat)| Some((lng?, lat?)))
}

#[tokio::test]
async fn race_with_100_users_has_exactly_one_winner() {
    let d = Daemon::start().await;
    let (owner, _) = d.user("Owner").await;
    let ev = create_event(&owner, "Carrera").await;

    // Without an admin token and without --wait there is nothing to race for.
    let err = Cpl::new(&d.url).fails(&["race", "--event", ev.id.as_str(), "--users", "2"], 2);
    assert!(err.contains("admin token"), "{err}");

    let cpl = Cpl::new(&d.url).env("CPL_ADMIN_TOKEN", ADMIN_TOKEN);
    let summary: Value = cpl.json(&["race", "--event", ev.id.as_str(), "--users", "100"]);
    assert_eq!(summary["users"], 100, "{summary:#}");
    assert_eq!(summary["winners"], 1, "{summary:#}");
    assert_eq!(summary["lost"]["already claimed"], 99, "{summary:#}");
    assert_eq!(summary["errors"], serde_json::json!({}), "{summary:#}");
    assert_eq!(summary["unanswered"], 0, "{summary:#}");
    assert_eq!(summary["latency_ms"]["samples"], 100, "{summary:#}");
    let lat = &summary["latency_ms"];
    assert!(
        lat["p50"].as_f64() <= lat["p95"].as_f64() && lat["p99"].as_f64() <= lat["max"].as_f64()
    );

    // The daemon agrees: the collectible belongs to the reported winner.
    let winner: citypulse::UserId =
        serde_json::from_value(summary["winner"]["user_id"].clone()).unwrap();
    let collectible: citypulse::CollectibleId =
        serde_json::from_value(summary["collectible_id"].clone()).unwrap();
    let won = d.client().user_collectibles(&winner).await.unwrap();
    assert_eq!(won.len(), 1);
    assert_eq!(won[0].collectible_id, collectible);
    assert_eq!(
        d.client()
            .user(&winner)
            .await
            .unwrap()
            .stats
            .collectibles_count,
        1
    );

    // The table names the winner and the losers' reason.
    let table = cpl.ok(&[
        "--format",
        "table",
        "race",
        "--event",
        ev.id.as_str(),
        "--users",
        "5",
    ]);
    assert!(
        table.contains("winner") && table.contains("4 already claimed"),
        "{table}"
    );
}

#[tokio::test]
async fn simulate_50_users_and_the_daemon_stores_each_last_position() {
    // 50 sockets are more than one address may hold here: the runs spread them over three
    // source addresses (--source-addresses), or the daemon would refuse some.
    let d = Daemon::builder()
        .env("CPL_MAX_CONNECTIONS_PER_ADDRESS", "40")
        .start()
        .await;
    let cpl = Cpl::new(&d.url);
    let users_file = cpl.home.path().join("walkers.json");
    let summary: Value = cpl.json(&[
        "simulate",
        "--source-addresses",
        "3",
        "--concurrency",
        "8",
        "--users",
        "50",
        "--events",
        "2",
        "--duration",
        "3s",
        "--rate",
        "2",
        "--seed",
        "42",
        "--save-users",
        users_file.to_str().unwrap(),
    ]);
    assert_eq!(summary["virtual_users"], 50, "{summary:#}");
    assert_eq!(summary["events"].as_array().unwrap().len(), 2);
    let sent = summary["sent"].as_u64().unwrap();
    // 50 users x 2 per second x 3 s = 300, less the first tick's random offset per user.
    assert!((200..=310).contains(&sent), "sent {sent}: {summary:#}");
    assert_eq!(summary["acknowledged"].as_u64(), Some(sent), "{summary:#}");
    assert_eq!(summary["errors"], 0, "{summary:#}");
    assert!(summary["throughput_per_s"].as_f64().unwrap() > 0.0);
    assert_eq!(summary["latency_ms"]["samples"].as_u64(), Some(sent));
    for k in ["p50", "p95", "p99", "max"] {
        assert!(summary["latency_ms"][k].as_f64().is_some(), "{k}");
    }

    let users = summary["users"].as_array().unwrap();
    assert_eq!(users.len(), 50);
    let ids: HashSet<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 50);
    let centre = citypulse::Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap();
    for u in users {
        let id = u["id"].as_str().unwrap();
        let last: citypulse::Coordinates = serde_json::from_value(u["last"].clone()).unwrap();
        assert!(
            last.distance_m(&centre) < 1100.0,
            "walkers stay near the centre"
        );
        let expected = (last.lng(), last.lat());
        let stored = stored_location_eventually(&d, id, expected).await;
        assert_eq!(stored, Some(expected), "user {id}");
    }
    // Every walker joined both events.
    for ev in summary["events"].as_array().unwrap() {
        let ev: citypulse::EventId = serde_json::from_value(ev.clone()).unwrap();
        let e = d.client().event(&ev).await.unwrap();
        assert!(e.title.starts_with("Simulated event"));
    }

    // The saved users can walk again, bounded by --count.
    #[cfg(unix)]
    assert_eq!(mode(&users_file), 0o600);
    let again: Value = cpl.json(&[
        "simulate",
        "--users-file",
        users_file.to_str().unwrap(),
        "--source-addresses",
        "3",
        "--events",
        "0",
        "--count",
        "2",
        "--rate",
        "10",
    ]);
    assert_eq!(again["virtual_users"], 50);
    assert_eq!(again["sent"], 100, "{again:#}");
    assert_eq!(again["acknowledged"], 100);
    let first = &again["users"][0];
    let last: citypulse::Coordinates = serde_json::from_value(first["last"].clone()).unwrap();
    let expected = (last.lng(), last.lat());
    assert_eq!(
        stored_location_eventually(&d, first["id"].as_str().unwrap(), expected).await,
        Some(expected)
    );

    // The table summary.
    let table = cpl.ok(&[
        "--format", "table", "simulate", "--users", "2", "--count", "1", "--rate", "10",
    ]);
    for label in [
        "updates sent",
        "acknowledged",
        "errors",
        "throughput",
        "latency p99",
    ] {
        assert!(table.contains(label), "{label}: {table}");
    }
}

/// How many users the daemon lists (admin).
async fn user_count(d: &Daemon) -> usize {
    d.admin().users().await.unwrap().len()
}

#[tokio::test]
async fn users_delete_erases_yourself_or_anyone_as_admin() {
    let d = Daemon::start().await;
    let cpl = Cpl::new(&d.url);
    let me = cpl.register("me", "Erasable");
    let other = cpl.register("other", "Someone Else");
    // Another user's id with my token: the daemon's 403, exit 1.
    let err = cpl.fails(
        &["--profile", "me", "users", "delete", other.user.id.as_str()],
        1,
    );
    assert!(err.contains("only your own"), "{err}");
    // An id is required.
    cpl.fails(&["--profile", "me", "users", "delete"], 2);
    // Myself: the answer's shape, and the profile is forgotten.
    let erased: UserErased = cpl.json(&["--profile", "me", "users", "delete", me.user.id.as_str()]);
    assert_eq!(erased.user_id, me.user.id);
    assert!(!erased.purged);
    let config = std::fs::read_to_string(cpl.config_dir().join("config.toml")).unwrap();
    assert!(!config.contains(me.user.id.as_str()), "{config}");
    let (s, _) = citypulse_tests::api_error(d.client().user(&me.user.id).await.unwrap_err());
    assert_eq!(s, 404);
    // The admin erases anyone, with --purge; again: the daemon's 404, exit 1.
    let admin = Cpl::new(&d.url).env("CPL_ADMIN_TOKEN", ADMIN_TOKEN);
    let purged: UserErased = admin.json(&["users", "delete", "--purge", other.user.id.as_str()]);
    assert!(purged.purged);
    admin.fails(&["users", "delete", other.user.id.as_str()], 1);
}

#[tokio::test]
async fn load_runs_record_their_users_and_clean_them_up() {
    let d = Daemon::start().await;
    let (owner, _) = d.user("Owner").await;
    let ev = create_event(&owner, "Carrera limpia").await;
    let before = user_count(&d).await;
    let cpl = Cpl::new(&d.url).env("CPL_ADMIN_TOKEN", ADMIN_TOKEN);

    // --cleanup without an admin token is refused before anything is registered.
    let err = Cpl::new(&d.url).fails(&["race", "--wait", "--users", "2", "--cleanup"], 2);
    assert!(err.contains("admin token"), "{err}");
    assert_eq!(user_count(&d).await, before);

    // A race with --cleanup leaves nobody behind, and its run file is gone.
    let summary: Value = cpl.json(&[
        "race",
        "--event",
        ev.id.as_str(),
        "--users",
        "30",
        "--cleanup",
    ]);
    assert_eq!(summary["winners"], 1, "{summary:#}");
    assert_eq!(summary["cleanup"]["deleted"], 30, "{summary:#}");
    assert_eq!(
        summary["cleanup"]["failed"],
        serde_json::json!([]),
        "{summary:#}"
    );
    assert!(summary.get("run_file").is_none(), "{summary:#}");
    assert_eq!(user_count(&d).await, before);
    // The default run file went under the data directory and was removed there.
    let runs = cpl.home.path().join("xdg-data/citypulse/runs");
    let left: Vec<_> = std::fs::read_dir(&runs)
        .map(|r| r.count())
        .into_iter()
        .collect();
    assert!(left.iter().all(|n| *n == 0), "{runs:?}: {left:?}");

    // Without --cleanup the run file lists the racers; --created-by-run erases them later.
    let file = cpl.home.path().join("race-run.json");
    let summary: Value = cpl.json(&[
        "race",
        "--event",
        ev.id.as_str(),
        "--users",
        "12",
        "--run-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(summary["run_file"], file.to_str().unwrap(), "{summary:#}");
    let run: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(run["command"], "race");
    assert_eq!(run["users"].as_array().unwrap().len(), 12, "{run:#}");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(user_count(&d).await, before + 12);
    let cleaned: Value = cpl.json(&[
        "users",
        "delete",
        "--created-by-run",
        file.to_str().unwrap(),
    ]);
    assert_eq!(cleaned["deleted"], 12, "{cleaned:#}");
    assert_eq!(cleaned["not_found"], 0, "{cleaned:#}");
    assert!(
        !file.exists(),
        "the run file is removed once its users are gone"
    );
    assert_eq!(user_count(&d).await, before);

    // A simulation with --cleanup too.
    let summary: Value = cpl.json(&[
        "simulate",
        "--users",
        "5",
        "--events",
        "0",
        "--count",
        "2",
        "--rate",
        "10",
        "--cleanup",
    ]);
    assert_eq!(summary["virtual_users"], 5, "{summary:#}");
    assert_eq!(summary["cleanup"]["deleted"], 5, "{summary:#}");
    assert_eq!(user_count(&d).await, before);
}

#[tokio::test]
async fn completions_and_man_pages_are_up_to_date() {
    let cpl = Cpl::new("http://127.0.0.1:9");
    let root = workspace_root();
    for (shell, file) in [
        ("bash", "cpl.bash"),
        ("zsh", "_cpl"),
        ("fish", "cpl.fish"),
        ("elvish", "cpl.elv"),
        ("powershell", "_cpl.ps1"),
    ] {
        let out = cpl.command(&["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let committed = std::fs::read(root.join("completions").join(file)).unwrap_or_default();
        assert!(
            out.stdout == committed,
            "completions/{file} is not what `cpl completions {shell}` prints; regenerate with `{REGENERATE}`"
        );
    }

    let tmp = tempfile::tempdir().unwrap();
    cpl.ok(&["man", tmp.path().to_str().unwrap()]);
    let mut generated: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    generated.sort();
    for expected in [
        "cpl.1",
        "cpl-events.1",
        "cpl-events-create.1",
        "cpl-race.1",
        "cpl-simulate.1",
    ] {
        assert!(
            generated.iter().any(|g| g == expected),
            "{expected} in {generated:?}"
        );
    }
    for name in &generated {
        let committed = std::fs::read(root.join("man").join(name)).unwrap_or_default();
        assert!(
            std::fs::read(tmp.path().join(name)).unwrap() == committed,
            "man/{name} is missing or out of date; regenerate with `{REGENERATE}`"
        );
    }
    let stale: Vec<String> = std::fs::read_dir(root.join("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| (n == "cpl.1" || n.starts_with("cpl-")) && !generated.contains(n))
        .collect();
    assert!(
        stale.is_empty(),
        "man/{stale:?} no longer match a command; regenerate with `{REGENERATE}`"
    );

    // `cpl man` alone prints cpl.1.
    let top = cpl.ok(&["man"]);
    assert_eq!(
        top.as_bytes(),
        std::fs::read(tmp.path().join("cpl.1")).unwrap()
    );
}

/// `cpl login --phone` (the code typed on the terminal, or `--code`), `cpl sessions`,
/// `cpl logout`, against a fake Twilio Verify (issue 16). Multi-threaded: `cpl` runs
/// blocking while the fake answers it on the runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_by_sms_code_sessions_and_logout() {
    use citypulse::auth::Session;
    use citypulse_tests::fake_twilio::{daemon_with_twilio, FakeTwilio};

    let fake = FakeTwilio::start().await;
    let d = daemon_with_twilio(&fake).start().await;
    let cpl = Cpl::new(&d.url);
    let phone = unique_phone();
    // The code is known before cpl asks for it again: a re-send keeps the same code.
    d.client().send_code(&phone).await.unwrap();
    let code = fake.code_for(&phone).unwrap();
    let r = cpl.run_with(
        &["--json", "login", "--phone", &phone, "--name", "Lina"],
        Some(&format!("{code}\n")),
    );
    assert_eq!(r.code, 0, "{}", r.show());
    let signed: RegisteredUser = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(signed.user.name, "Lina");
    let me: User = cpl.json(&["whoami"]);
    assert_eq!(me.id, signed.user.id);

    // A second profile signs in with --code: two sessions.
    d.client().send_code(&phone).await.unwrap();
    let code = fake.code_for(&phone).unwrap();
    let _: RegisteredUser = cpl.json(&[
        "--profile",
        "tablet",
        "login",
        "--phone",
        &phone,
        "--code",
        &code,
        "--label",
        "tablet",
    ]);
    let sessions: Vec<Session> = cpl.json(&["sessions", "list"]);
    assert_eq!(sessions.len(), 2);
    let tablet = sessions.iter().find(|s| !s.current).unwrap();
    assert_eq!(tablet.label.as_deref(), Some("tablet"));
    let plain = cpl.ok(&["sessions", "list"]);
    assert!(plain.contains("tablet"), "{plain}");

    // Revoking the tablet's session from the first profile signs the tablet out.
    let _: MessageResponse = cpl.json(&["sessions", "revoke", tablet.id.as_str()]);
    cpl.fails(&["--profile", "tablet", "whoami"], 1);
    // Logout revokes the token and forgets the profile.
    let _: MessageResponse = cpl.json(&["logout"]);
    let r = cpl.run(&["whoami"]);
    assert_ne!(r.code, 0, "{}", r.show());
    // A wrong code is a one-line error.
    let err = cpl.fails(&["login", "--phone", &phone, "--code", "000000"], 1);
    assert!(err.contains("code"), "{err}");
}

#[tokio::test]
async fn events_list_pages_filters_and_follows_cursors_with_all() {
    let d = Daemon::builder().env("CPL_RATE_LIMIT", "0").start().await;
    let (owner, reg) = d.user("Lister").await;
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(create_event(&owner, &format!("Feria {i}")).await);
    }
    let ended_id = made[0].id.clone();
    owner.end_event(&ended_id).await.unwrap();
    // The list's order: newest first by creation time, then id.
    made.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));
    let active: Vec<_> = made
        .iter()
        .map(|e| e.id.clone())
        .filter(|id| *id != ended_id)
        .collect();
    let cpl = Cpl::new(&d.url);

    // One page: the page object under --json, a note naming the next cursor on stderr.
    let first = cpl.run(&["--json", "events", "list", "--limit", "4"]);
    assert_eq!(first.code, 0, "{}", first.show());
    let page: EventPage = serde_json::from_str(&first.stdout).unwrap();
    let ids: Vec<_> = page.items.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids, active[..4].to_vec());
    let next = page.next_cursor.clone().expect("a next page");
    let rest: EventPage = cpl.json(&["events", "list", "--limit", "4", "--cursor", &next]);
    assert_eq!(
        rest.items.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        active[4..].to_vec()
    );
    assert_eq!(rest.next_cursor, None);
    let table = cpl.run(&["events", "list", "--limit", "4"]);
    assert!(table.stdout.starts_with("ID\tTITLE\t"), "{}", table.show());
    assert!(
        table.stderr.contains("--cursor") && table.stderr.contains("--all"),
        "{}",
        table.show()
    );
    // --all follows every cursor; the filters are flags.
    let all: EventPage = cpl.json(&["events", "list", "--limit", "2", "--all"]);
    assert_eq!(
        all.items.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        active
    );
    assert_eq!(all.next_cursor, None);
    let creator = reg.user.id.to_string();
    let filtered: EventPage = cpl.json(&[
        "events",
        "list",
        "--creator",
        &creator,
        "--category",
        "TEST",
        "--bbox",
        "-75,4,-73,5",
        "--all",
    ]);
    assert_eq!(filtered.items.len(), 6);
    // Ended and every status need the admin token: without one, a usage error (exit 2);
    // with a user's token the daemon's 403 would answer, the admin sees them.
    cpl.fails(&["events", "list", "--status", "ended"], 2);
    let admin = Cpl::new(&d.url).env("CPL_ADMIN_TOKEN", ADMIN_TOKEN);
    let ended: EventPage = admin.json(&["events", "list", "--status", "ended"]);
    assert_eq!(ended.items.len(), 1);
    assert_eq!(ended.items[0].status, EventStatus::Ended);
    let every: EventPage = admin.json(&["events", "list", "--status", "all", "--all"]);
    assert_eq!(every.items.len(), 7);
    // A cursor the daemon never gave: its 422, exit 1.
    let err = cpl.fails(&["events", "list", "--cursor", "nonsense"], 1);
    assert!(err.contains("cursor"), "{err}");

    // Users (admin) and messages follow cursors with --all too.
    d.user("Second").await;
    d.user("Third").await;
    let users: Vec<User> = admin.json(&["users", "list", "--limit", "1", "--all"]);
    assert_eq!(users.len(), 3);
    assert_eq!(users, d.admin().users().await.unwrap());
    let one = admin.run(&["users", "list", "--limit", "1"]);
    assert!(one.stderr.contains("--cursor"), "{}", one.show());
    let ev = made.iter().find(|e| e.id != ended_id).unwrap();
    let mut ws = owner.connect(&reg.user.id).await.unwrap();
    owner.join_event(&ev.id).await.unwrap();
    for i in 0..5 {
        let text = format!("hola {i}");
        ws.send(&ClientMessage::ChatMessage {
            event_id: ev.id.clone(),
            message: text.clone(),
        })
        .await
        .unwrap();
        citypulse_tests::frames::expect(&mut ws, &text, |m| match m {
            ServerMessage::ChatMessage(c) if c.message == text => Some(()),
            _ => None,
        })
        .await;
    }
    let paged: Vec<ChatMessage> = cpl.json(&[
        "events",
        "messages",
        ev.id.as_str(),
        "--limit",
        "2",
        "--all",
    ]);
    let whole: Vec<ChatMessage> = cpl.json(&["events", "messages", ev.id.as_str()]);
    assert_eq!(paged.len(), 5);
    assert_eq!(paged, whole);
}
