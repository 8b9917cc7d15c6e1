//! Issue 5: a Daily.co room per event, meeting tokens on join, the room deleted when the
//! event ends, all against the local fake Daily (`citypulse_tests::fake_daily`), including
//! its faults: rate limits, 5xx, slow and garbled answers, a wrong key, and no key at all.
//! Retry delays are asserted on the gaps between the requests the fake recorded, never on
//! the test's own wall clock.

use std::time::Duration;

use chrono::{DurationRound, TimeDelta, Utc};
use citypulse::api::CreateEventRequest;
use citypulse::geo::Coordinates;
use citypulse::model::{Event, EventStatus};
use citypulse_tests::fake_daily::{daemon_with_daily, Endpoint, FakeDaily, Fault, FAKE_KEY};
use citypulse_tests::{api_error, nearby_count, Daemon, DaemonBuilder, BOGOTA};
use serde_json::json;

fn event_req(title: &str) -> CreateEventRequest {
    CreateEventRequest {
        title: title.into(),
        description: None,
        category: "cultura".into(),
        coordinates: Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
        address: None,
        starts_at: None,
        ends_at: None,
    }
}

/// A daemon talking to `fake` with `key`, with short timeouts and waits.
fn builder(fake: &FakeDaily, key: &str) -> DaemonBuilder {
    daemon_with_daily(&fake.url, &fake.domain, key)
}

async fn daemon(fake: &FakeDaily) -> Daemon {
    builder(fake, FAKE_KEY).start().await
}

fn paths(fake: &FakeDaily) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect()
}

