//! How the contract's types look in tables and plain text. JSON output never goes through
//! here: it is the types' own serde form.

use citypulse::api::{
    ClaimResult, Health, JoinResponse, MessageResponse, TokenResponse, UserErased,
};
use citypulse::model::{
    ChatMessage, Collectible, Event, NearbyEvent, Participant, RegisteredUser, Transcription, User,
    UserCollectible,
};
use citypulse::time::Timestamp;
use citypulse::ws::{DeletedBy, EndedBy, PresenceJoin, ServerMessage};
use citypulse::{Coordinates, EventId, MessageId, UserId};

use crate::config::mask;
use crate::output::{Fields, Row};

/// A time as RFC 3339 to the second.
pub fn time(t: &Timestamp) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An optional time, `-` when absent.
pub fn opt_time(t: &Option<Timestamp>) -> String {
    t.as_ref().map(time).unwrap_or_else(|| "-".into())
}

/// An optional string, `-` when absent.
pub fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

/// `[lng, lat]`.
pub fn coords(c: &Coordinates) -> String {
    format!("[{}, {}]", c.lng(), c.lat())
}

/// Metres, rounded.
pub fn metres(m: f64) -> String {
    if m >= 1000.0 {
        format!("{:.2} km", m / 1000.0)
    } else {
        format!("{m:.0} m")
    }
}

impl Fields for User {
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("name", self.name.clone()),
            ("phone", opt(&self.phone)),
            ("events created", self.stats.events_created.to_string()),
            ("events attended", self.stats.events_attended.to_string()),
            ("collectibles", self.stats.collectibles_count.to_string()),
            ("created", time(&self.created_at)),
        ]
    }
}

impl Row for User {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "NAME",
        "PHONE",
        "CREATED",
        "ATTENDED",
        "COLLECTIBLES",
        "SINCE",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            opt(&self.phone),
            self.stats.events_created.to_string(),
            self.stats.events_attended.to_string(),
            self.stats.collectibles_count.to_string(),
            time(&self.created_at),
        ]
    }
}

impl Fields for RegisteredUser {
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = self.user.fields();
        f.push(("token", mask(&self.token)));
        f
    }
}

impl Row for UserCollectible {
    const HEADERS: &'static [&'static str] = &[
        "COLLECTIBLE",
        "NAME",
        "RARITY",
        "POINTS",
        "EVENT",
        "CLAIMED",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.collectible_id.to_string(),
            self.name.clone(),
            self.rarity.as_str().into(),
            self.points.to_string(),
            self.event_id.to_string(),
            time(&self.claimed_at),
        ]
    }
}

impl Fields for Event {
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("title", self.title.clone()),
            ("category", self.category.clone()),
            ("status", self.status.as_str().into()),
            ("description", opt(&self.description)),
            ("location", coords(&self.location.coordinates)),
            ("address", opt(&self.address)),
            ("creator", self.creator_id.to_string()),
            ("participants", self.room.current_participants.to_string()),
            (
                "video room",
                self.room
                    .daily_room_url
                    .clone()
                    .or_else(|| self.room_url.clone())
                    .unwrap_or_else(|| "- (video is off)".into()),
            ),
            ("starts", opt_time(&self.starts_at)),
            ("ends", opt_time(&self.ends_at)),
            ("created", time(&self.created_at)),
            ("ended", opt_time(&self.ended_at)),
        ]
    }
}

impl Row for Event {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "TITLE",
        "CATEGORY",
        "STATUS",
        "PARTICIPANTS",
        "CREATED",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.title.clone(),
            self.category.clone(),
            self.status.as_str().into(),
            self.room.current_participants.to_string(),
            time(&self.created_at),
        ]
    }
}

impl Row for NearbyEvent {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "TITLE",
        "CATEGORY",
        "DISTANCE",
        "PARTICIPANTS",
        "ADDRESS",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.event.id.to_string(),
            self.event.title.clone(),
            self.event.category.clone(),
            metres(self.distance_m),
            self.event.room.current_participants.to_string(),
            opt(&self.event.address),
        ]
    }
}

impl Row for Participant {
    const HEADERS: &'static [&'static str] = &["USER", "NAME", "JOINED"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.user_id.to_string(),
            self.name.clone(),
            time(&self.joined_at),
        ]
    }
}

impl Row for ChatMessage {
    const HEADERS: &'static [&'static str] = &["TIME", "ID", "USER", "NAME", "MESSAGE"];
    fn cells(&self) -> Vec<String> {
        vec![
            time(&self.timestamp),
            self.id.to_string(),
            self.user_id.to_string(),
            self.name.clone(),
            self.message.clone(),
        ]
    }
}

