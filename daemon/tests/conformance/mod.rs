//! The backend-agnostic conformance suite of [`Store`]: same inputs, same answers, on
//! every backend.
//!
//! Every check is a `pub async fn(Arc<dyn Store>)` that gets a fresh, empty store. A
//! backend's test file runs all of them, one `#[tokio::test]` each, with
//!
//! ```ignore
//! #[macro_use]
//! mod conformance;
//!
//! async fn fresh() -> conformance::Fixture { /* a new empty store */ }
//! conformance_tests!(fresh);
//! ```
//!
//! A [`Fixture`] keeps whatever the store needs alive (a temporary directory, a server)
//! until the check is over.

use std::any::Any;
use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::TimeDelta;
use citypulse::geo::{Coordinates, EARTH_RADIUS_M};
use citypulse::ids::{CollectibleId, EventId, MessageId, SessionId, TranscriptId, UserId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventRoom, EventStatus, Participant, Rarity, TranscriptWord,
    Transcription, User, UserCollectible, UserStats, DELETED_USER_NAME,
};
use citypulse::time::Timestamp;
use citypulse_daemon::store::transfer::{Kind, Record, UserRecord};
use citypulse_daemon::store::{
    Before, BoundingBox, ClaimOutcome, EventFilter, JoinOutcome, MessageRemoval, NewEvent,
    NewSession, NewUser, Store, StoreError, StoreResult,
};

/// A fresh store and what must outlive it.
pub struct Fixture {
    store: Arc<dyn Store>,
    _keep: Box<dyn Any + Send + Sync>,
}

impl Fixture {
    /// A store, and a value (temporary directory, server handle) dropped after it.
    pub fn new(store: Arc<dyn Store>, keep: impl Any + Send + Sync) -> Self {
        Fixture {
            store,
            _keep: Box::new(keep),
        }
    }

    /// The store under test.
    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store)
    }
}

/// One `#[tokio::test]` per check, each on the fresh store of `$make().await` (an
/// `async fn() -> Fixture`).
#[macro_export]
macro_rules! conformance_tests {
    ($make:path) => {
        $crate::conformance_tests!(@each $make;
            backend_answers_ping,
            users_round_trip,
            duplicate_phone_is_a_conflict,
            token_hash_lookup_and_rotation,
            sessions_open_list_touch_and_revoke,
            list_users_newest_first_with_limit,
            list_users_pages_split_a_millisecond,
            list_events_filters_and_pages,
            list_events_pages_are_stable_under_inserts,
            participants_and_inventory_page_by_position,
            location_is_stored_and_read,
            unknown_ids_are_not_found,
            create_event_counts_for_creator_and_round_trips,
            set_event_room_records_the_room,
            events_near_answers_the_current_row,
            delete_event_undoes_creation,
            events_near_orders_by_exact_distance,
            events_near_filters_category_and_limit,
            events_near_never_returns_ended_events,
            events_near_across_antimeridian_and_pole,
            end_event_ends_once,
            join_ended_event_conflicts,
            join_leave_maintain_presence_and_attendance,
            leave_all_events_empties_every_room,
            active_events_with_participants_lists_occupied_rooms,
            messages_page_newest_first,
            history_pages_split_a_millisecond,
            delete_message_by_author_or_moderator,
            collectibles_drop_and_list_active,
            drop_into_ended_event_conflicts,
            claim_wins_once_then_already_claimed,
            concurrent_claim_has_exactly_one_winner,
            expired_claims_are_refused,
            claim_after_end_event_is_expired,
            expire_collectibles_counts_deactivated,
            transcriptions_page_and_search,
            connection_lease_elsewhere_keeps_rooms,
            expired_connection_lease_is_ignored,
            renewing_connection_leases_extends_them,
            room_holds_end_once_and_spare_the_reconnected,
            named_lease_has_one_holder_until_it_expires,
            named_lease_race_has_one_winner,
            copies_export_in_key_order_and_import_once,
            erase_user_keeps_history_without_the_person,
            erase_user_with_purge_removes_history,
        );
    };
    (@each $make:path; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let fixture = $make().await;
                $crate::conformance::$check(fixture.store()).await;
            }
        )*
    };
}

// ---- helpers ----

/// A fixed instant with milliseconds, so precision loss shows: 2026-11-18T...Z.
fn t0() -> Timestamp {
    chrono::DateTime::from_timestamp_millis(1_795_000_000_123).expect("valid time")
}

fn at(ms: i64) -> Timestamp {
    t0() + TimeDelta::milliseconds(ms)
}

fn secs(s: i64) -> Timestamp {
    at(s * 1000)
}

fn bogota() -> Coordinates {
    Coordinates::new(-74.0721, 4.7110).expect("valid coordinates")
}

/// The point `distance_m` from `from` along `bearing_deg` on the store's sphere.
fn dest(from: Coordinates, bearing_deg: f64, distance_m: f64) -> Coordinates {
    let d = distance_m / EARTH_RADIUS_M;
    let b = bearing_deg.to_radians();
    let (lat1, lng1) = (from.lat().to_radians(), from.lng().to_radians());
    let lat2 = (lat1.sin() * d.cos() + lat1.cos() * d.sin() * b.cos()).asin();
    let lng2 = lng1 + (b.sin() * d.sin() * lat1.cos()).atan2(d.cos() - lat1.sin() * lat2.sin());
    let mut lng = lng2.to_degrees();
    if lng > 180.0 {
        lng -= 360.0;
    } else if lng < -180.0 {
        lng += 360.0;
    }
    Coordinates::new(lng, lat2.to_degrees()).expect("valid destination")
}

fn phone(n: u32) -> String {
    format!("+5730{n:08}")
}

async fn user_n(s: &Arc<dyn Store>, n: u32) -> User {
    s.create_user(NewUser {
        id: UserId::generate(),
        phone: phone(n),
        name: format!("User {n}"),
        token_hash: format!("{n:064x}"),
        created_at: at(i64::from(n)),
    })
    .await
    .expect("create_user")
}

fn new_event(creator: &UserId, location: Coordinates, category: &str) -> NewEvent {
    NewEvent {
        id: EventId::generate(),
        title: "Cleanup at the park".into(),
        description: Some("Bring gloves".into()),
        category: category.into(),
        creator_id: creator.clone(),
        location,
        address: Some("Calle 26 #1-2".into()),
        starts_at: Some(secs(3600)),
        ends_at: Some(secs(7200)),
        created_at: at(5),
        daily_room_name: None,
        daily_room_url: None,
    }
}

async fn event_at(
    s: &Arc<dyn Store>,
    creator: &UserId,
    location: Coordinates,
    category: &str,
) -> Event {
    s.create_event(new_event(creator, location, category))
        .await
        .expect("create_event")
}

fn collectible(event: &EventId, dropped_at: Timestamp, ttl_s: i64) -> Collectible {
    Collectible {
        id: CollectibleId::generate(),
        event_id: event.clone(),
        name: "Golden Pigeon".into(),
        rarity: Rarity::Epic,
        points: 50,
        dropped_at,
        expires_at: dropped_at + TimeDelta::seconds(ttl_s),
        claimed_by: None,
        claimed_at: None,
        is_active: true,
    }
}

async fn dropped(
    s: &Arc<dyn Store>,
    event: &EventId,
    dropped_at: Timestamp,
    ttl_s: i64,
) -> Collectible {
    let c = collectible(event, dropped_at, ttl_s);
    s.drop_collectible(&c).await.expect("drop_collectible");
    c
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: StoreResult<T>, kind: &str, id: &str) {
    match result {
        Err(StoreError::NotFound { kind: k, id: i }) => {
            assert_eq!(
                (k, i.as_str()),
                (kind, id),
                "NotFound names the wrong thing"
            );
        }
        other => panic!("expected {kind} {id} NotFound, got {other:?}"),
    }
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: StoreResult<T>, needle: &str) {
    match result {
        Err(StoreError::Conflict(msg)) => {
            assert!(
                msg.contains(needle),
                "conflict sentence {msg:?} lacks {needle:?}"
            )
        }
        other => panic!("expected a Conflict mentioning {needle:?}, got {other:?}"),
    }
}

async fn stats(s: &Arc<dyn Store>, id: &UserId) -> UserStats {
    s.user(id).await.expect("user").stats
}

// ---- users ----

/// The store names its backend and answers a ping.
pub async fn backend_answers_ping(s: Arc<dyn Store>) {
    assert!(["sqlite", "mongodb"].contains(&s.backend()));
    s.ping().await.expect("ping");
}

/// A new user reads back as written: phone present, zero stats, same instant.
pub async fn users_round_trip(s: Arc<dyn Store>) {
    let id = UserId::generate();
    let created = s
        .create_user(NewUser {
            id: id.clone(),
            phone: "+573001234567".into(),
            name: "Juan Pérez".into(),
            token_hash: "ab".repeat(32),
            created_at: at(42),
        })
        .await
        .expect("create_user");
    let expected = User {
        id: id.clone(),
        name: "Juan Pérez".into(),
        phone: Some("+573001234567".into()),
        stats: UserStats::default(),
        created_at: at(42),
    };
    assert_eq!(created, expected);
    assert_eq!(s.user(&id).await.expect("user"), expected);
}

/// A phone registers once; the second try is a Conflict that names the phone.
pub async fn duplicate_phone_is_a_conflict(s: Arc<dyn Store>) {
    let first = user_n(&s, 1).await;
    let again = s
        .create_user(NewUser {
            id: UserId::generate(),
            phone: phone(1),
            name: "Someone else".into(),
            token_hash: "cd".repeat(32),
            created_at: at(9),
        })
        .await;
    assert_conflict(again, &phone(1));
    let users = s.list_users(10, None).await.expect("list_users");
    assert_eq!(users, vec![first]);
}

/// The token hash finds its user; a new hash revokes the old one.
pub async fn token_hash_lookup_and_rotation(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let other = user_n(&s, 2).await;
    let old = format!("{:064x}", 1);
    assert_eq!(
        s.user_by_token_hash(&old).await.expect("lookup"),
        Some(u.clone())
    );
    assert_eq!(
        s.user_by_token_hash(&"0".repeat(63)).await.expect("lookup"),
        None
    );
    let new = "f".repeat(64);
    s.set_token_hash(&u.id, &new).await.expect("set_token_hash");
    assert_eq!(s.user_by_token_hash(&old).await.expect("lookup"), None);
    assert_eq!(s.user_by_token_hash(&new).await.expect("lookup"), Some(u));
    assert_eq!(
        s.user_by_token_hash(&format!("{:064x}", 2))
            .await
            .expect("lookup"),
        Some(other)
    );
}

