//! Virtual users for `race` and `simulate`: registering many users, joining them to events
//! and opening their sockets, a bounded number at a time, all against the one daemon URL
//! the command was given.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use citypulse::api::{CreateEventRequest, RegisterRequest};
use citypulse::model::Event;
use citypulse::reconnect::ResilientWs;
use citypulse::{Client, ClientError, Coordinates, EventId, UserId};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use indicatif::ProgressBar;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// A user the command acts as.
#[derive(Clone)]
pub struct VirtualUser {
    /// Their id.
    pub id: UserId,
    /// Their display name.
    pub name: String,
    /// A client with their token.
    pub client: Client,
    token: String,
}

impl VirtualUser {
    /// Acts through `base` (e.g. a client bound to a chosen local address) from now on.
    pub fn act_through(&mut self, base: &Client) {
        self.client = base.clone().with_token(self.token.clone());
    }
}

/// A virtual user as saved with `--save-users` and read with `--users-file`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedUser {
    /// Their id.
    pub id: UserId,
    /// Their display name.
    #[serde(default)]
    pub name: String,
    /// Their bearer token.
    pub token: String,
}

/// How many times a call refused with 429 (rate limited) is tried again.
const RETRIES: u32 = 6;

/// Runs `call`, waiting and trying again while the daemon answers 429 (its rate limit on
/// writes per client address), with a growing pause; every other outcome is returned.
pub async fn patiently<T, F, Fut>(mut call: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    let mut wait = Duration::from_millis(250);
    let mut tries = 0;
    loop {
        match call().await {
            Err(e) if e.status() == Some(429) && tries < RETRIES => {
                tries += 1;
                let jitter = rand::thread_rng().gen_range(0..100);
                tokio::time::sleep(wait + Duration::from_millis(jitter)).await;
                wait = (wait * 2).min(Duration::from_secs(4));
            }
            other => return other,
        }
    }
}

/// A random Colombian-mobile-looking E.164 number.
fn random_phone() -> String {
    let n: u64 = rand::thread_rng().gen_range(0..1_000_000_000);
    format!("+573{n:09}")
}

