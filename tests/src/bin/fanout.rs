//! Load run: chat fan-out latency in one big room (BENCHMARKS.md).
//!
//! Registers `--members` users, joins them all to one new event, connects each over
//! WebSocket, then one member sends `--messages` chat messages `--interval-ms` apart; every
//! member's delivery latency (send to receipt, one clock: all in this process) is collected
//! and reported as p50/p95/p99/max. Bounded by count and by `--timeout-secs`; refuses any
//! target that is not a loopback address.
//!
//! `cargo run --release -p citypulse-tests --bin fanout -- --url http://127.0.0.1:8000 --members 1000`

#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use citypulse::api::{CreateEventRequest, RegisterRequest};
use citypulse::geo::Coordinates;
use citypulse::ws::ClientMessage;
use citypulse::Client;
use citypulse_tests::{ensure_loopback, percentiles, unique_phone};

/// The two fields of a frame this tool reads.
#[derive(serde::Deserialize)]
struct Probe<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

struct Args {
    url: String,
    members: usize,
    messages: usize,
    interval_ms: u64,
    timeout_secs: u64,
}

fn args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8000".into(),
        members: 1000,
        messages: 50,
        interval_ms: 100,
        timeout_secs: 120,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let v = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--url" => a.url = v,
            "--members" => a.members = v.parse().expect("--members N"),
            "--messages" => a.messages = v.parse().expect("--messages N"),
            "--interval-ms" => a.interval_ms = v.parse().expect("--interval-ms N"),
            "--timeout-secs" => a.timeout_secs = v.parse().expect("--timeout-secs N"),
            other => panic!("unknown argument {other}; see the file's doc comment"),
        }
        i += 2;
    }
    a
}

#[tokio::main]
async fn main() {
    let a = args();
    ensure_loopback(&a.url);
    let anon = Client::new(&a.url).unwrap();
    let host = anon
        .register(&RegisterRequest {
            phone: unique_phone(),
            name: "Host".into(),
        })
        .await
        .unwrap();
    let host_c = anon.clone().with_token(&host.token);
    let ev = host_c
        .create_event(&CreateEventRequest {
            title: "Fan-out".into(),
            description: None,
            category: "bench".into(),
            coordinates: Coordinates::new(-74.0761, 4.5981).unwrap(),
            address: None,
            starts_at: None,
            ends_at: None,
        })
        .await
        .unwrap();
    eprintln!("registering and joining {} members…", a.members);
    let mut conns = Vec::new();
    let mut setup = tokio::task::JoinSet::new();
    for i in 0..a.members {
        let anon = anon.clone();
        let ev = ev.id.clone();
        setup.spawn(async move {
            let r = anon
                .register(&RegisterRequest {
                    phone: unique_phone(),
                    name: format!("m{i}"),
                })
                .await
                .unwrap();
            let c = anon.with_token(&r.token);
            c.join_event(&ev).await.unwrap();
            c.connect(&r.user.id).await.unwrap()
        });
        if setup.len() >= 64 {
            conns.push(setup.join_next().await.unwrap().unwrap());
        }
    }
    while let Some(c) = setup.join_next().await {
        conns.push(c.unwrap());
    }
    // When each message was sent, by its number ("bench-{i}"); each reader keeps its own
    // latencies and reads the raw frames with one deadline for the whole run: at 50,000
    // frames a second, decoding every frame into a `ServerMessage`, a timer per frame and
    // shared locks made this tool, not the daemon, the bottleneck it was measuring.
    let sent: Arc<Vec<OnceLock<Instant>>> =
        Arc::new((0..a.messages).map(|_| OnceLock::new()).collect());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(a.timeout_secs);
    let mut sender = conns.pop().unwrap();
    let mut readers = tokio::task::JoinSet::new();
    for mut ws in conns {
        let (sent, n) = (sent.clone(), a.messages);
        readers.spawn(async move {
            let mut lat = Vec::with_capacity(n);
            let _ = tokio::time::timeout_at(deadline, async {
                while lat.len() < n {
                    let Ok(text) = ws.recv_text().await else {
                        break;
                    };
                    let at = Instant::now();
                    let Ok(frame) = serde_json::from_str::<Probe>(&text) else {
                        continue;
                    };
                    let number = frame
                        .message
                        .as_deref()
                        .and_then(|m| m.strip_prefix("bench-"));
                    if frame.kind != "chat_message" {
                        continue;
                    }
                    if let Some(t0) = number
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| sent.get(i)?.get())
                    {
                        lat.push(at - *t0);
                    }
                }
            })
            .await;
            lat
        });
    }
    // Let the join announcements drain before measuring.
    tokio::time::sleep(Duration::from_secs(2)).await;
    eprintln!(
        "sending {} messages to {} members…",
        a.messages,
        readers.len() + 1
    );
    for i in 0..a.messages {
        let text = format!("bench-{i}");
        let _ = sent[i].set(Instant::now());
        sender
            .send(&ClientMessage::ChatMessage {
                event_id: ev.id.clone(),
                message: text,
            })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(a.interval_ms)).await;
    }
    let mut lat = Vec::new();
    while let Some(l) = readers.join_next().await {
        lat.extend(l.unwrap());
    }
    let delivered = lat.len();
    let expected = a.messages * (a.members - 1);
    let p = percentiles(lat);
    println!(
        "{{\"members\":{},\"messages\":{},\"deliveries_expected\":{},\"delivered\":{},\"p50_ms\":{:.2},\"p95_ms\":{:.2},\"p99_ms\":{:.2},\"max_ms\":{:.2}}}",
        a.members, a.messages, expected, delivered, p.0, p.1, p.2, p.3
    );
}
