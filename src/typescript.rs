//! TypeScript declarations of every wire type (feature `typescript`), derived with ts-rs from
//! the same types and serde attributes the daemon serialises with: REST bodies as types,
//! WebSocket frames as unions discriminated by `type`. `clients/typescript/src/generated/`
//! holds [`bindings`]' output; `tests/tests/typescript.rs` fails when it is stale.

use ts_rs::{Config, TS};

use crate::{api, auth, geo, ids, model, ws};

/// `[longitude, latitude]` on the wire (GeoJSON order), a custom serde form a derive cannot see.
impl TS for geo::Coordinates {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn docs() -> Option<String> {
        Some("`[longitude, latitude]` (GeoJSON order): longitude in [-180, 180], latitude in [-90, 90].".into())
    }
    fn name(_: &Config) -> String {
        "Coordinates".into()
    }
    fn inline(_: &Config) -> String {
        "[number, number]".into()
    }
    fn decl(_: &Config) -> String {
        "type Coordinates = [number, number];".into()
    }
    fn decl_concrete(c: &Config) -> String {
        Self::decl(c)
    }
}

/// One declaration, exported, with its doc comment.
fn declare<T: TS>(cfg: &Config, out: &mut String) {
    match T::docs() {
        // A derive writes its JSDoc block itself.
        Some(docs) if docs.trim_start().starts_with("/**") => {
            out.push_str(docs.trim_end());
            out.push('\n');
        }
        Some(docs) => out.push_str(&format!("/** {docs} */\n")),
        None => {}
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

/// The contents of `clients/typescript/src/generated/contract.ts`.
pub fn bindings() -> String {
    // Counters and sizes are JSON numbers, never above 2^53: `number`, not `bigint`.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust contract crate (src/) by ts-rs: do not edit.\n\
         // Regenerate with `CPL_REGENERATE=1 cargo test -p citypulse-tests --test typescript`.\n\n",
    );
    macro_rules! declare_all {
        ($($t:ty),* $(,)?) => { $(declare::<$t>(&cfg, &mut out);)* };
    }
    declare_all!(
        ids::UserId,
        ids::EventId,
        ids::CollectibleId,
        ids::MessageId,
        ids::TranscriptId,
        ids::SessionId,
        geo::Coordinates,
        geo::GeoPoint,
        geo::PointKind,
        model::UserStats,
        model::User,
        model::RegisteredUser,
        model::UserCollectible,
        model::EventStatus,
        model::EventRoom,
        model::Event,
        model::NearbyEvent,
        model::Participant,
        model::Rarity,
        model::Collectible,
        model::ChatMessage,
        model::Transcription,
        model::TranscriptWord,
        api::ErrorBody,
        api::RegisterRequest,
        api::CreateEventRequest,
        api::JoinResponse,
        api::MessageResponse,
        api::ClaimResult,
        api::DropRequest,
        api::Health,
        api::FeatureStatus,
        api::TokenResponse,
        api::UserErased,
        api::EventPage,
        auth::CodeRequest,
        auth::CodeSent,
        auth::VerifyRequest,
        auth::Session,
        ws::ClientMessage,
        ws::ServerMessage,
        ws::EndedBy,
        ws::DeletedBy,
        ws::PresenceJoin,
        ws::TranscribeControl,
    );
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
