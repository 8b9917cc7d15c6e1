//! The resolved context every command runs with: which daemon, which profile and token,
//! the admin token, and how to print.
//!
//! Precedence: flags > environment > config file > defaults. `--url` and
//! `--profile` come with their environment variables through clap; the config file and the
//! defaults are applied here.

use std::io::IsTerminal;
use std::path::PathBuf;

use citypulse::{Client, UserId};

use crate::cli::{Format, GlobalArgs};
use crate::config::{self, Config};
use crate::error::usage;
use crate::output::{Mode, Output};

/// The daemon `cpl` talks to when nothing else says.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8000";
/// The profile used when nothing else says.
pub const DEFAULT_PROFILE: &str = "default";

/// Everything a command needs besides its own arguments.
pub struct Context {
    /// The daemon's URL.
    pub url: String,
    /// The profile acted as.
    pub profile: String,
    /// The config file's contents.
    pub config: Config,
    /// Where the config file is.
    pub config_path: PathBuf,
    /// How data is printed.
    pub out: Output,
    /// No notes or progress bars.
    pub quiet: bool,
    /// Extra notes on stderr.
    pub verbose: bool,
    env_token: Option<String>,
    env_admin_token: Option<String>,
}

impl Context {
    /// Resolves the global options against the environment and the config file.
    pub fn new(g: &GlobalArgs) -> anyhow::Result<Context> {
        let config_path = config::path()?;
        let config = Config::load(&config_path)?;
        let url = g
            .url
            .clone()
            .filter(|u| !u.is_empty())
            .or_else(|| config.url.clone())
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        let profile = g
            .profile
            .clone()
            .filter(|p| !p.is_empty())
            .or_else(|| config.profile.clone())
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
        let no_color = g.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout_tty = std::io::stdout().is_terminal();
        let mode = match (g.json, g.format) {
            (true, _) | (_, Format::Json) => Mode::Json,
            (_, Format::Table) => Mode::Table,
            (_, Format::Plain) => Mode::Plain,
            (_, Format::Auto) if stdout_tty => Mode::Table,
            (_, Format::Auto) => Mode::Plain,
        };
        let ctx = Context {
            url,
            profile,
            config,
            config_path,
            out: Output::new(mode, stdout_tty && !no_color),
            quiet: g.quiet,
            verbose: g.verbose,
            env_token: non_empty_env("CPL_TOKEN"),
            env_admin_token: non_empty_env("CPL_ADMIN_TOKEN"),
        };
        ctx.debug(format!(
            "daemon {} as profile {:?} (config {})",
            ctx.url,
            ctx.profile,
            ctx.config_path.display()
        ));
        Ok(ctx)
    }

    /// A client without a token.
    pub fn client(&self) -> anyhow::Result<Client> {
        Ok(Client::new(&self.url)?)
    }

    /// The profile's saved user, if any.
    pub fn saved(&self) -> Option<&config::Profile> {
        self.config.profiles.get(&self.profile)
    }

    /// A client acting as the profile's user (or CPL_TOKEN's), and that user's id.
    pub async fn session(&self) -> anyhow::Result<(Client, UserId)> {
        if let Some(t) = &self.env_token {
            let client = self.client()?.with_token(t.clone());
            let me = client.me().await?;
            return Ok((client, me.id));
        }
        match self.saved() {
            Some(p) => Ok((
                self.client()?.with_token(p.token.clone()),
                p.user_id.clone(),
            )),
            None => Err(usage(format!(
                "no saved user for profile {:?}; run `cpl register --phone <+E.164> --name <NAME>` \
                 first, pick another with --profile, or set CPL_TOKEN",
                self.profile
            ))),
        }
    }

    /// A client with the daemon's admin token (CPL_ADMIN_TOKEN, else `admin_token` in the config).
    pub fn admin(&self) -> anyhow::Result<Client> {
        let token = self
            .env_admin_token
            .clone()
            .or_else(|| self.config.admin_token.clone())
            .ok_or_else(|| {
                usage(
                    "this needs the daemon's admin token: set CPL_ADMIN_TOKEN or run \
                     `cpl config set admin_token <token>`",
                )
            })?;
        Ok(self.client()?.with_token(token))
    }

    /// The token for the daemon's `/metrics` (CPL_METRICS_TOKEN, else the admin token), if
    /// any is configured.
    pub fn metrics_token(&self) -> Option<String> {
        non_empty_env("CPL_METRICS_TOKEN")
            .or_else(|| self.env_admin_token.clone())
            .or_else(|| self.config.admin_token.clone())
    }

    /// Whether an admin token is available.
    pub fn has_admin(&self) -> bool {
        self.env_admin_token.is_some() || self.config.admin_token.is_some()
    }

    /// Saves the config file.
    pub fn save_config(&self) -> anyhow::Result<()> {
        self.config.save(&self.config_path)
    }

    /// A note for the person at the terminal (stderr), unless --quiet.
    pub fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln_safe(msg.as_ref());
        }
    }

    /// A note printed with --verbose only.
    pub fn debug(&self, msg: impl AsRef<str>) {
        if self.verbose {
            eprintln_safe(&format!("cpl: {}", msg.as_ref()));
        }
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Writes a line to stderr, ignoring a closed stderr.
pub fn eprintln_safe(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `user`'s WebSocket, reconnecting (and rejoining its rooms) across a daemon's restart,
/// saying so on stderr: what `cpl watch`, `cpl chat` and `cpl simulate` use.
pub async fn resilient(
    client: citypulse::Client,
    user: citypulse::UserId,
) -> Result<citypulse::reconnect::ResilientWs, citypulse::ClientError> {
    Ok(citypulse::reconnect::ResilientWs::connect(client, user)
        .await?
        .on_notice(|sentence| eprintln_safe(&format!("cpl: {sentence}"))))
}
