//! `/asyncapi.json` of a real daemon names every WebSocket frame of the contract crate: a
//! message per client `type`, per server `type` and per transcription control, each whose
//! payload describes every field the frame carries (and nothing it lacks). The official
//! parser's validation runs in the TypeScript client's tests (clients/typescript).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use citypulse::api::{claim_message, ClaimResult};
use citypulse::geo::{Coordinates, GeoPoint};
use citypulse::ids::{CollectibleId, EventId, MessageId, UserId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventRoom, EventStatus, NearbyEvent, Rarity,
};
use citypulse::ws::{
    ClientMessage, DeletedBy, EndedBy, PresenceJoin, ServerMessage, TranscribeControl, CLIENT_TYPES,
};
use citypulse_tests::Daemon;
use serde_json::Value;

/// One frame of every `ServerMessage` variant. The match below makes a new variant a compile
/// error here until it has a sample.
fn server_samples() -> Vec<ServerMessage> {
    let now = citypulse::time::now();
    let event_id = EventId::generate();
    let user_id = UserId::generate();
    let collectible = Collectible {
        id: CollectibleId::generate(),
        event_id: event_id.clone(),
        name: "Golden ticket".into(),
        rarity: Rarity::Legendary,
        points: 100,
        dropped_at: now,
        expires_at: now,
        claimed_by: None,
        claimed_at: None,
        is_active: true,
    };
    let event = NearbyEvent {
        event: Event {
            id: event_id.clone(),
            title: "Feria".into(),
            description: None,
            category: "culture".into(),
            creator_id: user_id.clone(),
            location: GeoPoint::from(Coordinates::new(-74.07, 4.6).unwrap()),
            address: None,
            status: EventStatus::Active,
            room: EventRoom {
                daily_room_name: None,
                daily_room_url: None,
                current_participants: 1,
            },
            room_url: None,
            starts_at: None,
            ends_at: None,
            created_at: now,
            ended_at: None,
        },
        distance_m: 12.5,
    };
    let samples = vec![
        ServerMessage::NearbyEvents {
            events: vec![event.clone()],
            timestamp: now,
        },
        ServerMessage::UserJoined {
            event_id: event_id.clone(),
            user_id: user_id.clone(),
            name: "Ana".into(),
        },
        ServerMessage::UserLeft {
            event_id: event_id.clone(),
            user_id: user_id.clone(),
        },
        ServerMessage::Presence {
            event_id: event_id.clone(),
            joined: vec![PresenceJoin {
                user_id: UserId::generate(),
                name: "Bo".into(),
            }],
            left: vec![user_id.clone()],
            truncated: false,
            participants: 201,
        },
        ServerMessage::ChatMessage(ChatMessage {
            id: MessageId::generate(),
            event_id: event_id.clone(),
            user_id: user_id.clone(),
            name: "Ana".into(),
            message: "Hola".into(),
            timestamp: now,
        }),
        ServerMessage::CollectibleDrop {
            collectible: collectible.clone(),
            expires_in: 60,
        },
        ServerMessage::ClaimResult {
            result: ClaimResult {
                success: true,
                message: claim_message::CLAIMED.into(),
                collectible: Some(collectible.clone()),
            },
        },
        ServerMessage::CollectibleClaimed {
            collectible_id: collectible.id.clone(),
            event_id: event_id.clone(),
            user_id: user_id.clone(),
            name: "Ana".into(),
        },
        ServerMessage::EventEnded {
            event_id: event_id.clone(),
            ended_by: EndedBy::Moderator,
        },
        ServerMessage::MessageDeleted {
            event_id: event_id.clone(),
            message_id: MessageId::generate(),
            deleted_by: DeletedBy::Author,
        },
        ServerMessage::EventNearby { event },
        ServerMessage::Transcript {
            event_id,
            speaker_id: user_id,
            text: "hola".into(),
            is_final: true,
            start: 0.0,
            duration: 1.0,
            confidence: 0.9,
        },
        ServerMessage::error("not_found", "no such event"),
        ServerMessage::Pong,
    ];
    let mut seen = BTreeSet::new();
    for s in &samples {
        // Exhaustive on purpose: see the doc comment.
        let name = match s {
            ServerMessage::NearbyEvents { .. }
            | ServerMessage::UserJoined { .. }
            | ServerMessage::UserLeft { .. }
            | ServerMessage::Presence { .. }
            | ServerMessage::ChatMessage(_)
            | ServerMessage::CollectibleDrop { .. }
            | ServerMessage::ClaimResult { .. }
            | ServerMessage::CollectibleClaimed { .. }
            | ServerMessage::EventEnded { .. }
            | ServerMessage::MessageDeleted { .. }
            | ServerMessage::EventNearby { .. }
            | ServerMessage::Transcript { .. }
            | ServerMessage::Error { .. }
            | ServerMessage::Pong => s.type_name(),
        };
        seen.insert(name);
    }
    assert_eq!(seen.len(), samples.len(), "one sample per variant");
    samples
}

