//! Several `cpld` on one MongoDB database behave as one: room broadcasts published on one
//! daemon reach the members connected to the other, a claim race spread over both has
//! one winner, and an outage of the database is survived (503s naming the database,
//! WebSockets kept open) and recovered from without restarting anything.
//!
//! The server: `CPL_TEST_MONGODB_URL`, or a `secantusd-py` started here
//! ([`citypulse_tests::mongo`]); without either these tests print once that they were
//! skipped (a failure under `CI=true`).

use std::io::Write;
use std::time::{Duration, Instant};

use citypulse::api::{CreateEventRequest, DropRequest};
use citypulse::client::WsConnection;
use citypulse::geo::Coordinates;
use citypulse::model::{Event, RegisteredUser};
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::Client;
use citypulse_tests::frames::{chat, expect, joined};
use citypulse_tests::mongo::{self, DropDatabase, MongoServer};
use citypulse_tests::{north_of, Daemon, BOGOTA};

const WAIT: Duration = Duration::from_secs(15);

fn at((lng, lat): (f64, f64)) -> Coordinates {
    Coordinates::new(lng, lat).unwrap()
}

/// A daemon on `url`, database `db`.
async fn daemon(url: &str, db: &str) -> Daemon {
    Daemon::builder()
        .env("MONGODB_URL", url)
        .env("DATABASE_NAME", db)
        .start()
        .await
}

async fn event(c: &Client, title: &str, pos: (f64, f64)) -> Event {
    c.create_event(&CreateEventRequest {
        title: title.into(),
        description: None,
        category: "cultura".into(),
        coordinates: at(pos),
        address: None,
        starts_at: None,
        ends_at: None,
    })
    .await
    .unwrap()
}

async fn connect(c: &Client, r: &RegisteredUser) -> WsConnection {
    c.connect(&r.user.id).await.unwrap()
}