fn assert_key_absent(d: &Daemon, key: &str) {
    assert!(
        !d.logs().contains(key),
        "the Daily key leaked into the daemon log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_join_leave_end_round_trip_sends_the_documented_requests() {
    let fake = FakeDaily::start().await;
    let d = daemon(&fake).await;
    let (ana, ana_reg) = d.user("Ana").await;
    let (luis, luis_reg) = d.user("Luis").await;

    // Create: one POST /rooms with the room's name, privacy and expiry.
    let starts_at = (Utc::now() + TimeDelta::hours(1))
        .duration_trunc(TimeDelta::seconds(1))
        .unwrap();
    let ev = ana
        .create_event(&CreateEventRequest {
            starts_at: Some(starts_at),
            ..event_req("Concierto")
        })
        .await
        .unwrap();
    let name = format!("citypulse-event-{}", ev.id);
    let url = format!("https://{}.daily.co/{name}", fake.domain);
    assert_eq!(ev.room.daily_room_name.as_deref(), Some(name.as_str()));
    assert_eq!(ev.room.daily_room_url.as_deref(), Some(url.as_str()));
    assert_eq!(ev.room_url.as_deref(), Some(url.as_str()));
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1, "{:?}", paths(&fake));
    assert_eq!(reqs[0].endpoint, Endpoint::CreateRoom);
    assert_eq!(reqs[0].path, "/v1/rooms");
    assert_eq!(
        reqs[0].authorization.as_deref(),
        Some(format!("Bearer {FAKE_KEY}").as_str())
    );
    assert_eq!(
        reqs[0].body,
        Some(json!({
            "name": name,
            "privacy": "private",
            "properties": {"exp": starts_at.timestamp() + 4 * 3600, "eject_at_room_exp": true},
        }))
    );
    let room = fake.room(&name).expect("the room exists at Daily");
    assert_eq!(room["privacy"], "private");
    // The stored event carries the room too.
    assert_eq!(
        ana.event(&ev.id)
            .await
            .unwrap()
            .room
            .daily_room_name
            .as_deref(),
        Some(name.as_str())
    );

    // Join: the creator gets an owner token scoped to the room.
    fake.clear_requests();
    let before = Utc::now().timestamp();
    let joined = ana.join_event(&ev.id).await.unwrap();
    let after = Utc::now().timestamp();
    assert_eq!(joined.event_id, ev.id);
    assert_eq!(joined.room_url.as_deref(), Some(url.as_str()));
    let token = joined.token.expect("a meeting token");
    assert_eq!(fake.tokens(), vec![token.clone()]);
    let reqs = fake.requests_to(Endpoint::CreateToken);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/v1/meeting-tokens");
    let body = reqs[0].body.clone().unwrap();
    let exp = body["properties"]["exp"].as_i64().unwrap();
    assert!(
        (before + 2 * 3600..=after + 2 * 3600).contains(&exp),
        "token exp {exp}"
    );
    assert_eq!(
        body,
        json!({"properties": {
            "room_name": name,
            "user_id": ana_reg.user.id.to_string(),
            "user_name": "Ana",
            "is_owner": true,
            "exp": exp,
        }})
    );
    let claims = fake.verify_token(&token).expect("a token the fake signed");
    assert_eq!(claims["r"], json!(name));
    assert_eq!(claims["o"], json!(true));

    // Another user: not an owner.
    fake.clear_requests();
    let joined = luis.join_event(&ev.id).await.unwrap();
    assert!(joined.token.is_some());
    let body = fake.requests_to(Endpoint::CreateToken)[0]
        .body
        .clone()
        .unwrap();
    assert_eq!(body["properties"]["is_owner"], json!(false));
    assert_eq!(
        body["properties"]["user_id"],
        json!(luis_reg.user.id.to_string())
    );
    assert_eq!(body["properties"]["user_name"], json!("Luis"));
    assert_eq!(
        luis.event(&ev.id).await.unwrap().room.current_participants,
        2
    );
    luis.leave_event(&ev.id).await.unwrap();
    assert_eq!(
        luis.event(&ev.id).await.unwrap().room.current_participants,
        1
    );

    // End: the room is deleted at Daily.
    fake.clear_requests();
    ana.end_event(&ev.id).await.unwrap();
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1, "{:?}", paths(&fake));
    assert_eq!(
        (
            reqs[0].method.as_str(),
            reqs[0].path.as_str(),
            reqs[0].status
        ),
        ("DELETE", format!("/v1/rooms/{name}").as_str(), 200)
    );
    assert!(fake.room_names().is_empty());

    // Joining the ended event is refused, and no token is minted for it.
    fake.clear_requests();
    let (status, _) = api_error(luis.join_event(&ev.id).await.unwrap_err());
    assert_eq!(status, 409);
    assert!(fake.requests().is_empty(), "{:?}", paths(&fake));
    assert_key_absent(&d, FAKE_KEY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_follows_the_events_planned_end() {
    let fake = FakeDaily::start().await;
    let d = daemon(&fake).await;
    let (ana, _) = d.user("Ana").await;
    let start = (Utc::now() + TimeDelta::hours(2))
        .duration_trunc(TimeDelta::seconds(1))
        .unwrap();
    let end = start + TimeDelta::hours(10);
    ana.create_event(&CreateEventRequest {
        starts_at: Some(start),
        ends_at: Some(end),
        ..event_req("Maratón")
    })
    .await
    .unwrap();
    let body = fake.requests_to(Endpoint::CreateRoom)[0]
        .body
        .clone()
        .unwrap();
    assert_eq!(body["properties"]["exp"], json!(end.timestamp() + 3600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_with_retry_after_is_retried_no_sooner_than_asked() {
    let fake = FakeDaily::start().await;
    fake.fault(
        Endpoint::CreateRoom,
        Fault::RateLimited {
            retry_after: Some(1),
        },
    );
    let d = daemon(&fake).await;
    let (ana, _) = d.user("Ana").await;
    let ev = ana.create_event(&event_req("Feria")).await.unwrap();
    let reqs = fake.requests_to(Endpoint::CreateRoom);
    assert_eq!(
        reqs.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 200]
    );
    let gap = reqs[1].at - reqs[0].at;
    assert!(
        gap >= Duration::from_secs(1),
        "retried after {gap:?}, Retry-After said 1 s"
    );
    assert_eq!(
        fake.room_names(),
        vec![format!("citypulse-event-{}", ev.id)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_without_retry_after_backs_off_and_succeeds() {
    let fake = FakeDaily::start().await;
    fake.faults(
        Endpoint::CreateRoom,
        Fault::RateLimited { retry_after: None },
        2,
    );
    let d = daemon(&fake).await;
    let (ana, _) = d.user("Ana").await;
    ana.create_event(&event_req("Feria")).await.unwrap();
    let reqs = fake.requests_to(Endpoint::CreateRoom);
    assert_eq!(
        reqs.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 429, 200]
    );
    // Backoff 50 ms doubling, with equal jitter: at least 25 ms, then at least 50 ms.
    assert!(reqs[1].at - reqs[0].at >= Duration::from_millis(25));
    assert!(reqs[2].at - reqs[1].at >= Duration::from_millis(50));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_server_errors_mean_no_event_a_502_and_no_room_left() {
    let fake = FakeDaily::start().await;
    fake.faults(Endpoint::CreateRoom, Fault::Status(500), 3);
    let d = daemon(&fake).await;
    let (ana, _) = d.user("Ana").await;
    let (status, detail) = api_error(ana.create_event(&event_req("Feria")).await.unwrap_err());
    assert_eq!(status, 502);
    assert!(
        detail.contains("the event was not created") && detail.contains("Daily.co"),
        "{detail}"
    );
    assert!(
        detail.contains("HTTP 500")
            && detail.contains("server-error")
            && detail.contains("3 tries"),
        "{detail}"
    );
    assert_eq!(fake.requests_to(Endpoint::CreateRoom).len(), 3);
    // A 5xx may hide a room that was made: the daemon deletes the name to be sure.
    let deletes = fake.requests_to(Endpoint::DeleteRoom);
    assert_eq!(deletes.len(), 1);
    assert!(fake.room_names().is_empty());
    assert_eq!(nearby_count(&ana).await, 0);
    assert_eq!(ana.me().await.unwrap().stats.events_created, 0);

    // Daily recovers: the next creation works.
    ana.create_event(&event_req("Feria")).await.unwrap();
    assert_eq!(nearby_count(&ana).await, 1);
    assert_eq!(fake.room_names().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_is_retried_and_the_room_made_by_the_lost_try_is_used() {
    let fake = FakeDaily::start().await;
    // The first creation is done at Daily but answered too late; the retry gets "already
    // exists", reads the room back and uses it.
    fake.fault(Endpoint::CreateRoom, Fault::Slow(Duration::from_secs(5)));
    let d = builder(&fake, FAKE_KEY)
        .env("CPL_DAILY_TIMEOUT", "500ms")
        .start()
        .await;
    let (ana, _) = d.user("Ana").await;
    let ev = ana.create_event(&event_req("Feria")).await.unwrap();
    let name = format!("citypulse-event-{}", ev.id);
    let seen: Vec<(Endpoint, u16)> = fake
        .requests()
        .iter()
        .map(|r| (r.endpoint, r.status))
        .collect();
    assert_eq!(
        seen,
        vec![
            (Endpoint::CreateRoom, 200),
            (Endpoint::CreateRoom, 400),
            (Endpoint::GetRoom, 200)
        ]
    );
    assert_eq!(fake.room_names(), vec![name.clone()]);
    assert_eq!(ev.room.daily_room_name, Some(name));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_never_answering_in_time_is_a_502_and_leaves_no_room() {
    let fake = FakeDaily::start().await;
    fake.faults(Endpoint::CreateRoom, Fault::Slow(Duration::from_secs(5)), 3);
    let d = builder(&fake, FAKE_KEY)
        .env("CPL_DAILY_TIMEOUT", "300ms")
        .start()
        .await;
    let (ana, _) = d.user("Ana").await;
    let (status, detail) = api_error(ana.create_event(&event_req("Feria")).await.unwrap_err());
    assert_eq!(status, 502);
    assert!(
        detail.contains("did not answer within 300ms") && detail.contains("3 tries"),
        "{detail}"
    );
    assert_eq!(fake.requests_to(Endpoint::CreateRoom).len(), 3);
    // The first (slow) try did create the room; the clean-up deleted it.
    assert_eq!(
        fake.requests_to(Endpoint::DeleteRoom)
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        vec![200]
    );
    assert!(fake.room_names().is_empty());
    assert_eq!(nearby_count(&ana).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_from_daily_is_a_502_and_leaves_no_room() {
    let fake = FakeDaily::start().await;
    fake.fault(Endpoint::CreateRoom, Fault::Garbage);
    let d = daemon(&fake).await;
    let (ana, _) = d.user("Ana").await;
    let (status, detail) = api_error(ana.create_event(&event_req("Feria")).await.unwrap_err());
    assert_eq!(status, 502);
    assert!(
        detail.contains("Daily.co") && detail.contains("not the JSON Daily documents"),
        "{detail}"
    );
    // Not retried (a 200 is not a transient failure), but cleaned up.
    assert_eq!(fake.requests_to(Endpoint::CreateRoom).len(), 1);
    assert_eq!(fake.requests_to(Endpoint::DeleteRoom).len(), 1);
    assert!(fake.room_names().is_empty());
    assert_eq!(nearby_count(&ana).await, 0);

    // Garbage on the token: the join fails with a 502 and the caller is not in the room.
    let ev = ana.create_event(&event_req("Feria")).await.unwrap();
    fake.fault(Endpoint::CreateToken, Fault::Garbage);
    let (status, detail) = api_error(ana.join_event(&ev.id).await.unwrap_err());
    assert_eq!(status, 502);
    assert!(detail.contains("meeting token"), "{detail}");
    assert!(ana.participants(&ev.id).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_named_not_retried_and_never_shown() {
    let fake = FakeDaily::start().await;
    let wrong = "wrong-daily-key-aaaaaaaaaaaa";
    let d = builder(&fake, wrong).start().await;
    let (ana, _) = d.user("Ana").await;
    let (status, detail) = api_error(ana.create_event(&event_req("Feria")).await.unwrap_err());
    assert_eq!(status, 502);
    assert!(
        detail.contains("DAILY_API_KEY is wrong or has been revoked"),
        "{detail}"
    );
    assert!(!detail.contains(wrong), "{detail}");
    // One try: a 401 is final, and a refused creation left nothing to clean up.
    assert_eq!(paths(&fake), vec!["POST /v1/rooms 401".to_string()]);
    assert_eq!(nearby_count(&ana).await, 0);
    assert_key_absent(&d, wrong);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_video_is_off_and_daily_is_never_called() {
    let fake = FakeDaily::start().await;
    let d = Daemon::builder()
        .env("DAILY_API_URL", &fake.url)
        .start()
        .await;
    let health = d.client().health().await.unwrap();
    let video = health.video.expect("health reports video");
    assert!(!video.enabled);
    assert!(video.detail.contains("DAILY_API_KEY"), "{}", video.detail);
    let (ana, _) = d.user("Ana").await;
    let ev: Event = ana.create_event(&event_req("Feria")).await.unwrap();
    assert_eq!(ev.room_url, None);
    assert_eq!(ev.room.daily_room_name, None);
    assert_eq!(ev.room.daily_room_url, None);
    let joined = ana.join_event(&ev.id).await.unwrap();
    assert_eq!((joined.room_url, joined.token), (None, None));
    ana.end_event(&ev.id).await.unwrap();
    assert!(fake.requests().is_empty(), "{:?}", paths(&fake));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_deletes_the_room_even_when_daily_already_lost_it_or_fails() {
    let fake = FakeDaily::start().await;
    let d = daemon(&fake).await;
    let (ana, _) = d.user("Ana").await;

    // Already gone at Daily (deleted from the dashboard): 404 counts as deleted.
    let ev = ana.create_event(&event_req("Uno")).await.unwrap();
    assert!(fake.remove_room(ev.room.daily_room_name.as_deref().unwrap()));
    fake.clear_requests();
    ana.end_event(&ev.id).await.unwrap();
    assert_eq!(
        fake.requests_to(Endpoint::DeleteRoom)
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        vec![404]
    );

    // Expired at Daily: the same 404 (with "deleted": true).
    let ev = ana.create_event(&event_req("Dos")).await.unwrap();
    fake.expire_room(ev.room.daily_room_name.as_deref().unwrap());
    fake.clear_requests();
    ana.end_event(&ev.id).await.unwrap();
    assert_eq!(fake.requests_to(Endpoint::DeleteRoom)[0].status, 404);

    // Daily failing on every try: the event is still ended, the failure logged.
    let ev = ana.create_event(&event_req("Tres")).await.unwrap();
    fake.faults(Endpoint::DeleteRoom, Fault::Status(503), 3);
    fake.clear_requests();
    ana.end_event(&ev.id).await.unwrap();
    assert_eq!(fake.requests_to(Endpoint::DeleteRoom).len(), 3);
    assert_eq!(ana.event(&ev.id).await.unwrap().status, EventStatus::Ended);
    assert!(
        d.logs().contains("its Daily.co room was not deleted"),
        "{}",
        d.logs()
    );
    assert_key_absent(&d, FAKE_KEY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_failure_keeps_the_caller_out_of_the_room() {
    let fake = FakeDaily::start().await;
    let d = daemon(&fake).await;
    let (ana, _) = d.user("Ana").await;
    let ev = ana.create_event(&event_req("Feria")).await.unwrap();
    fake.faults(Endpoint::CreateToken, Fault::Status(502), 3);
    let (status, detail) = api_error(ana.join_event(&ev.id).await.unwrap_err());
    assert_eq!(status, 502);
    assert!(
        detail.contains("could not join") && detail.contains("HTTP 502"),
        "{detail}"
    );
    assert!(ana.participants(&ev.id).await.unwrap().is_empty());
    assert_eq!(ana.me().await.unwrap().stats.events_attended, 0);
    // Daily back: the join works.
    assert!(ana.join_event(&ev.id).await.unwrap().token.is_some());
}

/// The fake itself behaves as daily.md says Daily does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_follows_the_daily_protocol() {
    let fake = FakeDaily::start().await;
    let http = reqwest::Client::new();
    let call = |method: &str, path: &str, auth: Option<&str>, body: Option<&str>| {
        let mut req = http.request(method.parse().unwrap(), format!("{}{path}", fake.url));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let ct = resp
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(ct.as_deref(), Some("application/json"));
            (status, body)
        }
    };
    let bearer = format!("Bearer {FAKE_KEY}");
    let auth = Some(bearer.as_str());

    let (s, b) = call("GET", "/rooms", None, None).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("authorization-header-error"))
    );
    let (s, b) = call("GET", "/rooms", Some("Basic abc"), None).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("authorization-header-error"))
    );
    let (s, b) = call("GET", "/rooms", Some("Bearer nope"), None).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (401, Some("authentication-error"))
    );
    assert!(b["info"].is_string());

    let (s, b) = call("POST", "/rooms", auth, Some("{not json")).await;
    assert_eq!((s, b["error"].as_str()), (400, Some("json-parsing-error")));
    let (s, b) = call("POST", "/rooms", auth, Some(r#"{"name":"bad name!"}"#)).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("invalid-request-error"))
    );
    let long = format!(r#"{{"name":"{}"}}"#, "a".repeat(129));
    assert_eq!(call("POST", "/rooms", auth, Some(&long)).await.0, 400);

    // No name: a random 20-character one, public by default, api_created, 200 not 201.
    let (s, b) = call("POST", "/rooms", auth, Some("{}")).await;
    assert_eq!(s, 200);
    let generated = b["name"].as_str().unwrap();
    assert!(generated.len() == 20 && generated.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(
        (b["privacy"].as_str(), b["api_created"].as_bool()),
        (Some("public"), Some(true))
    );

    // config echoes only non-default properties.
    let (s, b) = call(
        "POST",
        "/rooms",
        auth,
        Some(r#"{"name":"r-1","privacy":"private","properties":{"exp":4102444800,"enable_chat":false,"start_video_off":true}}"#),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        b["url"],
        json!(format!("https://{}.daily.co/r-1", fake.domain))
    );
    assert_eq!(
        b["config"],
        json!({"exp": 4102444800i64, "start_video_off": true})
    );
    let (s, b) = call("POST", "/rooms", auth, Some(r#"{"name":"r-1"}"#)).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("invalid-request-error"))
    );
    assert_eq!(call("GET", "/rooms/r-1", auth, None).await.0, 200);
    assert_eq!(call("GET", "/rooms/nope", auth, None).await.0, 404);
    assert_eq!(call("DELETE", "/rooms/nope", auth, None).await.0, 404);
    let (s, b) = call("DELETE", "/rooms/r-1", auth, None).await;
    assert_eq!((s, b), (200, json!({"deleted": true, "name": "r-1"})));
    assert_eq!(call("GET", "/rooms/r-1", auth, None).await.0, 404);

    // An expired room is gone for GET, and DELETE says 404 with "deleted": true.
    call("POST", "/rooms", auth, Some(r#"{"name":"r-2"}"#)).await;
    fake.expire_room("r-2");
    assert_eq!(call("GET", "/rooms/r-2", auth, None).await.0, 404);
    let (s, b) = call("DELETE", "/rooms/r-2", auth, None).await;
    assert_eq!((s, b["deleted"].as_bool()), (404, Some(true)));

    // Tokens: HS256 JWTs with abbreviated claims, signed with the key.
    let (s, b) = call(
        "POST",
        "/meeting-tokens",
        auth,
        Some(r#"{"properties":{"room_name":"r-3","is_owner":true,"user_id":"u1","user_name":"Ana","exp":4102444800}}"#),
    )
    .await;
    assert_eq!(s, 200);
    let claims = fake.verify_token(b["token"].as_str().unwrap()).unwrap();
    assert_eq!(
        (
            &claims["r"],
            &claims["o"],
            &claims["ud"],
            &claims["u"],
            &claims["exp"]
        ),
        (
            &json!("r-3"),
            &json!(true),
            &json!("u1"),
            &json!("Ana"),
            &json!(4102444800i64)
        )
    );
    assert!(claims["iat"].is_i64() && claims["d"].is_string());
    let too_long = r#"{"properties":{"user_id":"0123456789012345678901234567890123456789"}}"#;
    assert_eq!(
        call("POST", "/meeting-tokens", auth, Some(too_long))
            .await
            .0,
        400
    );

    // Scripted faults, in order, per endpoint.
    fake.fault(Endpoint::GetRoom, Fault::Status(503));
    fake.fault(
        Endpoint::GetRoom,
        Fault::RateLimited {
            retry_after: Some(7),
        },
    );
    let (s, b) = call("GET", "/rooms/x", auth, None).await;
    assert_eq!((s, b["error"].as_str()), (503, Some("server-error")));
    let resp = http
        .get(format!("{}/rooms/x", fake.url))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers().get("retry-after").unwrap(), "7");
    assert_eq!(call("GET", "/rooms/x", auth, None).await.0, 404);
    fake.fault(Endpoint::ListRooms, Fault::Garbage);
    let resp = http
        .get(format!("{}/rooms", fake.url))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(serde_json::from_str::<serde_json::Value>(&resp.text().await.unwrap()).is_err());
}

#[tokio::test]
async fn cpl_events_join_prints_the_room_url_with_the_token_attached() {
    let fake = FakeDaily::start().await;
    let d = daemon(&fake).await;
    let (alice, a) = d.user("Alice").await;
    let ev = alice.create_event(&event_req("Con video")).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(citypulse_tests::binary("cpl"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("CPL_CONFIG_DIR", home.path())
        .env("CPL_URL", &d.url)
        .env("CPL_TOKEN", &a.token)
        .args(["--format", "plain", "events", "join", ev.id.as_str()])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let room_url = ev.room_url.clone().expect("video is on");
    assert!(stdout.contains(&format!("{room_url}?t=")), "{stdout}");
}
