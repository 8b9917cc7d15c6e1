//! Faults of what the daemon depends on, each against the real part: a MongoDB server
//! that accepts connections but stops answering (`secantusd-py` frozen with SIGSTOP), the
//! SQLite file write-locked by another process, Daily.co unreachable or timing out once.
//! Every case answers with a sentence, keeps the rest of the daemon serving, and
//! recovers by itself once the fault is gone.

use std::io::Write;
use std::time::{Duration, Instant};

use citypulse::api::{CreateEventRequest, RegisterRequest};
use citypulse::client::WsConnection;
use citypulse::geo::Coordinates;
use citypulse::model::Event;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::Client;
use citypulse_tests::fake_daily::{daemon_with_daily, Endpoint, FakeDaily, Fault, FAKE_KEY};
use citypulse_tests::mongo::{self, MongoServer};
use citypulse_tests::{
    api_error, near_bogota, nearby_count, unique_phone, Daemon, DaemonBuilder, BOGOTA,
};

/// A generous sanity bound on how long a fault may take to answer; the daemon's own
/// bounds are shorter.
const SANE: Duration = Duration::from_secs(60);

fn at((lng, lat): (f64, f64)) -> Coordinates {
    Coordinates::new(lng, lat).unwrap()
}

fn new_event(title: &str) -> CreateEventRequest {
    CreateEventRequest {
        title: title.into(),
        description: None,
        category: "cultura".into(),
        coordinates: at(BOGOTA),
        address: None,
        starts_at: None,
        ends_at: None,
    }
}

async fn event(c: &Client, title: &str) -> Event {
    c.create_event(&new_event(title)).await.unwrap()
}

/// A daemon whose Daily.co is at `api_url`, with short timeouts and waits.
fn with_daily(api_url: &str, domain: &str) -> DaemonBuilder {
    daemon_with_daily(api_url, domain, FAKE_KEY)
}

