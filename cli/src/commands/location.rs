//! `cpl location`: one location update over the WebSocket; prints the `nearby_events` answer.

use std::time::Duration;

use citypulse::ws::{ClientMessage, ServerMessage};

use crate::context::Context;
use crate::error::refused;
use crate::util::coordinates;

/// Arguments of `cpl location`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Longitude, -180 to 180
    #[arg(long, allow_negative_numbers = true)]
    pub lng: f64,
    /// Latitude, -90 to 90
    #[arg(long, allow_negative_numbers = true)]
    pub lat: f64,
}

/// Sends the update and prints the events near it.
pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let at = coordinates(args.lng, args.lat)?;
    let (client, me) = ctx.session().await?;
    let mut conn = client.connect(&me).await?;
    conn.send(&ClientMessage::LocationUpdate { coordinates: at })
        .await?;
    let answer = conn
        .recv_until(Duration::from_secs(30), |m| match m {
            ServerMessage::NearbyEvents { events, .. } => Some(Ok(events.clone())),
            ServerMessage::Error { code, message } => Some(Err(format!("{code}: {message}"))),
            _ => None,
        })
        .await?;
    let _ = conn.close().await;
    let events = answer.map_err(refused)?;
    ctx.out.list(&events)?;
    Ok(())
}
