//! The AsyncAPI 3.0 document of the two WebSocket endpoints, served at `/asyncapi.json`.
//!
//! Every message's payload is the `utoipa::ToSchema` schema of the contract type the daemon
//! serialises ([`ClientMessage`], [`ServerMessage`], [`TranscribeControl`]), split into one
//! message per `type`, with the same component schemas `/openapi.json` uses: a field added
//! to a frame reaches this document with no edit here. The prose (what each endpoint
//! checks, what each close code means, what each frame is for) is the `x-websocket` section
//! of `/openapi.json` ([`super::openapi::websocket_doc`]), written once.
//!
//! The document is checked by the official parser (`@asyncapi/parser`) in the TypeScript
//! client's test suite (clients/typescript), and against the contract types in
//! `tests/tests/asyncapi.rs`.

use std::sync::OnceLock;

use citypulse::ws::{ClientMessage, ServerMessage, TranscribeControl};
use serde_json::{json, Map, Value};
use utoipa::OpenApi;

/// The WebSocket frame types and every schema they refer to.
#[derive(OpenApi)]
#[openapi(components(schemas(ClientMessage, ServerMessage, TranscribeControl)))]
struct Frames;

/// The document served at `/asyncapi.json`, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

/// One endpoint: its channel id, its address, its path parameter and its frames.
struct Endpoint {
    channel: &'static str,
    address: &'static str,
    param: (&'static str, &'static str),
    /// (direction prefix, the enum schema's name) for frames from the client.
    from_client: &'static str,
    /// Server frame types sent on this endpoint; `None` for all of [`ServerMessage`].
    to_client: Option<&'static [&'static str]>,
}

const ENDPOINTS: [Endpoint; 2] = [
    Endpoint {
        channel: "userSocket",
        address: "/ws/{user_id}",
        param: (
            "user_id",
            "The user's id (24 hexadecimal digits); it must be the token's user.",
        ),
        from_client: "ClientMessage",
        to_client: None,
    },
    Endpoint {
        channel: "transcriptionSocket",
        address: "/ws/transcribe/{event_id}",
        param: (
            "event_id",
            "The event whose room hears the captions (24 hexadecimal digits).",
        ),
        from_client: "TranscribeControl",
        to_client: Some(&["transcript", "error"]),
    },
];