/// Sessions (issue 16): the registration's token becomes a session at its first use;
/// more sessions are added, listed oldest first, touched, revoked one by one (the user's
/// own token field retired with its session), and a reset revokes them all.
pub async fn sessions_open_list_touch_and_revoke(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let first = format!("{:064x}", 1);
    let (found, adopted) = s
        .session_by_token_hash(&first)
        .await
        .expect("lookup")
        .expect("the registration's token");
    assert_eq!(found, u);
    assert_eq!(adopted.user, u.id);
    assert_eq!(adopted.label, None);
    // Looked up again: the same session, not a second one.
    let (_, again) = s
        .session_by_token_hash(&first)
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(again.id, adopted.id);
    assert_eq!(
        s.user_by_phone(&phone(1)).await.expect("by phone"),
        Some(u.clone())
    );
    assert_eq!(s.user_by_phone(&phone(2)).await.expect("by phone"), None);

    let second = "a".repeat(64);
    let id = SessionId::generate();
    s.create_session(NewSession {
        id: id.clone(),
        user: u.id.clone(),
        token_hash: second.clone(),
        label: Some("Pixel 8".into()),
        created_at: citypulse::time::now(),
    })
    .await
    .expect("create_session");
    let list = s.sessions(&u.id).await.expect("sessions");
    assert_eq!(
        list.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
        vec![adopted.id.clone(), id.clone()]
    );
    assert_eq!(list[1].label.as_deref(), Some("Pixel 8"));
    assert_eq!(list[1].last_used_at, None);
    s.touch_session(&id, at(5)).await.expect("touch");
    let (_, touched) = s
        .session_by_token_hash(&second)
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(touched.last_used_at, Some(at(5)));

    // Another user cannot revoke it; its owner can, once.
    let other = user_n(&s, 2).await;
    assert!(matches!(
        s.revoke_session(&other.id, &id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.revoke_session(&u.id, &id).await.expect("revoke"), second);
    assert_eq!(
        s.session_by_token_hash(&second).await.expect("lookup"),
        None
    );
    assert!(matches!(
        s.revoke_session(&u.id, &id).await,
        Err(StoreError::NotFound { .. })
    ));
    // Revoking the adopted session retires the registration's token for good.
    s.revoke_session(&u.id, &adopted.id).await.expect("revoke");
    assert_eq!(s.user_by_token_hash(&first).await.expect("lookup"), None);
    assert!(s.sessions(&u.id).await.expect("sessions").is_empty());

    // A reset revokes every session; the new token is the only one.
    s.create_session(NewSession {
        id: SessionId::generate(),
        user: u.id.clone(),
        token_hash: "b".repeat(64),
        label: None,
        created_at: citypulse::time::now(),
    })
    .await
    .expect("create_session");
    s.set_token_hash(&u.id, &"c".repeat(64))
        .await
        .expect("reset");
    assert_eq!(
        s.user_by_token_hash(&"b".repeat(64)).await.expect("lookup"),
        None
    );
    assert_eq!(
        s.user_by_token_hash(&"c".repeat(64)).await.expect("lookup"),
        Some(u.clone())
    );
    assert_eq!(s.sessions(&u.id).await.expect("sessions").len(), 1);
    // Unknown users have no sessions to open.
    assert!(matches!(
        s.create_session(NewSession {
            id: SessionId::generate(),
            user: UserId::generate(),
            token_hash: "d".repeat(64),
            label: None,
            created_at: citypulse::time::now(),
        })
        .await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Users list newest first and the limit holds.
pub async fn list_users_newest_first_with_limit(s: Arc<dyn Store>) {
    let mut made = Vec::new();
    for n in 1..=5 {
        made.push(user_n(&s, n).await);
    }
    made.reverse();
    assert_eq!(s.list_users(100, None).await.expect("list"), made);
    assert_eq!(
        s.list_users(2, None).await.expect("list"),
        made[..2].to_vec()
    );
    assert!(s.list_users(0, None).await.expect("list").is_empty());
}

/// Users sharing a millisecond are paged each exactly once, in order, from a cursor of
/// (creation time, id).
pub async fn list_users_pages_split_a_millisecond(s: Arc<dyn Store>) {
    for n in 0..7 {
        s.create_user(NewUser {
            id: UserId::generate(),
            phone: phone(n),
            name: format!("Same {n}"),
            token_hash: format!("{n:064x}"),
            created_at: at(9),
        })
        .await
        .expect("create_user");
    }
    user_n(&s, 100).await;
    let all = s.list_users(100, None).await.expect("list");
    assert_eq!(all.len(), 8);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = s.list_users(3, after.clone()).await.expect("list");
        let Some(last) = page.last() else { break };
        after = Some(Before::entry(last.created_at, last.id.as_str()));
        paged.extend(page);
    }
    assert_eq!(paged, all, "every user once, newest first");
}

/// An event created at `ms` (after t0) by `creator` at `location`.
async fn event_made_at(
    s: &Arc<dyn Store>,
    creator: &UserId,
    location: Coordinates,
    category: &str,
    ms: i64,
) -> Event {
    s.create_event(NewEvent {
        created_at: at(ms),
        ..new_event(creator, location, category)
    })
    .await
    .expect("create_event")
}

/// Each filter of `list_events` keeps exactly the matching events, newest first.
pub async fn list_events_filters_and_pages(s: Arc<dyn Store>) {
    let a = user_n(&s, 1).await;
    let b = user_n(&s, 2).await;
    let medellin = Coordinates::new(-75.5636, 6.2518).expect("valid");
    let e1 = event_made_at(&s, &a.id, bogota(), "music", 10).await;
    let e2 = event_made_at(&s, &b.id, medellin, "music", 20).await;
    let e3 = event_made_at(&s, &a.id, medellin, "sports", 30).await;
    let e4 = event_made_at(&s, &b.id, bogota(), "sports", 40).await;
    let (e2_ended, _) = s.end_event(&e2.id, at(50)).await.expect("end");
    let ids = |events: Vec<Event>| events.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let list = |f: EventFilter| {
        let s = Arc::clone(&s);
        async move { s.list_events(&f, 100, None).await.expect("list_events") }
    };
    let everything = list(EventFilter::default()).await;
    assert_eq!(
        everything,
        vec![e4.clone(), e3.clone(), e2_ended, e1.clone()],
        "all, newest first, as stored"
    );
    let active = EventFilter {
        status: Some(EventStatus::Active),
        ..EventFilter::default()
    };
    assert_eq!(
        ids(list(active).await),
        [&e4.id, &e3.id, &e1.id].map(Clone::clone)
    );
    let ended = EventFilter {
        status: Some(EventStatus::Ended),
        ..EventFilter::default()
    };
    assert_eq!(ids(list(ended).await), vec![e2.id.clone()]);
    let music = EventFilter {
        category: Some("music".into()),
        ..EventFilter::default()
    };
    assert_eq!(ids(list(music).await), vec![e2.id.clone(), e1.id.clone()]);
    let by_a = EventFilter {
        creator: Some(a.id.clone()),
        ..EventFilter::default()
    };
    assert_eq!(ids(list(by_a).await), vec![e3.id.clone(), e1.id.clone()]);
    // A box around Medellín only; its edges are inside.
    let around_medellin = EventFilter {
        bbox: Some(BoundingBox {
            min_lng: -75.5636,
            min_lat: 6.0,
            max_lng: -75.0,
            max_lat: 6.2518,
        }),
        ..EventFilter::default()
    };
    assert_eq!(
        ids(list(around_medellin).await),
        vec![e3.id.clone(), e2.id.clone()]
    );
    let window = EventFilter {
        created_after: Some(at(10)),
        created_before: Some(at(40)),
        ..EventFilter::default()
    };
    assert_eq!(ids(list(window).await), vec![e3.id.clone(), e2.id.clone()]);
    let combined = EventFilter {
        status: Some(EventStatus::Active),
        category: Some("sports".into()),
        creator: Some(b.id.clone()),
        ..EventFilter::default()
    };
    assert_eq!(ids(list(combined).await), vec![e4.id.clone()]);
    // Pages of one, from each page's last event.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .list_events(&EventFilter::default(), 1, after.clone())
            .await
            .expect("list_events");
        let Some(last) = page.last() else { break };
        after = Some(Before::entry(last.created_at, last.id.as_str()));
        paged.extend(page);
    }
    assert_eq!(paged, everything);
    assert!(s
        .list_events(&EventFilter::default(), 0, None)
        .await
        .expect("list_events")
        .is_empty());
}

/// Events sharing a millisecond, and events created while the list is paged through
/// (newer than every page start): each earlier event exactly once, none repeated.
pub async fn list_events_pages_are_stable_under_inserts(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let mut made = Vec::new();
    for i in 0..9 {
        // Three events per millisecond.
        made.push(event_made_at(&s, &u.id, bogota(), "music", 100 + i / 3).await);
    }
    let expected = s
        .list_events(&EventFilter::default(), 100, None)
        .await
        .expect("list_events");
    assert_eq!(expected.len(), 9);
    let mut paged = Vec::new();
    let mut after = None;
    let mut later = 0;
    loop {
        let page = s
            .list_events(&EventFilter::default(), 2, after.clone())
            .await
            .expect("list_events");
        let Some(last) = page.last() else { break };
        after = Some(Before::entry(last.created_at, last.id.as_str()));
        paged.extend(page);
        later += 1;
        event_made_at(&s, &u.id, bogota(), "music", 200 + later).await;
    }
    assert_eq!(paged, expected, "each event once, newest first");
}

/// Participants (oldest first) and an inventory (newest first) page from the last
/// item's position, ties in a millisecond split by id: each exactly once, in order.
pub async fn participants_and_inventory_page_by_position(s: Arc<dyn Store>) {
    let owner = user_n(&s, 1).await;
    let e = event_at(&s, &owner.id, bogota(), "music").await;
    for n in 2..9 {
        let u = user_n(&s, n).await;
        // Pairs share a millisecond.
        s.join_event(&e.id, &u.id, at(1000 + i64::from(n / 2)))
            .await
            .expect("join");
        let c = dropped(&s, &e.id, at(1000), 3600).await;
        assert!(matches!(
            s.claim_collectible(&c.id, &owner.id, at(2000 + i64::from(n / 2)))
                .await
                .expect("claim"),
            ClaimOutcome::Won(_)
        ));
    }
    let everyone = s
        .participants_page(&e.id, u32::MAX, None)
        .await
        .expect("participants");
    assert_eq!(everyone.len(), 7);
    assert_eq!(everyone, s.participants(&e.id).await.expect("participants"));
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .participants_page(&e.id, 2, after.clone())
            .await
            .expect("participants");
        let Some(last) = page.last() else { break };
        after = Some(Before::entry(last.joined_at, last.user_id.as_str()));
        paged.extend(page);
    }
    assert_eq!(paged, everyone, "participants: each once, oldest first");
    let won = s
        .user_collectibles(&owner.id, u32::MAX, None)
        .await
        .expect("inventory");
    assert_eq!(won.len(), 7);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .user_collectibles(&owner.id, 3, after.clone())
            .await
            .expect("inventory");
        let Some(last) = page.last() else { break };
        after = Some(Before::entry(last.claimed_at, last.collectible_id.as_str()));
        paged.extend(page);
    }
    assert_eq!(paged, won, "inventory: each once, newest first");
}

/// A location reads back as written, and the newest one wins.
pub async fn location_is_stored_and_read(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    assert_eq!(s.user_location(&u.id).await.expect("location"), None);
    let first = Coordinates::new(-74.0721, 4.711).expect("valid");
    s.set_location(&u.id, first, at(1)).await.expect("set");
    assert_eq!(s.user_location(&u.id).await.expect("location"), Some(first));
    let second = Coordinates::new(2.3522, 48.8566).expect("valid");
    s.set_location(&u.id, second, at(2)).await.expect("set");
    assert_eq!(
        s.user_location(&u.id).await.expect("location"),
        Some(second)
    );
}

/// Every method that takes an id answers NotFound (naming kind and id) for an unknown one.
pub async fn unknown_ids_are_not_found(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let e = event_at(&s, &u.id, bogota(), "music").await;
    let k = dropped(&s, &e.id, at(0), 3600).await;
    let nu = UserId::generate();
    let ne = EventId::generate();
    let nk = CollectibleId::generate();
    let (nus, nes, nks) = (nu.to_string(), ne.to_string(), nk.to_string());

    assert_not_found(s.user(&nu).await, "user", &nus);
    assert_not_found(s.set_token_hash(&nu, &"e".repeat(64)).await, "user", &nus);
    assert_not_found(s.set_location(&nu, bogota(), at(0)).await, "user", &nus);
    assert_not_found(s.user_location(&nu).await, "user", &nus);
    assert_not_found(s.user_collectibles(&nu, u32::MAX, None).await, "user", &nus);

    assert_not_found(
        s.create_event(new_event(&nu, bogota(), "music")).await,
        "user",
        &nus,
    );
    assert_not_found(s.event(&ne).await, "event", &nes);
    assert_not_found(
        s.set_event_room(&ne, &EventRoom::default()).await,
        "event",
        &nes,
    );
    assert_not_found(s.delete_event(&ne).await, "event", &nes);
    assert_not_found(s.end_event(&ne, at(0)).await, "event", &nes);

    assert_not_found(s.join_event(&ne, &u.id, at(0)).await, "event", &nes);
    assert_not_found(s.join_event(&e.id, &nu, at(0)).await, "user", &nus);
    assert_not_found(s.leave_event(&ne, &u.id).await, "event", &nes);
    assert_not_found(s.leave_event(&e.id, &nu).await, "user", &nus);
    assert_not_found(s.leave_all_events(&nu).await, "user", &nus);
    assert_not_found(s.participants(&ne).await, "event", &nes);
    assert_not_found(s.is_participant(&ne, &u.id).await, "event", &nes);
    assert_not_found(s.is_participant(&e.id, &nu).await, "user", &nus);

    let msg = |event: &EventId, user: &UserId| ChatMessage {
        id: MessageId::generate(),
        event_id: event.clone(),
        user_id: user.clone(),
        name: "User 1".into(),
        message: "hola".into(),
        timestamp: at(0),
    };
    assert_not_found(s.add_message(&msg(&ne, &u.id)).await, "event", &nes);
    assert_not_found(s.add_message(&msg(&e.id, &nu)).await, "user", &nus);
    assert_not_found(s.messages(&ne, 10, None).await, "event", &nes);
    let nm = MessageId::generate();
    assert_not_found(s.delete_message(&ne, &nm, None).await, "event", &nes);
    assert_not_found(
        s.delete_message(&e.id, &nm, Some(&u.id)).await,
        "message",
        &nm.to_string(),
    );

    assert_not_found(
        s.drop_collectible(&collectible(&ne, at(0), 30)).await,
        "event",
        &nes,
    );
    assert_not_found(s.collectible(&nk).await, "collectible", &nks);
    assert_not_found(s.active_collectibles(&ne, at(0)).await, "event", &nes);
    assert_not_found(
        s.claim_collectible(&nk, &u.id, at(1)).await,
        "collectible",
        &nks,
    );
    assert_not_found(s.claim_collectible(&k.id, &nu, at(1)).await, "user", &nus);

    let seg = |event: &EventId, speaker: &UserId| Transcription {
        id: TranscriptId::generate(),
        event_id: event.clone(),
        speaker_id: speaker.clone(),
        text: "hola".into(),
        confidence: 0.9,
        start: 0.0,
        duration: 1.0,
        words: Vec::new(),
        created_at: at(0),
    };
    assert_not_found(s.add_transcription(&seg(&ne, &u.id)).await, "event", &nes);
    assert_not_found(s.add_transcription(&seg(&e.id, &nu)).await, "user", &nus);
    assert_not_found(s.transcriptions(&ne, 10, None, None).await, "event", &nes);

    // Nothing above changed what exists.
    assert_eq!(s.user(&u.id).await.expect("user").stats.events_created, 1);
    assert_eq!(s.collectible(&k.id).await.expect("collectible"), k);
}

// ---- events ----

/// An event reads back as written, active with an empty room, and counts for its creator.
pub async fn create_event_counts_for_creator_and_round_trips(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let mut input = new_event(&u.id, bogota(), "music");
    input.daily_room_name = Some(format!("citypulse-event-{}", input.id));
    input.daily_room_url = Some("https://example.daily.co/room".into());
    let created = s.create_event(input.clone()).await.expect("create_event");
    let expected = Event {
        id: input.id.clone(),
        title: input.title.clone(),
        description: input.description.clone(),
        category: "music".into(),
        creator_id: u.id.clone(),
        location: bogota().into(),
        address: input.address.clone(),
        status: EventStatus::Active,
        room: EventRoom {
            daily_room_name: input.daily_room_name.clone(),
            daily_room_url: input.daily_room_url.clone(),
            current_participants: 0,
        },
        room_url: input.daily_room_url.clone(),
        starts_at: Some(secs(3600)),
        ends_at: Some(secs(7200)),
        created_at: at(5),
        ended_at: None,
    };
    assert_eq!(created, expected);
    assert_eq!(s.event(&input.id).await.expect("event"), expected);
    assert_eq!(stats(&s, &u.id).await.events_created, 1);

    // Optional fields left out read back as None.
    let mut bare = new_event(&u.id, bogota(), "sports");
    bare.description = None;
    bare.address = None;
    bare.starts_at = None;
    bare.ends_at = None;
    let bare = s.create_event(bare).await.expect("create_event");
    assert_eq!(
        (bare.description, bare.address, bare.room_url),
        (None, None, None)
    );
    assert_eq!(
        (bare.starts_at, bare.ends_at, bare.ended_at),
        (None, None, None)
    );
    assert_eq!(stats(&s, &u.id).await.events_created, 2);
    // Creating an event does not make the creator a participant.
    assert!(!s
        .is_participant(&expected.id, &u.id)
        .await
        .expect("is_participant"));
}

/// `set_event_room` records the room; `room_url` mirrors its URL.
pub async fn set_event_room_records_the_room(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let e = event_at(&s, &u.id, bogota(), "music").await;
    assert_eq!(e.room_url, None);
    let room = EventRoom {
        daily_room_name: Some(format!("citypulse-event-{}", e.id)),
        daily_room_url: Some(format!("https://x.daily.co/citypulse-event-{}", e.id)),
        current_participants: 0,
    };
    s.set_event_room(&e.id, &room)
        .await
        .expect("set_event_room");
    let read = s.event(&e.id).await.expect("event");
    assert_eq!(read.room, room);
    assert_eq!(read.room_url, room.daily_room_url);
}

/// Near-me answers carry each event as it is now: after joins, leaves, a user leaving
/// every room and a video room being recorded, the row found nearby equals `event()`
/// (the embedded store answers from an in-memory copy that must follow every change).
pub async fn events_near_answers_the_current_row(s: Arc<dyn Store>) {
    let host = user_n(&s, 1).await;
    let (a, b) = (user_n(&s, 2).await, user_n(&s, 3).await);
    let e = event_at(&s, &host.id, bogota(), "music").await;
    let near = |s: Arc<dyn Store>| async move {
        let mut found = s
            .events_near(bogota(), 100.0, 5, None)
            .await
            .expect("events_near");
        assert_eq!(found.len(), 1);
        found.remove(0).event
    };
    let check = |s: Arc<dyn Store>, want: u64| async move {
        let nearby = near(s.clone()).await;
        assert_eq!(nearby.room.current_participants, want);
        assert_eq!(nearby, s.event(&nearby.id).await.expect("event"));
    };
    s.join_event(&e.id, &a.id, secs(1)).await.expect("join a");
    s.join_event(&e.id, &b.id, secs(2)).await.expect("join b");
    check(s.clone(), 2).await;
    s.join_event(&e.id, &b.id, secs(3))
        .await
        .expect("join b again");
    check(s.clone(), 2).await;
    s.leave_event(&e.id, &a.id).await.expect("leave a");
    check(s.clone(), 1).await;
    s.leave_all_events(&b.id).await.expect("b leaves all");
    check(s.clone(), 0).await;
    let room = EventRoom {
        daily_room_name: Some(format!("citypulse-event-{}", e.id)),
        daily_room_url: Some(format!("https://x.daily.co/citypulse-event-{}", e.id)),
        current_participants: 0,
    };
    s.set_event_room(&e.id, &room)
        .await
        .expect("set_event_room");
    check(s.clone(), 0).await;
    assert_eq!(near(s.clone()).await.room_url, room.daily_room_url);
}

/// `delete_event` removes the event everywhere and undoes `events_created`.
pub async fn delete_event_undoes_creation(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let e = event_at(&s, &u.id, bogota(), "music").await;
    let kept = event_at(&s, &u.id, bogota(), "music").await;
    assert_eq!(stats(&s, &u.id).await.events_created, 2);
    s.delete_event(&e.id).await.expect("delete_event");
    assert_not_found(s.event(&e.id).await, "event", e.id.as_str());
    assert_eq!(stats(&s, &u.id).await.events_created, 1);
    let near = s
        .events_near(bogota(), 1000.0, 10, None)
        .await
        .expect("near");
    assert_eq!(
        near.iter().map(|n| n.event.id.clone()).collect::<Vec<_>>(),
        vec![kept.id]
    );
    assert_not_found(s.delete_event(&e.id).await, "event", e.id.as_str());
}

/// Nearby: exact great-circle distance decides membership and order, ties by id.
pub async fn events_near_orders_by_exact_distance(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let center = bogota();
    // (bearing, distance): diagonals probe the corners of the index box.
    let placed = [
        (0.0, 2500.0),
        (45.0, 4990.0),
        (90.0, 1500.0),
        (180.0, 100.0),
        (225.0, 4999.0),
        (270.0, 900.0),
        (315.0, 5010.0),
        (0.0, 8000.0),
        (135.0, 20_000.0),
    ];
    let mut made = Vec::new();
    for (bearing, d) in placed {
        let e = event_at(&s, &u.id, dest(center, bearing, d), "music").await;
        made.push((d, e));
    }
    // Two events at one spot: ordered by id.
    let twin_a = event_at(&s, &u.id, dest(center, 30.0, 3000.0), "music").await;
    let twin_b = event_at(&s, &u.id, dest(center, 30.0, 3000.0), "music").await;

    let near = s.events_near(center, 5000.0, 50, None).await.expect("near");
    let mut want: Vec<(f64, EventId)> = made
        .iter()
        .filter(|(d, _)| *d <= 5000.0)
        .map(|(d, e)| (*d, e.id.clone()))
        .collect();
    want.push((3000.0, twin_a.id.clone()));
    want.push((3000.0, twin_b.id.clone()));
    want.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let got: Vec<EventId> = near.iter().map(|n| n.event.id.clone()).collect();
    assert_eq!(got, want.iter().map(|w| w.1.clone()).collect::<Vec<_>>());
    for (n, (d, _)) in near.iter().zip(&want) {
        assert!(
            (n.distance_m - d).abs() < 0.01,
            "distance {} for {d}",
            n.distance_m
        );
        assert!(n.distance_m <= 5000.0);
        let exact = center.distance_m(&n.event.location.coordinates);
        assert!((n.distance_m - exact).abs() < 1e-6);
        assert_eq!(n.event, s.event(&n.event.id).await.expect("event"));
    }
    // The radius is a hard limit: 4999 m in, 5010 m out, and a tighter radius cuts more.
    let tight = s.events_near(center, 1000.0, 50, None).await.expect("near");
    let dists: Vec<f64> = tight.iter().map(|n| n.distance_m.round()).collect();
    assert_eq!(dists, vec![100.0, 900.0]);
    let wide = s
        .events_near(center, 50_000.0, 50, None)
        .await
        .expect("near");
    assert_eq!(wide.len(), made.len() + 2);
}

/// Nearby: the category filter and the limit (the nearest ones are kept).
pub async fn events_near_filters_category_and_limit(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let center = bogota();
    let mut music = Vec::new();
    for (i, d) in [300.0, 700.0, 1100.0, 1900.0].into_iter().enumerate() {
        let e = event_at(&s, &u.id, dest(center, 60.0 * i as f64, d), "music").await;
        music.push(e.id);
    }
    let sport = event_at(&s, &u.id, dest(center, 10.0, 500.0), "sports").await;

    let only_music = s
        .events_near(center, 5000.0, 20, Some("music"))
        .await
        .expect("near");
    assert_eq!(
        only_music
            .iter()
            .map(|n| n.event.id.clone())
            .collect::<Vec<_>>(),
        music
    );
    let only_sport = s
        .events_near(center, 5000.0, 20, Some("sports"))
        .await
        .expect("near");
    assert_eq!(only_sport.len(), 1);
    assert_eq!(only_sport[0].event.id, sport.id);
    assert!(s
        .events_near(center, 5000.0, 20, Some("art"))
        .await
        .expect("near")
        .is_empty());

    let two = s.events_near(center, 5000.0, 2, None).await.expect("near");
    assert_eq!(
        two.iter().map(|n| n.event.id.clone()).collect::<Vec<_>>(),
        vec![music[0].clone(), sport.id.clone()]
    );
    let two_music = s
        .events_near(center, 5000.0, 2, Some("music"))
        .await
        .expect("near");
    assert_eq!(
        two_music
            .iter()
            .map(|n| n.event.id.clone())
            .collect::<Vec<_>>(),
        music[..2].to_vec()
    );
    // Nothing within a radius that reaches no event.
    assert!(s
        .events_near(center, 200.0, 20, None)
        .await
        .expect("near")
        .is_empty());
}

/// Nearby never returns an ended event.
pub async fn events_near_never_returns_ended_events(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let center = bogota();
    let ended = event_at(&s, &u.id, dest(center, 0.0, 100.0), "music").await;
    let open = event_at(&s, &u.id, dest(center, 0.0, 200.0), "music").await;
    s.end_event(&ended.id, at(10)).await.expect("end");
    for category in [None, Some("music")] {
        let near = s
            .events_near(center, 5000.0, 20, category)
            .await
            .expect("near");
        assert_eq!(near.len(), 1);
        assert_eq!(near[0].event.id, open.id);
        assert_eq!(near[0].event.status, EventStatus::Active);
    }
}

/// Nearby works across the antimeridian and next to a pole.
pub async fn events_near_across_antimeridian_and_pole(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let east = Coordinates::new(179.99, 0.0).expect("valid");
    let west = Coordinates::new(-179.99, 0.0).expect("valid");
    let across = event_at(&s, &u.id, west, "music").await;
    let near = s.events_near(east, 5000.0, 20, None).await.expect("near");
    assert_eq!(near.len(), 1);
    assert_eq!(near[0].event.id, across.id);
    assert!((near[0].distance_m - east.distance_m(&west)).abs() < 1e-6);
    assert!(near[0].distance_m < 2300.0);

    let pole_a = Coordinates::new(0.0, 89.99).expect("valid");
    let pole_b = Coordinates::new(180.0, 89.99).expect("valid");
    let polar = event_at(&s, &u.id, pole_b, "music").await;
    let near = s.events_near(pole_a, 5000.0, 20, None).await.expect("near");
    assert_eq!(near.len(), 1);
    assert_eq!(near[0].event.id, polar.id);
}

/// `end_event`: ended with `ended_at`, room emptied (its members returned), collectibles
/// deactivated, claimed ones untouched; a second end is a Conflict.
pub async fn end_event_ends_once(s: Arc<dyn Store>) {
    let creator = user_n(&s, 1).await;
    let a = user_n(&s, 2).await;
    let b = user_n(&s, 3).await;
    let e = event_at(&s, &creator.id, bogota(), "music").await;
    s.join_event(&e.id, &a.id, at(10)).await.expect("join");
    s.join_event(&e.id, &b.id, at(20)).await.expect("join");
    let won = dropped(&s, &e.id, secs(1), 3600).await;
    let open = dropped(&s, &e.id, secs(2), 3600).await;
    let claimed = match s
        .claim_collectible(&won.id, &a.id, secs(3))
        .await
        .expect("claim")
    {
        ClaimOutcome::Won(c) => c,
        other => panic!("expected a win, got {other:?}"),
    };

    let (ended, left) = s.end_event(&e.id, secs(10)).await.expect("end_event");
    assert_eq!(ended.status, EventStatus::Ended);
    assert_eq!(ended.ended_at, Some(secs(10)));
    assert_eq!(ended.room.current_participants, 0);
    assert_eq!(ended, s.event(&e.id).await.expect("event"));
    let left: BTreeSet<UserId> = left.into_iter().collect();
    assert_eq!(left, BTreeSet::from([a.id.clone(), b.id.clone()]));
    assert!(s
        .participants(&e.id)
        .await
        .expect("participants")
        .is_empty());
    assert!(!s
        .is_participant(&e.id, &a.id)
        .await
        .expect("is_participant"));
    assert!(s
        .active_collectibles(&e.id, secs(4))
        .await
        .expect("active")
        .is_empty());
    assert!(
        !s.collectible(&open.id)
            .await
            .expect("collectible")
            .is_active
    );
    assert_eq!(s.collectible(&won.id).await.expect("collectible"), claimed);
    assert!(s
        .active_events_with_participants()
        .await
        .expect("occupied")
        .is_empty());
    // Stats survive the end.
    assert_eq!(stats(&s, &a.id).await.events_attended, 1);
    assert_eq!(stats(&s, &a.id).await.collectibles_count, 1);
    assert_eq!(stats(&s, &creator.id).await.events_created, 1);

    assert_conflict(s.end_event(&e.id, secs(11)).await, "already ended");
    assert_eq!(
        s.event(&e.id).await.expect("event").ended_at,
        Some(secs(10))
    );
    assert!(!s.leave_event(&e.id, &a.id).await.expect("leave"));
}

// ---- presence ----

/// Joining an ended event is a Conflict and changes nothing.
pub async fn join_ended_event_conflicts(s: Arc<dyn Store>) {
    let creator = user_n(&s, 1).await;
    let u = user_n(&s, 2).await;
    let e = event_at(&s, &creator.id, bogota(), "music").await;
    s.end_event(&e.id, at(10)).await.expect("end");
    assert_conflict(s.join_event(&e.id, &u.id, at(20)).await, "ended");
    assert!(!s
        .is_participant(&e.id, &u.id)
        .await
        .expect("is_participant"));
    assert_eq!(stats(&s, &u.id).await.events_attended, 0);
    assert_eq!(
        s.event(&e.id)
            .await
            .expect("event")
            .room
            .current_participants,
        0
    );
}

/// Join/leave keep `participants`, `current_participants` and `is_participant` in step;
/// `events_attended` counts an event once per user across join/leave/join.
pub async fn join_leave_maintain_presence_and_attendance(s: Arc<dyn Store>) {
    let creator = user_n(&s, 1).await;
    let a = user_n(&s, 2).await;
    let b = user_n(&s, 3).await;
    let e = event_at(&s, &creator.id, bogota(), "music").await;
    let count = |s: Arc<dyn Store>, id: EventId| async move {
        s.event(&id).await.expect("event").room.current_participants
    };

    assert_eq!(
        s.join_event(&e.id, &a.id, at(10)).await.expect("join"),
        JoinOutcome::Joined { first_visit: true }
    );
    assert_eq!(
        s.join_event(&e.id, &a.id, at(11)).await.expect("join"),
        JoinOutcome::AlreadyIn
    );
    assert_eq!(
        s.join_event(&e.id, &b.id, at(20)).await.expect("join"),
        JoinOutcome::Joined { first_visit: true }
    );
    assert_eq!(count(s.clone(), e.id.clone()).await, 2);
    assert_eq!(
        s.participants(&e.id).await.expect("participants"),
        vec![
            Participant {
                user_id: a.id.clone(),
                name: a.name.clone(),
                joined_at: at(10)
            },
            Participant {
                user_id: b.id.clone(),
                name: b.name.clone(),
                joined_at: at(20)
            },
        ]
    );
    assert!(s
        .is_participant(&e.id, &a.id)
        .await
        .expect("is_participant"));
    assert!(!s
        .is_participant(&e.id, &creator.id)
        .await
        .expect("is_participant"));
    assert_eq!(stats(&s, &a.id).await.events_attended, 1);

    assert!(s.leave_event(&e.id, &a.id).await.expect("leave"));
    assert!(!s.leave_event(&e.id, &a.id).await.expect("leave"));
    assert!(!s.leave_event(&e.id, &creator.id).await.expect("leave"));
    assert_eq!(count(s.clone(), e.id.clone()).await, 1);
    assert!(!s
        .is_participant(&e.id, &a.id)
        .await
        .expect("is_participant"));

    assert_eq!(
        s.join_event(&e.id, &a.id, at(30)).await.expect("join"),
        JoinOutcome::Joined { first_visit: false }
    );
    assert_eq!(stats(&s, &a.id).await.events_attended, 1);
    assert_eq!(stats(&s, &b.id).await.events_attended, 1);
    assert_eq!(stats(&s, &creator.id).await.events_attended, 0);
    assert_eq!(count(s.clone(), e.id.clone()).await, 2);
    let order: Vec<UserId> = s
        .participants(&e.id)
        .await
        .expect("participants")
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    assert_eq!(order, vec![b.id.clone(), a.id.clone()]);

    // A second event counts separately.
    let other = event_at(&s, &creator.id, bogota(), "music").await;
    s.join_event(&other.id, &a.id, at(40)).await.expect("join");
    assert_eq!(stats(&s, &a.id).await.events_attended, 2);
}

/// `leave_all_events` takes a user out of every room and says which.
pub async fn leave_all_events_empties_every_room(s: Arc<dyn Store>) {
    let creator = user_n(&s, 1).await;
    let a = user_n(&s, 2).await;
    let b = user_n(&s, 3).await;
    let e1 = event_at(&s, &creator.id, bogota(), "music").await;
    let e2 = event_at(&s, &creator.id, bogota(), "music").await;
    let e3 = event_at(&s, &creator.id, bogota(), "music").await;
    s.join_event(&e1.id, &a.id, at(1)).await.expect("join");
    s.join_event(&e2.id, &a.id, at(2)).await.expect("join");
    s.join_event(&e2.id, &b.id, at(3)).await.expect("join");

    let left: BTreeSet<EventId> = s
        .leave_all_events(&a.id)
        .await
        .expect("leave_all")
        .into_iter()
        .collect();
    assert_eq!(left, BTreeSet::from([e1.id.clone(), e2.id.clone()]));
    assert_eq!(
        s.event(&e1.id)
            .await
            .expect("event")
            .room
            .current_participants,
        0
    );
    assert_eq!(
        s.event(&e2.id)
            .await
            .expect("event")
            .room
            .current_participants,
        1
    );
    assert_eq!(
        s.event(&e3.id)
            .await
            .expect("event")
            .room
            .current_participants,
        0
    );
    assert!(!s
        .is_participant(&e1.id, &a.id)
        .await
        .expect("is_participant"));
    assert!(s
        .is_participant(&e2.id, &b.id)
        .await
        .expect("is_participant"));
    assert!(s
        .leave_all_events(&a.id)
        .await
        .expect("leave_all")
        .is_empty());
    assert_eq!(stats(&s, &a.id).await.events_attended, 2);
}

/// Drop candidates: active events with someone in the room.
pub async fn active_events_with_participants_lists_occupied_rooms(s: Arc<dyn Store>) {
    let creator = user_n(&s, 1).await;
    let a = user_n(&s, 2).await;
    assert!(s
        .active_events_with_participants()
        .await
        .expect("occupied")
        .is_empty());
    let busy = event_at(&s, &creator.id, bogota(), "music").await;
    let _empty = event_at(&s, &creator.id, bogota(), "music").await;
    let ended = event_at(&s, &creator.id, bogota(), "music").await;
    let emptied = event_at(&s, &creator.id, bogota(), "music").await;
    s.join_event(&busy.id, &a.id, at(1)).await.expect("join");
    s.join_event(&ended.id, &a.id, at(2)).await.expect("join");
    s.join_event(&emptied.id, &a.id, at(3)).await.expect("join");
    s.end_event(&ended.id, at(4)).await.expect("end");
    s.leave_event(&emptied.id, &a.id).await.expect("leave");
    assert_eq!(
        s.active_events_with_participants().await.expect("occupied"),
        vec![busy.id]
    );
}

// ---- chat ----

/// Messages: newest first, `before` exclusive, limit, per event.
pub async fn messages_page_newest_first(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let e = event_at(&s, &u.id, bogota(), "music").await;
    let other = event_at(&s, &u.id, bogota(), "music").await;
    let mut sent = Vec::new();
    for i in 0..5 {
        let m = ChatMessage {
            id: MessageId::generate(),
            event_id: e.id.clone(),
            user_id: u.id.clone(),
            name: u.name.clone(),
            message: format!("Hola #{i} ¿qué tal?"),
            timestamp: at(1000 * i + 7),
        };
        s.add_message(&m).await.expect("add_message");
        sent.push(m);
    }
    s.add_message(&ChatMessage {
        id: MessageId::generate(),
        event_id: other.id.clone(),
        user_id: u.id.clone(),
        name: u.name.clone(),
        message: "elsewhere".into(),
        timestamp: at(2500),
    })
    .await
    .expect("add_message");
    sent.reverse();

    assert_eq!(s.messages(&e.id, 50, None).await.expect("messages"), sent);
    assert_eq!(
        s.messages(&e.id, 2, None).await.expect("messages"),
        sent[..2].to_vec()
    );
    let before = sent[1].timestamp;
    assert_eq!(
        s.messages(&e.id, 50, Some(Before::at(before)))
            .await
            .expect("messages"),
        sent[2..].to_vec()
    );
    assert_eq!(
        s.messages(&e.id, 1, Some(Before::at(before)))
            .await
            .expect("messages"),
        sent[2..3].to_vec()
    );
    assert!(s
        .messages(&e.id, 50, Some(Before::at(sent[4].timestamp)))
        .await
        .expect("messages")
        .is_empty());
    assert!(s
        .messages(&e.id, 0, None)
        .await
        .expect("messages")
        .is_empty());
    assert_eq!(
        s.messages(&other.id, 50, None)
            .await
            .expect("messages")
            .len(),
        1
    );
}

/// Deleting a message: only from its own event, only by its author unless by a moderator
/// (`None`), once; the rest of the history (and other events') untouched, paging intact.
pub async fn delete_message_by_author_or_moderator(s: Arc<dyn Store>) {
    let author = user_n(&s, 1).await;
    let other = user_n(&s, 2).await;
    let e = event_at(&s, &author.id, bogota(), "music").await;
    let elsewhere = event_at(&s, &author.id, bogota(), "music").await;
    let mut sent = Vec::new();
    for i in 0..4 {
        let m = ChatMessage {
            id: MessageId::generate(),
            event_id: e.id.clone(),
            user_id: if i == 3 {
                other.id.clone()
            } else {
                author.id.clone()
            },
            name: "someone".into(),
            message: format!("mensaje {i}"),
            timestamp: at(1000 * i),
        };
        s.add_message(&m).await.expect("add_message");
        sent.push(m);
    }
    let theirs = ChatMessage {
        id: MessageId::generate(),
        event_id: elsewhere.id.clone(),
        user_id: author.id.clone(),
        name: "someone".into(),
        message: "en otro evento".into(),
        timestamp: at(500),
    };
    s.add_message(&theirs).await.expect("add_message");
    let ids = |list: Vec<ChatMessage>| list.into_iter().map(|m| m.id).collect::<Vec<_>>();

    // Not the author: left in place.
    assert_eq!(
        s.delete_message(&e.id, &sent[1].id, Some(&other.id))
            .await
            .expect("delete_message"),
        MessageRemoval::NotAuthor
    );
    // Another event's message, through this event: not found, left in place.
    assert_not_found(
        s.delete_message(&e.id, &theirs.id, None).await,
        "message",
        &theirs.id.to_string(),
    );
    // The author removes their own; the removed message is handed back.
    assert_eq!(
        s.delete_message(&e.id, &sent[1].id, Some(&author.id))
            .await
            .expect("delete_message"),
        MessageRemoval::Removed(sent[1].clone())
    );
    // A moderator removes anyone's.
    assert_eq!(
        s.delete_message(&e.id, &sent[3].id, None)
            .await
            .expect("delete_message"),
        MessageRemoval::Removed(sent[3].clone())
    );
    // Once: a second removal finds nothing, by the author or a moderator.
    for by in [Some(&author.id), None] {
        assert_not_found(
            s.delete_message(&e.id, &sent[1].id, by).await,
            "message",
            &sent[1].id.to_string(),
        );
    }
    assert_eq!(
        ids(s.messages(&e.id, 50, None).await.expect("messages")),
        vec![sent[2].id.clone(), sent[0].id.clone()]
    );
    // Paging past the gap a removal left.
    assert_eq!(
        ids(s
            .messages(
                &e.id,
                50,
                Some(Before::entry(sent[2].timestamp, sent[2].id.as_str()))
            )
            .await
            .expect("messages")),
        vec![sent[0].id.clone()]
    );
    assert_eq!(
        ids(s.messages(&elsewhere.id, 50, None).await.expect("messages")),
        vec![theirs.id.clone()]
    );
}

/// Seven messages and seven segments in one millisecond, paged three at a time with the
/// previous page's last timestamp and id: every entry exactly once, in the first page's
/// order; with the timestamp alone the rest of the millisecond is skipped.
pub async fn history_pages_split_a_millisecond(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let e = event_at(&s, &u.id, bogota(), "music").await;
    let same = at(5000);
    for i in 0..7 {
        s.add_message(&ChatMessage {
            id: MessageId::generate(),
            event_id: e.id.clone(),
            user_id: u.id.clone(),
            name: u.name.clone(),
            message: format!("m{i}"),
            timestamp: same,
        })
        .await
        .expect("add_message");
        s.add_transcription(&Transcription {
            id: TranscriptId::generate(),
            event_id: e.id.clone(),
            speaker_id: u.id.clone(),
            text: format!("t{i}"),
            confidence: 0.5,
            start: 0.0,
            duration: 0.5,
            words: Vec::new(),
            created_at: same,
        })
        .await
        .expect("add_transcription");
    }
    s.add_message(&ChatMessage {
        id: MessageId::generate(),
        event_id: e.id.clone(),
        user_id: u.id.clone(),
        name: u.name.clone(),
        message: "older".into(),
        timestamp: at(4999),
    })
    .await
    .expect("add_message");

    let all = s.messages(&e.id, 50, None).await.expect("messages");
    assert_eq!(all.len(), 8);
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = s
            .messages(&e.id, 3, before.clone())
            .await
            .expect("messages");
        let Some(last) = page.last() else { break };
        before = Some(Before::entry(last.timestamp, last.id.as_str()));
        paged.extend(page);
    }
    assert_eq!(
        paged, all,
        "pages by timestamp and id hold every message once"
    );
    let first = s.messages(&e.id, 3, None).await.expect("messages");
    let by_time_only = s
        .messages(&e.id, 50, Some(Before::at(first[2].timestamp)))
        .await
        .expect("messages");
    assert_eq!(
        by_time_only
            .iter()
            .map(|m| m.message.as_str())
            .collect::<Vec<_>>(),
        vec!["older"],
        "`before` alone stays exclusive of its whole millisecond"
    );

    let all = s
        .transcriptions(&e.id, 50, None, None)
        .await
        .expect("transcriptions");
    assert_eq!(all.len(), 7);
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = s
            .transcriptions(&e.id, 3, before.clone(), Some("t"))
            .await
            .expect("transcriptions");
        let Some(last) = page.last() else { break };
        before = Some(Before::entry(last.created_at, last.id.as_str()));
        paged.extend(page);
    }
    assert_eq!(
        paged, all,
        "pages by timestamp and id hold every segment once"
    );
}

