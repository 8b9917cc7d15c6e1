//! `cpl config ...`: where the config file is, what it holds (tokens masked), and changes.

use clap::Subcommand;

use crate::config::{mask, KEYS};
use crate::context::Context;

/// `cpl config` subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the config file's path
    Path,
    /// Show the settings and saved profiles (tokens masked)
    Show,
    /// Set a key: url, profile or admin_token
    Set {
        /// url, profile or admin_token
        #[arg(value_parser = KEYS)]
        key: String,
        /// The value
        value: String,
    },
    /// Remove a key (url, profile or admin_token), or a saved profile with --profile-name
    Unset {
        /// url, profile or admin_token
        #[arg(value_parser = KEYS, required_unless_present = "profile_name")]
        key: Option<String>,
        /// Forget this saved profile instead
        #[arg(long, value_name = "NAME", conflicts_with = "key")]
        profile_name: Option<String>,
    },
}

/// Runs a `cpl config` subcommand.
pub fn run(mut ctx: Context, cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Path => {
            ctx.out.line(&ctx.config_path.display().to_string())?;
        }
        Command::Show => {
            if ctx.out.is_json() {
                ctx.out.json(&ctx.config.masked())?;
                return Ok(());
            }
            let c = &ctx.config;
            let dash = || "-".to_string();
            let mut f: Vec<(&str, String)> = vec![
                ("file", ctx.config_path.display().to_string()),
                ("url", c.url.clone().unwrap_or_else(dash)),
                ("profile", c.profile.clone().unwrap_or_else(dash)),
                (
                    "admin_token",
                    c.admin_token.as_deref().map(mask).unwrap_or_else(dash),
                ),
                (
                    "in use",
                    format!("{} as profile {:?}", ctx.url, ctx.profile),
                ),
            ];
            if c.profiles.is_empty() {
                f.push(("profiles", "(none; `cpl register` saves one)".into()));
            }
            ctx.out.fields(&f)?;
            if !c.profiles.is_empty() {
                let rows: Vec<Vec<String>> = c
                    .profiles
                    .iter()
                    .map(|(name, p)| {
                        vec![
                            name.clone(),
                            p.user_id.to_string(),
                            p.name.clone(),
                            mask(&p.token),
                            p.url.clone().unwrap_or_else(dash),
                        ]
                    })
                    .collect();
                ctx.out
                    .rows(&["PROFILE", "USER", "NAME", "TOKEN", "DAEMON"], &rows)?;
            }
        }
        Command::Set { key, value } => {
            ctx.config.set(&key, &value)?;
            ctx.save_config()?;
            let shown = if key.contains("token") {
                mask(&value)
            } else {
                value
            };
            ctx.note(format!(
                "{key} = {shown} (in {})",
                ctx.config_path.display()
            ));
        }
        Command::Unset { key, profile_name } => {
            if let Some(key) = key {
                ctx.config.unset(&key)?;
            }
            if let Some(name) = profile_name {
                if ctx.config.profiles.remove(&name).is_none() {
                    return Err(crate::error::usage(format!(
                        "there is no saved profile {name:?}"
                    )));
                }
            }
            ctx.save_config()?;
        }
    }
    Ok(())
}
