//! `cpl register`: registers a user and saves the token under the profile.

use citypulse::api::RegisterRequest;
use citypulse::model::RegisteredUser;

use crate::config::Profile;
use crate::context::Context;

/// Arguments of `cpl register`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Phone number in international form, e.g. +573001234567 (spaces and dashes are fine)
    #[arg(long)]
    pub phone: String,
    /// Display name, 1 to 80 characters
    #[arg(long)]
    pub name: String,
    /// Do not save the token (print it with --json only)
    #[arg(long)]
    pub no_save: bool,
}

/// Registers, then saves the user under the profile (the file is mode 0600).
pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let reg = ctx
        .client()?
        .register(&RegisterRequest {
            phone: args.phone,
            name: args.name,
        })
        .await?;
    if !args.no_save {
        save(ctx, &reg, "Registered")?;
    }
    ctx.out.record(&reg)?;
    Ok(())
}

/// Saves a user and their token under the profile (`cpl register`, `cpl login`); `did`
/// starts the note ("Registered", "Signed in").
pub fn save(ctx: &Context, reg: &RegisteredUser, did: &str) -> anyhow::Result<()> {
    let mut ctx_config = ctx.config.clone();
    if ctx_config.profiles.contains_key(&ctx.profile) {
        ctx.note(format!(
            "Replacing the user saved under profile {:?}.",
            ctx.profile
        ));
    }
    ctx_config.profiles.insert(
        ctx.profile.clone(),
        Profile {
            user_id: reg.user.id.clone(),
            name: reg.user.name.clone(),
            token: reg.token.clone(),
            url: Some(ctx.url.clone()),
        },
    );
    ctx_config.save(&ctx.config_path)?;
    ctx.note(format!(
        "{did} {} ({}); token saved under profile {:?} in {}.",
        reg.user.name,
        reg.user.id,
        ctx.profile,
        ctx.config_path.display()
    ));
    Ok(())
}
