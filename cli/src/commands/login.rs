//! `cpl login`, `cpl logout`, `cpl sessions`: sign-in by SMS code and the devices signed
//! in (issue 16).

use std::io::BufRead;

use citypulse::auth::VerifyRequest;
use citypulse::ids::SessionId;
use clap::Subcommand;

use crate::context::Context;

/// Arguments of `cpl login`.
#[derive(clap::Args, Debug)]
pub struct LoginArgs {
    /// Phone number in international form, e.g. +573001234567; a code is texted to it
    #[arg(long)]
    pub phone: String,
    /// The code from the SMS, for scripts (else it is asked for on the terminal)
    #[arg(long)]
    pub code: Option<String>,
    /// Display name, needed only when the phone has no account yet
    #[arg(long)]
    pub name: Option<String>,
    /// What to call this device in the session list [default: cpl's User-Agent]
    #[arg(long)]
    pub label: Option<String>,
    /// Do not save the token (print it with --json only)
    #[arg(long)]
    pub no_save: bool,
}

/// `cpl sessions` subcommands.
#[derive(Subcommand, Debug)]
pub enum SessionsCommand {
    /// List the devices signed in as the profile's user, oldest first
    List,
    /// Sign one device out: its token stops working and its sockets close
    Revoke {
        /// The session's id (from `cpl sessions list`)
        id: SessionId,
    },
}

/// Asks for a code (unless `--code` is given), checks it, saves the token under the
/// profile as `cpl register` does.
pub async fn login(ctx: &Context, args: LoginArgs) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let code = match args.code {
        Some(c) => c,
        None => {
            let sent = client.send_code(&args.phone).await?;
            eprint!("A code was texted to {}. Code: ", sent.phone);
            read_code().await?
        }
    };
    let signed = client
        .verify_code(&VerifyRequest {
            phone: args.phone,
            code,
            name: args.name,
            label: args.label,
        })
        .await?;
    if !args.no_save {
        super::register::save(ctx, &signed, "Signed in")?;
    }
    ctx.out.record(&signed)?;
    Ok(())
}

/// One line from standard input (the terminal), trimmed.
async fn read_code() -> anyhow::Result<String> {
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await??;
    let code = line.trim().to_string();
    if code.is_empty() {
        anyhow::bail!("no code was typed; run cpl login again, or pass --code");
    }
    Ok(code)
}

/// Revokes the profile's token and forgets it.
pub async fn logout(ctx: &Context) -> anyhow::Result<()> {
    let (client, _) = ctx.session().await?;
    let answer = client.logout().await?;
    let mut config = ctx.config.clone();
    if config.profiles.remove(&ctx.profile).is_some() {
        config.save(&ctx.config_path)?;
        ctx.note(format!(
            "Signed out; profile {:?} removed from {}.",
            ctx.profile,
            ctx.config_path.display()
        ));
    }
    ctx.out.record(&answer)?;
    Ok(())
}

/// Runs a `cpl sessions` subcommand.
pub async fn sessions(ctx: &Context, cmd: SessionsCommand) -> anyhow::Result<()> {
    let (client, _) = ctx.session().await?;
    match cmd {
        SessionsCommand::List => ctx.out.list(&client.sessions().await?)?,
        SessionsCommand::Revoke { id } => ctx.out.record(&client.revoke_session(&id).await?)?,
    }
    Ok(())
}
