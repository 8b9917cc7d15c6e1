//! `cpld`: starts the CityPulse Live daemon.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use citypulse_daemon::config::{Config, LogFormat, SETTINGS};
use citypulse_daemon::host::{fdlimit, notify};
use citypulse_daemon::server;
use clap::{Parser, Subcommand};

/// The CityPulse Live daemon: REST + WebSocket API for civic events, rooms and collectibles.
#[derive(Parser, Debug)]
#[command(name = "cpld", version, about, after_long_help = settings_help(), after_help = "Every setting can also come from the environment, a .env file or a config file; see --help for the list.")]
pub struct Cli {
    /// Address:port to listen on [env: CPL_LISTEN]
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// SQLite database file of the embedded store [env: CPL_DB]
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// MongoDB database name, when MONGODB_URL is set [env: DATABASE_NAME]
    #[arg(long, value_name = "NAME")]
    database_name: Option<String>,
    /// Time between collectible drop rounds (300, 90s, 5m) [env: CPL_DROP_INTERVAL]
    #[arg(long, value_name = "DURATION")]
    drop_interval: Option<String>,
    /// How long a drop stays claimable [env: CPL_DROP_TTL]
    #[arg(long, value_name = "DURATION")]
    drop_ttl: Option<String>,
    /// Time between expiry sweeps [env: CPL_CLEANUP_INTERVAL]
    #[arg(long, value_name = "DURATION")]
    cleanup_interval: Option<String>,
    /// Writes per second per client address / frames per second per socket; 0 = off [env: CPL_RATE_LIMIT]
    #[arg(long, value_name = "N")]
    rate_limit: Option<String>,
    /// Comma-separated CORS origins [env: CORS_ORIGINS]
    #[arg(long, value_name = "ORIGINS")]
    cors_origins: Option<String>,
    /// Log filter: info, debug, citypulse_daemon=debug, ... [env: CPL_LOG]
    #[arg(long, value_name = "FILTER")]
    log: Option<String>,
    /// Log line format on stderr: text or json [env: CPL_LOG_FORMAT]
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
    /// TOML config file (default: cpld.toml in the platform config dir, if present) [env: CPL_CONFIG]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// .env file to read (default: .env in the working directory, if present)
    #[arg(long, value_name = "FILE")]
    env_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Create the database schema and indexes, then exit (idempotent).
    InitDb,
    /// Write the man pages (cpld.8 and one per subcommand) into DIR; the committed copies
    /// live in man/.
    #[command(hide = true)]
    Man {
        /// Where to write the pages.
        dir: PathBuf,
    },
    /// Copy every collection of one store into another (SQLite file or MongoDB database,
    /// either way), ids preserved, then print how many records each collection holds in the
    /// target.
    ///
    /// Stop the daemons on the source first. Records whose id the target holds already are
    /// skipped, so running the same copy again adds nothing, and a copy that was stopped
    /// half-way continues where it stopped when run again with --merge. A progress bar shows
    /// on a terminal.
    #[command(
        after_help = "Examples:\n  cpld migrate --from /var/lib/cpld/citypulse.db --to mongodb://db1:27017/citypulse_live\n  MONGODB_URL=mongodb+srv://user:pass@cluster.example.net cpld migrate --from mongodb --to backup.db"
    )]
    Migrate {
        /// Where to copy from: a SQLite file, a mongodb:// or mongodb+srv:// URL (the
        /// database is its path, else DATABASE_NAME), or `mongodb` for the configured
        /// MONGODB_URL (keeps a password off the command line).
        #[arg(long, value_name = "FILE|URL", required_unless_present = "upgrade")]
        from: Option<String>,
        /// Where to copy to, written the same way; a missing SQLite file is created. With
        /// --upgrade, the MongoDB database to backfill (default: MONGODB_URL).
        #[arg(long, value_name = "FILE|URL", required_unless_present = "upgrade")]
        to: Option<String>,
        /// Instead of copying, write into the original backend's MongoDB documents, in
        /// place, the fields reads derive when missing (created_at of users and events from
        /// their ObjectId, counters as 0). Only documents lacking a field are touched, so
        /// running it again changes nothing.
        #[arg(long, conflicts_with_all = ["from", "merge"])]
        upgrade: bool,
        /// Also write into a target that already holds records (those already there are
        /// kept); without it such a target is refused.
        #[arg(long)]
        merge: bool,
        /// Only say what would be copied: the source's and the target's counts, and
        /// whether the target is empty. Writes nothing.
        #[arg(long)]
        dry_run: bool,
        /// Records per read and write.
        #[arg(long, value_name = "N", default_value_t = citypulse_daemon::commands::migrate::DEFAULT_BATCH)]
        batch_size: u32,
        /// Exit abruptly after copying N records, as a kill would (tests of an interrupted copy).
        #[arg(long, value_name = "N", hide = true)]
        stop_after: Option<u64>,
    },
    /// Fill the embedded store with demo events spread over greater Bogotá, for load
    /// runs and benchmarks (BENCHMARKS.md), then exit.
    Seed {
        /// How many events.
        #[arg(long, default_value_t = 100_000)]
        events: usize,
        /// Seed of the deterministic scatter (same seed, same places).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    // ---- backup and restore of the embedded store (store/sqlite/backup.rs) ----
    /// Write a consistent copy of the embedded SQLite database to FILE while daemons keep
    /// serving.
    ///
    /// The copy (SQLite's VACUUM INTO: one snapshot of every write committed when it
    /// starts) is written beside FILE under a temporary name, checked (integrity_check),
    /// synced, and renamed to FILE at the end, so a killed backup never leaves a half file
    /// under that name. It prints the file, its size, its schema version and the rows per
    /// table, and records the time in the database, which /metrics shows as
    /// citypulse_last_backup_timestamp_seconds. On MongoDB (MONGODB_URL set) use mongodump.
    Backup {
        /// The backup file to write.
        file: PathBuf,
        /// Overwrite FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Put a backup in place as the embedded SQLite database, with no daemon running on it.
    ///
    /// The file is checked first (integrity_check, a CityPulse database of a schema
    /// version this cpld opens). Restore refuses while any process has the database open
    /// (it takes SQLite's exclusive lock). The database it replaces is kept, nothing lost,
    /// as <CPL_DB>.before-restore-<time>; then start cpld on the restored one.
    Restore {
        /// The backup file (written by cpld backup).
        file: PathBuf,
    },
}

/// `cpld backup` and `cpld restore`, which work on the database file without opening
/// the store (opening it would apply migrations and clear a running daemon's leases);
/// None for the other commands.
fn backup_command(command: &Command, config: &Config) -> Option<ExitCode> {
    use citypulse_daemon::store::sqlite::backup;
    let (verb, outcome) = match command {
        Command::Backup { .. } | Command::Restore { .. } if config.mongodb_url.is_some() => {
            eprintln!(
                "cpld: backup and restore copy the embedded SQLite store, and this \
                 configuration uses MongoDB (MONGODB_URL is set): back it up with mongodump \
                 and restore it with mongorestore"
            );
            return Some(ExitCode::FAILURE);
        }
        Command::Backup { file, force } => (
            "backup",
            backup::backup(&config.db_path, file, *force).map(|b| {
                print_copy(&format!("backup of {} written to", config.db_path.display()), &b.copy);
                if let Some(why) = b.not_recorded {
                    eprintln!("cpld: the backup is good, but its time was not recorded in the database, so /metrics will not show it: {why}");
                }
            }),
        ),
        Command::Restore { file } => (
            "restore",
            backup::restore(&config.db_path, file).map(|r| {
                print_copy(&format!("{} restored to", file.display()), &r.copy);
                match r.kept {
                    Some(kept) => println!("the previous database is kept at {}", kept.display()),
                    None => println!("there was no database at {} before", config.db_path.display()),
                }
            }),
        ),
        _ => return None,
    };
    Some(match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cpld {verb}: {e}");
            ExitCode::FAILURE
        }
    })
}

