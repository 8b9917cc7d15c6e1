//! Big rooms without floods (issue 20): above `CPL_PRESENCE_BATCH_ABOVE` members a room's
//! joins and leaves reach its members gathered in `presence` frames, one per
//! `CPL_PRESENCE_BATCH_WINDOW`, instead of one `user_joined`/`user_left` to every member
//! each (n² frames to fill a room of n). Real daemons, real sockets; every wait bounded.

use std::collections::HashSet;
use std::time::Duration;

use citypulse::client::WsConnection;
use citypulse::ids::{EventId, UserId};
use citypulse::model::RegisteredUser;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::Client;
use citypulse_tests::frames::{expect, joined};
use citypulse_tests::mongo::{self, DropDatabase};
use citypulse_tests::{event_in_bogota, Daemon};
use futures_util::future::join_all;
use tokio::sync::oneshot;

/// The longest wait for a whole room to hear the last join: generous, so a loaded machine
/// is slow rather than wrong.
const SETTLE: Duration = Duration::from_secs(120);

/// `n` users registered on `d` with a socket each, 25 at a time.
async fn members(d: &Daemon, n: usize) -> Vec<(Client, RegisteredUser, WsConnection)> {
    let mut out = Vec::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        out.extend(
            join_all(chunk.iter().map(|i| async move {
                let (c, u) = d.user(&format!("Miembro {i}")).await;
                let ws = c.connect(&u.user.id).await.unwrap();
                (c, u, ws)
            }))
            .await,
        );
    }
    out
}

/// What one member heard while the room filled.
#[derive(Debug, Default)]
struct Heard {
    user_joined: usize,
    presence: usize,
    /// The `participants` of each `presence` frame, in order.
    counts: Vec<u64>,
}

/// One member: joins when told, says when its own `user_joined` came, then reads every
/// frame until a `presence` frame counts `full` members. A socket closed on the way (a
/// full queue closes it with 1008) fails the test, naming the member and the reason.
async fn member(
    i: usize,
    mut ws: WsConnection,
    me: UserId,
    room: EventId,
    go: oneshot::Receiver<()>,
    joined_tx: oneshot::Sender<()>,
    full: u64,
) -> (Heard, WsConnection) {
    let mut heard = Heard::default();
    go.await.unwrap();
    ws.send(&ClientMessage::JoinEvent {
        event_id: room.clone(),
    })
    .await
    .unwrap();
    let mut joined_tx = Some(joined_tx);
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let m = tokio::time::timeout_at(deadline, ws.recv())
            .await
            .unwrap_or_else(|_| {
                panic!("member {i} never heard a count of {full}; it heard {heard:?}")
            })
            .unwrap_or_else(|e| panic!("member {i}'s socket closed: {e}; it heard {heard:?}"));
        match m {
            ServerMessage::UserJoined { user_id, .. } => {
                heard.user_joined += 1;
                if user_id == me {
                    if let Some(tx) = joined_tx.take() {
                        let _ = tx.send(());
                    }
                }
            }
            ServerMessage::Presence {
                event_id,
                participants,
                ..
            } if event_id == room => {
                heard.presence += 1;
                heard.counts.push(participants);
                if participants == full {
                    return (heard, ws);
                }
            }
            other => panic!("member {i} heard an unexpected frame: {other:?}"),
        }
    }
}

