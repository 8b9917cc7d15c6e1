//! `cpl chat EVENT`: an event room's chat. Interactive: lines typed are sent and the room's
//! messages printed until end of input or Ctrl-C; `--message TEXT` sends one message, waits
//! for the room's echo of it and exits.

use std::time::Duration;

use citypulse::client::WsError;
use citypulse::model::ChatMessage;
use citypulse::reconnect::ResilientWs;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::{EventId, UserId};
use tokio::io::AsyncBufReadExt;

use crate::context::Context;
use crate::error::refused;
use crate::output::Mode;
use crate::util::parse_duration;
use crate::views;

/// Arguments of `cpl chat`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The event whose room to chat in (joined first if needed)
    pub event: EventId,
    /// Send this one message, print it as the room received it, and exit
    #[arg(long, short)]
    pub message: Option<String>,
    /// How long to wait for the echo of a sent message
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    pub timeout: Duration,
}

/// Runs the chat.
pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let (client, me) = ctx.session().await?;
    // REST join is idempotent: a member stays a member, a newcomer becomes one. Joining
    // before the socket opens means the room's messages reach it from the first frame.
    client.join_event(&args.event).await?;
    let mut conn = crate::context::resilient(client, me.clone()).await?;
    conn.remember_room(&args.event);
    match &args.message {
        Some(text) => one_shot(ctx, &mut conn, &me, &args.event, text, args.timeout).await?,
        None => interactive(ctx, &mut conn, &me, &args.event, args.timeout).await?,
    }
    let _ = conn.close().await;
    Ok(())
}

async fn one_shot(
    ctx: &Context,
    conn: &mut ResilientWs,
    me: &UserId,
    event: &EventId,
    text: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    send(conn, event, text).await?;
    let echo = conn
        .recv_until(timeout, |m| match m {
            ServerMessage::ChatMessage(c) if &c.user_id == me && &c.event_id == event => {
                Some(Ok(c.clone()))
            }
            ServerMessage::Error { code, message } => Some(Err(format!("{code}: {message}"))),
            ServerMessage::EventEnded { event_id, .. } if event_id == event => {
                Some(Err(format!("event {event} ended")))
            }
            _ => None,
        })
        .await?
        .map_err(refused)?;
    ctx.out.record(&echo)?;
    Ok(())
}

async fn send(conn: &mut ResilientWs, event: &EventId, text: &str) -> Result<(), WsError> {
    conn.send(&ClientMessage::ChatMessage {
        event_id: event.clone(),
        message: text.to_string(),
    })
    .await
}

async fn interactive(
    ctx: &Context,
    conn: &mut ResilientWs,
    me: &UserId,
    event: &EventId,
    timeout: Duration,
) -> anyhow::Result<()> {
    ctx.note(format!(
        "In the room of event {event}. Type a message and press Enter; Ctrl-D or Ctrl-C to leave."
    ));
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut pending = 0usize;
    let mut input_open = true;
    // After end of input, wait (bounded) for the echoes of what was sent, so
    // `echo hi | cpl chat EVENT` does not leave before its message is delivered.
    let mut drain_deadline: Option<tokio::time::Instant> = None;
    loop {
        if !input_open && pending == 0 {
            break;
        }
        tokio::select! {
            line = lines.next_line(), if input_open => match line? {
                Some(l) if l.trim().is_empty() => {}
                Some(l) => {
                    send(conn, event, &l).await?;
                    pending += 1;
                }
                None => {
                    input_open = false;
                    drain_deadline = Some(tokio::time::Instant::now() + timeout);
                }
            },
            m = conn.recv() => {
                let m = m?;
                match &m {
                    ServerMessage::ChatMessage(c) if &c.user_id == me => pending = pending.saturating_sub(1),
                    ServerMessage::Error { .. } => pending = pending.saturating_sub(1),
                    _ => {}
                }
                print(ctx, event, &m)?;
                if matches!(&m, ServerMessage::EventEnded { event_id, .. } if event_id == event) {
                    break;
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = super::watch::sleep_until(drain_deadline) => break,
        }
    }
    Ok(())
}

fn print(ctx: &Context, event: &EventId, m: &ServerMessage) -> std::io::Result<()> {
    if ctx.out.mode() == Mode::Json {
        return ctx.out.json_line(m);
    }
    match m {
        ServerMessage::ChatMessage(c) if &c.event_id == event => ctx.out.line(&line(c)),
        ServerMessage::UserJoined { event_id, name, .. } if event_id == event => {
            ctx.out.line(&format!("* {name} joined"))
        }
        ServerMessage::UserLeft { event_id, user_id } if event_id == event => {
            ctx.out.line(&format!("* {user_id} left"))
        }
        ServerMessage::EventEnded { event_id, ended_by } if event_id == event => {
            ctx.out.line(&format!("* {}", views::ended(*ended_by)))
        }
        ServerMessage::MessageDeleted {
            event_id,
            message_id,
            deleted_by,
        } if event_id == event => ctx
            .out
            .line(&format!("* {}", views::deleted(message_id, *deleted_by))),
        ServerMessage::Error { code, message } => {
            crate::context::eprintln_safe(&format!("cpl: {code}: {message}"));
            Ok(())
        }
        other => ctx.out.line(&format!("* {}", views::describe(other))),
    }
}

fn line(c: &ChatMessage) -> String {
    format!(
        "[{}] {}: {}",
        c.timestamp.format("%H:%M:%S"),
        c.name,
        c.message
    )
}
