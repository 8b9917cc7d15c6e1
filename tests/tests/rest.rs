//! End-to-end tests of every REST call of API.md on a real daemon: answers, error statuses,
//! authorisation, the HTTP claim race, persistence and nearby ordering.

use std::collections::HashSet;

use citypulse::api::{CreateEventRequest, DropRequest, NearbyQuery, PageQuery, RegisterRequest};
use citypulse::geo::Coordinates;
use citypulse::ids::EventId;
use citypulse::model::{Event, EventStatus};
use citypulse::{Client, ClientError};
use citypulse_tests::{east_of, north_of, unique_phone, Daemon, BOGOTA};

fn at((lng, lat): (f64, f64)) -> Coordinates {
    Coordinates::new(lng, lat).unwrap()
}

fn event_req(title: &str, pos: (f64, f64)) -> CreateEventRequest {
    CreateEventRequest {
        title: title.into(),
        description: Some("Música en vivo".into()),
        category: "Entretenimiento".into(),
        coordinates: at(pos),
        address: Some("Carrera 15 #93-50".into()),
        starts_at: None,
        ends_at: None,
    }
}

async fn create_event(c: &Client, title: &str, pos: (f64, f64)) -> Event {
    c.create_event(&event_req(title, pos)).await.unwrap()
}

fn status(e: ClientError) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("not an API error: {e}"))
}

