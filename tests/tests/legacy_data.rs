//! A MongoDB database of the original Python MVP, served as it is: its documents, field for
//! field as its README's "MongoDB Schema" shows them (and as its services wrote
//! collectibles, inventory rows and transcripts), inserted with the driver before `cpld`
//! starts on that database. Every read answers them, the original's users get in through
//! an admin token reset, and a damaged document among good ones is left out of lists,
//! counted in `/metrics` and named by a single read.
//!
//! The server: `CPL_TEST_MONGODB_URL`, or a `secantusd-py` started here
//! ([`citypulse_tests::mongo`]); without either these tests print once that they were
//! skipped (a failure under `CI=true`).

use std::time::Duration;

use citypulse::api::{CreateEventRequest, PageQuery, RegisterRequest};
use citypulse::geo::Coordinates;
use citypulse::model::{EventStatus, Rarity};
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::{CollectibleId, EventId, UserId};
use citypulse_tests::mongo::{self, DropDatabase};
use citypulse_tests::{api_error, near_bogota, north_of, Daemon, BOGOTA};
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, DateTime as BsonDate, Document};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

const WAIT: Duration = Duration::from_secs(15);

const JUAN_PHONE: &str = "+573001234567";
const ANA_PHONE: &str = "+573007654321";
const ROOM_URL: &str = "https://citypulse.daily.co/citypulse-event-123";

/// A database on the shared server, dropped at the end, and a driver handle on it.
async fn database(prefix: &str) -> Option<(String, String, Database, DropDatabase)> {
    let url = mongo::shared_url()?;
    let name = mongo::unique_database(prefix);
    let guard = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let db = mongodb::Client::with_uri_str(&url)
        .await
        .unwrap()
        .database(&name);
    Some((url, name, db, guard))
}

/// The indexes the original's `scripts/init_database.py` made.
async fn original_indexes(db: &Database) {
    let unique = IndexOptions::builder().unique(true).build();
    let index = |keys: Document, options: Option<IndexOptions>| {
        IndexModel::builder().keys(keys).options(options).build()
    };
    let users = db.collection::<Document>("users");
    users
        .create_index(index(doc! { "phone": 1 }, Some(unique)))
        .await
        .unwrap();
    users
        .create_index(index(doc! { "current_location": "2dsphere" }, None))
        .await
        .unwrap();
    db.collection::<Document>("events")
        .create_index(index(doc! { "location": "2dsphere" }, None))
        .await
        .unwrap();
}

async fn insert(db: &Database, collection: &str, docs: Vec<Document>) {
    db.collection::<Document>(collection)
        .insert_many(docs)
        .await
        .unwrap();
}

async fn daemon(url: &str, name: &str) -> Daemon {
    Daemon::builder()
        .env("MONGODB_URL", url)
        .env("DATABASE_NAME", name)
        .start()
        .await
}

fn point((lng, lat): (f64, f64)) -> Document {
    doc! { "type": "Point", "coordinates": [lng, lat] }
}

fn id<T: std::str::FromStr>(o: ObjectId) -> T
where
    T::Err: std::fmt::Debug,
{
    o.to_hex().parse().unwrap()
}

/// The second an ObjectId was made, as the daemon derives `created_at` from it.
fn made(o: ObjectId) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(o.timestamp().timestamp_millis()).unwrap()
}

fn in_an_hour() -> BsonDate {
    BsonDate::from_millis(BsonDate::now().timestamp_millis() + 3_600_000)
}

