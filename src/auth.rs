//! Sign-in by SMS code and the sessions it opens (issue 16): the bodies of
//! `POST /api/auth/code`, `POST /api/auth/verify` and the session listing.
//!
//! A verify answers [`crate::model::RegisteredUser`], the shape registration answers, so
//! a client stores the token the same way whichever way it got it.

use serde::{Deserialize, Serialize};

use crate::ids::SessionId;
use crate::time::Timestamp;

/// `POST /api/auth/code`: send a sign-in code to this phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Phone number; normalised to E.164.
    #[cfg_attr(feature = "openapi", schema(example = "+573001234567"))]
    pub phone: String,
}

/// The answer to `POST /api/auth/code`: the same for a registered and an unknown phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct CodeSent {
    /// A sentence: a code is on its way if the number can receive SMS, and what to do next.
    pub detail: String,
    /// The phone, normalised to E.164.
    #[cfg_attr(feature = "openapi", schema(example = "+573001234567"))]
    pub phone: String,
}

/// `POST /api/auth/verify`: the code the phone received; a new phone also gives a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The phone the code was sent to.
    #[cfg_attr(feature = "openapi", schema(example = "+573001234567"))]
    pub phone: String,
    /// The code from the SMS: 4 to 10 digits.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[0-9]{4,10}$", example = "123456")
    )]
    pub code: String,
    /// Display name, required when the phone has no account yet (1 to 80 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 80))]
    #[cfg_attr(feature = "typescript", ts(optional = nullable))]
    pub name: Option<String>,
    /// What to call this device in the session list (default: the `User-Agent`), up to 80
    /// characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 80, example = "Pixel 8"))]
    #[cfg_attr(feature = "typescript", ts(optional = nullable))]
    pub label: Option<String>,
}

/// One signed-in device of the caller (`GET /api/users/me/sessions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Session {
    /// The session's id (for `DELETE /api/users/me/sessions/{session_id}`).
    pub id: SessionId,
    /// The label given at sign-in, or the client's `User-Agent`.
    #[serde(default)]
    pub label: Option<String>,
    /// When the token was issued.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize")]
    pub created_at: Timestamp,
    /// When it was last used, to within a few minutes (none: not since it was issued).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(default, serialize_with = "crate::time::serialize_opt")]
    pub last_used_at: Option<Timestamp>,
    /// True for the session whose token made this call.
    pub current: bool,
}

/// Longest session label kept; a longer `User-Agent` is cut there.
pub const MAX_LABEL_CHARS: usize = 80;