impl Row for Transcription {
    const HEADERS: &'static [&'static str] = &["TIME", "ID", "SPEAKER", "CONFIDENCE", "TEXT"];
    fn cells(&self) -> Vec<String> {
        vec![
            time(&self.created_at),
            self.id.to_string(),
            self.speaker_id.to_string(),
            format!("{:.2}", self.confidence),
            self.text.clone(),
        ]
    }
}

impl Fields for ChatMessage {
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("event", self.event_id.to_string()),
            ("user", self.user_id.to_string()),
            ("name", self.name.clone()),
            ("message", self.message.clone()),
            ("time", time(&self.timestamp)),
        ]
    }
}

impl Fields for Collectible {
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("event", self.event_id.to_string()),
            ("name", self.name.clone()),
            ("rarity", self.rarity.as_str().into()),
            ("points", self.points.to_string()),
            ("dropped", time(&self.dropped_at)),
            ("expires", time(&self.expires_at)),
            (
                "claimed by",
                self.claimed_by
                    .as_ref()
                    .map(|u| u.to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            ("claimed", opt_time(&self.claimed_at)),
            ("active", self.is_active.to_string()),
        ]
    }
}

impl Row for Collectible {
    const HEADERS: &'static [&'static str] = &["ID", "NAME", "RARITY", "POINTS", "EXPIRES"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            self.rarity.as_str().into(),
            self.points.to_string(),
            time(&self.expires_at),
        ]
    }
}

impl Fields for ClaimResult {
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("success", self.success.to_string()),
            ("message", self.message.clone()),
        ];
        if let Some(c) = &self.collectible {
            f.push(("collectible", c.id.to_string()));
            f.push(("name", c.name.clone()));
            f.push(("rarity", c.rarity.as_str().into()));
            f.push(("points", c.points.to_string()));
        }
        f
    }
}

impl Fields for JoinResponse {
    fn fields(&self) -> Vec<(&'static str, String)> {
        // Daily's prebuilt clients open a private room with the meeting token as `?t=`.
        let open = match (&self.room_url, &self.token) {
            (Some(url), Some(token)) => format!("{url}?t={token}"),
            _ => "- (video is off)".into(),
        };
        vec![
            ("event", self.event_id.to_string()),
            ("open in browser", open),
            (
                "video room",
                self.room_url
                    .clone()
                    .unwrap_or_else(|| "- (video is off)".into()),
            ),
            (
                "video token",
                self.token
                    .clone()
                    .unwrap_or_else(|| "- (video is off)".into()),
            ),
        ]
    }
}

impl Fields for MessageResponse {
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![("message", self.message.clone())]
    }
}

impl Fields for TokenResponse {
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![("token", self.token.clone())]
    }
}

impl Fields for UserErased {
    fn fields(&self) -> Vec<(&'static str, String)> {
        let history = if self.purged {
            format!(
                "{} messages and {} transcript segments removed",
                self.messages, self.transcriptions
            )
        } else {
            format!("{} messages kept as \"deleted user\"", self.messages)
        };
        vec![
            ("erased", self.user_id.to_string()),
            ("rooms left", self.rooms_left.to_string()),
            ("history", history),
        ]
    }
}

impl Fields for crate::runs::CleanupSummary {
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("deleted", self.deleted.to_string()),
            ("already gone", self.not_found.to_string()),
            ("failed", self.failed.len().to_string()),
        ];
        for failed in self.failed.iter().take(5) {
            f.push(("failure", format!("{}: {}", failed.user_id, failed.reason)));
        }
        if let Some(file) = &self.run_file {
            f.push(("run file kept", file.display().to_string()));
        }
        f
    }
}

impl Fields for Health {
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("status", self.status.clone()),
            ("store", self.store.clone()),
            ("version", self.version.clone()),
        ];
        if let Some(v) = &self.video {
            f.push(("video", feature(v)));
        }
        if let Some(t) = &self.transcription {
            f.push(("transcription", feature(t)));
        }
        if let Some(s) = &self.sms_sign_in {
            f.push(("sms sign-in", feature(s)));
        }
        if let Some(d) = &self.detail {
            f.push(("detail", d.clone()));
        }
        f
    }
}

fn feature(f: &citypulse::api::FeatureStatus) -> String {
    format!("{}: {}", if f.enabled { "on" } else { "off" }, f.detail)
}

