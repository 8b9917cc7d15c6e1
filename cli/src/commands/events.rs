//! `cpl events ...`: create, find, join, leave and end events; participants and messages.

use citypulse::api::{CreateEventRequest, NearbyQuery, PageQuery};
use citypulse::ids::MessageId;
use citypulse::time::Timestamp;
use citypulse::EventId;
use clap::Subcommand;

use crate::context::Context;
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
    /// End an event you created; its room hears `event_ended`
    End {
        /// The event's id
        id: EventId,
    },
    /// List who is in an event's room now
    Participants {
        /// The event's id
        id: EventId,
    },
    /// Show an event's chat history, newest first
    Messages {
        /// The event's id
        id: EventId,
        /// At most this many messages (1 to 200)
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only messages older than this time (RFC 3339, e.g. 2026-11-25T14:03:00Z): the
        /// previous page's last timestamp
        #[arg(long, value_name = "TIME")]
        before: Option<Timestamp>,
        /// With --before, the previous page's last message id: the page starts right after
        /// it, so messages sharing its millisecond are not skipped
        #[arg(long, value_name = "ID", requires = "before")]
        before_id: Option<MessageId>,
    },
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
        Command::End { id } => {
            let (client, _) = ctx.session().await?;
            let answer = client.end_event(&id).await?;
            ctx.out.record(&answer)?;
        }
        Command::Participants { id } => {
            let list = ctx.client()?.participants(&id).await?;
            ctx.out.list(&list)?;
        }
        Command::Messages {
            id,
            limit,
            before,
            before_id,
        } => {
            let q = PageQuery {
                limit: Some(limit),
                before,
                before_id: before_id.map(|m| m.to_string()),
                q: None,
            };
            let list = ctx.client()?.messages(&id, &q).await?;
            ctx.out.list(&list)?;
        }
    }
    Ok(())
}