// ---- collectibles ----

/// Dropped collectibles read back as written; active ones are unclaimed, unexpired,
/// newest first.
pub async fn collectibles_drop_and_list_active(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let e = event_at(&s, &u.id, bogota(), "music").await;
    let other = event_at(&s, &u.id, bogota(), "music").await;
    let c1 = dropped(&s, &e.id, secs(0), 30).await;
    let c2 = dropped(&s, &e.id, secs(1), 30).await;
    let short = dropped(&s, &e.id, secs(2), 5).await;
    let c3 = dropped(&s, &e.id, secs(3), 30).await;
    let _elsewhere = dropped(&s, &other.id, secs(3), 30).await;
    assert_eq!(s.collectible(&c1.id).await.expect("collectible"), c1);

    let active = s.active_collectibles(&e.id, secs(4)).await.expect("active");
    assert_eq!(
        active,
        vec![c3.clone(), short.clone(), c2.clone(), c1.clone()]
    );
    // Expiry is exclusive: at exactly expires_at it is gone.
    let active = s
        .active_collectibles(&e.id, short.expires_at)
        .await
        .expect("active");
    assert_eq!(active, vec![c3.clone(), c2.clone(), c1.clone()]);

    s.claim_collectible(&c2.id, &u.id, secs(8))
        .await
        .expect("claim");
    let active = s.active_collectibles(&e.id, secs(8)).await.expect("active");
    assert_eq!(active, vec![c3.clone(), c1.clone()]);
    assert!(s
        .active_collectibles(&e.id, secs(100))
        .await
        .expect("active")
        .is_empty());
}