/// Registers `n` users named `<prefix>-0001`, ... (a taken phone number is drawn again),
/// counting each on `bar`.
pub async fn register(
    client: &Client,
    n: usize,
    prefix: &str,
    concurrency: usize,
    bar: &ProgressBar,
) -> anyhow::Result<Vec<VirtualUser>> {
    let width = n.to_string().len().max(4);
    stream::iter(0..n)
        .map(|i| {
            let client = client.clone();
            let name = format!("{prefix}-{:0width$}", i + 1);
            async move {
                let mut phone_tries = 0;
                loop {
                    let req = RegisterRequest {
                        phone: random_phone(),
                        name: name.clone(),
                    };
                    match patiently(|| client.register(&req)).await {
                        Ok(reg) => {
                            bar.inc(1);
                            return Ok(VirtualUser {
                                id: reg.user.id,
                                name: reg.user.name,
                                client: client.clone().with_token(reg.token.clone()),
                                token: reg.token,
                            });
                        }
                        Err(e) if e.status() == Some(409) && phone_tries < 5 => phone_tries += 1,
                        Err(e) => {
                            return Err(anyhow::Error::from(e))
                                .with_context(|| format!("registering virtual user {name}"))
                        }
                    }
                }
            }
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}

/// Reads users saved by `--save-users` (a JSON array of `{id, name, token}`).
pub fn load(path: &Path, client: &Client) -> anyhow::Result<Vec<VirtualUser>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the users file {}", path.display()))?;
    let saved: Vec<SavedUser> = serde_json::from_str(&text).map_err(|e| {
        crate::error::usage(format!(
            "{} is not a users file ({e}); it must be a JSON array of {{\"id\", \"name\", \"token\"}} \
             as written by --save-users",
            path.display()
        ))
    })?;
    if saved.is_empty() {
        return Err(crate::error::usage(format!(
            "{} holds no users",
            path.display()
        )));
    }
    Ok(saved
        .into_iter()
        .map(|s| VirtualUser {
            client: client.clone().with_token(s.token.clone()),
            name: if s.name.is_empty() {
                s.id.to_string()
            } else {
                s.name
            },
            id: s.id,
            token: s.token,
        })
        .collect())
}

/// Writes users for a later `--users-file` (mode 0600: it holds tokens).
pub fn save(path: &Path, users: &[VirtualUser]) -> anyhow::Result<()> {
    let saved: Vec<SavedUser> = users
        .iter()
        .map(|u| SavedUser {
            id: u.id.clone(),
            name: u.name.clone(),
            token: u.token.clone(),
        })
        .collect();
    let text = serde_json::to_vec_pretty(&saved).context("cannot encode the users")?;
    crate::config::write_private(path, &text)
}

/// Creates an event as `user`.
pub async fn create_event(
    user: &VirtualUser,
    title: String,
    at: Coordinates,
) -> anyhow::Result<Event> {
    let req = CreateEventRequest {
        title,
        description: Some("Created by cpl for a simulation".into()),
        category: "simulation".into(),
        coordinates: at,
        address: None,
        starts_at: None,
        ends_at: None,
    };
    patiently(|| user.client.create_event(&req))
        .await
        .context("creating an event for the run")
}

/// Makes every user a participant of every event (REST join, idempotent), counting each
/// join on `bar`.
pub async fn join(
    users: &[VirtualUser],
    events: &[EventId],
    concurrency: usize,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    let pairs: Vec<(&VirtualUser, &EventId)> = users
        .iter()
        .flat_map(|u| events.iter().map(move |e| (u, e)))
        .collect();
    stream::iter(pairs)
        .map(|(u, e)| async move {
            let joined = patiently(|| u.client.join_event(e))
                .await
                .with_context(|| format!("{} joining event {e}", u.name));
            bar.inc(1);
            joined
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

/// Opens every user's `/ws/{user_id}`, in the users' order, counting each on `bar`: sockets
/// that reconnect across a daemon's restart and rejoin `events` (the rooms [`join`] made
/// them members of).
pub async fn connect(
    users: &[VirtualUser],
    events: &[EventId],
    concurrency: usize,
    bar: &ProgressBar,
) -> anyhow::Result<Vec<ResilientWs>> {
    stream::iter(users)
        .map(|u| async move {
            let mut conn = crate::context::resilient(u.client.clone(), u.id.clone())
                .await
                .with_context(|| format!("opening the WebSocket of {}", u.name))?;
            for e in events {
                conn.remember_room(e);
            }
            bar.inc(1);
            anyhow::Ok(conn)
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}

/// The local addresses of `--source-addresses n`: 127.0.0.1 to 127.0.0.n, allowed only
/// towards a daemon at an IPv4 loopback address (a socket bound to a loopback address
/// cannot reach another host, and a load generator has no business spreading over
/// anything else).
pub fn source_addresses(url: &str, n: u8) -> anyhow::Result<Vec<std::net::IpAddr>> {
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    match host.parse::<std::net::Ipv4Addr>() {
        Ok(ip) if ip.is_loopback() => {}
        _ => {
            return Err(crate::error::usage(format!(
                "--source-addresses binds the sockets to 127.0.0.1 to 127.0.0.{n}, so the daemon \
                 must be at an IPv4 loopback address (like http://127.0.0.1:8000), not {host:?}"
            )))
        }
    }
    Ok((1..=n)
        .map(|i| std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, i)))
        .collect())
}

/// Spreads `users` round-robin over clients bound to `sources` (nothing to do when empty):
/// each user's HTTP calls and WebSocket go out from their address from now on.
pub fn spread(
    users: &mut [VirtualUser],
    client: &Client,
    sources: &[std::net::IpAddr],
) -> Result<(), ClientError> {
    if sources.is_empty() {
        return Ok(());
    }
    let bases = sources
        .iter()
        .map(|ip| client.clone().with_local_address(*ip))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, u) in users.iter_mut().enumerate() {
        u.act_through(&bases[i % bases.len()]);
    }
    Ok(())
}