/// 300 members fill a room one join after another on a daemon that gathers presence above
/// 5 members, with a queue of 32 frames per socket (the default is 256): nobody is cut
/// off, each joiner hears its own `user_joined` at once, the first five joins are
/// announced exactly (1+2+3+4+5 frames), the rest only to their joiner, and every member
/// ends up hearing a `presence` count of 300. Exact frames for all 300 joins would have
/// been 300·301/2 = 45,150 `user_joined` frames.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_members_fill_a_big_room_with_a_small_queue() {
    const N: usize = 300;
    const ABOVE: usize = 5;
    let d = Daemon::builder()
        .env("CPL_PRESENCE_BATCH_ABOVE", &ABOVE.to_string())
        .env("CPL_WS_QUEUE", "32")
        .env("CPL_RATE_LIMIT", "0")
        .env("CPL_MAX_CONNECTIONS_PER_ADDRESS", "2000")
        .start()
        .await;
    let (host, _) = d.user("Organizadora").await;
    let room = event_in_bogota(&host, "Concierto en el Simón Bolívar")
        .await
        .id;
    let mut tasks = Vec::new();
    let mut turns = Vec::new();
    for (i, (_c, u, ws)) in members(&d, N).await.into_iter().enumerate() {
        let (go_tx, go) = oneshot::channel();
        let (joined_tx, joined_rx) = oneshot::channel();
        turns.push((go_tx, joined_rx));
        tasks.push(tokio::spawn(member(
            i,
            ws,
            u.user.id.clone(),
            room.clone(),
            go,
            joined_tx,
            N as u64,
        )));
    }
    // One join at a time, each confirmed to its joiner before the next: the room's size at
    // every join is known, so the exact frames are too.
    for (i, (go, joined_rx)) in turns.into_iter().enumerate() {
        go.send(()).unwrap();
        tokio::time::timeout(SETTLE, joined_rx)
            .await
            .unwrap_or_else(|_| panic!("member {i} never heard its own user_joined"))
            .unwrap_or_else(|_| panic!("member {i}'s task ended before its join"));
    }
    let mut heard = Vec::new();
    let mut sockets = Vec::new();
    for t in tasks {
        let (h, ws) = t.await.unwrap();
        heard.push(h);
        sockets.push(ws);
    }
    let user_joined: usize = heard.iter().map(|h| h.user_joined).sum();
    let presence: usize = heard.iter().map(|h| h.presence).sum();
    let most = heard.iter().map(|h| h.presence).max().unwrap_or(0);
    println!(
        "{N} joins: {user_joined} user_joined + {presence} presence frames to members \
         (at most {most} presence frames to one member); exact frames would have been {}",
        N * (N + 1) / 2
    );
    let small: usize = (1..=ABOVE).sum();
    assert_eq!(user_joined, small + (N - ABOVE), "{heard:?}");
    for (i, h) in heard.iter().enumerate() {
        // One daemon, one room: its frames reach a member in order, counts only growing.
        assert!(
            h.counts.windows(2).all(|w| w[0] <= w[1]),
            "member {i}: {:?}",
            h.counts
        );
    }
    // Nobody was cut off: every socket still answers.
    for (i, ws) in sockets.iter_mut().enumerate().step_by(29) {
        ws.send(&ClientMessage::Ping).await.unwrap();
        expect(ws, &format!("member {i}'s pong"), |m| {
            matches!(m, ServerMessage::Pong).then_some(())
        })
        .await;
    }
    let participants = host.participants(&room).await.unwrap();
    assert_eq!(participants.len(), N);
    // The daemon's side: every join past the fifth gathered, none cut off.
    assert_eq!(
        d.metric("citypulse_presence_changes_total").await,
        (N - ABOVE) as u64
    );
    let batches = d.metric("citypulse_presence_batches_total").await;
    println!("{batches} presence frames made by the daemon (one per window with changes)");
    assert!(batches >= 1);
    assert_eq!(d.metric("citypulse_ws_slow_disconnects_total").await, 0);
}