/// Nothing can be dropped into an ended event.
pub async fn drop_into_ended_event_conflicts(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let e = event_at(&s, &u.id, bogota(), "music").await;
    s.end_event(&e.id, at(1)).await.expect("end");
    let c = collectible(&e.id, at(2), 30);
    assert_conflict(s.drop_collectible(&c).await, "ended");
    assert_not_found(s.collectible(&c.id).await, "collectible", c.id.as_str());
}

/// One claim wins: the collectible, the inventory row and the counter change together;
/// later claims are AlreadyClaimed.
pub async fn claim_wins_once_then_already_claimed(s: Arc<dyn Store>) {
    let creator = user_n(&s, 1).await;
    let a = user_n(&s, 2).await;
    let b = user_n(&s, 3).await;
    let e = event_at(&s, &creator.id, bogota(), "music").await;
    let c = dropped(&s, &e.id, secs(0), 30).await;
    assert!(s
        .user_collectibles(&a.id, u32::MAX, None)
        .await
        .expect("inventory")
        .is_empty());

    let won = match s
        .claim_collectible(&c.id, &a.id, at(1234))
        .await
        .expect("claim")
    {
        ClaimOutcome::Won(won) => won,
        other => panic!("expected a win, got {other:?}"),
    };
    let expected = Collectible {
        claimed_by: Some(a.id.clone()),
        claimed_at: Some(at(1234)),
        is_active: false,
        ..c.clone()
    };
    assert_eq!(won, expected);
    assert_eq!(s.collectible(&c.id).await.expect("collectible"), expected);
    assert_eq!(
        s.claim_collectible(&c.id, &b.id, at(1300))
            .await
            .expect("claim"),
        ClaimOutcome::AlreadyClaimed
    );
    assert_eq!(
        s.claim_collectible(&c.id, &a.id, at(1400))
            .await
            .expect("claim"),
        ClaimOutcome::AlreadyClaimed
    );
    assert_eq!(
        s.user_collectibles(&a.id, u32::MAX, None)
            .await
            .expect("inventory"),
        vec![UserCollectible {
            collectible_id: c.id.clone(),
            name: c.name.clone(),
            rarity: c.rarity,
            points: c.points,
            event_id: e.id.clone(),
            claimed_at: at(1234),
        }]
    );
    assert_eq!(stats(&s, &a.id).await.collectibles_count, 1);
    assert_eq!(stats(&s, &b.id).await.collectibles_count, 0);
    assert!(s
        .user_collectibles(&b.id, u32::MAX, None)
        .await
        .expect("inventory")
        .is_empty());

    // A second win lands first in the inventory (newest first).
    let c2 = dropped(&s, &e.id, secs(2), 30).await;
    assert!(matches!(
        s.claim_collectible(&c2.id, &a.id, secs(3))
            .await
            .expect("claim"),
        ClaimOutcome::Won(_)
    ));
    let inventory = s
        .user_collectibles(&a.id, u32::MAX, None)
        .await
        .expect("inventory");
    assert_eq!(
        inventory
            .iter()
            .map(|i| i.collectible_id.clone())
            .collect::<Vec<_>>(),
        vec![c2.id, c.id]
    );
    assert_eq!(stats(&s, &a.id).await.collectibles_count, 2);
}