/// Where a copy is, its size, schema version and rows per table.
fn print_copy(what: &str, copy: &citypulse_daemon::store::sqlite::backup::Copy) {
    println!(
        "{what} {} ({} bytes, schema version {})",
        copy.path.display(),
        copy.bytes,
        copy.schema_version
    );
    for (table, rows) in &copy.tables {
        println!("  {table:<20} {rows:>10} rows");
    }
}

/// Writes `cpld.8` and a page per visible subcommand (`cpld-serve.8`, ...), which
/// `cpld.8` lists; returns the paths written.
fn write_man(dir: &std::path::Path) -> std::io::Result<Vec<PathBuf>> {
    use clap::CommandFactory;
    // No page for `help`: `cpld.8` would list a `cpld-help(8)` that says nothing new.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let pages = std::iter::once(&cmd).chain(cmd.get_subcommands().filter(|s| !s.is_hide_set()));
    for page in pages {
        let man = clap_mangen::Man::new(page.clone())
            .section("8")
            .source(format!("cpld {}", env!("CARGO_PKG_VERSION")))
            .manual("CityPulse Live");
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        let path = dir.join(man.get_filename());
        std::fs::write(&path, buf)?;
        written.push(path);
    }
    Ok(written)
}

/// Logs to stderr in the configured format. Colour only on a terminal (and not under
/// `NO_COLOR`): escapes in a file, a pipe or a log shipper are noise.
fn init_logging(config: &Config) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Text => {
            let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            builder.with_ansi(colour).init();
        }
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
}