async fn pong(ws: &mut WsConnection) {
    ws.send(&ClientMessage::Ping).await.unwrap();
    ws.recv_until(Duration::from_secs(15), |m| {
        matches!(m, ServerMessage::Pong).then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("waiting for pong: {e}"));
}

/// GET `path`: its status and body.
async fn get(d: &Daemon, path: &str) -> (u16, String) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", d.url))
        .timeout(SANE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let code = resp.status().as_u16();
    (code, resp.text().await.unwrap_or_default())
}

/// The pages that need no database answer while it is down.
async fn static_pages_answer(d: &Daemon) {
    for path in ["/openapi.json", "/docs"] {
        let (code, body) = get(d, path).await;
        assert_eq!(code, 200, "{path} answered {code}: {body}");
    }
}

/// A persistent `secantusd-py` of this test's own (it is frozen, which nothing else may
/// share), or None after saying why; under `CI=true` its absence is a failure, never a
/// silent skip.
fn own_server(what: &str) -> Option<MongoServer> {
    if let Some(s) = MongoServer::start_persistent() {
        return Some(s);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !ci,
        "CI=true but {} is missing, and {what} needs a server of its own to freeze: `{}`",
        mongo::SERVER,
        mongo::ENABLE
    );
    // Straight to the stream: libtest captures print!/eprint! of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "{what} needs {} (`{}`) to freeze a server of its own; skipped",
        mongo::SERVER,
        mongo::ENABLE
    );
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mongodb_that_stops_answering_is_a_503_within_a_bound_and_recovers_by_itself() {
    let Some(mut server) = own_server("the slow-MongoDB test") else {
        return;
    };
    let name = mongo::unique_database("slow");
    let d = Daemon::builder()
        .env("MONGODB_URL", &server.url())
        .env("DATABASE_NAME", &name)
        .start()
        .await;
    let (host, reg) = d.user("Host").await;
    let ev = event(&host, "Congelado").await;
    let mut ws = host.connect(&reg.user.id).await.unwrap();
    pong(&mut ws).await;

    server.pause();

    // A read, a write (registering needs no token, so nothing is read first) and /health,
    // at once: each a 503 naming MongoDB and the bound, not a hang.
    let started = Instant::now();
    let anonymous = d.client();
    let register = RegisterRequest {
        phone: unique_phone(),
        name: "Durante".into(),
    };
    let (read, write, health) = tokio::join!(
        host.event(&ev.id),
        anonymous.register(&register),
        anonymous.health()
    );
    assert!(
        started.elapsed() < SANE,
        "the 503s took {:?}",
        started.elapsed()
    );
    let err = read.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}; log:\n{}", d.logs());
    let why = err.to_string();
    assert!(why.contains("MongoDB"), "{why}");
    assert!(why.contains(&server.port().to_string()), "{why}");
    assert!(why.contains("did not answer within"), "{why}");
    let err = write.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    let why = err.to_string();
    assert!(why.contains("MongoDB"), "{why}");
    // A write cut off by the bound may still happen: the sentence says so.
    assert!(why.contains("may still"), "{why}");
    let err = health.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(err.to_string().contains("MongoDB"), "{err}");

    // Everything that needs no database keeps answering meanwhile.
    static_pages_answer(&d).await;
    pong(&mut ws).await;

    server.resume();

    // Recovery by itself: the same calls succeed, the daemon was not restarted.
    let deadline = Instant::now() + SANE;
    while d.client().health().await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the daemon did not recover; log:\n{}",
            d.logs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(host.event(&ev.id).await.unwrap().id, ev.id, "data survived");
    let after = event(&host, "Después").await;
    assert_eq!(host.event(&after.id).await.unwrap().title, "Después");
    assert_eq!(host.me().await.unwrap().id, reg.user.id);
    pong(&mut ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sqlite_file_locked_by_another_process_refuses_writes_with_a_sentence_and_recovers() {
    let d = Daemon::start().await;
    let (host, reg) = d.user("Host").await;
    let ev = event(&host, "Bloqueado").await;

    // Another program takes the file's write lock and keeps it longer than the daemon's
    // busy timeout (5 s). In WAL mode EXCLUSIVE blocks writers only; readers go on.
    let other = rusqlite::Connection::open(d.dir.join("citypulse.db")).unwrap();
    other.busy_timeout(Duration::from_secs(30)).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let started = Instant::now();
    let err = d
        .client()
        .register(&RegisterRequest {
            phone: unique_phone(),
            name: "Durante".into(),
        })
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < SANE,
        "the 503 took {:?}",
        started.elapsed()
    );
    assert_eq!(err.status(), Some(503), "{err}; log:\n{}", d.logs());
    let why = err.to_string();
    assert!(why.contains("SQLite"), "{why}");
    assert!(why.contains("locked by another process"), "{why}");
    assert!(why.contains("no other program holds the file"), "{why}");
    // A write of a signed-in user too (chat, events, claims share the one writer).
    let err = host.create_event(&new_event("Durante")).await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(err.to_string().contains("locked"), "{err}");

    // Reads need no lock: the event, nearby (from memory), the user, /health (it checks
    // that the database answers; the writes say what is wrong themselves).
    assert_eq!(host.event(&ev.id).await.unwrap().title, "Bloqueado");
    let near = d.client().nearby(&near_bogota()).await.unwrap();
    assert!(near.iter().any(|n| n.event.id == ev.id), "{near:?}");
    assert_eq!(host.me().await.unwrap().id, reg.user.id);
    let health = d.client().health().await.unwrap();
    assert_eq!(health.status, "ok");
    static_pages_answer(&d).await;

    // The other program lets go: writes succeed again, by themselves, and nothing that
    // was stored before is lost.
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    let (late, late_reg) = d.user("Después").await;
    let after = event(&late, "Después").await;
    assert_eq!(host.event(&ev.id).await.unwrap().title, "Bloqueado");
    assert_eq!(host.event(&after.id).await.unwrap().title, "Después");
    assert_eq!(host.me().await.unwrap().stats.events_created, 1);
    assert_eq!(late.me().await.unwrap().id, late_reg.user.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn daily_unreachable_is_a_502_naming_daily_and_stores_no_event() {
    // A loopback port nothing listens on: every connection is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = with_daily(&format!("http://127.0.0.1:{port}/v1"), "citypulse-test")
        .start()
        .await;
    let (ana, reg) = d.user("Ana").await;
    let mut ws = ana.connect(&reg.user.id).await.unwrap();

    let started = Instant::now();
    let (status, detail) = api_error(ana.create_event(&new_event("Sin video")).await.unwrap_err());
    assert!(
        started.elapsed() < SANE,
        "the 502 took {:?}",
        started.elapsed()
    );
    assert_eq!(status, 502, "{detail}");
    assert!(detail.contains("the event was not created"), "{detail}");
    assert!(detail.contains("cannot reach Daily.co"), "{detail}");
    assert!(detail.contains(&port.to_string()), "{detail}");
    assert!(detail.contains("check DAILY_API_URL"), "{detail}");
    assert!(!detail.contains(FAKE_KEY), "{detail}");
    // No event: none nearby, none counted.
    assert_eq!(nearby_count(&ana).await, 0);
    assert_eq!(ana.me().await.unwrap().stats.events_created, 0);

    // Everything else keeps answering.
    let health = d.client().health().await.unwrap();
    assert_eq!(health.status, "ok");
    let (other, _) = d.user("Otra").await;
    assert_eq!(other.me().await.unwrap().name, "Otra");
    static_pages_answer(&d).await;
    pong(&mut ws).await;
    assert!(
        !d.logs().contains(FAKE_KEY),
        "the Daily key leaked into the log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn daily_timing_out_once_fails_that_create_and_the_next_one_succeeds() {
    let fake = FakeDaily::start().await;
    // One try per creation, so one late answer fails one creation; the fake makes the
    // room, then answers only after the daemon gave up.
    fake.fault(Endpoint::CreateRoom, Fault::Slow(Duration::from_secs(5)));
    let d = with_daily(&fake.url, &fake.domain)
        .env("CPL_DAILY_TIMEOUT", "300ms")
        .env("CPL_DAILY_ATTEMPTS", "1")
        .start()
        .await;
    let (ana, _) = d.user("Ana").await;

    let (status, detail) = api_error(ana.create_event(&new_event("Tarde")).await.unwrap_err());
    assert_eq!(status, 502, "{detail}");
    assert!(detail.contains("the event was not created"), "{detail}");
    assert!(
        detail.contains("Daily.co did not answer within 300ms"),
        "{detail}"
    );
    assert_eq!(nearby_count(&ana).await, 0);
    // The room the late try made was deleted again.
    assert!(fake.room_names().is_empty(), "{:?}", fake.room_names());

    // Recovery by itself: the next creation gets its room and its event.
    let ev = ana.create_event(&new_event("A tiempo")).await.unwrap();
    let name = format!("citypulse-event-{}", ev.id);
    assert_eq!(ev.room.daily_room_name.as_deref(), Some(name.as_str()));
    assert_eq!(fake.room_names(), vec![name]);
    assert_eq!(nearby_count(&ana).await, 1);
    assert_eq!(ana.me().await.unwrap().stats.events_created, 1);
}

/// `call`, again after its `Retry-After` while it answers 429 (for the set-up of the rate
/// limit test, whose calls share the one per-address allowance).
async fn patiently<T, F, Fut>(mut call: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, citypulse::ClientError>>,
{
    for _ in 0..30 {
        match call().await {
            Err(e) if e.status() == Some(429) => tokio::time::sleep(Duration::from_secs(1)).await,
            other => return other.unwrap(),
        }
    }
    panic!("still rate limited after 30 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn too_many_claims_from_one_client_are_a_429_with_retry_after() {
    let d = Daemon::builder().env("CPL_RATE_LIMIT", "1").start().await;
    let register = RegisterRequest {
        phone: unique_phone(),
        name: "Ana".into(),
    };
    let anonymous = d.client();
    let reg = patiently(|| anonymous.register(&register)).await;
    let ana = d.client().with_token(reg.token.clone());
    let req = new_event("Botín");
    let ev = patiently(|| ana.create_event(&req)).await;
    patiently(|| ana.join_event(&ev.id)).await;
    let admin = d.admin();
    let drop = citypulse::api::DropRequest::default();
    let c = patiently(|| admin.drop_collectible(&ev.id, &drop)).await;

    // Claims in a row: the allowance is 5 seconds' worth at 1/s, so they reach a 429 unless
    // each took over a second (the first wins, the others find it taken).
    let claim = || {
        reqwest::Client::new()
            .post(format!("{}/api/collectibles/claim", d.url))
            .query(&[("collectible_id", c.id.as_str())])
            .bearer_auth(&reg.token)
            .send()
    };
    let mut limited = None;
    for _ in 0..60 {
        let resp = claim().await.unwrap();
        if resp.status().as_u16() == 429 {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("a 429 within 60 claims in a row at 1/s");
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=5).contains(&retry), "Retry-After: {retry}");
    let body: serde_json::Value = resp.json().await.unwrap();
    let why = body["detail"].as_str().unwrap_or_default();
    assert!(why.contains("retry after"), "{body}");

    // After the wait it asked for, the client is served again (the collectible is taken,
    // which is an answer, not a 429); reads were never limited.
    assert_eq!(ana.event(&ev.id).await.unwrap().title, "Botín");
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let resp = claim().await.unwrap();
    assert_ne!(
        resp.status().as_u16(),
        429,
        "still limited after Retry-After"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_websocket_over_the_per_user_limit_is_closed_with_a_reason() {
    let d = Daemon::builder()
        .env("CPL_MAX_CONNECTIONS_PER_USER", "2")
        .start()
        .await;
    let (ana, reg) = d.user("Ana").await;
    let mut first = ana.connect(&reg.user.id).await.unwrap();
    let mut second = ana.connect(&reg.user.id).await.unwrap();
    // Answered pings: both are registered before the third arrives.
    pong(&mut first).await;
    pong(&mut second).await;

    let mut third = ana.connect(&reg.user.id).await.unwrap();
    match third.recv().await {
        Err(citypulse::client::WsError::Closed { code, reason }) => {
            assert_eq!(code, 1008, "{reason}");
            assert!(
                reason.contains("too many open connections for this user")
                    && reason.contains("at most 2")
                    && reason.contains("close another first"),
                "{reason}"
            );
        }
        other => panic!("the third WebSocket was not closed: {other:?}"),
    }
    // The two within the limit are untouched; another user is not affected.
    pong(&mut first).await;
    pong(&mut second).await;
    let (luis, luis_reg) = d.user("Luis").await;
    let mut other = luis.connect(&luis_reg.user.id).await.unwrap();
    pong(&mut other).await;

    // Closing one makes room again.
    first.close().await.unwrap();
    let deadline = Instant::now() + SANE;
    loop {
        let mut again = ana.connect(&reg.user.id).await.unwrap();
        again.send(&ClientMessage::Ping).await.unwrap();
        let answered = again
            .recv_until(Duration::from_secs(15), |m| {
                matches!(m, ServerMessage::Pong).then_some(())
            })
            .await;
        match answered {
            Ok(()) => break,
            // The daemon may not have seen the close yet: this one was refused too.
            Err(citypulse::client::WsError::Closed { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("no room after closing a connection: {e}"),
        }
    }
    pong(&mut second).await;
}