/// 200 participants claim one collectible at once: exactly one wins, the rest are told
/// AlreadyClaimed, and only the winner's inventory and counter move.
pub async fn concurrent_claim_has_exactly_one_winner(s: Arc<dyn Store>) {
    const N: u32 = 200;
    let creator = user_n(&s, 0).await;
    let e = event_at(&s, &creator.id, bogota(), "music").await;
    let mut users = Vec::new();
    for n in 1..=N {
        users.push(user_n(&s, n).await.id);
    }
    // Everyone joins at once, too: the presence counter must not lose an update.
    let mut joins = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let (s, e, u) = (s.clone(), e.id.clone(), u.clone());
        joins.push(tokio::spawn(async move {
            s.join_event(&e, &u, at(i as i64)).await
        }));
    }
    for j in joins {
        assert_eq!(
            j.await.expect("join task"),
            Ok(JoinOutcome::Joined { first_visit: true })
        );
    }
    assert_eq!(
        s.event(&e.id)
            .await
            .expect("event")
            .room
            .current_participants,
        u64::from(N)
    );
    assert_eq!(
        s.participants(&e.id).await.expect("participants").len(),
        N as usize
    );

    let c = dropped(&s, &e.id, secs(10), 30).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(N as usize));
    let mut claims = Vec::new();
    for u in &users {
        let (s, c, u, barrier) = (s.clone(), c.id.clone(), u.clone(), barrier.clone());
        claims.push(tokio::spawn(async move {
            barrier.wait().await;
            let outcome = s.claim_collectible(&c, &u, secs(11)).await;
            (u, outcome)
        }));
    }
    let mut winners = Vec::new();
    let mut already = 0;
    for claim in claims {
        let (u, outcome) = claim.await.expect("claim task");
        match outcome.expect("claim") {
            ClaimOutcome::Won(won) => {
                assert_eq!(won.claimed_by.as_ref(), Some(&u));
                winners.push((u, won));
            }
            ClaimOutcome::AlreadyClaimed => already += 1,
            ClaimOutcome::Expired => panic!("{u} was told Expired"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one winner");
    assert_eq!(already, N - 1);
    let (winner, won) = winners.remove(0);
    assert_eq!(s.collectible(&c.id).await.expect("collectible"), won);
    for u in &users {
        let st = stats(&s, u).await;
        let inventory = s
            .user_collectibles(u, u32::MAX, None)
            .await
            .expect("inventory");
        if *u == winner {
            assert_eq!(st.collectibles_count, 1);
            assert_eq!(inventory.len(), 1);
            assert_eq!(inventory[0].collectible_id, c.id);
        } else {
            assert_eq!(st.collectibles_count, 0, "{u} was counted a win");
            assert!(inventory.is_empty(), "{u} got an inventory row");
        }
        assert_eq!(st.events_attended, 1);
    }
}

/// A claim at or after `expires_at`, or of a swept collectible, is Expired and changes
/// nothing.
pub async fn expired_claims_are_refused(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let e = event_at(&s, &u.id, bogota(), "music").await;
    let c = dropped(&s, &e.id, secs(0), 30).await;
    assert_eq!(
        s.claim_collectible(&c.id, &u.id, c.expires_at)
            .await
            .expect("claim"),
        ClaimOutcome::Expired
    );
    assert_eq!(
        s.claim_collectible(&c.id, &u.id, secs(31))
            .await
            .expect("claim"),
        ClaimOutcome::Expired
    );
    assert_eq!(s.collectible(&c.id).await.expect("collectible"), c);

    // Swept by expire_collectibles: Expired even if asked with an earlier clock.
    let swept = dropped(&s, &e.id, secs(0), 10).await;
    assert_eq!(s.expire_collectibles(secs(10)).await.expect("expire"), 1);
    assert_eq!(
        s.claim_collectible(&swept.id, &u.id, secs(5))
            .await
            .expect("claim"),
        ClaimOutcome::Expired
    );
    assert_eq!(stats(&s, &u.id).await.collectibles_count, 0);
    assert!(s
        .user_collectibles(&u.id, u32::MAX, None)
        .await
        .expect("inventory")
        .is_empty());
    // Just before expiry it still wins.
    let last = dropped(&s, &e.id, secs(100), 30).await;
    assert!(matches!(
        s.claim_collectible(
            &last.id,
            &u.id,
            last.expires_at - TimeDelta::milliseconds(1)
        )
        .await
        .expect("claim"),
        ClaimOutcome::Won(_)
    ));
}

/// Once its event ends, a collectible cannot be claimed.
pub async fn claim_after_end_event_is_expired(s: Arc<dyn Store>) {
    let creator = user_n(&s, 1).await;
    let u = user_n(&s, 2).await;
    let e = event_at(&s, &creator.id, bogota(), "music").await;
    s.join_event(&e.id, &u.id, at(1)).await.expect("join");
    let c = dropped(&s, &e.id, secs(0), 3600).await;
    s.end_event(&e.id, secs(1)).await.expect("end");
    assert_eq!(
        s.claim_collectible(&c.id, &u.id, secs(2))
            .await
            .expect("claim"),
        ClaimOutcome::Expired
    );
    let after = s.collectible(&c.id).await.expect("collectible");
    assert_eq!((after.claimed_by, after.is_active), (None, false));
    assert_eq!(stats(&s, &u.id).await.collectibles_count, 0);
}

/// `expire_collectibles` deactivates exactly those whose time ran out, once.
pub async fn expire_collectibles_counts_deactivated(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let e = event_at(&s, &u.id, bogota(), "music").await;
    let other = event_at(&s, &u.id, bogota(), "music").await;
    let a = dropped(&s, &e.id, secs(0), 10).await;
    let b = dropped(&s, &other.id, secs(0), 20).await;
    let c = dropped(&s, &e.id, secs(0), 30).await;
    let claimed = dropped(&s, &e.id, secs(0), 5).await;
    s.claim_collectible(&claimed.id, &u.id, secs(1))
        .await
        .expect("claim");

    assert_eq!(s.expire_collectibles(secs(9)).await.expect("expire"), 0);
    assert_eq!(s.expire_collectibles(secs(20)).await.expect("expire"), 2);
    assert_eq!(s.expire_collectibles(secs(20)).await.expect("expire"), 0);
    assert!(!s.collectible(&a.id).await.expect("collectible").is_active);
    assert!(!s.collectible(&b.id).await.expect("collectible").is_active);
    assert!(s.collectible(&c.id).await.expect("collectible").is_active);
    let kept = s.collectible(&claimed.id).await.expect("collectible");
    assert_eq!(kept.claimed_by, Some(u.id.clone()));
    assert_eq!(
        s.active_collectibles(&e.id, secs(20))
            .await
            .expect("active"),
        vec![c.clone()]
    );
    assert_eq!(s.expire_collectibles(secs(1000)).await.expect("expire"), 1);
}

// ---- transcriptions ----

/// Transcript segments: newest first, `before` exclusive, limit, and a case-insensitive
/// substring query in which `%` and `_` are plain characters.
pub async fn transcriptions_page_and_search(s: Arc<dyn Store>) {
    let u = user_n(&s, 1).await;
    let e = event_at(&s, &u.id, bogota(), "music").await;
    let other = event_at(&s, &u.id, bogota(), "music").await;
    let texts = [
        "Hola a todos",
        "El PARQUE está lleno",
        "Estamos 100% de acuerdo",
        "snake_case no es español",
    ];
    let mut stored = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let t = Transcription {
            id: TranscriptId::generate(),
            event_id: e.id.clone(),
            speaker_id: u.id.clone(),
            text: (*text).into(),
            confidence: 0.875,
            start: 1.25 * i as f64,
            duration: 0.5,
            words: if i == 1 {
                vec![
                    TranscriptWord {
                        word: "el".into(),
                        start: 1.25,
                        end: 1.4,
                        confidence: 0.99,
                        punctuated_word: Some("El".into()),
                    },
                    TranscriptWord {
                        word: "parque".into(),
                        start: 1.4,
                        end: 1.75,
                        confidence: 0.5,
                        punctuated_word: None,
                    },
                ]
            } else {
                Vec::new()
            },
            created_at: at(1000 * i as i64 + 3),
        };
        s.add_transcription(&t).await.expect("add_transcription");
        stored.push(t);
    }
    let mut elsewhere = stored[0].clone();
    elsewhere.id = TranscriptId::generate();
    elsewhere.event_id = other.id.clone();
    s.add_transcription(&elsewhere)
        .await
        .expect("add_transcription");
    stored.reverse();

    let all = s
        .transcriptions(&e.id, 50, None, None)
        .await
        .expect("transcriptions");
    assert_eq!(all, stored);
    assert_eq!(
        s.transcriptions(&e.id, 1, None, None)
            .await
            .expect("transcriptions"),
        stored[..1].to_vec()
    );
    let before = stored[1].created_at;
    assert_eq!(
        s.transcriptions(&e.id, 50, Some(Before::at(before)), None)
            .await
            .expect("transcriptions"),
        stored[2..].to_vec()
    );
    let find = |q: &'static str| {
        let s = s.clone();
        let e = e.id.clone();
        async move {
            s.transcriptions(&e, 50, None, Some(q))
                .await
                .expect("transcriptions")
                .into_iter()
                .map(|t| t.text)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("parque").await, vec!["El PARQUE está lleno"]);
    assert_eq!(find("ESTÁ").await, vec!["El PARQUE está lleno"]);
    assert_eq!(find("esta").await, vec!["Estamos 100% de acuerdo"]);
    assert_eq!(find("%").await, vec!["Estamos 100% de acuerdo"]);
    assert_eq!(find("_").await, vec!["snake_case no es español"]);
    assert_eq!(find("0%_").await, Vec::<String>::new());
    assert_eq!(find("Hola A").await, vec!["Hola a todos"]);
    assert_eq!(find("").await.len(), 4);
    // Query and paging combine; `before` excludes the segment at that very instant.
    assert_eq!(
        s.transcriptions(&e.id, 50, Some(Before::at(before)), Some("PARQUE"))
            .await
            .expect("transcriptions"),
        stored[2..3].to_vec()
    );
    assert_eq!(
        s.transcriptions(
            &e.id,
            50,
            Some(Before::at(stored[2].created_at)),
            Some("PARQUE")
        )
        .await
        .expect("transcriptions"),
        Vec::<Transcription>::new()
    );
}

// ---- leases ----

const LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// What a daemon does when a user's last WebSocket on it closes: release its lease, and
/// take the user out of their rooms only when no live lease of theirs remains. The rooms
/// they left.
async fn last_socket_closed(
    s: &Arc<dyn Store>,
    user: &UserId,
    daemon: &str,
    now: Timestamp,
) -> Vec<EventId> {
    let connected_elsewhere = s
        .release_connection_lease(user, daemon, now)
        .await
        .expect("release_connection_lease");
    if connected_elsewhere {
        Vec::new()
    } else {
        s.leave_all_events(user).await.expect("leave_all_events")
    }
}

/// A user connected through two daemons: closing on one keeps them in their rooms (the
/// other's lease is live), closing on the other takes them out.
pub async fn connection_lease_elsewhere_keeps_rooms(s: Arc<dyn Store>) {
    let creator = user_n(&s, 1).await;
    let u = user_n(&s, 2).await;
    let e = event_at(&s, &creator.id, bogota(), "music").await;
    s.join_event(&e.id, &u.id, secs(0)).await.expect("join");
    for daemon in ["daemon-a", "daemon-b"] {
        s.hold_connection_lease(&u.id, daemon, secs(0), LEASE_TTL)
            .await
            .expect("hold_connection_lease");
    }
    // Holding again (a second first-socket after a reconnection) is no error.
    s.hold_connection_lease(&u.id, "daemon-a", secs(1), LEASE_TTL)
        .await
        .expect("hold_connection_lease again");

    assert!(last_socket_closed(&s, &u.id, "daemon-a", secs(2))
        .await
        .is_empty());
    assert!(s
        .is_participant(&e.id, &u.id)
        .await
        .expect("is_participant"));
    assert_eq!(
        last_socket_closed(&s, &u.id, "daemon-b", secs(3)).await,
        vec![e.id.clone()]
    );
    assert!(!s
        .is_participant(&e.id, &u.id)
        .await
        .expect("is_participant"));
    // Releasing what is not there: no error, and nobody is connected.
    assert!(!s
        .release_connection_lease(&u.id, "daemon-a", secs(4))
        .await
        .expect("release again"));
    // Another user's lease is not this user's.
    let other = user_n(&s, 3).await;
    s.hold_connection_lease(&other.id, "daemon-b", secs(5), LEASE_TTL)
        .await
        .expect("hold_connection_lease");
    assert!(!s
        .release_connection_lease(&u.id, "daemon-a", secs(6))
        .await
        .expect("release"));
}

/// A lease past its expiry (a crashed daemon's) counts for nothing, from its last
/// millisecond on.
pub async fn expired_connection_lease_is_ignored(s: Arc<dyn Store>) {
    let creator = user_n(&s, 1).await;
    let u = user_n(&s, 2).await;
    let e = event_at(&s, &creator.id, bogota(), "music").await;
    s.join_event(&e.id, &u.id, secs(0)).await.expect("join");
    s.hold_connection_lease(
        &u.id,
        "crashed",
        secs(0),
        std::time::Duration::from_secs(10),
    )
    .await
    .expect("hold_connection_lease");
    s.hold_connection_lease(&u.id, "alive", secs(0), LEASE_TTL)
        .await
        .expect("hold_connection_lease");
    // One millisecond before expiry the crashed daemon's lease still counts.
    assert!(s
        .release_connection_lease(&u.id, "alive", at(9_999))
        .await
        .expect("release"));
    s.hold_connection_lease(&u.id, "alive", secs(10), LEASE_TTL)
        .await
        .expect("hold_connection_lease");
    // At expiry it does not.
    assert_eq!(
        last_socket_closed(&s, &u.id, "alive", secs(10)).await,
        vec![e.id.clone()]
    );
    assert!(!s
        .is_participant(&e.id, &u.id)
        .await
        .expect("is_participant"));
}

/// Room holds (a drain): holding keeps the participations; a hold ends at its `until`
/// (not a millisecond before), once, and names only users without a live connection
/// lease; resuming removes a hold.
pub async fn room_holds_end_once_and_spare_the_reconnected(s: Arc<dyn Store>) {
    let creator = user_n(&s, 1).await;
    let e = event_at(&s, &creator.id, bogota(), "music").await;
    let [gone, back, resumed] = [
        user_n(&s, 2).await,
        user_n(&s, 3).await,
        user_n(&s, 4).await,
    ];
    for u in [&gone, &back, &resumed] {
        s.join_event(&e.id, &u.id, secs(0)).await.expect("join");
        s.hold_rooms(&u.id, secs(5)).await.expect("hold_rooms");
    }
    // Holding again moves the end.
    s.hold_rooms(&back.id, secs(10)).await.expect("hold_rooms");
    assert!(s
        .is_participant(&e.id, &gone.id)
        .await
        .expect("is_participant"));
    assert!(s.resume_rooms(&resumed.id).await.expect("resume_rooms"));
    assert!(!s.resume_rooms(&resumed.id).await.expect("resume twice"));
    // `back` reconnected through another daemon before the hold was written.
    s.hold_connection_lease(&back.id, "b", secs(0), std::time::Duration::from_secs(60))
        .await
        .expect("hold_connection_lease");
    assert_eq!(
        s.end_expired_room_holds(at(4_999)).await.expect("sweep"),
        Vec::<UserId>::new()
    );
    assert_eq!(
        s.end_expired_room_holds(secs(5)).await.expect("sweep"),
        vec![gone.id.clone()]
    );
    assert_eq!(
        s.end_expired_room_holds(secs(6))
            .await
            .expect("sweep again"),
        Vec::<UserId>::new()
    );
    // Ended with a live lease: nobody to take out.
    assert_eq!(
        s.end_expired_room_holds(secs(10)).await.expect("sweep"),
        Vec::<UserId>::new()
    );
    assert!(!s.resume_rooms(&back.id).await.expect("resume_rooms"));
    // The store leaves participations to the caller.
    assert_eq!(s.participants(&e.id).await.expect("participants").len(), 3);
}

/// Renewal extends the leases of the users named (creating missing ones) and no others.
pub async fn renewing_connection_leases_extends_them(s: Arc<dyn Store>) {
    let users = [
        user_n(&s, 1).await,
        user_n(&s, 2).await,
        user_n(&s, 3).await,
        user_n(&s, 4).await,
    ];
    let ttl = std::time::Duration::from_secs(10);
    for u in &users[..2] {
        s.hold_connection_lease(&u.id, "b", secs(0), ttl)
            .await
            .expect("hold_connection_lease");
    }
    // users[3] is connected through "b" too, but is not renewed.
    s.hold_connection_lease(&users[3].id, "b", secs(0), ttl)
        .await
        .expect("hold_connection_lease");
    s.renew_connection_leases("b", &[], secs(1), ttl)
        .await
        .expect("renew nobody");
    // users[2]'s lease was never recorded (say the database was down): renewal makes it.
    let renewed: Vec<UserId> = users[..3].iter().map(|u| u.id.clone()).collect();
    s.renew_connection_leases("b", &renewed, secs(8), ttl)
        .await
        .expect("renew_connection_leases");
    // Another daemon's renewal neither shortens nor extends "b"'s leases.
    let short = std::time::Duration::from_secs(1);
    s.renew_connection_leases(
        "c",
        &[users[0].id.clone(), users[3].id.clone()],
        secs(9),
        short,
    )
    .await
    .expect("renew_connection_leases");
    for u in &users[..3] {
        assert!(
            s.release_connection_lease(&u.id, "a", secs(15))
                .await
                .expect("release"),
            "{} was renewed until 18 s",
            u.name
        );
    }
    assert!(!s
        .release_connection_lease(&users[3].id, "a", secs(15))
        .await
        .expect("release"));
    assert!(!s
        .release_connection_lease(&users[0].id, "a", secs(18))
        .await
        .expect("release"));
}

/// A named lease: one holder at a time; the holder extends it; anyone takes it once it
/// has expired or its holder gave it up; names are independent.
pub async fn named_lease_has_one_holder_until_it_expires(s: Arc<dyn Store>) {
    let ttl = std::time::Duration::from_secs(10);
    let take = |holder: &'static str, at: Timestamp| {
        let s = s.clone();
        async move {
            s.try_acquire_lease("drop-round", holder, at, ttl)
                .await
                .expect("try_acquire_lease")
        }
    };
    assert!(take("a", secs(0)).await, "a free lease is taken");
    assert!(!take("b", secs(1)).await, "a live lease is someone else's");
    assert!(take("a", secs(5)).await, "the holder extends it");
    assert!(!take("b", at(14_999)).await, "extended until 15 s");
    assert!(take("b", secs(15)).await, "expired: taken over");
    assert!(!take("a", secs(16)).await, "the old holder lost it");
    // Giving it up: only the holder can, and then anyone takes it before its expiry.
    s.release_lease("drop-round", "a")
        .await
        .expect("release_lease by a non-holder");
    assert!(
        !take("a", secs(17)).await,
        "b's lease was not given up by a"
    );
    s.release_lease("drop-round", "b")
        .await
        .expect("release_lease");
    assert!(
        take("a", secs(18)).await,
        "given up: taken before its expiry"
    );
    assert!(s
        .try_acquire_lease("cleanup", "a", secs(16), ttl)
        .await
        .expect("another name"));
}