/// A room of at most `CPL_PRESENCE_BATCH_ABOVE` members keeps the exact frames: every
/// join is `user_joined` to every member, a leave `user_left` to the room and the leaver.
#[tokio::test]
async fn a_small_room_keeps_exact_user_joined_and_user_left() {
    let d = Daemon::builder()
        .env("CPL_PRESENCE_BATCH_ABOVE", "3")
        .env("CPL_RATE_LIMIT", "0")
        .start()
        .await;
    let (host, _) = d.user("Organizadora").await;
    let room = event_in_bogota(&host, "Tertulia").await.id;
    let mut people = members(&d, 3).await;
    for i in 0..people.len() {
        let me = people[i].1.clone();
        people[i]
            .2
            .send(&ClientMessage::JoinEvent {
                event_id: room.clone(),
            })
            .await
            .unwrap();
        // Everyone in the room so far hears it, the joiner included.
        for (_, _, ws) in people.iter_mut().take(i + 1) {
            joined(ws, &me).await;
        }
    }
    let (c, leaver, _) = &people[2];
    c.leave_event(&room).await.unwrap();
    let gone = leaver.user.id.clone();
    for (_, _, ws) in people.iter_mut() {
        expect(ws, "user_left", |m| match m {
            ServerMessage::UserLeft { user_id, .. } if *user_id == gone => Some(()),
            ServerMessage::Presence { .. } => panic!("a small room heard presence: {m:?}"),
            _ => None,
        })
        .await;
    }
}

/// Two daemons on one MongoDB, presence gathered above 2 members, members joining on A and
/// B in turn: every member hears each later join (made on either daemon) named in its own
/// daemon's `presence` frames and the room's full count, and a leave on one daemon reaches the other's members in a
/// `presence` frame that names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn presence_batches_reach_members_on_the_other_daemon() {
    const N: usize = 10;
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("bigrooms");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let start = || {
        Daemon::builder()
            .env("MONGODB_URL", &url)
            .env("DATABASE_NAME", &name)
            .env("CPL_PRESENCE_BATCH_ABOVE", "2")
            .env("CPL_RATE_LIMIT", "0")
            .start()
    };
    let a = start().await;
    let b = start().await;
    let (host, _) = a.user("Organizadora").await;
    let room = event_in_bogota(&host, "Feria").await.id;
    // Alternate daemons: even members on A, odd ones on B.
    let mut people = Vec::new();
    for i in 0..N {
        let d = if i % 2 == 0 { &a } else { &b };
        let (c, u) = d.user(&format!("Miembro {i}")).await;
        let mut ws = c.connect(&u.user.id).await.unwrap();
        ws.send(&ClientMessage::JoinEvent {
            event_id: room.clone(),
        })
        .await
        .unwrap();
        joined(&mut ws, &u).await;
        people.push((c, u, ws));
    }
    let ids: Vec<UserId> = people.iter().map(|p| p.1.user.id.clone()).collect();
    for (i, (_, _, ws)) in people.iter_mut().enumerate() {
        // Every join after this member's, from the third on (a room of more than 2), is
        // named in a presence frame this member's daemon sends it, those made on the other
        // daemon included; and the count reaches the room's full size.
        let mut unheard: HashSet<UserId> = ids.iter().skip(2.max(i + 1)).cloned().collect();
        let mut full = false;
        expect(
            ws,
            &format!("member {i}: presence naming later joins and counting {N}"),
            |m| {
                if let ServerMessage::Presence {
                    joined,
                    participants,
                    ..
                } = m
                {
                    for j in joined {
                        unheard.remove(&j.user_id);
                    }
                    full |= *participants == N as u64;
                }
                (full && unheard.is_empty()).then_some(())
            },
        )
        .await;
    }
    // A leave through A reaches the members on B gathered, named, with the new count.
    let (c, leaver, _) = &people[0];
    c.leave_event(&room).await.unwrap();
    let gone = leaver.user.id.clone();
    for (i, (_, _, ws)) in people.iter_mut().enumerate().skip(1) {
        expect(
            ws,
            &format!("member {i}: presence of the leave"),
            |m| match m {
                ServerMessage::Presence {
                    left, participants, ..
                } if left.contains(&gone) => {
                    assert_eq!(*participants, N as u64 - 1);
                    Some(())
                }
                _ => None,
            },
        )
        .await;
    }
}