fn build() -> Value {
    let schemas = match serde_json::to_value(Frames::openapi()) {
        Ok(v) => v["components"]["schemas"].clone(),
        // utoipa's types are plain data; this would be a bug in them, not bad input.
        Err(e) => {
            tracing::error!("the WebSocket schemas do not serialise: {e}");
            json!({})
        }
    };
    let prose = super::openapi::websocket_doc();
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    for ep in &ENDPOINTS {
        let about = &prose[ep.address];
        let mut channel_messages = Map::new();
        let mut directions = vec![(
            "receive",
            "client",
            variants(&schemas, ep.from_client),
            &about["client_messages"],
        )];
        let server: Vec<(String, Value)> = variants(&schemas, "ServerMessage")
            .into_iter()
            .filter(|(t, _)| ep.to_client.is_none_or(|only| only.contains(&t.as_str())))
            .collect();
        directions.push(("send", "server", server, &about["server_messages"]));
        for (action, from, frames, described) in directions {
            let mut refs = Vec::new();
            for (ty, payload) in frames {
                let key = format!("{from}.{ty}");
                let mut message = json!({
                    "name": ty,
                    "title": format!("{ty} ({from} to {})", if from == "client" { "daemon" } else { "client" }),
                    "contentType": "application/json",
                    "payload": payload,
                });
                if let Some(d) = described[&ty]["description"].as_str() {
                    message["summary"] = json!(d);
                }
                if let Some(example) = described[&ty].get("example") {
                    message["examples"] = json!([{ "payload": example }]);
                }
                messages.entry(key.clone()).or_insert(message);
                channel_messages.insert(
                    key.clone(),
                    json!({ "$ref": format!("#/components/messages/{key}") }),
                );
                refs.push(json!({ "$ref": format!("#/channels/{}/messages/{key}", ep.channel) }));
            }
            if ep.from_client == "TranscribeControl" && action == "receive" {
                let key = "client.audio".to_string();
                messages.insert(
                    key.clone(),
                    json!({
                        "name": "audio",
                        "title": "audio (client to daemon)",
                        "contentType": "application/octet-stream",
                        "summary": "A binary frame: 16-bit little-endian PCM at `sample_rate` Hz with `channels` interleaved channels.",
                        "payload": { "type": "string", "format": "binary" }
                    }),
                );
                channel_messages.insert(
                    key.clone(),
                    json!({ "$ref": format!("#/components/messages/{key}") }),
                );
                refs.push(json!({ "$ref": format!("#/channels/{}/messages/{key}", ep.channel) }));
            }
            let verb = if action == "receive" {
                "receives"
            } else {
                "sends"
            };
            operations.insert(
                format!(
                    "{}{}",
                    ep.channel,
                    if action == "receive" {
                        "FromClient"
                    } else {
                        "ToClient"
                    }
                ),
                json!({
                    "action": action,
                    "channel": { "$ref": format!("#/channels/{}", ep.channel) },
                    "summary": format!("Frames the daemon {verb} on {}.", ep.address),
                    "messages": refs,
                }),
            );
        }
        let query: Map<String, Value> = about["query"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, d)| (k.clone(), json!({ "type": "string", "description": d })))
            .collect();
        let closes: Vec<String> = about["close_codes"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(code, d)| format!("- **{code}**: {}", d.as_str().unwrap_or_default()))
            .collect();
        let errors: Vec<String> = about["error_codes"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(code, d)| format!("- `{code}`: {}", d.as_str().unwrap_or_default()))
            .collect();
        let mut description = about["description"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !errors.is_empty() {
            description.push_str("\n\n**`error` frame codes**\n\n");
            description.push_str(&errors.join("\n"));
        }
        description.push_str("\n\n**Close codes**\n\n");
        description.push_str(&closes.join("\n"));
        channels.insert(
            ep.channel.to_string(),
            json!({
                "address": ep.address,
                "title": ep.address,
                "description": description,
                "parameters": { ep.param.0: { "description": ep.param.1 } },
                "messages": channel_messages,
                "bindings": { "ws": {
                    "method": "GET",
                    "query": { "type": "object", "properties": query },
                    "bindingVersion": "0.1.0"
                } }
            }),
        );
    }
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": "CityPulse Live WebSockets",
            "version": citypulse::VERSION,
            "description": "The two WebSocket endpoints of `cpld`, from the daemon's side: `receive` operations are frames a client sends, `send` operations frames the daemon sends. Text frames are JSON objects tagged by `type`. The REST API is described by `/openapi.json`; this document's schemas are the same.",
            "license": { "name": "MIT" }
        },
        "defaultContentType": "application/json",
        "servers": {
            "cpld": {
                "host": "localhost:8000",
                "protocol": "ws",
                "description": "The daemon itself (`wss` behind a TLS proxy); the host is the one serving this document."
            }
        },
        "channels": channels,
        "operations": operations,
        "components": { "schemas": schemas, "messages": messages }
    })
}

/// The variants of the internally tagged enum schema `name` (`oneOf` branches), each as
/// its `type` value and its schema.
fn variants(schemas: &Value, name: &str) -> Vec<(String, Value)> {
    schemas[name]["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|branch| Some((tag_of(branch)?, branch.clone())))
        .collect()
}

/// The one `type` value a branch admits: in its own properties or in an `allOf` part (a
/// variant that wraps a struct, `chat_message`).
fn tag_of(branch: &Value) -> Option<String> {
    let own = branch["properties"]["type"]["enum"][0].as_str();
    own.map(str::to_string).or_else(|| {
        branch["allOf"]
            .as_array()?
            .iter()
            .find_map(|part| part["properties"]["type"]["enum"][0].as_str())
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use citypulse::ws::CLIENT_TYPES;

    /// Every client frame type is a message of `/ws/{user_id}`, every message payload
    /// `$ref` resolves, and the two enums split into as many messages as they have
    /// variants.
    #[test]
    fn every_frame_is_a_message_and_every_ref_resolves() {
        let doc = document();
        let channel = &doc["channels"]["userSocket"]["messages"];
        for t in CLIENT_TYPES {
            assert!(channel[format!("client.{t}")].is_object(), "{t}");
        }
        let count = |name: &str| {
            doc["components"]["schemas"][name]["oneOf"]
                .as_array()
                .unwrap()
                .len()
        };
        let server = channel
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with("server."))
            .count();
        assert_eq!(server, count("ServerMessage"));
        let text = doc.to_string();
        for part in text.split("\"$ref\":\"").skip(1) {
            let r = &part[..part.find('"').unwrap()];
            assert!(doc.pointer(r.trim_start_matches('#')).is_some(), "{r}");
        }
    }
}