/// Many daemons asking at once, for a fresh lease and for an expired one: one wins.
pub async fn named_lease_race_has_one_winner(s: Arc<dyn Store>) {
    let ttl = std::time::Duration::from_secs(10);
    for (round, now) in [secs(0), secs(20)].into_iter().enumerate() {
        let barrier = Arc::new(tokio::sync::Barrier::new(16));
        let mut tasks = Vec::new();
        for n in 0..16 {
            let (s, barrier) = (s.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                s.try_acquire_lease("drop-round", &format!("daemon-{round}-{n}"), now, ttl)
                    .await
                    .expect("try_acquire_lease")
            }));
        }
        let mut winners = 0;
        for t in tasks {
            if t.await.expect("task") {
                winners += 1;
            }
        }
        assert_eq!(winners, 1, "round {round}: exactly one holder");
    }
}

// ---- copies between stores ----

/// Every record of a collection, read in pages of `page`.
async fn export_all(s: &Arc<dyn Store>, kind: Kind, page: u32) -> Vec<Record> {
    let mut all: Vec<Record> = Vec::new();
    loop {
        let after = all.last().map(Record::key);
        let next = s
            .export_batch(kind, after.as_deref(), page)
            .await
            .expect("export_batch");
        assert!(
            next.len() <= page as usize,
            "a page holds at most its limit"
        );
        if next.is_empty() {
            return all;
        }
        all.extend(next);
    }
}

