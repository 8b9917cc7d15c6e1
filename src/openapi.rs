//! OpenAPI schemas of the wire types whose serde form a derive cannot see (feature
//! `openapi`, for the daemon's `/openapi.json`): the id newtypes carry a pattern, and
//! [`Coordinates`](crate::geo::Coordinates) is a `[longitude, latitude]` pair with a range per
//! position (OpenAPI 3.1's `prefixItems`; 3.0 could only give both numbers the longitude's
//! range). Everything else derives `utoipa::ToSchema` where it is defined.

use serde_json::json;
use utoipa::openapi::schema::{ArrayBuilder, ArrayItems, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// A path or body id: 24 hexadecimal digits (MongoDB ObjectId form), any case.
pub const ID_PATTERN: &str = "^[0-9a-fA-F]{24}$";

/// The schema of an id of `kind` ("user", "event", ...).
pub fn object_id(kind: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(ID_PATTERN))
        .description(Some(format!("{kind} id: 24 hexadecimal digits")))
        .examples([json!("6745a1b2c3d4e5f601234567")])
        .into()
}

impl utoipa::PartialSchema for crate::geo::Coordinates {
    fn schema() -> RefOr<Schema> {
        let degrees = |what: &str, bound: f64| {
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .minimum(Some(-bound))
                .maximum(Some(bound))
                .description(Some(format!("{what}, {} to {bound}.", -bound)))
        };
        ArrayBuilder::new()
            .prefix_items([degrees("Longitude", 180.0), degrees("Latitude", 90.0)])
            .items(ArrayItems::False)
            .min_items(Some(2))
            .max_items(Some(2))
            .description(Some(
                "`[longitude, latitude]` (GeoJSON order): longitude in [-180, 180], latitude in \
                 [-90, 90], finite. Anything else is a 422 whose sentence names the order.",
            ))
            .examples([json!([-74.0721, 4.711])])
            .into()
    }
}

impl utoipa::ToSchema for crate::geo::Coordinates {}

fn strings(values: &[&str], description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .into()
}

/// [`ClaimResult::message`](crate::api::ClaimResult::message): the fixed sentences of
/// [`claim_message`](crate::api::claim_message).
pub fn claim_message() -> Schema {
    use crate::api::claim_message::{ALREADY_CLAIMED, CLAIMED, EXPIRED};
    strings(
        &[CLAIMED, ALREADY_CLAIMED, EXPIRED],
        "`claimed` for the winner; `already claimed` or `expired` (also when its event ended) for everyone else.",
    )
}

/// [`Health::status`](crate::api::Health::status).
pub fn health_status() -> Schema {
    strings(&["ok", "unavailable"], "`ok`, or `unavailable` with a 503.")
}

/// [`Health::store`](crate::api::Health::store).
pub fn store_backend() -> Schema {
    strings(&["sqlite", "mongodb"], "The storage backend in use.")
}
