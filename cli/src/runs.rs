//! Load runs leave users behind: `cpl race` and `cpl simulate` register them by the
//! thousand. Each run writes the ids it registered to a run file as soon as they exist (so
//! a run that fails or is interrupted can still be cleaned up), `--cleanup` erases them at
//! the end with the admin token, and `cpl users delete --created-by-run FILE` erases a past
//! run's users. Erasing goes through `DELETE /api/users/{id}`, a bounded number at a time.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use citypulse::{Client, UserId};
use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::crowd::patiently;
use crate::error::usage;
use crate::progress;

/// The run-file options of `cpl race` and `cpl simulate`.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Write the ids of the users this run registers here [default: a new file under
    /// cpl's data directory, e.g. ~/.local/share/citypulse/runs/]
    #[arg(long, value_name = "FILE")]
    pub run_file: Option<PathBuf>,
    /// Erase the users this run registered once it is over (admin token); the run file
    /// is removed when all are gone
    #[arg(long)]
    pub cleanup: bool,
}

/// What a run file holds: which command registered which users at which daemon.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunFile {
    /// `race` or `simulate`.
    pub command: String,
    /// The daemon the users were registered at.
    pub url: String,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// The users registered by the run.
    pub users: Vec<UserId>,
}

/// The `--json` answer of a clean-up (`--cleanup`, `cpl users delete --created-by-run`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CleanupSummary {
    /// Users erased now.
    pub deleted: usize,
    /// Users the daemon no longer knew (erased before: a clean-up run twice).
    pub not_found: usize,
    /// Users that could not be erased, with the daemon's reason.
    pub failed: Vec<FailedDeletion>,
    /// The run file: removed once nothing is left to erase, else kept for a retry.
    pub run_file: Option<PathBuf>,
}

/// A user a clean-up could not erase.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailedDeletion {
    /// The user.
    pub user_id: UserId,
    /// Why.
    pub reason: String,
}

/// Where a run's file goes: `--run-file`, else `runs/<command>-<time>.json` under cpl's
/// data directory (e.g. ~/.local/share/citypulse).
pub fn path_for(command: &str, chosen: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = chosen {
        return Ok(p.to_path_buf());
    }
    let dir = directories::ProjectDirs::from("co", "CityPulse", "citypulse")
        .map(|p| p.data_dir().join("runs"))
        .ok_or_else(|| {
            usage("cannot find a home directory for cpl's run files; pass --run-file FILE")
        })?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    Ok(dir.join(format!("{command}-{stamp}.json")))
}

/// Records the users a run registered (before it does anything else with them); the
/// file's path. The person is told where it is, so a run that stops early can be cleaned
/// up with `cpl users delete --created-by-run`.
pub fn record(
    ctx: &Context,
    command: &str,
    args: &RunArgs,
    users: &[crate::crowd::VirtualUser],
) -> anyhow::Result<PathBuf> {
    let path = path_for(command, args.run_file.as_deref())?;
    let run = RunFile {
        command: command.into(),
        url: ctx.url.clone(),
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        users: users.iter().map(|u| u.id.clone()).collect(),
    };
    write(&path, &run)?;
    ctx.note(format!(
        "Wrote the {} registered users' ids to {}.",
        run.users.len(),
        path.display()
    ));
    Ok(path)
}

/// `--cleanup`: erases the run's users with `admin`, tells the person how it went.
pub async fn cleanup(
    ctx: &Context,
    admin: &Client,
    users: &[crate::crowd::VirtualUser],
    concurrency: usize,
    run_file: &Path,
) -> CleanupSummary {
    ctx.note(format!("Erasing the {} users of this run…", users.len()));
    let ids: Vec<UserId> = users.iter().map(|u| u.id.clone()).collect();
    let summary = delete_all(ctx, admin, &ids, concurrency, Some(run_file)).await;
    ctx.note(format!("Clean-up: {}.", describe(&summary)));
    summary
}

/// Writes the run file (mode 0600, like every file cpl writes for a person).
pub fn write(path: &Path, run: &RunFile) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    }
    let text = serde_json::to_vec_pretty(run).context("cannot encode the run file")?;
    crate::config::write_private(path, &text)
}

/// Reads a run file.
pub fn read(path: &Path) -> anyhow::Result<RunFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the run file {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "{} is not a run file ({e}); it must be what `cpl race` or `cpl simulate` wrote",
            path.display()
        ))
    })
}

/// Erases `users` with `admin` (the admin token), `concurrency` at a time, with a progress
/// bar; then removes `run_file` when nothing is left to erase.
pub async fn delete_all(
    ctx: &Context,
    admin: &Client,
    users: &[UserId],
    concurrency: usize,
    run_file: Option<&Path>,
) -> CleanupSummary {
    let bar = progress::bar(ctx, users.len() as u64, "users erased");
    let outcomes: Vec<(UserId, Result<(), citypulse::ClientError>)> = stream::iter(users)
        .map(|id| {
            let bar = bar.clone();
            async move {
                let r = patiently(|| admin.delete_user(id, false)).await.map(drop);
                bar.inc(1);
                (id.clone(), r)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    bar.finish_and_clear();
    let mut summary = CleanupSummary::default();
    for (user_id, outcome) in outcomes {
        match outcome {
            Ok(()) => summary.deleted += 1,
            Err(e) if e.status() == Some(404) => summary.not_found += 1,
            Err(e) => summary.failed.push(FailedDeletion {
                user_id,
                reason: e.to_string(),
            }),
        }
    }
    if let Some(path) = run_file {
        summary.run_file = Some(path.to_path_buf());
        if summary.failed.is_empty() {
            match std::fs::remove_file(path) {
                Ok(()) => summary.run_file = None,
                Err(e) => ctx.note(format!(
                    "cpl: the run file {} could not be removed: {e}",
                    path.display()
                )),
            }
        }
    }
    summary
}

/// One line for the person at the terminal.
pub fn describe(s: &CleanupSummary) -> String {
    let mut line = format!("{} users erased", s.deleted);
    if s.not_found > 0 {
        line.push_str(&format!(", {} already gone", s.not_found));
    }
    if !s.failed.is_empty() {
        line.push_str(&format!(", {} failed", s.failed.len()));
        if let Some(first) = s.failed.first() {
            line.push_str(&format!(" (first: {}: {})", first.user_id, first.reason));
        }
        if let Some(file) = &s.run_file {
            line.push_str(&format!(
                "; retry with `cpl users delete --created-by-run {}`",
                file.display()
            ));
        }
    }
    line
}