/// A one-line summary of a server frame (for `watch` and `chat`).
pub fn describe(msg: &ServerMessage) -> String {
    match msg {
        ServerMessage::NearbyEvents { events, .. } => {
            let names: Vec<String> = events
                .iter()
                .take(5)
                .map(|e| format!("{} ({})", e.event.title, metres(e.distance_m)))
                .collect();
            let more = events.len().saturating_sub(5);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("{} events nearby: {}{tail}", events.len(), names.join(", "))
        }
        ServerMessage::UserJoined {
            event_id,
            user_id,
            name,
        } => {
            format!("{name} ({user_id}) joined {event_id}")
        }
        ServerMessage::UserLeft { event_id, user_id } => format!("{user_id} left {event_id}"),
        ServerMessage::Presence {
            event_id,
            joined,
            left,
            truncated,
            participants,
        } => presence(event_id, joined, left, *truncated, *participants),
        ServerMessage::ChatMessage(m) => format!("[{}] {}: {}", m.event_id, m.name, m.message),
        ServerMessage::CollectibleDrop {
            collectible,
            expires_in,
        } => format!(
            "{} {} ({}, {} points) dropped into {}; claimable for {expires_in}s",
            collectible.id,
            collectible.name,
            collectible.rarity.as_str(),
            collectible.points,
            collectible.event_id
        ),
        ServerMessage::ClaimResult { result } => {
            if result.success {
                format!("claim won: {}", result.message)
            } else {
                format!("claim lost: {}", result.message)
            }
        }
        ServerMessage::CollectibleClaimed {
            collectible_id,
            event_id,
            user_id,
            name,
        } => {
            format!("{name} ({user_id}) won {collectible_id} in {event_id}")
        }
        ServerMessage::EventEnded { event_id, ended_by } => {
            format!("event {event_id}: {}", ended(*ended_by))
        }
        ServerMessage::MessageDeleted {
            event_id,
            message_id,
            deleted_by,
        } => format!("in {event_id}: {}", deleted(message_id, *deleted_by)),
        ServerMessage::EventNearby { event } => format!(
            "new event nearby: {} {} ({})",
            event.event.id,
            event.event.title,
            metres(event.distance_m)
        ),
        ServerMessage::Transcript {
            event_id,
            speaker_id,
            text,
            is_final,
            ..
        } => format!(
            "[{event_id}] {speaker_id}{}: {text}",
            if *is_final { "" } else { " (interim)" }
        ),
        ServerMessage::Error { code, message } => format!("{code}: {message}"),
        ServerMessage::Pong => "pong".into(),
    }
}

/// `event_ended` in words.
pub fn ended(by: EndedBy) -> &'static str {
    match by {
        EndedBy::Creator => "the event was ended by its creator; the room is closed",
        EndedBy::Moderator => "the event was ended by a moderator; the room is closed",
    }
}

/// `message_deleted` in words.
pub fn deleted(message: &MessageId, by: DeletedBy) -> String {
    match by {
        DeletedBy::Author => format!("message {message} was deleted by its author"),
        DeletedBy::Moderator => format!("message {message} was deleted by a moderator"),
    }
}

impl Row for citypulse::auth::Session {
    const HEADERS: &'static [&'static str] = &["ID", "LABEL", "SIGNED IN", "LAST USED", "CURRENT"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            opt(&self.label),
            time(&self.created_at),
            self.last_used_at
                .as_ref()
                .map(time)
                .unwrap_or_else(|| "-".into()),
            if self.current {
                "yes".into()
            } else {
                String::new()
            },
        ]
    }
}

/// One line for a big room's gathered comings and goings: the count, then up to five
/// names of each kind.
fn presence(
    event_id: &EventId,
    joined: &[PresenceJoin],
    left: &[UserId],
    truncated: bool,
    participants: u64,
) -> String {
    let few = |names: Vec<String>| {
        let more = names.len().saturating_sub(5);
        let mut s = names.into_iter().take(5).collect::<Vec<_>>().join(", ");
        if more > 0 {
            s.push_str(&format!(" and {more} more"));
        }
        s
    };
    let mut parts = vec![format!("{participants} in {event_id}")];
    if !joined.is_empty() {
        parts.push(format!(
            "joined: {}",
            few(joined.iter().map(|j| j.name.clone()).collect())
        ));
    }
    if !left.is_empty() {
        parts.push(format!(
            "left: {}",
            few(left.iter().map(|u| u.to_string()).collect())
        ));
    }
    if truncated {
        parts.push("more came and went than listed".into());
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_presence_frame_reads_as_the_count_and_a_few_names() {
        let event_id = EventId::generate();
        let gone = UserId::generate();
        let line = describe(&ServerMessage::Presence {
            event_id: event_id.clone(),
            joined: (0..7)
                .map(|i| PresenceJoin {
                    user_id: UserId::generate(),
                    name: format!("P{i}"),
                })
                .collect(),
            left: vec![gone.clone()],
            truncated: true,
            participants: 250,
        });
        assert_eq!(
            line,
            format!(
                "250 in {event_id}; joined: P0, P1, P2, P3, P4 and 2 more; left: {gone}; \
                 more came and went than listed"
            )
        );
    }
}