fn settings_help() -> String {
    let mut s = String::from(
        "Settings (precedence: flags > environment > .env > config file > defaults):\n",
    );
    for set in SETTINGS {
        let default = set
            .default
            .map(|d| format!(" [default: {d}]"))
            .unwrap_or_default();
        s.push_str(&format!("  {:<30} {}{}\n", set.env, set.help, default));
    }
    s.push_str("\nCPL_ADMIN_TOKEN, CPL_METRICS_TOKEN, DAILY_API_KEY, DEEPGRAM_API_KEY, TWILIO_AUTH_TOKEN and MONGODB_URL have no flag so that secrets never show in the process list.");
    s
}

impl Cli {
    fn flags(&self) -> Vec<(&'static str, String)> {
        let mut f = Vec::new();
        let mut add = |k: &'static str, v: &Option<String>| {
            if let Some(v) = v {
                f.push((k, v.clone()));
            }
        };
        add("CPL_LISTEN", &self.listen);
        add("CPL_DB", &self.db.as_ref().map(|p| p.display().to_string()));
        add("DATABASE_NAME", &self.database_name);
        add("CPL_DROP_INTERVAL", &self.drop_interval);
        add("CPL_DROP_TTL", &self.drop_ttl);
        add("CPL_CLEANUP_INTERVAL", &self.cleanup_interval);
        add("CPL_RATE_LIMIT", &self.rate_limit);
        add("CORS_ORIGINS", &self.cors_origins);
        add("CPL_LOG", &self.log);
        add("CPL_LOG_FORMAT", &self.log_format);
        f
    }
}

fn main() -> ExitCode {
    // The build links rustls with two crypto providers (reqwest's aws-lc-rs, the MongoDB
    // driver's ring), so rustls cannot pick one itself and a wss:// connect through
    // tungstenite would panic. ring is the one cpld always used.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    if let Some(Command::Man { dir }) = &cli.command {
        // Before any configuration is read: the page documents the flags, not this host.
        return match write_man(dir) {
            Ok(paths) => {
                for path in paths {
                    println!("wrote {}", path.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!(
                    "cpld: cannot write the man pages into {}: {e}",
                    dir.display()
                );
                ExitCode::FAILURE
            }
        };
    }
    let (config, warnings) =
        match Config::load(&cli.flags(), cli.config.as_deref(), cli.env_file.as_deref()) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("cpld: {e}");
                return ExitCode::from(2);
            }
        };
    init_logging(&config);
    for w in warnings {
        tracing::warn!("{w}");
    }
    if let Some(code) = cli
        .command
        .as_ref()
        .and_then(|c| backup_command(c, &config))
    {
        return code;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cpld: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config))
}

