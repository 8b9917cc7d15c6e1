//! `cpl watch`: connects the WebSocket and prints every server message as it arrives,
//! until Ctrl-C, `--count` messages or `--timeout`.

use std::time::Duration;

use citypulse::client::WsError;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::EventId;

use crate::context::Context;
use crate::error::refused;
use crate::output::Mode;
use crate::util::parse_duration;
use crate::views::describe;

/// Arguments of `cpl watch`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Join this event's room first (its chat, drops and claims are then printed too)
    #[arg(long)]
    pub event: Option<EventId>,
    /// Stop after this many messages
    #[arg(long, short = 'n')]
    pub count: Option<u64>,
    /// Stop after this long (30s, 5m, ...)
    #[arg(long, value_parser = parse_duration)]
    pub timeout: Option<Duration>,
}

/// Watches until stopped.
pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let (client, me) = ctx.session().await?;
    let mut conn = crate::context::resilient(client, me.clone()).await?;
    if let Some(event) = &args.event {
        conn.send(&ClientMessage::JoinEvent {
            event_id: event.clone(),
        })
        .await?;
    }
    ctx.note(format!(
        "Watching {} as {me}{}; Ctrl-C to stop.",
        ctx.url,
        args.event
            .as_ref()
            .map(|e| format!(" in event {e}"))
            .unwrap_or_default()
    ));
    let deadline = args.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut seen = 0u64;
    if args.count == Some(0) {
        return Ok(());
    }
    loop {
        let msg = tokio::select! {
            m = conn.recv() => m,
            _ = tokio::signal::ctrl_c() => break,
            _ = sleep_until(deadline) => break,
        };
        match msg {
            Ok(m) => {
                print(ctx, &m)?;
                seen += 1;
                if args.count.is_some_and(|c| seen >= c) {
                    break;
                }
            }
            Err(WsError::Closed { code, reason }) => {
                return Err(refused(format!(
                    "the daemon closed the connection ({code}: {reason})"
                )))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let _ = conn.close().await;
    Ok(())
}

/// Prints one frame: a JSON line, or `time  type  summary`.
pub fn print(ctx: &Context, m: &ServerMessage) -> std::io::Result<()> {
    let now = chrono::Utc::now().format("%H:%M:%S");
    match ctx.out.mode() {
        Mode::Json => ctx.out.json_line(m),
        Mode::Table => ctx
            .out
            .line(&format!("{now}  {:<20} {}", m.type_name(), describe(m))),
        Mode::Plain => ctx.out.line(&format!(
            "{now}\t{}\t{}",
            m.type_name(),
            describe(m).replace('\t', " ")
        )),
    }
}

/// Sleeps until `deadline`, or forever without one.
pub async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
