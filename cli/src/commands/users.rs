//! `cpl users ...`: profiles of users, their collectibles, and the admin calls.

use citypulse::api::UserListQuery;
use citypulse::UserId;
use clap::Subcommand;

use crate::context::Context;
use crate::error::refused;
use crate::paging::{self, CursorArgs};
use crate::runs;

/// `cpl users` subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show a user's public profile (the phone too for yourself or with the admin token)
    Show {
        /// The user's id
        id: UserId,
    },
    /// List the collectibles a user won, newest first [default: yours]
    Collectibles {
        /// The user's id
        id: Option<UserId>,
        /// Collectibles per page, 1 to 1000
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        #[command(flatten)]
        page: CursorArgs,
    },
    /// List users, newest first, a page at a time (admin token)
    List {
        /// Users per page, 1 to 1000
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        #[command(flatten)]
        page: CursorArgs,
    },
    /// Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]
    ResetToken {
        /// The user's id
        id: Option<UserId>,
    },
    /// Erase users: phone and name gone, token revoked, sockets closed; their messages
    /// stay as "deleted user" unless --purge (admin token, or your own user)
    #[command(
        after_long_help = "Erasing is final: the id answers 404 from then on, and erasing it again \
is a 404 too. With --created-by-run, the users a `cpl race` or `cpl simulate` run registered \
(its run file) are erased with the admin token, --concurrency at a time; users already gone \
count as done, and the run file is removed once nothing is left."
    )]
    Delete {
        /// The users' ids (yours with your own token; anyone's with the admin token)
        #[arg(
            conflicts_with = "created_by_run",
            required_unless_present = "created_by_run"
        )]
        ids: Vec<UserId>,
        /// Also remove their chat messages and transcript segments
        #[arg(long)]
        purge: bool,
        /// Erase the users listed in this run file (written by `cpl race` / `cpl simulate`)
        #[arg(long, value_name = "FILE")]
        created_by_run: Option<std::path::PathBuf>,
        /// Erasures in flight at once
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
        concurrency: u32,
    },
}

/// Runs a `cpl users` subcommand.
pub async fn run(ctx: &Context, cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Show { id } => {
            // Send a token when we have one so the daemon can show the phone to its owner.
            let client = match ctx.session().await {
                Ok((c, _)) => c,
                Err(_) if ctx.has_admin() => ctx.admin()?,
                Err(_) => ctx.client()?,
            };
            let user = client.user(&id).await?;
            ctx.out.record(&user)?;
        }
        Command::Collectibles { id, limit, page } => {
            let id = match id {
                Some(id) => id,
                None => ctx.session().await?.1,
            };
            let client = ctx.client()?;
            let (list, next) = paging::collect(&page, |cursor| {
                let q = UserListQuery {
                    limit: Some(limit),
                    cursor,
                };
                let (client, id) = (&client, &id);
                async move {
                    let p = client.user_collectibles_page(id, &q).await?;
                    Ok((p.items, p.next_cursor))
                }
            })
            .await?;
            ctx.out.list(&list)?;
            paging::more(ctx, "collectibles", next.as_deref());
        }
        Command::List { limit, page } => {
            let admin = ctx.admin()?;
            let (users, next) = paging::collect(&page, |cursor| {
                let q = UserListQuery {
                    limit: Some(limit),
                    cursor,
                };
                let admin = &admin;
                async move {
                    let p = admin.users_page(&q).await?;
                    Ok((p.items, p.next_cursor))
                }
            })
            .await?;
            ctx.out.list(&users)?;
            paging::more(ctx, "users", next.as_deref());
        }
        Command::ResetToken { id } => {
            let saved_id = ctx.saved().map(|p| p.user_id.clone());
            let (client, id) = match id {
                Some(id) if ctx.has_admin() => (ctx.admin()?, id),
                Some(id) => (ctx.session().await?.0, id),
                None => ctx.session().await?,
            };
            let answer = client.reset_token(&id).await?;
            if saved_id.as_ref() == Some(&id) {
                let mut config = ctx.config.clone();
                if let Some(p) = config.profiles.get_mut(&ctx.profile) {
                    p.token = answer.token.clone();
                }
                config.save(&ctx.config_path)?;
                ctx.note(format!(
                    "The new token is saved under profile {:?}.",
                    ctx.profile
                ));
            }
            ctx.out.record(&answer)?;
        }
        Command::Delete {
            ids,
            purge,
            created_by_run,
            concurrency,
        } => {
            if let Some(file) = created_by_run {
                return delete_run(ctx, &file, concurrency as usize).await;
            }
            delete(ctx, ids, purge).await?;
        }
    }
    Ok(())
}

/// `cpl users delete ID...`: one at a time, each answer printed; the saved profile of an
/// erased user is forgotten (its token no longer works).
async fn delete(ctx: &Context, ids: Vec<UserId>, purge: bool) -> anyhow::Result<()> {
    let saved_id = ctx.saved().map(|p| p.user_id.clone());
    let mut answers = Vec::with_capacity(ids.len());
    for id in &ids {
        let client = if ctx.has_admin() {
            ctx.admin()?
        } else {
            ctx.session().await?.0
        };
        answers.push(client.delete_user(id, purge).await?);
        if saved_id.as_ref() == Some(id) {
            let mut config = ctx.config.clone();
            config.profiles.remove(&ctx.profile);
            config.save(&ctx.config_path)?;
            ctx.note(format!(
                "Profile {:?} was this user; it is removed from the config.",
                ctx.profile
            ));
        }
    }
    match answers.as_slice() {
        [one] => ctx.out.record(one)?,
        many if ctx.out.is_json() => ctx.out.json(many)?,
        many => {
            for a in many {
                ctx.out.record(a)?;
            }
        }
    }
    Ok(())
}

/// `cpl users delete --created-by-run FILE`: the run's users, with the admin token.
async fn delete_run(
    ctx: &Context,
    file: &std::path::Path,
    concurrency: usize,
) -> anyhow::Result<()> {
    let admin = ctx.admin()?;
    let run = runs::read(file)?;
    if run.url != ctx.url {
        ctx.note(format!(
            "cpl: the run registered its users at {}, and this erases them at {}",
            run.url, ctx.url
        ));
    }
    ctx.note(format!(
        "Erasing the {} users of the {} run of {}…",
        run.users.len(),
        run.command,
        run.started_at
    ));
    let summary = runs::delete_all(ctx, &admin, &run.users, concurrency, Some(file)).await;
    ctx.out.record(&summary)?;
    if !summary.failed.is_empty() {
        return Err(refused(format!(
            "{} of {} users could not be erased: {}",
            summary.failed.len(),
            run.users.len(),
            runs::describe(&summary)
        )));
    }
    Ok(())
}
