// Generated from the Rust contract crate (src/) by ts-rs: do not edit.
// Regenerate with `CPL_REGENERATE=1 cargo test -p citypulse-tests --test typescript`.

/** A user id: 24 hexadecimal digits. */
export type UserId = string;

/** A event id: 24 hexadecimal digits. */
export type EventId = string;

/** A collectible id: 24 hexadecimal digits. */
export type CollectibleId = string;

/** A message id: 24 hexadecimal digits. */
export type MessageId = string;

/** A transcription id: 24 hexadecimal digits. */
export type TranscriptId = string;

/** A session id: 24 hexadecimal digits. */
export type SessionId = string;

/** `[longitude, latitude]` (GeoJSON order): longitude in [-180, 180], latitude in [-90, 90]. */
export type Coordinates = [number, number];

/**
 * A GeoJSON point, the `location` of events and users.
 */
export type GeoPoint = { 
/**
 * Always `"Point"`.
 */
type: PointKind, 
/**
 * `[longitude, latitude]`.
 */
coordinates: Coordinates, };

/**
 * The only GeoJSON geometry CityPulse uses.
 */
export type PointKind = "Point";

/**
 * A user's counters.
 */
export type UserStats = { 
/**
 * Events this user created.
 */
events_created: number, 
/**
 * Distinct events this user joined (each counted once).
 */
events_attended: number, 
/**
 * Collectibles this user won.
 */
collectibles_count: number, };

/**
 * A user's profile. `phone` is present only for the user themselves and admins.
 */
export type User = { 
/**
 * The user's id.
 */
id: UserId, 
/**
 * Display name.
 */
name: string, 
/**
 * E.164 phone number; private.
 */
phone?: string | null, 
/**
 * Counters.
 */
stats: UserStats, 
/**
 * Registration time.
 */
created_at: string, };

/**
 * The answer to a registration: the profile and the bearer token, shown this once.
 */
export type RegisteredUser = { 
/**
 * Bearer token for `Authorization: Bearer <token>`; the daemon keeps only its hash.
 */
token: string, 
/**
 * The user's id.
 */
id: UserId, 
/**
 * Display name.
 */
name: string, 
/**
 * E.164 phone number; private.
 */
phone?: string | null, 
/**
 * Counters.
 */
stats: UserStats, 
/**
 * Registration time.
 */
created_at: string, };

/**
 * One entry of a user's inventory.
 */
export type UserCollectible = { 
/**
 * The collectible won.
 */
collectible_id: CollectibleId, 
/**
 * Its name.
 */
name: string, 
/**
 * Its rarity.
 */
rarity: Rarity, 
/**
 * Its points.
 */
points: number, 
/**
 * The event it dropped into.
 */
event_id: EventId, 
/**
 * When it was won.
 */
claimed_at: string, };

/**
 * Whether an event is still running.
 */
export type EventStatus = "active" | "ended";

/**
 * An event's video room (Daily.co) and how many people are in the event's room now.
 */
export type EventRoom = { 
/**
 * Daily room name (`citypulse-event-<event id>`); null when video is off.
 */
daily_room_name: string | null, 
/**
 * Daily room URL; null when video is off.
 */
daily_room_url: string | null, 
/**
 * Participants in the event's room now.
 */
current_participants: number, };

/**
 * A civic event.
 */
export type Event = { 
/**
 * The event's id.
 */
id: EventId, 
/**
 * Title, 1 to 120 characters.
 */
title: string, 
/**
 * Description, up to 2000 characters.
 */
description: string | null, 
/**
 * Category, lower-case.
 */
category: string, 
/**
 * Who created it.
 */
creator_id: UserId, 
/**
 * Where it is.
 */
location: GeoPoint, 
/**
 * Street address, free text.
 */
address: string | null, 
/**
 * Active or ended.
 */
status: EventStatus, 
/**
 * Video room and presence count.
 */
room: EventRoom, 
/**
 * The video room's URL (the original's create answer carried it at the top level).
 */
room_url: string | null, 
/**
 * Planned start, if given.
 */
starts_at: string | null, 
/**
 * Planned end, if given.
 */
ends_at: string | null, 
/**
 * Creation time.
 */
created_at: string, 
/**
 * When it was ended.
 */
ended_at: string | null, };

/**
 * An event in a nearby search, with its distance from the search centre.
 */
