//! Reconnect without noise: a user whose WebSocket a draining daemon closed (1001) and who
//! reconnects within `CPL_RECONNECT_GRACE`, to the same daemon restarted or to another one
//! on the same MongoDB, stays in their rooms: the room hears no `user_left`/`user_joined`
//! pair, and their `join_event` afterwards announces nothing. Past the grace they leave as
//! before.
//!
//! Nothing here depends on timing: a grace meant to be met is a minute (the test reconnects
//! at once), a grace meant to run out is one second and the test waits for its effect with
//! a bound of tens of seconds. Frames are checked up to a chat message sent after the
//! rejoin on the same socket, so a `user_joined` caused by the rejoin would have come
//! before it.

use std::time::Duration;

use citypulse::api::CreateEventRequest;
use citypulse::client::WsConnection;
use citypulse::geo::Coordinates;
use citypulse::ids::{EventId, UserId};
use citypulse::model::RegisteredUser;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::Client;
use citypulse_tests::frames::{self, joined};
use citypulse_tests::mongo::{self, DropDatabase};
use citypulse_tests::{Daemon, DaemonBuilder, BOGOTA};

const WAIT: Duration = Duration::from_secs(30);

async fn event(c: &Client) -> EventId {
    c.create_event(&CreateEventRequest {
        title: "Concierto en el parque".into(),
        description: None,
        category: "music".into(),
        coordinates: Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
        address: None,
        starts_at: None,
        ends_at: None,
    })
    .await
    .unwrap()
    .id
}

/// `who`'s socket on the daemon at `url`.
async fn connect(url: &str, who: &RegisteredUser) -> WsConnection {
    Client::new(url)
        .unwrap()
        .with_token(who.token.clone())
        .connect(&who.user.id)
        .await
        .unwrap()
}

async fn join(ws: &mut WsConnection, event: &EventId) {
    ws.send(&ClientMessage::JoinEvent {
        event_id: event.clone(),
    })
    .await
    .unwrap();
}

async fn say(ws: &mut WsConnection, event: &EventId, text: &str) {
    ws.send(&ClientMessage::ChatMessage {
        event_id: event.clone(),
        message: text.into(),
    })
    .await
    .unwrap();
}

/// Reads `ws` until the chat message `text` arrives, failing on any `user_left` or
/// `user_joined` about one of `quiet` on the way.
async fn chat_without_noise(ws: &mut WsConnection, text: &str, quiet: &[&UserId]) {
    frames::expect_within(ws, WAIT, text, |m| match m {
        ServerMessage::UserLeft { user_id, .. } | ServerMessage::UserJoined { user_id, .. }
            if quiet.contains(&user_id) =>
        {
            panic!("a reconnection within the grace was announced: {m:?}")
        }
        ServerMessage::ChatMessage(c) if c.message == text => Some(()),
        _ => None,
    })
    .await
}