/// A raw request, for what the typed client cannot send (bad JSON, odd headers).
async fn raw(
    d: &Daemon,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, serde_json::Value) {
    let http = reqwest::Client::new();
    let mut req = http.request(method.parse().unwrap(), format!("{}{}", d.url, path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// POSTs `body` with `Transfer-Encoding: chunked` (no Content-Length) in 8 KiB chunks over
/// a plain socket; the status and the whole answer. Writing stops if the daemon answers
/// and closes first.
async fn chunked_post(d: &Daemon, path: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = d.url.trim_start_matches("http://").to_string();
    let sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = sock.into_split();
    let mut out = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(8192) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    let writer = tokio::spawn(async move {
        for part in out.chunks(8192) {
            if wr.write_all(part).await.is_err() {
                return;
            }
        }
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        rd.read_to_end(&mut answer),
    )
    .await;
    writer.abort();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let code = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    (code, answer)
}

#[tokio::test]
async fn registration_profile_and_phone_privacy() {
    let d = Daemon::start().await;
    let reg = d
        .client()
        .register(&RegisterRequest {
            phone: "+57 (300) 555-0101".into(),
            name: "  Juan Pérez ".into(),
        })
        .await
        .unwrap();
    assert_eq!(reg.user.phone.as_deref(), Some("+573005550101"));
    assert_eq!(reg.user.name, "Juan Pérez");
    assert_eq!(reg.user.stats.events_created, 0);
    assert!(reg.token.len() >= 32);
    let me = d.client().with_token(&reg.token).me().await.unwrap();
    assert_eq!(me.id, reg.user.id);
    assert_eq!(me.phone.as_deref(), Some("+573005550101"));

    // Others (and anonymous callers) do not see the phone; admins do.
    let (other, _) = d.user("Ana").await;
    assert_eq!(other.user(&reg.user.id).await.unwrap().phone, None);
    assert_eq!(d.client().user(&reg.user.id).await.unwrap().phone, None);
    assert_eq!(
        d.admin().user(&reg.user.id).await.unwrap().phone.as_deref(),
        Some("+573005550101")
    );
    // The whole user list is admin-only.
    assert_eq!(status(other.users().await.unwrap_err()), 403);
    assert!(d
        .admin()
        .users()
        .await
        .unwrap()
        .iter()
        .any(|u| u.id == reg.user.id));

    // Duplicate phone (in another spelling) is a 409 and changes nothing.
    let err = d
        .client()
        .register(&RegisterRequest {
            phone: "0057 300 555 0101".into(),
            name: "Impostor".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status(err), 409);
    assert_eq!(
        d.client().user(&reg.user.id).await.unwrap().name,
        "Juan Pérez"
    );
}

#[tokio::test]
async fn registration_validation() {
    let d = Daemon::start().await;
    for (phone, name) in [
        ("3001234567", "No plus"),
        ("+57123", "Too short"),
        ("+57abc1234567", "Letters"),
        (unique_phone().as_str(), ""),
        (unique_phone().as_str(), &"x".repeat(81)),
    ] {
        let err = d
            .client()
            .register(&RegisterRequest {
                phone: phone.into(),
                name: name.into(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(422), "{phone} {name}: {err}");
    }
    let (code, body) = raw(
        &d,
        "POST",
        "/api/users/register",
        None,
        Some("{\"phone\": "),
    )
    .await;
    assert_eq!(code, 400);
    assert!(body["detail"].as_str().unwrap().contains("not valid JSON"));
    let (code, _) = raw(
        &d,
        "POST",
        "/api/users/register",
        None,
        Some("{\"phone\": 5}"),
    )
    .await;
    assert_eq!(code, 422);
    let big = format!(
        "{{\"phone\":\"+573001112233\",\"name\":\"{}\"}}",
        "a".repeat(70_000)
    );
    let (code, body) = raw(&d, "POST", "/api/users/register", None, Some(&big)).await;
    assert_eq!(code, 413);
    assert!(body["detail"].as_str().unwrap().contains("64 KiB"));
    // Without a Content-Length (chunked), the limit holds as the body arrives.
    let (code, answer) = chunked_post(&d, "/api/users/register", big.as_bytes()).await;
    assert_eq!(code, 413, "{answer}");
    assert!(answer.contains("64 KiB"), "{answer}");
    // Nothing was stored by any of those.
    assert!(d.admin().users().await.unwrap().is_empty());
}

#[tokio::test]
async fn tokens_are_required_checked_and_revocable() {
    let d = Daemon::start().await;
    let (alice, reg) = d.user("Alice").await;
    // No token, wrong token, wrong scheme: 401.
    assert_eq!(status(d.client().me().await.unwrap_err()), 401);
    assert_eq!(
        status(d.client().with_token("cpl_nope").me().await.unwrap_err()),
        401
    );
    let (code, _) = raw(&d, "GET", "/api/users/me", None, None).await;
    assert_eq!(code, 401);
    let err = d
        .client()
        .create_event(&event_req("x", BOGOTA))
        .await
        .unwrap_err();
    assert_eq!(status(err), 401);
    // Resetting revokes the old token at once.
    let new = alice.reset_token(&reg.user.id).await.unwrap();
    assert_eq!(status(alice.me().await.unwrap_err()), 401);
    let alice = d.client().with_token(new.token);
    assert_eq!(alice.me().await.unwrap().id, reg.user.id);
    // Admin can reset anyone's; another user cannot.
    let (bob, bob_reg) = d.user("Bob").await;
    assert_eq!(
        status(bob.reset_token(&reg.user.id).await.unwrap_err()),
        403
    );
    d.admin().reset_token(&bob_reg.user.id).await.unwrap();
    assert_eq!(status(bob.me().await.unwrap_err()), 401);
}

#[tokio::test]
async fn admin_calls_refuse_without_a_configured_admin_token() {
    let d = Daemon::builder().env("CPL_ADMIN_TOKEN", "").start().await;
    let (alice, _) = d.user("Alice").await;
    let ev = create_event(&alice, "Feria", BOGOTA).await;
    let err = d
        .admin()
        .drop_collectible(&ev.id, &DropRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}"); // the test token is nobody's now
    let err = alice
        .drop_collectible(&ev.id, &DropRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(err.to_string().contains("CPL_ADMIN_TOKEN"), "{err}");
}

#[tokio::test]
async fn event_lifecycle_and_authorisation() {
    let d = Daemon::start().await;
    let (alice, a) = d.user("Alice").await;
    let (bob, b) = d.user("Bob").await;
    let ev = create_event(&alice, "Concierto en la 93", BOGOTA).await;
    assert_eq!(ev.category, "entretenimiento");
    assert_eq!(ev.status, EventStatus::Active);
    assert_eq!(ev.creator_id, a.user.id);
    assert_eq!(ev.room_url, None);
    assert_eq!(ev.location.coordinates, at(BOGOTA));
    assert_eq!(d.client().event(&ev.id).await.unwrap(), ev);
    assert_eq!(alice.me().await.unwrap().stats.events_created, 1);

    // The original's creator_id/user_id parameters must name the token's user.
    let (code, body) = raw(
        &d,
        "POST",
        &format!("/api/events?creator_id={}", b.user.id),
        Some(&a.token),
        Some(&serde_json::to_string(&event_req("x", BOGOTA)).unwrap()),
    )
    .await;
    assert_eq!(code, 403, "{body}");
    let (code, _) = raw(
        &d,
        "POST",
        &format!("/api/events/{}/join?user_id={}", ev.id, a.user.id),
        Some(&b.token),
        None,
    )
    .await;
    assert_eq!(code, 403);
    let (code, _) = raw(
        &d,
        "POST",
        &format!("/api/events/{}/join?user_id={}", ev.id, b.user.id),
        Some(&b.token),
        None,
    )
    .await;
    assert_eq!(code, 200);

    // Join twice: one participant, attended once.
    let j = bob.join_event(&ev.id).await.unwrap();
    assert_eq!(j.event_id, ev.id);
    assert_eq!(j.token, None);
    let ps = d.client().participants(&ev.id).await.unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].user_id, b.user.id);
    assert_eq!(ps[0].name, "Bob");
    assert_eq!(
        d.client()
            .event(&ev.id)
            .await
            .unwrap()
            .room
            .current_participants,
        1
    );
    bob.leave_event(&ev.id).await.unwrap();
    assert!(d.client().participants(&ev.id).await.unwrap().is_empty());
    bob.join_event(&ev.id).await.unwrap();
    assert_eq!(bob.me().await.unwrap().stats.events_attended, 1);

    // Only the creator ends it; ending twice is 409; joining an ended event is 409.
    assert_eq!(status(bob.end_event(&ev.id).await.unwrap_err()), 403);
    let (code, _) = raw(
        &d,
        "POST",
        &format!("/api/events/{}/end?creator_id={}", ev.id, b.user.id),
        Some(&a.token),
        None,
    )
    .await;
    assert_eq!(code, 403);
    assert_eq!(
        alice.end_event(&ev.id).await.unwrap().message,
        "Event ended"
    );
    assert_eq!(status(alice.end_event(&ev.id).await.unwrap_err()), 409);
    assert_eq!(status(bob.join_event(&ev.id).await.unwrap_err()), 409);
    let ended = d.client().event(&ev.id).await.unwrap();
    assert_eq!(ended.status, EventStatus::Ended);
    assert!(ended.ended_at.is_some());
    assert!(d.client().participants(&ev.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn event_validation_and_unknown_ids() {
    let d = Daemon::start().await;
    let (alice, a) = d.user("Alice").await;
    let body = |coords: &str, title: &str| {
        format!("{{\"title\":\"{title}\",\"category\":\"cultura\",\"coordinates\":{coords}}}")
    };
    for (coords, title, why) in [
        ("[4.711, -104.2]", "t", "latitude -104.2 is out of range"),
        ("[-181, 4]", "t", "longitude -181 is out of range"),
        ("[1]", "t", "[longitude, latitude]"),
        ("\"here\"", "t", "[longitude, latitude]"),
        ("[-74, 4]", "", "title must not be empty"),
    ] {
        let (code, resp) = raw(
            &d,
            "POST",
            "/api/events",
            Some(&a.token),
            Some(&body(coords, title)),
        )
        .await;
        assert_eq!(code, 422, "{coords}: {resp}");
        let detail = resp["detail"].as_str().unwrap();
        assert!(detail.contains(why), "{detail}");
    }
    let long = "t".repeat(121);
    let (code, _) = raw(
        &d,
        "POST",
        "/api/events",
        Some(&a.token),
        Some(&body("[-74, 4]", &long)),
    )
    .await;
    assert_eq!(code, 422);
    // Clients cannot set what only the daemon decides.
    let sneaky = r#"{"title":"t","category":"c","coordinates":[-74,4],"status":"ended"}"#;
    let (code, _) = raw(&d, "POST", "/api/events", Some(&a.token), Some(sneaky)).await;
    assert_eq!(code, 422);
    assert_eq!(alice.me().await.unwrap().stats.events_created, 0);

    let unknown: EventId = "0123456789abcdef01234567".parse().unwrap();
    assert_eq!(status(d.client().event(&unknown).await.unwrap_err()), 404);
    assert_eq!(status(alice.join_event(&unknown).await.unwrap_err()), 404);
    assert_eq!(status(alice.end_event(&unknown).await.unwrap_err()), 404);
    assert_eq!(
        status(d.client().participants(&unknown).await.unwrap_err()),
        404
    );
    assert_eq!(
        status(
            d.client()
                .messages(&unknown, &PageQuery::default())
                .await
                .unwrap_err()
        ),
        404
    );
    assert_eq!(
        status(d.client().active_collectibles(&unknown).await.unwrap_err()),
        404
    );
    let (code, _) = raw(&d, "GET", "/api/events/not-an-id", None, None).await;
    assert_eq!(code, 422);
    let (code, _) = raw(&d, "GET", "/api/nothing-here", None, None).await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn nearby_is_ordered_bounded_and_skips_ended_events() {
    let d = Daemon::start().await;
    let (alice, _) = d.user("Alice").await;
    let far = create_event(&alice, "8 km", north_of(BOGOTA, 8000.0)).await;
    let e3 = create_event(&alice, "3 km", east_of(BOGOTA, 3000.0)).await;
    let e1 = create_event(&alice, "1 km", north_of(BOGOTA, 1000.0)).await;
    let e2 = create_event(&alice, "2 km", east_of(BOGOTA, -2000.0)).await;
    let gone = create_event(&alice, "500 m, ended", north_of(BOGOTA, 500.0)).await;
    alice.end_event(&gone.id).await.unwrap();
    let mut sport = event_req("1.5 km sport", north_of(BOGOTA, -1500.0));
    sport.category = "Deporte".into();
    let sport = alice.create_event(&sport).await.unwrap();

    let q = NearbyQuery {
        lng: BOGOTA.0,
        lat: BOGOTA.1,
        max_distance: None,
        limit: None,
        category: None,
    };
    let found = d.client().nearby(&q).await.unwrap();
    let ids: Vec<_> = found.iter().map(|n| n.event.id.clone()).collect();
    assert_eq!(
        ids,
        vec![
            e1.id.clone(),
            sport.id.clone(),
            e2.id.clone(),
            e3.id.clone()
        ]
    );
    for (n, want) in found.iter().zip([1000.0, 1500.0, 2000.0, 3000.0]) {
        assert!(
            (n.distance_m - want).abs() < 2.0,
            "{} vs {want}",
            n.distance_m
        );
    }
    assert!(!ids.contains(&far.id) && !ids.contains(&gone.id));

    let within = d
        .client()
        .nearby(&NearbyQuery {
            max_distance: Some(1800.0),
            ..q.clone()
        })
        .await
        .unwrap();
    assert_eq!(within.len(), 2);
    let two = d
        .client()
        .nearby(&NearbyQuery {
            limit: Some(2),
            ..q.clone()
        })
        .await
        .unwrap();
    assert_eq!(two.len(), 2);
    let wide = d
        .client()
        .nearby(&NearbyQuery {
            max_distance: Some(9000.0),
            ..q.clone()
        })
        .await
        .unwrap();
    assert_eq!(wide.last().unwrap().event.id, far.id);
    let sports = d
        .client()
        .nearby(&NearbyQuery {
            category: Some("DEPORTE".into()),
            ..q.clone()
        })
        .await
        .unwrap();
    assert_eq!(sports.len(), 1);
    assert_eq!(sports[0].event.id, sport.id);

    for bad in [
        "lng=-74&lat=91",
        "lng=NaN&lat=4",
        "lng=-74&lat=4&max_distance=0",
        "lng=-74&lat=4&max_distance=50001",
        "lng=-74&lat=4&limit=0",
        "lng=-74&lat=4&limit=101",
        "lat=4",
        "lng=abc&lat=4",
    ] {
        let (code, body) = raw(&d, "GET", &format!("/api/events/nearby?{bad}"), None, None).await;
        assert_eq!(code, 422, "{bad}: {body}");
    }
}

#[tokio::test]
async fn messages_history_pages_newest_first() {
    let d = Daemon::start().await;
    let (alice, _) = d.user("Alice").await;
    let ev = create_event(&alice, "Charla", BOGOTA).await;
    alice.join_event(&ev.id).await.unwrap();
    // Chat is sent over the WebSocket (REST only reads the history).
    let me = alice.me().await.unwrap();
    let mut ws = alice.connect(&me.id).await.unwrap();
    for i in 0..5 {
        ws.send(&citypulse::ws::ClientMessage::ChatMessage {
            event_id: ev.id.clone(),
            message: format!("m{i}"),
        })
        .await
        .unwrap();
        ws.recv_until(std::time::Duration::from_secs(10), |m| match m {
            citypulse::ws::ServerMessage::ChatMessage(c) if c.message == format!("m{i}") => {
                Some(())
            }
            _ => None,
        })
        .await
        .unwrap();
    }
    let all = d
        .client()
        .messages(&ev.id, &PageQuery::default())
        .await
        .unwrap();
    let texts: Vec<_> = all.iter().map(|m| m.message.as_str()).collect();
    assert_eq!(texts, ["m4", "m3", "m2", "m1", "m0"]);
    let page1 = d
        .client()
        .messages(
            &ev.id,
            &PageQuery {
                limit: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page1.len(), 2);
    let page2 = d
        .client()
        .messages(
            &ev.id,
            &PageQuery {
                limit: Some(2),
                before: Some(page1[1].timestamp),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(page2.iter().all(|m| m.timestamp < page1[1].timestamp));
    // With the last id as well, the pages hold every message once, even those that share
    // a millisecond.
    let mut paged = Vec::new();
    let mut q = PageQuery {
        limit: Some(2),
        ..Default::default()
    };
    loop {
        let page = d.client().messages(&ev.id, &q).await.unwrap();
        let Some(last) = page.last() else { break };
        q.before = Some(last.timestamp);
        q.before_id = Some(last.id.to_string());
        paged.extend(page);
    }
    assert_eq!(paged, all);
    for (query, says) in [
        ("limit=201", "limit"),
        (
            "before_id=6745a1b2c3d4e5f601234567",
            "before_id needs before",
        ),
        (
            "before=2026-11-25T10:00:00Z&before_id=nope",
            "before_id: message id",
        ),
    ] {
        let (code, body) = raw(
            &d,
            "GET",
            &format!("/api/events/{}/messages?{query}", ev.id),
            None,
            None,
        )
        .await;
        assert_eq!(code, 422, "{query}");
        assert!(body.to_string().contains(says), "{query}: {body}");
    }
}

#[tokio::test]
async fn collectibles_drop_claim_and_inventory() {
    let d = Daemon::start().await;
    let (alice, a) = d.user("Alice").await;
    let (bob, b) = d.user("Bob").await;
    let (carol, _) = d.user("Carol").await;
    let ev = create_event(&alice, "Feria", BOGOTA).await;
    alice.join_event(&ev.id).await.unwrap();
    bob.join_event(&ev.id).await.unwrap();

    // Admin only, with bounds on what can be set.
    assert_eq!(
        status(
            alice
                .drop_collectible(&ev.id, &DropRequest::default())
                .await
                .unwrap_err()
        ),
        403
    );
    let bad = DropRequest {
        points: Some(0),
        ..Default::default()
    };
    assert_eq!(
        status(d.admin().drop_collectible(&ev.id, &bad).await.unwrap_err()),
        422
    );
    let c = d
        .admin()
        .drop_collectible(
            &ev.id,
            &DropRequest {
                name: Some("Esmeralda".into()),
                rarity: Some(citypulse::model::Rarity::Epic),
                points: Some(77),
                expires_in: Some(600),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (c.name.as_str(), c.points, c.is_active),
        ("Esmeralda", 77, true)
    );
    assert_eq!(
        d.client().active_collectibles(&ev.id).await.unwrap(),
        vec![c.clone()]
    );

    // A non-participant may not claim; claiming as someone else is refused.
    assert_eq!(status(carol.claim(&c.id).await.unwrap_err()), 403);
    let (code, _) = raw(
        &d,
        "POST",
        &format!(
            "/api/collectibles/claim?collectible_id={}&user_id={}",
            c.id, a.user.id
        ),
        Some(&b.token),
        None,
    )
    .await;
    assert_eq!(code, 403);

    let won = bob.claim(&c.id).await.unwrap();
    assert!(won.success);
    assert_eq!(
        won.collectible.as_ref().unwrap().claimed_by.as_ref(),
        Some(&b.user.id)
    );
    let lost = alice.claim(&c.id).await.unwrap();
    assert!(!lost.success);
    assert_eq!(lost.message, "already claimed");
    assert!(d
        .client()
        .active_collectibles(&ev.id)
        .await
        .unwrap()
        .is_empty());
    let inv = d.client().user_collectibles(&b.user.id).await.unwrap();
    assert_eq!(inv.len(), 1);
    assert_eq!(
        (
            inv[0].collectible_id.clone(),
            inv[0].points,
            inv[0].event_id.clone()
        ),
        (c.id.clone(), 77, ev.id.clone())
    );
    assert_eq!(bob.me().await.unwrap().stats.collectibles_count, 1);
    assert_eq!(alice.me().await.unwrap().stats.collectibles_count, 0);

    // Unknown and malformed ids.
    let (code, _) = raw(
        &d,
        "POST",
        "/api/collectibles/claim?collectible_id=0123456789abcdef01234567",
        Some(&b.token),
        None,
    )
    .await;
    assert_eq!(code, 404);
    let (code, _) = raw(
        &d,
        "POST",
        "/api/collectibles/claim?collectible_id=zzz",
        Some(&b.token),
        None,
    )
    .await;
    assert_eq!(code, 422);
    let (code, _) = raw(&d, "POST", "/api/collectibles/claim", Some(&b.token), None).await;
    assert_eq!(code, 422);

    // Ending the event deactivates what is left.
    let c2 = d
        .admin()
        .drop_collectible(&ev.id, &DropRequest::default())
        .await
        .unwrap();
    alice.end_event(&ev.id).await.unwrap();
    assert!(d
        .client()
        .active_collectibles(&ev.id)
        .await
        .unwrap()
        .is_empty());
    let err = d
        .admin()
        .drop_collectible(&ev.id, &DropRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status(err), 409);
    let _ = c2;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn claim_race_over_http_has_one_winner() {
    let d = Daemon::start().await;
    let (host, _) = d.user("Host").await;
    let ev = create_event(&host, "Carrera", BOGOTA).await;
    let mut players = Vec::new();
    for i in 0..200 {
        let (c, reg) = d.user(&format!("p{i}")).await;
        c.join_event(&ev.id).await.unwrap();
        players.push((c, reg.user.id));
    }
    let col = d
        .admin()
        .drop_collectible(
            &ev.id,
            &DropRequest {
                expires_in: Some(600),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(players.len()));
    let mut tasks = Vec::new();
    for (c, id) in players.clone() {
        let col = col.id.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            (id, c.claim(&col).await.unwrap())
        }));
    }
    let mut winners = Vec::new();
    let mut losers = 0;
    for t in tasks {
        let (id, r) = t.await.unwrap();
        if r.success {
            winners.push(id);
        } else {
            assert_eq!(r.message, "already claimed");
            losers += 1;
        }
    }
    assert_eq!(winners.len(), 1, "exactly one winner");
    assert_eq!(losers, 199);
    let winner = &winners[0];
    for (c, id) in &players {
        let me = c.me().await.unwrap();
        let inv = d.client().user_collectibles(id).await.unwrap();
        if id == winner {
            assert_eq!(me.stats.collectibles_count, 1);
            assert_eq!(inv.len(), 1);
        } else {
            assert_eq!(me.stats.collectibles_count, 0);
            assert!(inv.is_empty());
        }
    }
}

#[tokio::test]
async fn everything_survives_a_restart() {
    let mut d = Daemon::start().await;
    let (alice, a) = d.user("Alice").await;
    let ev = create_event(&alice, "Persistente", BOGOTA).await;
    alice.join_event(&ev.id).await.unwrap();
    let c = d
        .admin()
        .drop_collectible(
            &ev.id,
            &DropRequest {
                expires_in: Some(600),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(alice.claim(&c.id).await.unwrap().success);
    let ended = create_event(&alice, "Terminado", east_of(BOGOTA, 100.0)).await;
    alice.end_event(&ended.id).await.unwrap();

    d.restart().await;

    let alice = d.client().with_token(&a.token);
    let me = alice.me().await.unwrap();
    assert_eq!(me.stats.events_created, 2);
    assert_eq!(me.stats.collectibles_count, 1);
    assert_eq!(d.client().event(&ev.id).await.unwrap().title, "Persistente");
    assert_eq!(d.client().participants(&ev.id).await.unwrap().len(), 1);
    assert_eq!(
        d.client()
            .user_collectibles(&a.user.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        d.client().event(&ended.id).await.unwrap().status,
        EventStatus::Ended
    );
    let q = NearbyQuery {
        lng: BOGOTA.0,
        lat: BOGOTA.1,
        max_distance: None,
        limit: None,
        category: None,
    };
    let ids: HashSet<_> = d
        .client()
        .nearby(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.event.id)
        .collect();
    assert!(ids.contains(&ev.id) && !ids.contains(&ended.id));
}

#[tokio::test]
async fn health_metrics_and_docs() {
    let d = Daemon::start().await;
    let h = d.client().health().await.unwrap();
    assert_eq!((h.status.as_str(), h.store.as_str()), ("ok", "sqlite"));
    assert_eq!(h.video.map(|v| v.enabled), Some(false));
    let (code, _) = raw(&d, "GET", "/openapi.json", None, None).await;
    assert_eq!(code, 200);
    let resp = reqwest::get(format!("{}/metrics", d.url)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.unwrap();
    for name in [
        "citypulse_ws_connections",
        "citypulse_claims_won_total",
        "citypulse_http_request_duration_seconds_bucket",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
    let resp = reqwest::get(format!("{}/docs", d.url)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}

#[tokio::test]
async fn rooms_joined_per_user_are_limited() {
    let d = Daemon::builder()
        .env("CPL_MAX_ROOMS_PER_USER", "2")
        .start()
        .await;
    let (c, _) = d.user("Joiner").await;
    let mut events = Vec::new();
    for i in 0..3 {
        events.push(
            create_event(
                &c,
                &format!("Feria {i}"),
                north_of(BOGOTA, 100.0 * i as f64),
            )
            .await,
        );
    }
    c.join_event(&events[0].id).await.unwrap();
    c.join_event(&events[1].id).await.unwrap();
    let err = c.join_event(&events[2].id).await.unwrap_err();
    let text = err.to_string();
    assert_eq!(status(err), 409);
    assert!(
        text.contains("2 event rooms") && text.contains("leave one"),
        "{text}"
    );
    assert!(c.participants(&events[2].id).await.unwrap().is_empty());
    // At the limit, joining a room one is already in is still the no-op it always is.
    c.join_event(&events[1].id).await.unwrap();
    c.leave_event(&events[0].id).await.unwrap();
    c.join_event(&events[2].id).await.unwrap();
    assert_eq!(c.participants(&events[2].id).await.unwrap().len(), 1);
}

/// Twelve joins of one user at the same instant, three allowed: exactly three rooms, the
/// other nine a 409, whatever order they land in.
#[tokio::test]
async fn simultaneous_joins_cannot_pass_the_room_limit_together() {
    let d = Daemon::builder()
        .env("CPL_MAX_ROOMS_PER_USER", "3")
        .start()
        .await;
    let (c, _) = d.user("Joiner").await;
    let mut events = Vec::new();
    for i in 0..12 {
        let at = north_of(BOGOTA, 100.0 * i as f64);
        events.push(create_event(&c, &format!("Feria {i}"), at).await);
    }
    let joins: Vec<_> = events
        .iter()
        .map(|e| {
            let (c, id) = (c.clone(), e.id.clone());
            tokio::spawn(async move { c.join_event(&id).await })
        })
        .collect();
    let mut joined = 0;
    for j in joins {
        match j.await.unwrap() {
            Ok(_) => joined += 1,
            Err(e) => assert_eq!(status(e), 409),
        }
    }
    assert_eq!(joined, 3);
    let mut members = 0;
    for e in &events {
        members += c.participants(&e.id).await.unwrap().len();
    }
    assert_eq!(members, 3, "the store holds what the answers said");
}

#[tokio::test]
async fn a_wrong_method_answers_405_naming_the_allowed_ones() {
    let d = Daemon::start().await;
    let http = reqwest::Client::new();
    for (method, path, allow) in [
        ("DELETE", "/api/events", "GET, HEAD, POST"),
        ("POST", "/api/events/nearby", "GET, HEAD"),
        ("PUT", "/api/users/register", "POST"),
        ("GET", "/api/users/register", "POST"),
        ("DELETE", "/health", "GET, HEAD"),
        // Their own routes, not ids: DELETE /api/users/{id} does not take them.
        ("DELETE", "/api/users/me", "GET, HEAD"),
        ("DELETE", "/api/users/register", "POST"),
    ] {
        let resp = http
            .request(method.parse().unwrap(), format!("{}{path}", d.url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 405, "{method} {path}");
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert!(body["detail"].is_string(), "{method} {path}: {body}");
    }
    // Right method: no Allow; unknown path: 404, not 405.
    let resp = http.get(format!("{}/health", d.url)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers().get("allow").is_none());
    let (code, _) = raw(&d, "DELETE", "/api/nowhere", None, None).await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn registration_is_rate_limited_with_retry_after() {
    let d = Daemon::builder().env("CPL_RATE_LIMIT", "1").start().await;
    let mut limited = None;
    // Burst is 5 seconds' worth at 1/s: requests in a row reach a 429 unless each one took
    // over a second, so even a badly stalled machine gets there well within 60.
    for _ in 0..60 {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/users/register", d.url))
            .json(&RegisterRequest {
                phone: unique_phone(),
                name: "R".into(),
            })
            .send()
            .await
            .unwrap();
        if resp.status().as_u16() == 429 {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("a 429 within 60 registrations in a row at 1/s");
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("retry after"));
}

/// Registers with `X-Forwarded-For: forwarded_for`; the status.
async fn register_via(d: &Daemon, forwarded_for: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/api/users/register", d.url))
        .header("x-forwarded-for", forwarded_for)
        .json(&RegisterRequest {
            phone: unique_phone(),
            name: "R".into(),
        })
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Registers with `X-Forwarded-For: forwarded_for(i)` for i = 1, 2, ... until the first
/// 429 (at most 60 requests); every status, in order.
async fn register_until_limited(d: &Daemon, forwarded_for: impl Fn(u32) -> String) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 1..=60 {
        let status = register_via(d, &forwarded_for(i)).await;
        statuses.push(status);
        if status == 429 {
            break;
        }
    }
    statuses
}

/// Behind a proxy listed in CPL_TRUSTED_PROXIES each client it names in X-Forwarded-For
/// has a bucket of its own; from any other peer the header is ignored, so a client cannot
/// pick a fresh bucket by sending one. At 1/s with a burst of 5, requests in a row reach a
/// 429 on any one bucket (within 60, unless each took over a second).
#[tokio::test]
async fn the_rate_limit_counts_clients_behind_a_trusted_proxy_and_ignores_the_header_otherwise() {
    let behind = Daemon::builder()
        .env("CPL_RATE_LIMIT", "1")
        .env("CPL_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
        .start()
        .await;
    // Seven clients behind the proxy (through an inner one): seven fresh buckets.
    for i in 1..=7 {
        let status = register_via(&behind, &format!("198.51.100.{i}, 10.1.1.1")).await;
        assert_eq!(status, 201, "client {i}");
    }
    // One client, whatever it writes in front of what the proxy saw: one bucket.
    let statuses = register_until_limited(&behind, |i| format!("192.0.2.{i}, 203.0.113.9")).await;
    assert!(statuses.contains(&429), "{statuses:?}");

    let direct = Daemon::builder().env("CPL_RATE_LIMIT", "1").start().await;
    let statuses = register_until_limited(&direct, |i| format!("198.51.100.{i}")).await;
    assert!(statuses.contains(&429), "{statuses:?}");
}
