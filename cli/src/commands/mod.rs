//! One module per subcommand: each has its clap arguments and a `run` that
//! takes the resolved [`Context`].

pub mod chat;
pub mod collectibles;
pub mod completions;
pub mod config;
pub mod events;
pub mod gen_docs;
pub mod location;
pub mod login;
pub mod man;
pub mod race;
pub mod register;
pub mod report;
pub mod simulate;
pub mod users;
pub mod watch;

use crate::cli::{Cli, Command};
use crate::context::Context;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // Commands that need neither the config nor a daemon come first, so `cpl completions`
    // and `cpl man` work whatever state the config file is in.
    match cli.command {
        Command::Completions(args) => return completions::run(&args),
        Command::Man(args) => return man::run(&args, cli.global.quiet),
        Command::GenDocs(args) => return gen_docs::run(&args),
        // Rendering a saved run reads a file, not a daemon.
        Command::Report(args) => return report::run(&args, cli.global.quiet),
        // Listing audio devices needs no daemon.
        Command::Transcribe(args) if args.list_devices => {
            return crate::transcribe::list_devices(cli.global.json)
        }
        _ => {}
    }
    let ctx = Context::new(&cli.global)?;
    match cli.command {
        Command::Health => health(&ctx).await,
        Command::Register(args) => register::run(&ctx, args).await,
        Command::Login(args) => login::login(&ctx, args).await,
        Command::Logout => login::logout(&ctx).await,
        Command::Sessions(cmd) => login::sessions(&ctx, cmd).await,
        Command::Whoami => whoami(&ctx).await,
        Command::Users(cmd) => users::run(&ctx, cmd).await,
        Command::Events(cmd) => events::run(&ctx, cmd).await,
        Command::Collectibles(cmd) => collectibles::run(&ctx, cmd).await,
        Command::Watch(args) => watch::run(&ctx, args).await,
        Command::Chat(args) => chat::run(&ctx, args).await,
        Command::Location(args) => location::run(&ctx, args).await,
        Command::Simulate(args) => simulate::run(&ctx, args).await,
        Command::Race(args) => race::run(&ctx, args).await,
        Command::Transcribe(args) => {
            let (client, _) = ctx.session().await?;
            crate::transcribe::run(args, client, ctx.out.is_json(), ctx.quiet).await
        }
        Command::Config(cmd) => config::run(ctx, cmd),
        Command::Completions(_) | Command::Man(_) | Command::GenDocs(_) | Command::Report(_) => {
            Ok(())
        }
    }
}

async fn health(ctx: &Context) -> anyhow::Result<()> {
    let h = ctx.client()?.health().await?;
    ctx.out.record(&h)?;
    Ok(())
}

async fn whoami(ctx: &Context) -> anyhow::Result<()> {
    let (client, _) = ctx.session().await?;
    let me = client.me().await?;
    if ctx.out.is_json() {
        ctx.out.json(&me)?;
    } else {
        use crate::output::Fields;
        let mut f = me.fields();
        f.push(("profile", ctx.profile.clone()));
        f.push(("daemon", ctx.url.clone()));
        ctx.out.fields(&f)?;
    }
    Ok(())
}