/// Waits (bounded) until `who` is no longer among the event's participants.
async fn until_gone(c: &Client, event: &EventId, who: &UserId) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let members = c.participants(event).await.unwrap();
        if !members.iter().any(|p| p.user_id == *who) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{who} is still a participant {WAIT:?} after a 1 s grace: {members:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Alice and Bob in one room, each with a socket on `d` (Bob's `user_joined` seen by
/// Alice). The sockets stay open until the daemon's drain closes them (1001).
async fn room_of_two(d: &Daemon) -> (RegisteredUser, RegisteredUser, EventId, [WsConnection; 2]) {
    let (alice, ra) = d.user("Alice").await;
    let (_, rb) = d.user("Bob").await;
    let ev = event(&alice).await;
    let mut a = connect(&d.url, &ra).await;
    join(&mut a, &ev).await;
    joined(&mut a, &ra).await;
    let mut b = connect(&d.url, &rb).await;
    join(&mut b, &ev).await;
    joined(&mut a, &rb).await;
    joined(&mut b, &rb).await;
    (ra, rb, ev, [a, b])
}

#[tokio::test]
async fn a_restart_in_place_keeps_members_who_reconnect_within_the_grace() {
    let mut d = Daemon::builder()
        .env("CPL_RECONNECT_GRACE", "60")
        .start()
        .await;
    let (ra, rb, ev, old) = room_of_two(&d).await;

    d.restart().await;
    drop(old);

    // Both come back to the restarted daemon (same database file) and rejoin, as a
    // client that follows a 1001 does; Bob then speaks.
    let mut a = connect(&d.url, &ra).await;
    join(&mut a, &ev).await;
    let mut b = connect(&d.url, &rb).await;
    join(&mut b, &ev).await;
    say(&mut b, &ev, "sigo aquí").await;
    chat_without_noise(&mut a, "sigo aquí", &[&ra.user.id, &rb.user.id]).await;

    let members: Vec<UserId> = d
        .client()
        .participants(&ev)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    assert_eq!(members, vec![ra.user.id.clone(), rb.user.id.clone()]);
    assert_eq!(d.metric("citypulse_rooms_resumed_total").await, 2);
}

#[tokio::test]
async fn members_who_do_not_come_back_leave_after_the_grace() {
    let mut d = Daemon::builder()
        .env("CPL_RECONNECT_GRACE", "1")
        .start()
        .await;
    let (ra, rb, ev, old) = room_of_two(&d).await;

    d.restart().await;
    drop(old);

    // Nobody reconnects: the restarted daemon ends the holds the drained one wrote.
    let c = d.client();
    until_gone(&c, &ev, &rb.user.id).await;
    until_gone(&c, &ev, &ra.user.id).await;
    assert_eq!(d.metric("citypulse_room_holds_expired_total").await, 2);
}

/// Three daemons on one MongoDB: Alice stays on B; Bob is on A (grace one minute), Carol
/// on C (grace one second). A and C drain. Carol does not come back: Alice hears her leave
/// once the grace is over. Bob reconnects to B: Alice hears nothing about him, and his chat.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn across_daemons_a_reconnection_is_silent_and_an_absence_is_announced() {
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("reconnect");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let on_db = |grace: &str| -> DaemonBuilder {
        Daemon::builder()
            .env("MONGODB_URL", &url)
            .env("DATABASE_NAME", &name)
            .env("CPL_RECONNECT_GRACE", grace)
    };
    let b = on_db("60").start().await;
    let mut a = on_db("60").start().await;
    let mut c = on_db("1").start().await;
    let (alice, ra) = b.user("Alice").await;
    let (_, rb) = b.user("Bob").await;
    let (_, rc) = b.user("Carol").await;
    let ev = event(&alice).await;

    let mut alice_ws = connect(&b.url, &ra).await;
    join(&mut alice_ws, &ev).await;
    joined(&mut alice_ws, &ra).await;
    let mut bob_ws = connect(&a.url, &rb).await;
    join(&mut bob_ws, &ev).await;
    joined(&mut alice_ws, &rb).await;
    let mut carol_ws = connect(&c.url, &rc).await;
    join(&mut carol_ws, &ev).await;
    joined(&mut alice_ws, &rc).await;

    for d in [&mut a, &mut c] {
        d.terminate();
        let status = d
            .wait_exit(WAIT)
            .await
            .unwrap_or_else(|| panic!("cpld did not exit; log:\n{}", d.logs()));
        assert!(status.success(), "cpld exited with {status}");
    }
    drop((bob_ws, carol_ws));

    let carol = rc.user.id.clone();
    frames::expect_within(&mut alice_ws, WAIT, "Carol's user_left", |m| match m {
        ServerMessage::UserLeft { user_id, .. } if *user_id == rb.user.id => {
            panic!("Bob was announced as gone within his grace: {m:?}")
        }
        ServerMessage::UserLeft { user_id, .. } if *user_id == carol => Some(()),
        _ => None,
    })
    .await;

    let mut bob_ws = connect(&b.url, &rb).await;
    join(&mut bob_ws, &ev).await;
    say(&mut bob_ws, &ev, "de vuelta").await;
    chat_without_noise(&mut alice_ws, "de vuelta", &[&rb.user.id]).await;
    let members = alice.participants(&ev).await.unwrap();
    assert!(
        members.iter().any(|p| p.user_id == rb.user.id),
        "{members:?}"
    );
    assert!(!members.iter().any(|p| p.user_id == carol), "{members:?}");
}

/// A free loopback port (the restarted daemon must come back on the same address).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `cpl watch` (the real binary) keeps running across a restart of its daemon: it says on
/// stderr that it reconnects, rejoins its room without being announced, and prints the
/// room's events after the restart.
#[tokio::test]
async fn cpl_watch_follows_a_restart() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut d = Daemon::builder()
        .listen(&format!("127.0.0.1:{}", free_port()))
        .env("CPL_RECONNECT_GRACE", "60")
        .start()
        .await;
    let (ana, ra) = d.user("Ana").await;
    let (_, rb) = d.user("Bob").await;
    let ev = event(&ana).await;
    let home = tempfile::tempdir().unwrap();
    let stderr_path = home.path().join("stderr");
    let mut child = Command::new(citypulse_tests::binary("cpl"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("CPL_CONFIG_DIR", home.path().join("cpl"))
        .env("CPL_URL", &d.url)
        .env("CPL_TOKEN", &ra.token)
        .args([
            "--json",
            "watch",
            "--event",
            ev.as_str(),
            "--timeout",
            "300s",
        ])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| {
        lines
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("cpl watch printed no {what} within {WAIT:?}"))
    };
    let first: ServerMessage = serde_json::from_str(&next("first line")).unwrap();
    assert!(
        matches!(&first, ServerMessage::UserJoined { user_id, .. } if *user_id == ra.user.id),
        "{first:?}"
    );

    d.restart().await;

    // Bob speaks after the restart until Ana's watch prints it: the watch's new socket may
    // open a moment after Bob's first message (frames are not replayed).
    let mut b = connect(&d.url, &rb).await;
    join(&mut b, &ev).await;
    let mut printed = Vec::new();
    let mut heard = false;
    for _ in 0..30 {
        say(&mut b, &ev, "después del reinicio").await;
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            let Ok(line) = lines.recv_timeout(left) else {
                break;
            };
            heard |= line.contains("después del reinicio");
            printed.push(line);
        }
        if heard {
            break;
        }
    }
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(running, "cpl watch ended: {stderr}");
    assert!(
        heard,
        "cpl watch printed nothing after the restart: {printed:?}\n{stderr}"
    );
    assert!(stderr.contains("reconnecting in"), "{stderr}");
    assert!(stderr.contains("reconnected to"), "{stderr}");
    let ana_id = ra.user.id.as_str();
    assert!(
        !printed
            .iter()
            .any(|l| l.contains(ana_id) && (l.contains("user_left") || l.contains("user_joined"))),
        "Ana's reconnection was announced: {printed:?}"
    );
}