/// What `cpld migrate` reads and writes: each collection comes out whole, in strictly
/// increasing key order, page by page, holding what the ordinary reads show (token hash
/// and position included); writing it all back adds nothing.
pub async fn copies_export_in_key_order_and_import_once(s: Arc<dyn Store>) {
    let (a, b, c) = (
        user_n(&s, 1).await,
        user_n(&s, 2).await,
        user_n(&s, 3).await,
    );
    s.set_location(&b.id, bogota(), at(9))
        .await
        .expect("set_location");
    s.flush().await.expect("flush");
    let e1 = event_at(&s, &a.id, bogota(), "civica").await;
    let e2 = event_at(&s, &a.id, dest(bogota(), 90.0, 500.0), "civica").await;
    for (e, u, t) in [(&e1, &b, 10), (&e1, &c, 11), (&e2, &b, 12)] {
        s.join_event(&e.id, &u.id, at(t)).await.expect("join_event");
    }
    let won = dropped(&s, &e1.id, at(20), 3600).await;
    dropped(&s, &e1.id, at(21), 3600).await;
    assert!(matches!(
        s.claim_collectible(&won.id, &b.id, at(30)).await,
        Ok(ClaimOutcome::Won(_))
    ));
    for i in 0..2 {
        s.add_message(&ChatMessage {
            id: MessageId::generate(),
            event_id: e1.id.clone(),
            user_id: c.id.clone(),
            name: c.name.clone(),
            message: format!("mensaje {i}"),
            timestamp: at(40 + i),
        })
        .await
        .expect("add_message");
    }
    s.add_transcription(&Transcription {
        id: TranscriptId::generate(),
        event_id: e1.id.clone(),
        speaker_id: a.id.clone(),
        text: "Bienvenidos".into(),
        confidence: 0.875,
        start: 1.25,
        duration: 0.5,
        words: vec![TranscriptWord {
            word: "bienvenidos".into(),
            start: 1.25,
            end: 1.75,
            confidence: 0.99,
            punctuated_word: Some("Bienvenidos".into()),
        }],
        created_at: at(50),
    })
    .await
    .expect("add_transcription");
    s.end_event(&e2.id, at(60)).await.expect("end_event");

    let expected = [
        (Kind::Users, 3),
        (Kind::Events, 2),
        (Kind::Attendance, 3),
        (Kind::Participants, 2),
        (Kind::Collectibles, 2),
        (Kind::Inventory, 1),
        (Kind::Messages, 2),
        (Kind::Transcriptions, 1),
    ];
    let mut everything = Vec::new();
    for (kind, n) in expected {
        assert_eq!(s.count(kind).await.expect("count"), n, "{kind:?}");
        let all = export_all(&s, kind, 2).await;
        assert_eq!(all.len() as u64, n, "{kind:?} comes out whole");
        let keys: Vec<String> = all.iter().map(Record::key).collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "{kind:?} in key order: {keys:?}"
        );
        assert!(all.iter().all(|r| r.kind() == kind));
        everything.push(all);
    }
    // As the ordinary reads show them.
    let users = &everything[0];
    let Some(Record::User(UserRecord {
        user,
        token_hash,
        location,
        deleted_at: None,
    })) = users.iter().find(|r| r.key() == b.id.as_str())
    else {
        panic!("user b exported")
    };
    assert_eq!(user, &s.user(&b.id).await.expect("user"));
    assert_eq!(token_hash.as_deref(), Some(format!("{:064x}", 2).as_str()));
    assert_eq!(location, &Some((bogota(), Some(at(9)))));
    for r in &everything[1] {
        let Record::Event(e) = r else { panic!("{r:?}") };
        assert_eq!(e, &s.event(&e.id).await.expect("event"));
    }
    let in_room: Vec<(UserId, Timestamp)> = s
        .participants(&e1.id)
        .await
        .expect("participants")
        .into_iter()
        .map(|p| (p.user_id, p.joined_at))
        .collect();
    for r in &everything[3] {
        let Record::Participant {
            event_id,
            user_id,
            joined_at,
        } = r
        else {
            panic!("{r:?}")
        };
        assert_eq!(event_id, &e1.id);
        assert!(in_room.contains(&(user_id.clone(), *joined_at)), "{r:?}");
    }
    assert_eq!(
        everything[5],
        vec![Record::Inventory {
            user_id: b.id.clone(),
            item: s
                .user_collectibles(&b.id, u32::MAX, None)
                .await
                .expect("inventory")[0]
                .clone(),
        }]
    );
    let mut messages = s.messages(&e1.id, 10, None).await.expect("messages");
    messages.reverse();
    let exported: Vec<Record> = messages.into_iter().map(Record::Message).collect();
    let mut sorted = exported.clone();
    sorted.sort_by_key(Record::key);
    assert_eq!(everything[6], sorted);
    assert_eq!(
        everything[7],
        s.transcriptions(&e1.id, 10, None, None)
            .await
            .expect("transcriptions")
            .into_iter()
            .map(Record::Transcription)
            .collect::<Vec<_>>()
    );
    // Written back: every key is there already.
    for all in everything {
        assert_eq!(s.import_batch(all).await.expect("import_batch"), 0);
    }
    for (kind, n) in expected {
        assert_eq!(s.count(kind).await.expect("count"), n, "{kind:?} unchanged");
    }
}