export type NearbyEvent = { 
/**
 * Great-circle distance from the search centre, metres.
 */
distance_m: number, 
/**
 * The event's id.
 */
id: EventId, 
/**
 * Title, 1 to 120 characters.
 */
title: string, 
/**
 * Description, up to 2000 characters.
 */
description: string | null, 
/**
 * Category, lower-case.
 */
category: string, 
/**
 * Who created it.
 */
creator_id: UserId, 
/**
 * Where it is.
 */
location: GeoPoint, 
/**
 * Street address, free text.
 */
address: string | null, 
/**
 * Active or ended.
 */
status: EventStatus, 
/**
 * Video room and presence count.
 */
room: EventRoom, 
/**
 * The video room's URL (the original's create answer carried it at the top level).
 */
room_url: string | null, 
/**
 * Planned start, if given.
 */
starts_at: string | null, 
/**
 * Planned end, if given.
 */
ends_at: string | null, 
/**
 * Creation time.
 */
created_at: string, 
/**
 * When it was ended.
 */
ended_at: string | null, };

/**
 * Someone in an event's room now.
 */
export type Participant = { 
/**
 * The user.
 */
user_id: UserId, 
/**
 * Their display name.
 */
name: string, 
/**
 * When they joined.
 */
joined_at: string, };

/**
 * How rare a collectible is.
 */
export type Rarity = "common" | "rare" | "epic" | "legendary";

/**
 * A collectible dropped into an event.
 */
export type Collectible = { 
/**
 * Its id.
 */
id: CollectibleId, 
/**
 * The event it dropped into.
 */
event_id: EventId, 
/**
 * Its name.
 */
name: string, 
/**
 * Its rarity.
 */
rarity: Rarity, 
/**
 * Its points.
 */
points: number, 
/**
 * When it dropped.
 */
dropped_at: string, 
/**
 * When it stops being claimable.
 */
expires_at: string, 
/**
 * The winner, once claimed; null again when the winner erased their account (the
 * collectible stays claimed: `claimed_at` is kept and it never becomes claimable).
 */
claimed_by: UserId | null, 
/**
 * When it was won.
 */
claimed_at: string | null, 
/**
 * Claimable: not claimed, not expired, its event not ended.
 */
is_active: boolean, };

/**
 * A chat message in an event's room.
 */
export type ChatMessage = { 
/**
 * Its id.
 */
id: MessageId, 
/**
 * The room.
 */
event_id: EventId, 
/**
 * The author.
 */
user_id: UserId, 
/**
 * The author's display name; [`DELETED_USER_NAME`] (`deleted user`) once the author
 * erased their account.
 */
name: string, 
/**
 * The text, 1 to 500 characters.
 */
message: string, 
/**
 * When it was sent.
 */
timestamp: string, };

/**
 * A stored final transcript segment.
 */
export type Transcription = { 
/**
 * Its id.
 */
id: TranscriptId, 
/**
 * The event.
 */
event_id: EventId, 
/**
 * Who spoke.
 */
speaker_id: UserId, 
/**
 * The text.
 */
text: string, 
/**
 * Confidence 0 to 1.
 */
confidence: number, 
/**
 * Start, seconds from the speaker's stream start.
 */
start: number, 
/**
 * Duration, seconds.
 */
duration: number, 
/**
 * Word timings, when given.
 */
words: Array<TranscriptWord>, 
/**
 * When it was stored.
 */
created_at: string, };

/**
 * A word of a transcript, with timing, as Deepgram gives it.
 */
export type TranscriptWord = { 
/**
 * The word.
 */
word: string, 
/**
 * Start, seconds from the stream's start.
 */
start: number, 
/**
 * End, seconds from the stream's start.
 */
end: number, 
/**
 * Confidence 0 to 1.
 */
confidence: number, 
/**
 * The word as punctuated/formatted, when Deepgram gives it.
 */
punctuated_word?: string | null, };

/**
 * The error body every failing call answers with (FastAPI's shape).
 */
export type ErrorBody = { 
/**
 * A sentence that says what was wrong and what to do.
 */
detail: string, };

/**
 * `POST /api/users/register`. Unknown fields are refused (422), as on every body, so a
 * client cannot believe it set something it did not.
 */
export type RegisterRequest = { 
/**
 * Phone number; normalised to E.164.
 */
phone: string, 
/**
 * Display name, 1 to 80 characters.
 */
name: string, };

/**
 * `POST /api/events`.
 */
export type CreateEventRequest = { 
/**
 * 1 to 120 characters.
 */
title: string, 
/**
 * Up to 2000 characters.
 */
description?: string | null, 
/**
 * 1 to 40 characters; stored lower-case.
 */
category: string, 
/**
 * `[longitude, latitude]`.
 */
coordinates: Coordinates, 
/**
 * Free text, up to 300 characters.
 */
address?: string | null, 
/**
 * Planned start.
 */
starts_at?: string | null, 
/**
 * Planned end; after `starts_at`.
 */
ends_at?: string | null, };

/**
 * `POST /api/events/{id}/join` answer.
 */