async fn run(command: Command, config: Config) -> ExitCode {
    if let Command::Seed { events, seed } = command {
        return match seed_events(&config, events, seed).await {
            Ok(n) => {
                println!("seeded {n} events into {}", config.db_path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cpld: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Command::Migrate {
        from,
        to,
        upgrade,
        merge,
        dry_run,
        batch_size,
        stop_after,
    } = &command
    {
        if *upgrade {
            return upgrade_mongo(&config, to.as_deref().unwrap_or("mongodb"), *dry_run).await;
        }
        let (Some(from), Some(to)) = (from, to) else {
            eprintln!("cpld migrate: pass --from and --to (or --upgrade)");
            return ExitCode::from(2);
        };
        return migrate(
            &config,
            from,
            to,
            *merge,
            *dry_run,
            *batch_size,
            *stop_after,
        )
        .await;
    }
    if let Command::Serve = command {
        // Before the store: a MongoDB connection pool is descriptors too.
        open_file_limit(config.max_connections_per_address);
    }
    let store = match server::open_store(&config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cpld: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Command::Man { .. } = command {
        return ExitCode::SUCCESS; // handled before configuration is read
    }
    if let Command::InitDb = command {
        // What the original backend's set-up script did: collections and indexes. Opening the
        // store already ensured them; asking again lists them (idempotent).
        if let Some(mongo) = store.as_mongo() {
            match mongo.ensure_indexes().await {
                Ok(indexes) => {
                    println!("MongoDB {}: {} indexes ready", mongo.shown(), indexes.len());
                    for i in indexes {
                        println!("  {i}");
                    }
                }
                Err(e) => {
                    eprintln!("cpld: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        println!("database ready ({} store)", store.backend());
        return ExitCode::SUCCESS;
    }
    let backend = store.backend();
    let where_ = if backend == "sqlite" {
        config.db_path.display().to_string()
    } else {
        config.database_name.clone()
    };
    let state = server::state(store, config);
    let (addr, serve) = match server::bind(state.clone(), shutdown_signal()).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("cpld: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Announced once the cross-daemon bus (MongoDB) watches, so that another daemon's room
    // broadcasts already reach this one's connections.
    if !server::wait_for_bus(&state, std::time::Duration::from_secs(10)).await {
        tracing::warn!(
            "the cross-daemon bus is not watching yet; it keeps trying in the background"
        );
    }
    // Tests and scripts read this line to learn the port when listening on port 0.
    let scheme = if state.config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    println!("cpld listening on {scheme}://{addr} ({backend} store at {where_})");
    let _ = std::io::stdout().flush();
    tell_service_manager(&format!("READY=1\nSTATUS=listening on {addr}"));
    if state.config.daily.api_key.is_none() {
        tracing::info!("video is disabled: set DAILY_API_KEY to create Daily.co rooms for events");
    }
    if state.config.deepgram.api_key.is_none() {
        tracing::info!("transcription is disabled: set DEEPGRAM_API_KEY to enable live captions");
    }
    if state.config.twilio.credentials.is_none() {
        tracing::info!("sign-in by SMS is disabled: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_VERIFY_SERVICE_SID to send codes through Twilio Verify");
    }
    serve.await;
    if let Err(e) = state.store.flush().await {
        tracing::warn!("could not write buffered data at shutdown: {e}");
    }
    tracing::info!("cpld stopped");
    ExitCode::SUCCESS
}

/// `cpld migrate`: the copy itself is [`citypulse_daemon::commands::migrate`].
async fn migrate(
    config: &Config,
    from: &str,
    to: &str,
    merge: bool,
    dry_run: bool,
    batch: u32,
    stop_after: Option<u64>,
) -> ExitCode {
    use citypulse_daemon::commands::migrate::{Endpoint, Migration};
    let endpoint =
        |arg: &str| Endpoint::parse(arg, config.mongodb_url.as_ref(), &config.database_name);
    let (from, to) = match (endpoint(from), endpoint(to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("cpld migrate: {e}");
            return ExitCode::from(2);
        }
    };
    let job = Migration {
        from,
        to,
        merge,
        dry_run,
        batch,
        stop_after,
    };
    migrate_report(job.run().await)
}

/// `cpld migrate --upgrade`.
async fn upgrade_mongo(config: &Config, to: &str, dry_run: bool) -> ExitCode {
    use citypulse_daemon::commands::migrate::{upgrade, Endpoint};
    let target = match Endpoint::parse(to, config.mongodb_url.as_ref(), &config.database_name) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cpld migrate: {e}");
            return ExitCode::from(2);
        }
    };
    migrate_report(upgrade(&target, dry_run).await)
}

/// The report on stdout, or the sentence on stderr and a failure.
fn migrate_report(done: Result<String, String>) -> ExitCode {
    match done {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cpld migrate: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn seed_events(config: &Config, events: usize, seed: u64) -> Result<usize, String> {
    use citypulse::ids::UserId;
    use citypulse_daemon::store::sqlite::SqliteStore;
    use citypulse_daemon::store::{NewUser, Store};
    if config.mongodb_url.is_some() {
        return Err("seed fills the embedded store only; unset MONGODB_URL".into());
    }
    let store = SqliteStore::open(&config.db_path).map_err(|e| e.to_string())?;
    let creator = UserId::generate();
    store
        .create_user(NewUser {
            id: creator.clone(),
            phone: format!("+5799{:09}", seed % 1_000_000_000),
            name: "Seed".into(),
            token_hash: citypulse_daemon::http::auth::hash_token(
                &citypulse_daemon::http::auth::new_token(),
            ),
            created_at: citypulse::time::now(),
        })
        .await
        .map_err(|e| {
            format!("{e} (seed {seed} was used before on this database; pass another --seed)")
        })?;
    let mut all = citypulse_daemon::seed::bogota_events(events, &creator, seed);
    let mut total = 0;
    loop {
        let batch: Vec<_> = all.by_ref().take(50_000).collect();
        if batch.is_empty() {
            break;
        }
        total += store.import_events(batch).map_err(|e| e.to_string())?;
    }
    Ok(total)
}

/// Resolves on SIGTERM or SIGINT. The handlers are installed here, when it is called
/// (before the daemon announces itself), not when the future is first polled: a stop
/// that comes right after READY=1 or the "listening" line must stop the daemon cleanly,
/// not kill it with the signal's default action.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (term, int) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        )
    };
    async move {
        #[cfg(unix)]
        {
            async fn recv(s: std::io::Result<tokio::signal::unix::Signal>) {
                match s {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                _ = recv(term) => {},
                _ = recv(int) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down");
        tell_service_manager("STOPPING=1\nSTATUS=shutting down");
    }
}

/// Raises the open-file limit to the hard limit; warns when it stays below what the
/// settings need (host/fdlimit.rs).
fn open_file_limit(max_connections_per_address: usize) {
    let limit = fdlimit::raise();
    if let Some(why) = &limit.failed {
        tracing::warn!(
            "could not raise the open-file limit from {} to the hard limit {}: {why}",
            fdlimit::shown(limit.before),
            fdlimit::shown(limit.hard)
        );
    } else if limit.now != limit.before {
        tracing::info!(
            "raised the open-file limit from {} to {}",
            fdlimit::shown(limit.before),
            fdlimit::shown(limit.now)
        );
    }
    if let Some(w) = fdlimit::warning(limit.now, limit.hard, max_connections_per_address) {
        tracing::warn!("{w}");
    }
}

/// Sends systemd a state change when it asked for them (NOTIFY_SOCKET, host/notify.rs);
/// a failure is logged, never fatal: the daemon serves either way.
fn tell_service_manager(state: &str) {
    match notify::notify(state) {
        Ok(true) => tracing::debug!("told the service manager {state:?}"),
        Ok(false) => {}
        Err(e) => tracing::warn!("{e}"),
    }
}