async fn metrics(d: &Daemon) -> String {
    reqwest::get(format!("{}/metrics", d.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn documents_of_the_original_backend_are_served_as_they_are() {
    let Some((url, name, db, _drop)) = database("legacy").await else {
        return;
    };
    original_indexes(&db).await;
    // Users as the README shows them; Ana never sent a location and has no stats yet.
    let (juan, ana) = (ObjectId::new(), ObjectId::new());
    insert(
        &db,
        "users",
        vec![
            doc! {
                "_id": juan,
                "phone": JUAN_PHONE,
                "name": "Juan Pérez",
                "stats": { "events_created": 3, "events_attended": 2, "collectibles_count": 1 },
                "current_location": point(BOGOTA),
            },
            doc! { "_id": ana, "phone": ANA_PHONE, "name": "Ana Gómez" },
        ],
    )
    .await;
    // Events as the README shows them: Juan's with its Daily room, Ana's with its creator
    // as a string (the original's routes took ids as strings) and no room.
    let (concierto, feria) = (ObjectId::new(), ObjectId::new());
    let feria_at = north_of(BOGOTA, 800.0);
    insert(
        &db,
        "events",
        vec![
            doc! {
                "_id": concierto,
                "title": "Concierto en la 93",
                "category": "entretenimiento",
                "creator_id": juan,
                "location": point(BOGOTA),
                "room": {
                    "daily_room_name": "citypulse-event-123",
                    "daily_room_url": ROOM_URL,
                    "current_participants": 5,
                },
                "status": "active",
            },
            doc! {
                "_id": feria,
                "title": "Feria de las flores",
                "category": "cultura",
                "creator_id": ana.to_hex(),
                "location": point(feria_at),
                "status": "active",
            },
        ],
    )
    .await;
    // Collectibles as its drop job and claim wrote them (claimed_by the user id string), and
    // an inventory row holding only who won what and when.
    let (active, won, row) = (ObjectId::new(), ObjectId::new(), ObjectId::new());
    insert(
        &db,
        "collectibles",
        vec![
            doc! {
                "_id": active,
                "event_id": concierto,
                "name": "Orquídea dorada",
                "rarity": "rare",
                "claimed_by": null,
                "is_active": true,
                "expires_at": in_an_hour(),
            },
            doc! {
                "_id": won,
                "event_id": concierto.to_hex(),
                "name": "Sombrero vueltiao",
                "rarity": "epic",
                "points": 50,
                "claimed_by": juan.to_hex(),
                "is_active": false,
                "expires_at": BsonDate::now(),
            },
        ],
    )
    .await;
    let won_at = BsonDate::from_millis(BsonDate::now().timestamp_millis() - 60_000);
    insert(
        &db,
        "user_collectibles",
        vec![doc! { "_id": row, "user_id": juan, "collectible_id": won, "claimed_at": won_at }],
    )
    .await;
    let segment = ObjectId::new();
    insert(
        &db,
        "transcriptions",
        vec![doc! {
            "_id": segment,
            "event_id": concierto.to_hex(),
            "user_id": juan,
            "text": "Bienvenidos al concierto",
            "confidence": 0.93,
            "timestamp": "2025-10-01T20:15:00.250000",
        }],
    )
    .await;

    let d = daemon(&url, &name).await;
    let (viewer, _) = d.user("Viewer").await;
    let admin = d.admin();
    let (juan_id, ana_id): (UserId, UserId) = (id(juan), id(ana));
    let (concierto_id, feria_id): (EventId, EventId) = (id(concierto), id(feria));

    // Nearby: both, with the original's room and derived creation times.
    let near = viewer.nearby(&near_bogota()).await.unwrap();
    let ids: Vec<_> = near.iter().map(|n| n.event.id.clone()).collect();
    assert_eq!(
        ids,
        vec![concierto_id.clone(), feria_id.clone()],
        "{near:?}"
    );
    assert!((near[1].distance_m - 800.0).abs() < 2.0, "{near:?}");

    // Event by id, mapped field by field.
    let e = viewer.event(&concierto_id).await.unwrap();
    assert_eq!(e.title, "Concierto en la 93");
    assert_eq!(e.category, "entretenimiento");
    assert_eq!(e.creator_id, juan_id);
    assert_eq!(e.status, EventStatus::Active);
    assert_eq!(e.room_url.as_deref(), Some(ROOM_URL));
    assert_eq!(e.room.daily_room_url.as_deref(), Some(ROOM_URL));
    assert_eq!(
        e.room.daily_room_name.as_deref(),
        Some("citypulse-event-123")
    );
    assert_eq!(e.room.current_participants, 5);
    assert_eq!(e.created_at, made(concierto));
    assert_eq!((e.description, e.address, e.ended_at), (None, None, None));
    let f = viewer.event(&feria_id).await.unwrap();
    assert_eq!(f.creator_id, ana_id);
    assert_eq!((f.room_url, f.room.current_participants), (None, 0));

    // Users by id: counters as stored or zero, creation time from the ObjectId.
    let u = viewer.user(&juan_id).await.unwrap();
    assert_eq!(u.name, "Juan Pérez");
    assert_eq!(
        (
            u.stats.events_created,
            u.stats.events_attended,
            u.stats.collectibles_count
        ),
        (3, 2, 1)
    );
    assert_eq!(u.created_at, made(juan));
    let a = admin.user(&ana_id).await.unwrap();
    assert_eq!(a.phone.as_deref(), Some(ANA_PHONE));
    assert_eq!(a.stats, Default::default());
    assert_eq!(a.created_at, made(ana));

    // The admin listing has both.
    let listed = admin.users().await.unwrap();
    for who in [&juan_id, &ana_id] {
        assert!(
            listed.iter().any(|u| &u.id == who),
            "{who} not in {listed:?}"
        );
    }

    // Inventory: the row completed from its collectible.
    let inventory = viewer.user_collectibles(&juan_id).await.unwrap();
    assert_eq!(inventory.len(), 1, "{inventory:?}");
    let item = &inventory[0];
    assert_eq!(item.collectible_id, id::<CollectibleId>(won));
    assert_eq!(
        (item.name.as_str(), item.rarity, item.points),
        ("Sombrero vueltiao", Rarity::Epic, 50)
    );
    assert_eq!(item.event_id, concierto_id);
    assert_eq!(
        item.claimed_at.timestamp_millis(),
        won_at.timestamp_millis()
    );

    // Active collectibles: the unclaimed one, with the rarity's points.
    let drops = viewer.active_collectibles(&concierto_id).await.unwrap();
    assert_eq!(drops.len(), 1, "{drops:?}");
    assert_eq!(drops[0].id, id::<CollectibleId>(active));
    assert_eq!(
        (drops[0].rarity, drops[0].points),
        (Rarity::Rare, Rarity::Rare.default_points())
    );
    assert_eq!(drops[0].dropped_at, made(active));

    // Nobody is in a room of ours yet.
    assert!(viewer.participants(&concierto_id).await.unwrap().is_empty());

    // Transcripts: the speaker's `user_id`, its ISO time, found by a search too.
    let said = admin
        .transcriptions(&concierto_id, &PageQuery::default())
        .await
        .unwrap();
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0].speaker_id, juan_id);
    assert_eq!(
        citypulse::time::format(&said[0].created_at),
        "2025-10-01T20:15:00.250Z"
    );
    let found = admin
        .transcriptions(
            &concierto_id,
            &PageQuery {
                q: Some("BIENVENIDOS".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");

    // The phones stay unique: registering either again is refused as always.
    for phone in [JUAN_PHONE, ANA_PHONE] {
        let err = d
            .client()
            .register(&RegisterRequest {
                phone: phone.into(),
                name: "Otra persona".into(),
            })
            .await
            .unwrap_err();
        let (status, detail) = api_error(err);
        assert_eq!(status, 409, "{detail}");
        assert!(detail.contains(phone), "{detail}");
    }

    // Legacy users get in: an admin token reset gives them a token.
    let token = admin.reset_token(&juan_id).await.unwrap().token;
    let juan_c = d.client().with_token(token);
    assert_eq!(juan_c.me().await.unwrap().id, juan_id);

    // The WebSocket: a location update is stored and answered with the original's events.
    let mut ws = juan_c.connect(&juan_id).await.unwrap();
    let moved = north_of(BOGOTA, 700.0);
    ws.send(&ClientMessage::LocationUpdate {
        coordinates: Coordinates::new(moved.0, moved.1).unwrap(),
    })
    .await
    .unwrap();
    let events = ws
        .recv_until(WAIT, |m| match m {
            ServerMessage::NearbyEvents { events, .. } => Some(events.clone()),
            _ => None,
        })
        .await
        .unwrap();
    let answered: Vec<_> = events.iter().map(|n| n.event.id.clone()).collect();
    assert_eq!(answered, vec![feria_id.clone(), concierto_id.clone()]);
    assert_eq!(events[1].event.room_url.as_deref(), Some(ROOM_URL));
    let stored = db
        .collection::<Document>("users")
        .find_one(doc! { "_id": juan })
        .await
        .unwrap()
        .unwrap();
    let at = stored
        .get_document("current_location")
        .unwrap()
        .get_array("coordinates")
        .unwrap();
    assert_eq!(at[1].as_f64(), Some(moved.1));

    // They join the original's events (Ana's too), create one, and end their own.
    juan_c.join_event(&feria_id).await.unwrap();
    juan_c.join_event(&concierto_id).await.unwrap();
    let in_room = viewer.participants(&concierto_id).await.unwrap();
    assert_eq!(in_room.len(), 1);
    assert_eq!(
        (in_room[0].user_id.clone(), in_room[0].name.as_str()),
        (juan_id.clone(), "Juan Pérez")
    );
    let new = juan_c
        .create_event(&CreateEventRequest {
            title: "Recorrido en bici".into(),
            description: None,
            category: "deporte".into(),
            coordinates: Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
            address: None,
            starts_at: None,
            ends_at: None,
        })
        .await
        .unwrap();
    assert_eq!(new.creator_id, juan_id);
    juan_c.end_event(&concierto_id).await.unwrap();
    let ended = viewer.event(&concierto_id).await.unwrap();
    assert_eq!(ended.status, EventStatus::Ended);
    assert!(ended.ended_at.is_some());
    assert_eq!(ended.room.current_participants, 0);
    let u = viewer.user(&juan_id).await.unwrap();
    assert_eq!((u.stats.events_created, u.stats.events_attended), (4, 4));
    // Ana, whose document has no stats at all, joins too.
    let ana_c = d
        .client()
        .with_token(admin.reset_token(&ana_id).await.unwrap().token);
    ana_c.join_event(&feria_id).await.unwrap();
    assert_eq!(viewer.user(&ana_id).await.unwrap().stats.events_attended, 1);
    assert_eq!(viewer.participants(&feria_id).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_damaged_document_is_skipped_by_lists_counted_and_named_by_its_read() {
    let Some((url, name, db, _drop)) = database("damaged").await else {
        return;
    };
    original_indexes(&db).await;
    let (good_user, bad_user) = (ObjectId::new(), ObjectId::new());
    insert(
        &db,
        "users",
        vec![
            doc! { "_id": good_user, "phone": "+573001110000", "name": "Buena" },
            // A name that is not a string.
            doc! { "_id": bad_user, "phone": "+573001110001", "name": 7 },
        ],
    )
    .await;
    let (good_event, bad_event) = (ObjectId::new(), ObjectId::new());
    insert(
        &db,
        "events",
        vec![
            doc! {
                "_id": good_event, "title": "Bien", "category": "cultura",
                "creator_id": good_user, "location": point(BOGOTA), "status": "active",
            },
            // A title that is not a string, a few metres away.
            doc! {
                "_id": bad_event, "title": 42, "category": "cultura",
                "creator_id": good_user, "location": point(north_of(BOGOTA, 10.0)),
                "status": "active",
            },
        ],
    )
    .await;
    let (good_drop, bad_drop) = (ObjectId::new(), ObjectId::new());
    insert(
        &db,
        "collectibles",
        vec![
            doc! {
                "_id": good_drop, "event_id": good_event, "name": "Bien", "rarity": "common",
                "claimed_by": null, "is_active": true, "expires_at": in_an_hour(),
            },
            doc! {
                "_id": bad_drop, "event_id": good_event, "name": "Mal", "rarity": "common",
                "points": "many", "claimed_by": null, "is_active": true,
                "expires_at": in_an_hour(),
            },
        ],
    )
    .await;

    let d = daemon(&url, &name).await;
    let (viewer, _) = d.user("Viewer").await;
    let admin = d.admin();
    let bad_event_id: EventId = id(bad_event);

    // Lists answer the good ones, however often they are asked.
    for _ in 0..2 {
        let near = viewer.nearby(&near_bogota()).await.unwrap();
        let ids: Vec<_> = near.iter().map(|n| n.event.id.clone()).collect();
        assert_eq!(ids, vec![id::<EventId>(good_event)]);
        let users = admin.users().await.unwrap();
        assert!(users.iter().any(|u| u.id == id::<UserId>(good_user)));
        assert!(!users.iter().any(|u| u.id == id::<UserId>(bad_user)));
        let drops = viewer.active_collectibles(&id(good_event)).await.unwrap();
        let ids: Vec<_> = drops.iter().map(|c| c.id.clone()).collect();
        assert_eq!(ids, vec![id::<CollectibleId>(good_drop)]);
    }

    // A single read names the collection, the document and the field.
    let (status, detail) = api_error(viewer.event(&bad_event_id).await.unwrap_err());
    assert_eq!(status, 500, "{detail}");
    for part in ["events", &bad_event.to_hex(), "title"] {
        assert!(detail.contains(part), "{part:?} not in {detail}");
    }
    let (status, detail) = api_error(viewer.user(&id(bad_user)).await.unwrap_err());
    assert_eq!(status, 500, "{detail}");
    assert!(
        detail.contains(&bad_user.to_hex()) && detail.contains("name"),
        "{detail}"
    );

    // /metrics counts each once.
    let text = metrics(&d).await;
    for collection in ["events", "users", "collectibles"] {
        let line = format!("citypulse_damaged_documents_total{{collection=\"{collection}\"}} 1\n");
        assert!(text.contains(&line), "{line:?} not in\n{text}");
    }
    // The log names each once.
    let logs = d.logs();
    for (bad, field) in [
        (bad_event, "title"),
        (bad_user, "name"),
        (bad_drop, "points"),
    ] {
        let lines: Vec<_> = logs
            .lines()
            .filter(|l| l.contains("left out of every list") && l.contains(&bad.to_hex()))
            .collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(field), "{}", lines[0]);
    }
}