// ---- erasure ----

/// A chat message and a transcript segment of `u` in `e`, at `t` milliseconds.
async fn said(s: &Arc<dyn Store>, e: &EventId, u: &User, t: i64) -> (ChatMessage, Transcription) {
    let m = ChatMessage {
        id: MessageId::generate(),
        event_id: e.clone(),
        user_id: u.id.clone(),
        name: u.name.clone(),
        message: format!("message {t}"),
        timestamp: at(t),
    };
    s.add_message(&m).await.expect("add_message");
    let seg = Transcription {
        id: TranscriptId::generate(),
        event_id: e.clone(),
        speaker_id: u.id.clone(),
        text: format!("segment {t}"),
        confidence: 0.9,
        start: 0.0,
        duration: 1.0,
        words: Vec::new(),
        created_at: at(t),
    };
    s.add_transcription(&seg).await.expect("add_transcription");
    (m, seg)
}

/// Erasing a user: out of every room (counts lowered), messages kept under
/// `deleted user`, segments kept, a claimed collectible still claimed but by nobody (a
/// later claim is `already claimed`), the inventory gone; every look-up of the user answers
/// NotFound, a second erasure too; other users untouched; the export carries the
/// tombstone without the phone or name.
pub async fn erase_user_keeps_history_without_the_person(s: Arc<dyn Store>) {
    let gone = user_n(&s, 1).await;
    let other = user_n(&s, 2).await;
    let e = event_at(&s, &other.id, bogota(), "music").await;
    let f = event_at(&s, &gone.id, bogota(), "art").await;
    for ev in [&e.id, &f.id] {
        s.join_event(ev, &gone.id, at(1)).await.expect("join");
        s.join_event(ev, &other.id, at(2)).await.expect("join");
    }
    s.set_location(&gone.id, bogota(), at(3))
        .await
        .expect("location");
    s.flush().await.expect("flush");
    let (mine, my_seg) = said(&s, &e.id, &gone, 10).await;
    let (theirs, _) = said(&s, &e.id, &other, 11).await;
    let k = dropped(&s, &e.id, secs(0), 30).await;
    assert!(matches!(
        s.claim_collectible(&k.id, &gone.id, at(20))
            .await
            .expect("claim"),
        ClaimOutcome::Won(_)
    ));

    let erased = s
        .erase_user(&gone.id, false, at(100))
        .await
        .expect("erase_user");
    assert_eq!(erased.rooms_left, vec![e.id.clone(), f.id.clone()]);
    assert_eq!((erased.messages, erased.transcriptions), (1, 0));

    let gid = gone.id.to_string();
    assert_not_found(s.user(&gone.id).await, "user", &gid);
    assert_not_found(
        s.user_collectibles(&gone.id, u32::MAX, None).await,
        "user",
        &gid,
    );
    assert_not_found(s.user_location(&gone.id).await, "user", &gid);
    assert_not_found(s.leave_all_events(&gone.id).await, "user", &gid);
    assert_not_found(s.join_event(&e.id, &gone.id, at(101)).await, "user", &gid);
    assert_not_found(
        s.set_token_hash(&gone.id, &format!("{:064x}", 99)).await,
        "user",
        &gid,
    );
    assert_not_found(s.erase_user(&gone.id, false, at(102)).await, "user", &gid);
    assert_eq!(
        s.user_by_token_hash(&format!("{:064x}", 1))
            .await
            .expect("token"),
        None
    );
    let listed = s.list_users(10, None).await.expect("list_users");
    assert_eq!(
        listed.iter().map(|u| &u.id).collect::<Vec<_>>(),
        vec![&other.id]
    );

    for ev in [&e.id, &f.id] {
        let people = s.participants(ev).await.expect("participants");
        assert_eq!(
            people.iter().map(|p| &p.user_id).collect::<Vec<_>>(),
            vec![&other.id]
        );
        assert_eq!(
            s.event(ev).await.expect("event").room.current_participants,
            1
        );
    }
    // Their events stay, their history stays under the deleted-user name.
    assert_eq!(s.event(&f.id).await.expect("event").creator_id, gone.id);
    let history = s.messages(&e.id, 10, None).await.expect("messages");
    let renamed = ChatMessage {
        name: DELETED_USER_NAME.into(),
        ..mine
    };
    assert_eq!(history, vec![theirs, renamed]);
    let segments = s
        .transcriptions(&e.id, 10, None, None)
        .await
        .expect("transcriptions");
    assert!(segments.contains(&my_seg), "{segments:?}");
    // Won, and stays won, by nobody.
    let k_now = s.collectible(&k.id).await.expect("collectible");
    assert_eq!(k_now.claimed_by, None);
    assert_eq!(k_now.claimed_at, Some(at(20)));
    assert!(!k_now.is_active);
    assert_eq!(
        s.claim_collectible(&k.id, &other.id, at(30))
            .await
            .expect("claim"),
        ClaimOutcome::AlreadyClaimed
    );
    assert!(s
        .active_collectibles(&e.id, at(31))
        .await
        .expect("active")
        .is_empty());
    assert_eq!(s.user(&other.id).await.expect("user"), {
        let mut o = other.clone();
        o.stats.events_attended = 2;
        o.stats.events_created = 1;
        o
    });

    // The copy carries a tombstone: no phone, no name, no position, erased.
    let users = export_all(&s, Kind::Users, 10).await;
    let Some(Record::User(tomb)) = users.iter().find(|r| r.key() == gid.as_str()) else {
        panic!("the tombstone is exported: {users:?}")
    };
    assert_eq!(tomb.deleted_at, Some(at(100)));
    assert_eq!(tomb.location, None);
    assert_eq!(tomb.user.name, DELETED_USER_NAME);
    let kept = tomb.user.phone.as_deref().unwrap_or_default();
    assert!(!kept.contains(&phone(1)), "{kept}");
    let inventory = export_all(&s, Kind::Inventory, 10).await;
    assert!(inventory.is_empty(), "{inventory:?}");
}

/// Erasing with purge removes the user's messages and segments, and only theirs.
pub async fn erase_user_with_purge_removes_history(s: Arc<dyn Store>) {
    let gone = user_n(&s, 1).await;
    let other = user_n(&s, 2).await;
    let e = event_at(&s, &other.id, bogota(), "music").await;
    said(&s, &e.id, &gone, 10).await;
    said(&s, &e.id, &gone, 11).await;
    let (theirs, their_seg) = said(&s, &e.id, &other, 12).await;
    let erased = s
        .erase_user(&gone.id, true, at(100))
        .await
        .expect("erase_user");
    assert_eq!(erased.rooms_left, Vec::<EventId>::new());
    assert_eq!((erased.messages, erased.transcriptions), (2, 2));
    assert_eq!(
        s.messages(&e.id, 10, None).await.expect("messages"),
        vec![theirs]
    );
    assert_eq!(
        s.transcriptions(&e.id, 10, None, None)
            .await
            .expect("transcriptions"),
        vec![their_seg]
    );
    assert_not_found(s.user(&gone.id).await, "user", &gone.id.to_string());
}
