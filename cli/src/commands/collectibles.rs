//! `cpl collectibles ...`: active collectibles, claims, and admin drops.

use citypulse::api::DropRequest;
use citypulse::model::Rarity;
use citypulse::{CollectibleId, EventId};
use clap::Subcommand;

use crate::context::Context;
use crate::error::refused;

/// `cpl collectibles` subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List an event's unclaimed, unexpired collectibles
    Active {
        /// The event's id
        event: EventId,
    },
    /// Try to win a collectible (you must be in its event's room); exit 1 when lost
    Claim {
        /// The collectible's id
        id: CollectibleId,
    },
    /// Drop a collectible into an event now (admin token); its room hears `collectible_drop`
    Drop(DropArgs),
}

/// Arguments of `cpl collectibles drop`.
#[derive(clap::Args, Debug)]
pub struct DropArgs {
    /// The event's id
    pub event: EventId,
    /// Name, 1 to 80 characters [default: one from the catalogue]
    #[arg(long)]
    pub name: Option<String>,
    /// Rarity [default: drawn from the catalogue's odds]
    #[arg(long, value_parser = ["common", "rare", "epic", "legendary"])]
    pub rarity: Option<String>,
    /// Points, 1 to 10000 [default: the rarity's]
    #[arg(long)]
    pub points: Option<u32>,
    /// Seconds it stays claimable, 1 to 86400 [default: the daemon's CPL_DROP_TTL]
    #[arg(long, value_name = "SECONDS")]
    pub expires_in: Option<u64>,
}

impl DropArgs {
    /// The request body.
    pub fn request(&self) -> DropRequest {
        DropRequest {
            name: self.name.clone(),
            rarity: self.rarity.as_deref().and_then(Rarity::parse),
            points: self.points,
            expires_in: self.expires_in,
        }
    }
}

/// Runs a `cpl collectibles` subcommand.
pub async fn run(ctx: &Context, cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Active { event } => {
            let list = ctx.client()?.active_collectibles(&event).await?;
            ctx.out.list(&list)?;
        }
        Command::Claim { id } => {
            let (client, _) = ctx.session().await?;
            let result = client.claim(&id).await?;
            ctx.out.record(&result)?;
            if !result.success {
                return Err(refused(format!(
                    "collectible {id} not won: {}",
                    result.message
                )));
            }
        }
        Command::Drop(args) => {
            let admin = ctx.admin()?;
            let dropped = admin.drop_collectible(&args.event, &args.request()).await?;
            ctx.out.record(&dropped)?;
        }
    }
    Ok(())
}
