//! `cpl users ...`: profiles of users, their collectibles, and the admin calls.

use citypulse::UserId;
use clap::Subcommand;

use crate::context::Context;

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
    },
    /// List every user, newest first (admin token)
    List,
    /// Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]
    ResetToken {
        /// The user's id
        id: Option<UserId>,
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
        Command::Collectibles { id } => {
            let id = match id {
                Some(id) => id,
                None => ctx.session().await?.1,
            };
            let list = ctx.client()?.user_collectibles(&id).await?;
            ctx.out.list(&list)?;
        }
        Command::List => {
            let users = ctx.admin()?.users().await?;
            ctx.out.list(&users)?;
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
    }
    Ok(())
}