async fn pong(ws: &mut WsConnection) {
    ws.send(&ClientMessage::Ping).await.unwrap();
    expect(ws, "pong", |m| {
        matches!(m, ServerMessage::Pong).then_some(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn room_broadcasts_reach_members_on_the_other_daemon() {
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("multi");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let a = daemon(&url, &name).await;
    let b = daemon(&url, &name).await;
    let (host, _) = a.user("Host").await;
    let (alice, ra) = a.user("Alice").await;
    let (bob, rb) = b.user("Bob").await;
    let (carol, rc) = b.user("Carol").await;
    // One database: a token issued by one daemon works on the other.
    let bob_on_a = a.client().with_token(rb.token.clone());
    assert_eq!(bob_on_a.me().await.unwrap().id, rb.user.id);

    // event_nearby: Carol, near the spot and connected to B, hears of an event made on A.
    let mut carol_ws = connect(&carol, &rc).await;
    carol_ws
        .send(&ClientMessage::LocationUpdate {
            coordinates: at(BOGOTA),
        })
        .await
        .unwrap();
    expect(&mut carol_ws, "nearby_events", |m| {
        matches!(m, ServerMessage::NearbyEvents { .. }).then_some(())
    })
    .await;
    let ev = event(&host, "Feria en la Plaza", north_of(BOGOTA, 500.0)).await;
    let near = expect(&mut carol_ws, "event_nearby from A", |m| match m {
        ServerMessage::EventNearby { event } if event.event.id == ev.id => Some(event.clone()),
        _ => None,
    })
    .await;
    assert!((near.distance_m - 500.0).abs() < 2.0, "{}", near.distance_m);

    // Presence: joins on either daemon are announced on both.
    let mut alice_ws = connect(&alice, &ra).await;
    alice_ws
        .send(&ClientMessage::JoinEvent {
            event_id: ev.id.clone(),
        })
        .await
        .unwrap();
    joined(&mut alice_ws, &ra).await;
    let mut bob_ws = connect(&bob, &rb).await;
    bob_ws
        .send(&ClientMessage::JoinEvent {
            event_id: ev.id.clone(),
        })
        .await
        .unwrap();
    joined(&mut bob_ws, &rb).await;
    joined(&mut alice_ws, &rb).await;
    for d in [&a, &b] {
        let mut who: Vec<_> = d
            .client()
            .participants(&ev.id)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.user_id)
            .collect();
        who.sort();
        let mut want = vec![ra.user.id.clone(), rb.user.id.clone()];
        want.sort();
        assert_eq!(who, want);
    }

    // Chat both ways; each author hears their own message once, from their own daemon.
    alice_ws
        .send(&ClientMessage::ChatMessage {
            event_id: ev.id.clone(),
            message: "Hola desde A".into(),
        })
        .await
        .unwrap();
    let from_a = chat(&mut bob_ws, "Hola desde A").await;
    assert_eq!(from_a.user_id, ra.user.id);
    assert_eq!(chat(&mut alice_ws, "Hola desde A").await.id, from_a.id);
    bob_ws
        .send(&ClientMessage::ChatMessage {
            event_id: ev.id.clone(),
            message: "¡Y desde B!".into(),
        })
        .await
        .unwrap();
    assert_eq!(chat(&mut alice_ws, "¡Y desde B!").await.user_id, rb.user.id);
    chat(&mut bob_ws, "¡Y desde B!").await;

    // A drop made through A reaches Bob on B; Bob's win through B reaches Alice on A.
    let col = a
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
    let seen = expect(&mut bob_ws, "collectible_drop from A", |m| match m {
        ServerMessage::CollectibleDrop { collectible, .. } if collectible.id == col.id => {
            Some(collectible.clone())
        }
        _ => None,
    })
    .await;
    assert_eq!(seen, col);
    let won = bob.claim(&col.id).await.unwrap();
    assert!(won.success, "{}", won.message);
    let claimed = expect(&mut alice_ws, "collectible_claimed from B", |m| match m {
        ServerMessage::CollectibleClaimed {
            collectible_id,
            user_id,
            name,
            ..
        } if *collectible_id == col.id => Some((user_id.clone(), name.clone())),
        _ => None,
    })
    .await;
    assert_eq!(claimed, (rb.user.id.clone(), "Bob".to_string()));
    let lost = alice.claim(&col.id).await.unwrap();
    assert!(!lost.success);

    // Leaving on B is heard on A; ending on A is heard on B.
    bob.leave_event(&ev.id).await.unwrap();
    let left = rb.user.id.clone();
    expect(&mut alice_ws, "user_left from B", |m| match m {
        ServerMessage::UserLeft { user_id, .. } if *user_id == left => Some(()),
        _ => None,
    })
    .await;
    bob_ws
        .send(&ClientMessage::JoinEvent {
            event_id: ev.id.clone(),
        })
        .await
        .unwrap();
    joined(&mut alice_ws, &rb).await;
    host.end_event(&ev.id).await.unwrap();
    for ws in [&mut bob_ws, &mut alice_ws] {
        let id = ev.id.clone();
        expect(ws, "event_ended", |m| match m {
            ServerMessage::EventEnded {
                event_id,
                ended_by: citypulse::ws::EndedBy::Creator,
            } if *event_id == id => Some(()),
            _ => None,
        })
        .await;
    }
    for (ws, d) in [(&mut alice_ws, &a), (&mut bob_ws, &b)] {
        pong(ws).await;
        assert_eq!(d.client().health().await.unwrap().store, "mongodb");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn claim_race_split_across_two_daemons_has_one_winner() {
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("race");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let a = daemon(&url, &name).await;
    let b = daemon(&url, &name).await;
    let (host, _) = a.user("Host").await;
    let ev = event(&host, "Carrera", BOGOTA).await;
    // Half the players live on A, half on B.
    let mut players = Vec::new();
    for i in 0..200 {
        let d = if i % 2 == 0 { &a } else { &b };
        let (c, reg) = d.user(&format!("p{i}")).await;
        c.join_event(&ev.id).await.unwrap();
        players.push((c, reg.user.id));
    }
    assert_eq!(
        b.client()
            .event(&ev.id)
            .await
            .unwrap()
            .room
            .current_participants,
        200
    );
    let col = b
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
        let (col, barrier) = (col.id.clone(), barrier.clone());
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
    assert_eq!(winners.len(), 1, "exactly one winner across both daemons");
    assert_eq!(losers, 199);
    let winner = &winners[0];
    let stored = a.client().active_collectibles(&ev.id).await.unwrap();
    assert!(
        stored.is_empty(),
        "the claimed collectible is no longer active"
    );
    for (i, (c, id)) in players.iter().enumerate() {
        let me = c.me().await.unwrap();
        let other = if i % 2 == 0 { &b } else { &a };
        let inv = other.client().user_collectibles(id).await.unwrap();
        if id == winner {
            assert_eq!(me.stats.collectibles_count, 1);
            assert_eq!(inv.len(), 1);
            assert_eq!(inv[0].collectible_id, col.id);
        } else {
            assert_eq!(me.stats.collectibles_count, 0, "{id} was counted a win");
            assert!(inv.is_empty(), "{id} got an inventory row");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_outage_answers_503_and_recovers_by_itself() {
    // Stopping and restarting the server needs one of our own.
    if mongo::shared_url().is_none() {
        return;
    }
    let Some(mut server) = MongoServer::start_persistent() else {
        // Straight to the stream: libtest captures print!/eprint! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "the MongoDB outage test needs {} (`{}`) to stop and restart a server; skipped",
            mongo::SERVER,
            mongo::ENABLE
        );
        return;
    };
    let url = server.url();
    let name = mongo::unique_database("outage");
    let a = daemon(&url, &name).await;
    let b = daemon(&url, &name).await;
    let (host, _) = a.user("Host").await;
    let (alice, ra) = a.user("Alice").await;
    let (bob, rb) = b.user("Bob").await;
    let ev = event(&host, "Apagón", BOGOTA).await;
    let mut alice_ws = connect(&alice, &ra).await;
    alice_ws
        .send(&ClientMessage::JoinEvent {
            event_id: ev.id.clone(),
        })
        .await
        .unwrap();
    joined(&mut alice_ws, &ra).await;
    let mut bob_ws = connect(&bob, &rb).await;
    bob_ws
        .send(&ClientMessage::JoinEvent {
            event_id: ev.id.clone(),
        })
        .await
        .unwrap();
    joined(&mut bob_ws, &rb).await;

    server.stop();

    // /health and calls: 503 with a sentence naming the database, quickly.
    let started = Instant::now();
    let err = a.client().health().await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    let detail = err.to_string();
    assert!(detail.contains("MongoDB"), "{detail}");
    assert!(detail.contains(&server.port().to_string()), "{detail}");
    let err = alice.event(&ev.id).await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(err.to_string().contains("MongoDB"), "{err}");
    assert!(err.to_string().contains("unreachable"), "{err}");
    let err = bob.me().await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "503s took {:?}",
        started.elapsed()
    );

    // WebSockets stay up: pings answered, a chat refused with a sentence, still open.
    pong(&mut alice_ws).await;
    alice_ws
        .send(&ClientMessage::ChatMessage {
            event_id: ev.id.clone(),
            message: "¿Hay alguien?".into(),
        })
        .await
        .unwrap();
    let why = expect(&mut alice_ws, "unavailable", |m| match m {
        ServerMessage::Error { code, message } if code == "unavailable" => Some(message.clone()),
        _ => None,
    })
    .await;
    assert!(why.contains("MongoDB"), "{why}");
    pong(&mut alice_ws).await;
    pong(&mut bob_ws).await;

    server.start_again();

    // Recovery by itself: no daemon restarted.
    let deadline = Instant::now() + Duration::from_secs(60);
    for d in [&a, &b] {
        while d.client().health().await.is_err() {
            assert!(
                Instant::now() < deadline,
                "{} did not recover; log:\n{}",
                d.url,
                d.logs()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    assert_eq!(
        alice.event(&ev.id).await.unwrap().id,
        ev.id,
        "data survived"
    );
    assert_eq!(bob.me().await.unwrap().id, rb.user.id);
    // The bus is back too: a chat on A reaches Bob on B (the watcher reconnects with
    // backoff, so ask again until it does).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut n = 0;
    loop {
        n += 1;
        let text = format!("¿Volvimos? #{n}");
        alice_ws
            .send(&ClientMessage::ChatMessage {
                event_id: ev.id.clone(),
                message: text.clone(),
            })
            .await
            .unwrap();
        let heard = bob_ws
            .recv_until(Duration::from_secs(2), |m| match m {
                ServerMessage::ChatMessage(c) if c.message.starts_with("¿Volvimos?") => Some(()),
                _ => None,
            })
            .await;
        if heard.is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the cross-daemon bus did not recover; log of B:\n{}",
            b.logs()
        );
    }
    pong(&mut alice_ws).await;
    let _drop = DropDatabase { url, name };
}

async fn participant_ids(d: &Daemon, ev: &citypulse::ids::EventId) -> Vec<citypulse::UserId> {
    d.client()
        .participants(ev)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.user_id)
        .collect()
}

/// Presence across daemons: a user with a socket on A and one on B who closes the one on
/// A stays in their room (B's connection lease is live) and nobody hears `user_left`;
/// closing the one on B too takes them out, and the room hears it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_connected_to_two_daemons_leaves_when_their_last_socket_anywhere_closes() {
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("presence");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let a = daemon(&url, &name).await;
    let b = daemon(&url, &name).await;
    let (host, _) = a.user("Host").await;
    let (olga, ro) = a.user("Olga").await;
    let (dana_a, rd) = a.user("Dana").await;
    let dana_b = b.client().with_token(rd.token.clone());
    let dana = rd.user.id.clone();
    let ev = event(&host, "Presencia", BOGOTA).await;

    // Olga watches the room from A.
    let mut olga_ws = connect(&olga, &ro).await;
    olga_ws
        .send(&ClientMessage::JoinEvent {
            event_id: ev.id.clone(),
        })
        .await
        .unwrap();
    joined(&mut olga_ws, &ro).await;
    // Dana: one socket on each daemon, and in the room.
    let mut dana_on_a = connect(&dana_a, &rd).await;
    let mut dana_on_b = connect(&dana_b, &rd).await;
    dana_a.join_event(&ev.id).await.unwrap();
    joined(&mut olga_ws, &rd).await;
    // A pong proves each socket's reader runs, which starts after its lease is recorded.
    pong(&mut dana_on_a).await;
    pong(&mut dana_on_b).await;

    dana_on_a.close().await.unwrap();
    // A decides: still connected through B. (Before connection leases, A took Dana out
    // of the room here and this counter never moved.)
    let deadline = Instant::now() + WAIT;
    while a.metric("citypulse_presence_kept_total").await < 1 {
        assert!(
            Instant::now() < deadline,
            "A never kept Dana in her rooms; log of A:\n{}",
            a.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for d in [&a, &b] {
        let who = participant_ids(d, &ev.id).await;
        assert!(who.contains(&dana), "{} lost Dana: {who:?}", d.url);
    }
    // Nobody heard user_left: Olga's socket on A would have had it queued before A
    // counted the decision, so it would arrive before this pong.
    olga_ws.send(&ClientMessage::Ping).await.unwrap();
    let heard = expect(&mut olga_ws, "pong", |m| match m {
        ServerMessage::UserLeft { user_id, .. } if *user_id == dana => Some(false),
        ServerMessage::Pong => Some(true),
        _ => None,
    })
    .await;
    assert!(
        heard,
        "Olga heard that Dana left although Dana is still on B"
    );
    // Dana is still a participant through B: she may chat, and A's members hear her.
    dana_on_b
        .send(&ClientMessage::ChatMessage {
            event_id: ev.id.clone(),
            message: "Sigo aquí, desde B".into(),
        })
        .await
        .unwrap();
    assert_eq!(chat(&mut olga_ws, "Sigo aquí, desde B").await.user_id, dana);

    // Her last socket anywhere closes: she leaves, and the room hears it.
    dana_on_b.close().await.unwrap();
    expect(&mut olga_ws, "user_left from B", |m| match m {
        ServerMessage::UserLeft { user_id, .. } if *user_id == dana => Some(()),
        _ => None,
    })
    .await;
    for d in [&a, &b] {
        assert!(!participant_ids(d, &ev.id).await.contains(&dana));
    }
    assert_eq!(b.metric("citypulse_presence_kept_total").await, 0);
}

/// Drop rounds run once across daemons: two daemons with a one-second drop interval tick
/// many times, but only the holder of the drop-round lease runs rounds; when it dies the
/// other takes over after the lease expires.
///
/// Why these assertions and not a count of collectibles per time window: each daemon
/// counts on `/metrics` the rounds it ran and the ticks it left to the lease holder, so
/// "only one daemon drops" is a plain fact about counters (one is zero, the other is
/// not) whatever the machine's speed; without the lease both would run rounds from their
/// first tick. The waits are bounded but generous and assert nothing about elapsed time.
/// What could make this test flaky: the holder stalling for longer than the lease's
/// margin (half an interval + 5 s) so that the other daemon takes over legitimately.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn drop_rounds_run_on_one_daemon_at_a_time() {
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("drops");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let start = || {
        Daemon::builder()
            .env("MONGODB_URL", &url)
            .env("DATABASE_NAME", &name)
            .env("CPL_DROP_INTERVAL", "1")
            // Drops stay claimable (and listed) for the whole test.
            .env("CPL_DROP_TTL", "600")
            .start()
    };
    let a = start().await;
    let b = start().await;
    let (host, _) = a.user("Host").await;
    let ev = event(&host, "Lluvia de premios", BOGOTA).await;
    host.join_event(&ev.id).await.unwrap();

    const ROUNDS: &str = "citypulse_drop_rounds_total";
    const DEFERRED: &str = "citypulse_drop_rounds_deferred_total";
    const DROPS: &str = "citypulse_drops_total";
    // Let each daemon tick several times (a tick runs a round or defers it).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ticks_a = a.metric(ROUNDS).await + a.metric(DEFERRED).await;
        let ticks_b = b.metric(ROUNDS).await + b.metric(DEFERRED).await;
        if ticks_a >= 5 && ticks_b >= 5 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the daemons did not tick (A {ticks_a} times, B {ticks_b}); log of A:\n{}\nlog of B:\n{}",
            a.logs(),
            b.logs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (rounds_a, rounds_b) = (a.metric(ROUNDS).await, b.metric(ROUNDS).await);
    assert!(
        (rounds_a == 0) != (rounds_b == 0),
        "exactly one daemon runs the drop rounds, but A ran {rounds_a} and B ran {rounds_b}"
    );
    let (mut holder, other) = if rounds_a > 0 { (a, b) } else { (b, a) };
    assert!(other.metric(DEFERRED).await >= 5);
    assert_eq!(other.metric(ROUNDS).await, 0);
    assert_eq!(other.metric(DROPS).await, 0, "the other daemon dropped");
    // Every collectible of the event came from the holder's rounds, at most one a round.
    let dropped_before = holder.metric(DROPS).await;
    let listed = other
        .client()
        .active_collectibles(&ev.id)
        .await
        .unwrap()
        .len() as u64;
    let (dropped_after, rounds_after) = (holder.metric(DROPS).await, holder.metric(ROUNDS).await);
    assert!(
        dropped_before <= listed && listed <= dropped_after && dropped_after <= rounds_after,
        "{listed} collectibles listed; the holder dropped {dropped_before}..{dropped_after} in {rounds_after} rounds"
    );

    // The holder dies without a word: the other takes the rounds over once its lease
    // has expired.
    holder.kill();
    let deadline = Instant::now() + Duration::from_secs(60);
    while other.metric(ROUNDS).await == 0 {
        assert!(
            Instant::now() < deadline,
            "no daemon took the drop rounds over; log of the survivor:\n{}",
            other.logs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(other
        .logs()
        .contains("this daemon runs the collectible drop rounds now"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_reset_on_one_daemon_closes_the_users_sockets_on_the_other() {
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("revoke");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let a = daemon(&url, &name).await;
    let b = daemon(&url, &name).await;
    let (alice, ra) = a.user("Alice").await;
    let (bob, rb) = b.user("Bob").await;
    let alice_on_b = b.client().with_token(ra.token.clone());
    let mut alice_ws = connect(&alice_on_b, &ra).await;
    let mut bob_ws = connect(&bob, &rb).await;
    pong(&mut alice_ws).await;

    let fresh = alice.reset_token(&ra.user.id).await.unwrap().token;

    match alice_ws.recv_until(WAIT, |_| None::<()>).await {
        Err(citypulse::client::WsError::Closed { code, reason }) => {
            assert_eq!(code, 1008, "{reason}");
            assert!(reason.contains("token was reset"), "{reason}");
        }
        other => panic!("Alice's socket on B outlived her old token: {other:?}"),
    }
    // Nobody else's socket is touched, and the new token works on both daemons.
    pong(&mut bob_ws).await;
    for d in [&a, &b] {
        let client = d.client().with_token(fresh.clone());
        assert_eq!(client.me().await.unwrap().id, ra.user.id);
        connect(&client, &ra).await;
    }
}
