//! `cpl events ...`: create, find, join, leave and end events; participants, messages (and
//! their removal) and transcripts.

use citypulse::api::{
    CreateEventRequest, EventListQuery, EventPage, MessageResponse, NearbyQuery, PageQuery,
    UserListQuery,
};
use citypulse::client::Paged;
use citypulse::ids::{MessageId, TranscriptId};
use citypulse::model::EventStatus;
use citypulse::time::Timestamp;
use citypulse::{EventId, UserId};
use clap::Subcommand;

use crate::context::Context;
use crate::error::usage;
use crate::paging::{self, CursorArgs};
use crate::util::coordinates;

/// `cpl events` subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an event at a position (you become its creator, not a participant)
    Create(CreateArgs),
    /// Show an event
    Show {
        /// The event's id
        id: EventId,
    },
    /// List events newest first, filtered, a page at a time (ended or every status: admin token)
    List(ListArgs),
    /// List active events near a position, nearest first
    Nearby(NearbyArgs),
    /// Join an event's room; prints the video room URL and meeting token when video is on
    Join {
        /// The event's id
        id: EventId,
    },
    /// Leave an event's room
    Leave {
        /// The event's id
        id: EventId,
    },
    /// End an event you created, or any event with --admin; its room hears `event_ended`
    End {
        /// The event's id
        id: EventId,
        /// End it as a moderator with the daemon's admin token (CPL_ADMIN_TOKEN or
        /// `admin_token` in the config): any event, whoever created it
        #[arg(long)]
        admin: bool,
    },
    /// List who is in an event's room now
    Participants {
        /// The event's id
        id: EventId,
        /// Participants per page, 1 to 1000
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        #[command(flatten)]
        page: CursorArgs,
    },
    /// Show an event's chat history, newest first; `messages delete` removes one
    Messages(MessagesArgs),
    /// Show an event's stored transcript (final captions), newest first
    Transcripts {
        /// The event's id
        id: EventId,
        /// Only segments whose text contains this (case-insensitive, 1 to 200 characters)
        #[arg(long, value_name = "TEXT")]
        query: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
}

/// Arguments of `cpl events messages`: an event's history, or a subcommand.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct MessagesArgs {
    /// What to do instead of listing
    #[command(subcommand)]
    pub action: Option<MessagesCommand>,
    /// The event's id
    #[arg(required = true)]
    pub id: Option<EventId>,
    #[command(flatten)]
    pub page: PageArgs,
}

/// `cpl events messages` subcommands.
#[derive(Subcommand, Debug)]
pub enum MessagesCommand {
    /// Remove a message from an event's history (yours, or anyone's with --admin); the room
    /// hears `message_deleted`
    Delete {
        /// The event's id
        event: EventId,
        /// The message's id (the ID column of `cpl events messages EVENT`)
        message: MessageId,
        /// Remove it as a moderator with the daemon's admin token: any message, whoever wrote it
        #[arg(long)]
        admin: bool,
    },
}

/// Paging of a history (messages, transcripts).
#[derive(clap::Args, Debug)]
pub struct PageArgs {
    /// At most this many entries (1 to 200)
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Only entries older than this time (RFC 3339, e.g. 2026-11-25T14:03:00Z): the
    /// previous page's last timestamp
    #[arg(long, value_name = "TIME")]
    pub before: Option<Timestamp>,
    /// With --before, the previous page's last id: the page starts right after it, so
    /// entries sharing its millisecond are not skipped
    #[arg(long, value_name = "ID", requires = "before")]
    pub before_id: Option<String>,
    #[command(flatten)]
    pub cursor: CursorArgs,
}

/// Which events `cpl events list` shows.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Running events (anyone may list them)
    Active,
    /// Ended events (admin token)
    Ended,
    /// Both (admin token)
    All,
}