/// One frame of every client type (`CLIENT_TYPES` is what the daemon accepts).
fn client_samples() -> Vec<ClientMessage> {
    let event_id = EventId::generate();
    let samples = vec![
        ClientMessage::LocationUpdate {
            coordinates: Coordinates::new(-74.07, 4.6).unwrap(),
        },
        ClientMessage::JoinEvent {
            event_id: event_id.clone(),
        },
        ClientMessage::LeaveEvent {
            event_id: event_id.clone(),
        },
        ClientMessage::ChatMessage {
            event_id,
            message: "Hola".into(),
        },
        ClientMessage::ClaimCollectible {
            collectible_id: CollectibleId::generate(),
        },
        ClientMessage::Ping,
    ];
    let types: BTreeSet<String> = samples
        .iter()
        .map(|m| {
            serde_json::to_value(m).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let accepted: BTreeSet<String> = CLIENT_TYPES.iter().map(|t| t.to_string()).collect();
    assert_eq!(types, accepted, "a sample per type the daemon accepts");
    samples
}

fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(doc, doc.pointer(r.trim_start_matches('#')).unwrap()),
        None => s,
    }
}

/// The property names a payload schema describes and those it requires (`allOf` parts
/// merged: a variant wrapping a struct).
fn fields(doc: &Value, schema: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let s = resolve(doc, schema);
    let mut props: BTreeSet<String> = s["properties"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut required: BTreeSet<String> = s["required"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    for part in s["allOf"].as_array().into_iter().flatten() {
        let (p, r) = fields(doc, part);
        props.extend(p);
        required.extend(r);
    }
    (props, required)
}

/// The frame's keys are the payload's properties, and the payload's required ones are there.
fn matches(doc: &Value, key: &str, frame: &Value) {
    let message = &doc["components"]["messages"][key];
    assert!(
        message.is_object(),
        "{key} is not a message of /asyncapi.json"
    );
    let (props, required) = fields(doc, &message["payload"]);
    let keys: BTreeSet<String> = frame.as_object().unwrap().keys().cloned().collect();
    assert!(
        keys.is_subset(&props),
        "{key}: the frame has {:?}, which the payload does not describe",
        keys.difference(&props).collect::<Vec<_>>()
    );
    assert!(
        required.is_subset(&keys),
        "{key}: the payload requires {:?}, which the frame lacks",
        required.difference(&keys).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn every_frame_of_the_contract_is_a_message_with_its_fields() {
    let d = Daemon::start().await;
    let resp = reqwest::get(format!("{}/asyncapi.json", d.url))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let doc: Value = resp.json().await.unwrap();
    assert_eq!(doc["asyncapi"], "3.0.0");

    let room = &doc["channels"]["userSocket"];
    assert_eq!(room["address"], "/ws/{user_id}");
    for frame in client_samples() {
        let v = serde_json::to_value(&frame).unwrap();
        let key = format!("client.{}", v["type"].as_str().unwrap());
        assert!(
            room["messages"][&key].is_object(),
            "{key} not on /ws/{{user_id}}"
        );
        matches(&doc, &key, &v);
    }
    for frame in server_samples() {
        let v = serde_json::to_value(&frame).unwrap();
        let key = format!("server.{}", frame.type_name());
        assert!(
            room["messages"][&key].is_object(),
            "{key} not on /ws/{{user_id}}"
        );
        matches(&doc, &key, &v);
    }

    let transcribe = &doc["channels"]["transcriptionSocket"];
    assert_eq!(transcribe["address"], "/ws/transcribe/{event_id}");
    for control in [
        TranscribeControl::CloseStream,
        TranscribeControl::KeepAlive,
        TranscribeControl::Finalize,
    ] {
        let v = serde_json::to_value(control).unwrap();
        let key = format!("client.{}", v["type"].as_str().unwrap());
        assert!(transcribe["messages"][&key].is_object(), "{key}");
        matches(&doc, &key, &v);
    }
    for key in ["client.audio", "server.transcript", "server.error"] {
        assert!(transcribe["messages"][key].is_object(), "{key}");
    }
    // The operations list every message of their channel, split by direction.
    for (op, channel, prefix) in [
        ("userSocketFromClient", "userSocket", "client."),
        ("userSocketToClient", "userSocket", "server."),
        (
            "transcriptionSocketFromClient",
            "transcriptionSocket",
            "client.",
        ),
        (
            "transcriptionSocketToClient",
            "transcriptionSocket",
            "server.",
        ),
    ] {
        let listed: BTreeSet<String> = doc["operations"][op]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                m["$ref"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let on_channel: BTreeSet<String> = doc["channels"][channel]["messages"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        assert_eq!(listed, on_channel, "{op}");
    }
}