export type JoinResponse = { 
/**
 * The event joined.
 */
event_id: EventId, 
/**
 * Daily room URL; null when video is off.
 */
room_url: string | null, 
/**
 * Daily meeting token; null when video is off.
 */
token: string | null, };

/**
 * A plain acknowledgement, `{"message": "Event ended"}`.
 */
export type MessageResponse = { 
/**
 * What happened.
 */
message: string, };

/**
 * The outcome of a claim. Exactly one claimer of a collectible gets `success: true`.
 */
export type ClaimResult = { 
/**
 * Whether this caller won.
 */
success: boolean, 
/**
 * `"claimed"`, `"already claimed"`, `"expired"`, ...
 */
message: string, 
/**
 * The collectible won (winner only).
 */
collectible?: Collectible | null, };

/**
 * `POST /api/events/{id}/collectibles` (admin): a manual drop; every field optional.
 */
export type DropRequest = { 
/**
 * 1 to 80 characters; a catalogue name when absent.
 */
name?: string | null, 
/**
 * Rarity; drawn from the catalogue's odds when absent.
 */
rarity?: Rarity | null, 
/**
 * 1 to 10000; the rarity's default when absent.
 */
points?: number | null, 
/**
 * Seconds claimable, 1 to 86400; the daemon's drop TTL when absent.
 */
expires_in?: number | null, };

/**
 * `GET /health`.
 */
export type Health = { 
/**
 * `"ok"`, or `"unavailable"` with a 503.
 */
status: string, 
/**
 * `"sqlite"` or `"mongodb"`.
 */
store: string, 
/**
 * Daemon version.
 */
version: string, 
/**
 * Whether Daily.co video is configured, and how to enable it if not.
 */
video: FeatureStatus | null, 
/**
 * Whether Deepgram transcription is configured, and how to enable it if not.
 */
transcription: FeatureStatus | null, 
/**
 * Whether sign-in by SMS code (Twilio Verify) is configured, and how to enable it if
 * not.
 */
sms_sign_in: FeatureStatus | null, 
/**
 * What is wrong, when `status` is not ok.
 */
detail?: string | null, };

/**
 * An optional integration's state.
 */
export type FeatureStatus = { 
/**
 * On or off.
 */
enabled: boolean, 
/**
 * A sentence: what it does, or how to enable it.
 */
detail: string, };

/**
 * `POST /api/users/{id}/token` (the user themselves or admin): a new token, the old one revoked.
 */
export type TokenResponse = { 
/**
 * The new bearer token.
 */
token: string, };

/**
 * `DELETE /api/users/{id}` (the user themselves or admin): what the erasure did. The
 * user's phone, name, token and last position are gone; the id answers 404 from now on.
 */
export type UserErased = { 
/**
 * The erased user's id.
 */
user_id: UserId, 
/**
 * Whether their chat messages and transcript segments were removed (`?purge=true`)
 * rather than kept under [`crate::model::DELETED_USER_NAME`].
 */
purged: boolean, 
/**
 * Rooms they were taken out of (each heard `user_left`).
 */
rooms_left: number, 
/**
 * Their chat messages: removed when purged, else renamed to `deleted user`.
 */
messages: number, 
/**
 * Their transcript segments removed (purge only; 0 otherwise: segments carry no name).
 */
transcriptions: number, };

/**
 * `GET /api/events`: a page of events, newest first (creation time, then id).
 */
export type EventPage = { 
/**
 * The events of this page.
 */
items: Array<Event>, 
/**
 * Pass it as `cursor` for the next page; null on the last page.
 */
next_cursor: string | null, };

/**
 * `POST /api/auth/code`: send a sign-in code to this phone.
 */
export type CodeRequest = { 
/**
 * Phone number; normalised to E.164.
 */
phone: string, };

/**
 * The answer to `POST /api/auth/code`: the same for a registered and an unknown phone.
 */
export type CodeSent = { 
/**
 * A sentence: a code is on its way if the number can receive SMS, and what to do next.
 */
detail: string, 
/**
 * The phone, normalised to E.164.
 */
phone: string, };

/**
 * `POST /api/auth/verify`: the code the phone received; a new phone also gives a name.
 */
export type VerifyRequest = { 
/**
 * The phone the code was sent to.
 */
phone: string, 
/**
 * The code from the SMS: 4 to 10 digits.
 */
code: string, 
/**
 * Display name, required when the phone has no account yet (1 to 80 characters).
 */
name?: string | null, 
/**
 * What to call this device in the session list (default: the `User-Agent`), up to 80
 * characters.
 */
label?: string | null, };

/**
 * One signed-in device of the caller (`GET /api/users/me/sessions`).
 */