/// Arguments of `cpl events list`.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Which events: ended and all need the admin token
    #[arg(long, value_enum, default_value_t = StatusFilter::Active)]
    pub status: StatusFilter,
    /// Only this category
    #[arg(long)]
    pub category: Option<String>,
    /// Only events this user created
    #[arg(long, value_name = "USER_ID")]
    pub creator: Option<UserId>,
    /// Only events inside this box: minLng,minLat,maxLng,maxLat
    #[arg(long, value_name = "BOX", allow_hyphen_values = true)]
    pub bbox: Option<String>,
    /// Only events created after this time (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub created_after: Option<Timestamp>,
    /// Only events created before this time (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub created_before: Option<Timestamp>,
    /// Events per page, 1 to 100
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    #[command(flatten)]
    pub page: CursorArgs,
}

impl PageArgs {
    /// The query, with `--before-id` checked to be an id of the kind `Id` the history holds.
    fn query<Id>(&self, q: Option<String>) -> anyhow::Result<PageQuery>
    where
        Id: std::str::FromStr<Err = citypulse::ids::InvalidId> + std::fmt::Display,
    {
        let before_id = self
            .before_id
            .as_ref()
            .map(|id| {
                id.parse::<Id>()
                    .map(|id| id.to_string())
                    .map_err(|e| usage(format!("--before-id: {e}")))
            })
            .transpose()?;
        if self.cursor.cursor.is_some() && self.before.is_some() {
            return Err(usage(
                "--cursor and --before both say where the page starts; give one",
            ));
        }
        Ok(PageQuery {
            limit: Some(self.limit),
            before: self.before,
            before_id,
            q,
            cursor: self.cursor.cursor.clone(),
        })
    }
}

/// Arguments of `cpl events create`.
#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    /// Title, 1 to 120 characters
    #[arg(long)]
    pub title: String,
    /// Category, e.g. culture, sports, protest (stored lower-case)
    #[arg(long)]
    pub category: String,
    /// Longitude, -180 to 180
    #[arg(long, allow_negative_numbers = true)]
    pub lng: f64,
    /// Latitude, -90 to 90
    #[arg(long, allow_negative_numbers = true)]
    pub lat: f64,
    /// Street address, free text
    #[arg(long)]
    pub address: Option<String>,
    /// Description, up to 2000 characters
    #[arg(long)]
    pub description: Option<String>,
    /// Planned start (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub starts_at: Option<Timestamp>,
    /// Planned end (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub ends_at: Option<Timestamp>,
}

/// Arguments of `cpl events nearby`.
#[derive(clap::Args, Debug)]
pub struct NearbyArgs {
    /// Longitude of the centre
    #[arg(long, allow_negative_numbers = true)]
    pub lng: f64,
    /// Latitude of the centre
    #[arg(long, allow_negative_numbers = true)]
    pub lat: f64,
    /// Radius in metres, 1 to 50000 [default: 5000]
    #[arg(long, value_name = "METRES")]
    pub radius: Option<f64>,
    /// At most this many events, 1 to 100 [default: 20]
    #[arg(long)]
    pub limit: Option<u32>,
    /// Only this category
    #[arg(long)]
    pub category: Option<String>,
}

/// Runs a `cpl events` subcommand.
pub async fn run(ctx: &Context, cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Create(a) => {
            let req = CreateEventRequest {
                title: a.title,
                description: a.description,
                category: a.category,
                coordinates: coordinates(a.lng, a.lat)?,
                address: a.address,
                starts_at: a.starts_at,
                ends_at: a.ends_at,
            };
            let (client, _) = ctx.session().await?;
            let event = client.create_event(&req).await?;
            ctx.out.record(&event)?;
        }
        Command::Show { id } => {
            let event = ctx.client()?.event(&id).await?;
            ctx.out.record(&event)?;
        }
        Command::List(a) => {
            let (client, status) = match a.status {
                StatusFilter::Active => (ctx.client()?, Some(EventStatus::Active)),
                StatusFilter::Ended => (ctx.admin()?, Some(EventStatus::Ended)),
                StatusFilter::All => (ctx.admin()?, None),
            };
            let base = EventListQuery {
                status,
                category: a.category,
                creator_id: a.creator.map(|c| c.to_string()),
                bbox: a.bbox,
                created_after: a.created_after,
                created_before: a.created_before,
                limit: Some(a.limit),
                cursor: None,
            };
            let (items, next_cursor) = paging::collect(&a.page, |cursor| {
                let q = EventListQuery {
                    cursor,
                    ..base.clone()
                };
                let client = &client;
                async move {
                    let p = client.events(&q).await?;
                    Ok((p.items, p.next_cursor))
                }
            })
            .await?;
            if ctx.out.is_json() {
                ctx.out.json(&EventPage { items, next_cursor })?;
            } else {
                ctx.out.list(&items)?;
                paging::more(ctx, "events", next_cursor.as_deref());
            }
        }
        Command::Nearby(a) => {
            let at = coordinates(a.lng, a.lat)?;
            let q = NearbyQuery {
                lng: at.lng(),
                lat: at.lat(),
                max_distance: a.radius,
                limit: a.limit,
                category: a.category,
            };
            let events = ctx.client()?.nearby(&q).await?;
            ctx.out.list(&events)?;
        }
        Command::Join { id } => {
            let (client, _) = ctx.session().await?;
            let joined = client.join_event(&id).await?;
            ctx.out.record(&joined)?;
        }
        Command::Leave { id } => {
            let (client, _) = ctx.session().await?;
            let answer = client.leave_event(&id).await?;
            ctx.out.record(&answer)?;
        }
        Command::End { id, admin } => {
            let client = if admin {
                ctx.admin()?
            } else {
                ctx.session().await?.0
            };
            let answer = client.end_event(&id).await?;
            ctx.out.record(&answer)?;
        }
        Command::Participants { id, limit, page } => {
            let client = ctx.client()?;
            let (list, next) = paging::collect(&page, |cursor| {
                let q = UserListQuery {
                    limit: Some(limit),
                    cursor,
                };
                let (client, id) = (&client, &id);
                async move {
                    let p = client.participants_page(id, &q).await?;
                    Ok((p.items, p.next_cursor))
                }
            })
            .await?;
            ctx.out.list(&list)?;
            paging::more(ctx, "participants", next.as_deref());
        }
        Command::Messages(MessagesArgs {
            action:
                Some(MessagesCommand::Delete {
                    event,
                    message,
                    admin,
                }),
            ..
        }) => {
            let client = if admin {
                ctx.admin()?
            } else {
                ctx.session().await?.0
            };
            client.delete_message(&event, &message).await?;
            ctx.out.record(&MessageResponse {
                message: format!("Message {message} deleted"),
            })?;
        }
        Command::Messages(MessagesArgs {
            action: None,
            id,
            page,
        }) => {
            // clap requires the id when there is no subcommand.
            let id = id.ok_or_else(|| usage("cpl events messages needs the event's id"))?;
            let q = page.query::<MessageId>(None)?;
            let client = ctx.client()?;
            let (list, next) = history(&page.cursor, q, |q| {
                let (client, id) = (&client, &id);
                async move { client.messages_page(id, &q).await }
            })
            .await?;
            ctx.out.list(&list)?;
            paging::more(ctx, "messages", next.as_deref());
        }
        Command::Transcripts { id, query, page } => {
            let q = page.query::<TranscriptId>(query)?;
            let client = ctx.client()?;
            let (list, next) = history(&page.cursor, q, |q| {
                let (client, id) = (&client, &id);
                async move { client.transcriptions_page(id, &q).await }
            })
            .await?;
            ctx.out.list(&list)?;
            paging::more(ctx, "segments", next.as_deref());
        }
    }
    Ok(())
}

/// A history's page (or every page with `--all`) from the query `first`; `fetch` asks for
/// the page of a query. Only the first page may start at `--before`: the rest follow the
/// cursors.
async fn history<T, F, Fut>(
    args: &CursorArgs,
    first: PageQuery,
    mut fetch: F,
) -> Result<(Vec<T>, Option<String>), citypulse::ClientError>
where
    F: FnMut(PageQuery) -> Fut,
    Fut: std::future::Future<Output = Result<Paged<T>, citypulse::ClientError>>,
{
    let mut started = false;
    paging::collect(args, |cursor| {
        let q = if started {
            PageQuery {
                before: None,
                before_id: None,
                cursor,
                ..first.clone()
            }
        } else {
            first.clone()
        };
        started = true;
        let page = fetch(q);
        async move {
            let p = page.await?;
            Ok((p.items, p.next_cursor))
        }
    })
    .await
}