export type Session = { 
/**
 * The session's id (for `DELETE /api/users/me/sessions/{session_id}`).
 */
id: SessionId, 
/**
 * The label given at sign-in, or the client's `User-Agent`.
 */
label: string | null, 
/**
 * When the token was issued.
 */
created_at: string, 
/**
 * When it was last used, to within a few minutes (none: not since it was issued).
 */
last_used_at: string | null, 
/**
 * True for the session whose token made this call.
 */
current: boolean, };

/**
 * A frame from a client.
 */
export type ClientMessage = { "type": "location_update", 
/**
 * `[longitude, latitude]`.
 */
coordinates: Coordinates, } | { "type": "join_event", 
/**
 * The event.
 */
event_id: EventId, } | { "type": "leave_event", 
/**
 * The event.
 */
event_id: EventId, } | { "type": "chat_message", 
/**
 * The room.
 */
event_id: EventId, 
/**
 * The text.
 */
message: string, } | { "type": "claim_collectible", 
/**
 * The collectible.
 */
collectible_id: CollectibleId, } | { "type": "ping" };

/**
 * A frame from the daemon.
 */
export type ServerMessage = { "type": "nearby_events", 
/**
 * The events, with distances.
 */
events: Array<NearbyEvent>, 
/**
 * When the answer was made.
 */
timestamp: string, } | { "type": "user_joined", 
/**
 * The room.
 */
event_id: EventId, 
/**
 * Who.
 */
user_id: UserId, 
/**
 * Their name.
 */
name: string, } | { "type": "user_left", 
/**
 * The room.
 */
event_id: EventId, 
/**
 * Who.
 */
user_id: UserId, } | { "type": "presence", 
/**
 * The room.
 */
event_id: EventId, 
/**
 * Who came in during the window (at most [`PRESENCE_NAMES_MAX`] with `left`).
 */
joined: Array<PresenceJoin>, 
/**
 * Who went during the window.
 */
left: Array<UserId>, 
/**
 * More changed than the lists name; the lists are partial.
 */
truncated: boolean, 
/**
 * How many are in the room now (counted when the frame was made, after every
 * change it lists).
 */
participants: number, } | { "type": "chat_message" } & ChatMessage | { "type": "collectible_drop", 
/**
 * What dropped.
 */
collectible: Collectible, 
/**
 * Seconds it stays claimable.
 */
expires_in: number, } | { "type": "claim_result", 
/**
 * Won or not, and why.
 */
result: ClaimResult, } | { "type": "collectible_claimed", 
/**
 * What was won.
 */
collectible_id: CollectibleId, 
/**
 * The room.
 */
event_id: EventId, 
/**
 * The winner.
 */
user_id: UserId, 
/**
 * The winner's name.
 */
name: string, } | { "type": "event_ended", 
/**
 * The event.
 */
event_id: EventId, 
/**
 * Who ended it: its creator, or a moderator (the admin token). Absent from daemons
 * older than moderation, when only the creator could end an event: read as
 * `creator`.
 */
ended_by: EndedBy, } | { "type": "message_deleted", 
/**
 * The room.
 */
event_id: EventId, 
/**
 * The message removed.
 */
message_id: MessageId, 
/**
 * Who removed it.
 */
deleted_by: DeletedBy, } | { "type": "event_nearby", 
/**
 * The event, with its distance from the user.
 */
event: NearbyEvent, } | { "type": "transcript", 
/**
 * The room.
 */
event_id: EventId, 
/**
 * Who is speaking.
 */
speaker_id: UserId, 
/**
 * The words.
 */
text: string, 
/**
 * Final (stored) or interim.
 */
is_final: boolean, 
/**
 * Start, seconds from the speaker's stream start.
 */
start: number, 
/**
 * Duration, seconds.
 */
duration: number, 
/**
 * Confidence 0 to 1.
 */
confidence: number, } | { "type": "error", 
/**
 * One of [`error_code`].
 */
code: string, 
/**
 * A sentence for the client.
 */
message: string, } | { "type": "pong" };

/**
 * Who ended an event (`event_ended.ended_by`).
 */
export type EndedBy = "creator" | "moderator";

/**
 * Who removed a chat message (`message_deleted.deleted_by`).
 */
export type DeletedBy = "author" | "moderator";

/**
 * Someone who came into a big room (`presence.joined`).
 */
export type PresenceJoin = { 
/**
 * Who.
 */
user_id: UserId, 
/**
 * Their name.
 */
name: string, };

/**
 * A text frame from a speaker on `/ws/transcribe/{event_id}` (the audio itself is binary
 * frames of 16-bit little-endian PCM). The names are Deepgram's, which the daemon relays.
 */
export type TranscribeControl = { "type": "CloseStream" } | { "type": "KeepAlive" } | { "type": "Finalize" };
