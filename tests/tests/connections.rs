//! The connections themselves (issue 21, "Slowloris" and "Request smuggling"): real
//! daemons with small limits set through the environment, spoken to over raw TCP sockets.
//!
//! Every wait is bounded by construction: a limit of 1 s in the daemon, and a generous
//! [`BOUND`] for the close to be seen. Where a test shows that one limit (and not another)
//! closed a connection, the other limit is set above [`BOUND`], so the close can only have
//! come from the one under test. No test asserts how long anything took.

#![allow(clippy::unwrap_used)]

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use citypulse_tests::Daemon;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The most any test waits for the daemon to close a connection.
const BOUND: Duration = Duration::from_secs(30);

/// A limit no test reaches within [`BOUND`].
const NEVER: &str = "120";

/// A pause between dribbled pieces: a fraction of a 1 s limit.
const DRIBBLE: Duration = Duration::from_millis(300);

fn addr(d: &Daemon) -> SocketAddr {
    d.url.trim_start_matches("http://").parse().unwrap()
}

/// A connection to the daemon from `source` (all of 127.0.0.0/8 is the loopback on
/// Linux, so each is another client address).
async fn connect_from(d: &Daemon, source: [u8; 4]) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::from((Ipv4Addr::from(source), 0)))
        .unwrap();
    socket.connect(addr(d)).await.unwrap()
}

async fn connect(d: &Daemon) -> TcpStream {
    connect_from(d, [127, 0, 0, 1]).await
}

/// What the daemon sends until `enough` says so or it closes the connection (EOF or
/// reset); panics if neither happened within [`BOUND`].
async fn read_until(
    stream: &mut (impl AsyncReadExt + Unpin),
    enough: impl Fn(&[u8]) -> bool,
) -> Vec<u8> {
    let mut got = Vec::new();
    let ended = tokio::time::timeout(BOUND, async {
        let mut buf = [0u8; 4096];
        while !enough(&got) {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the daemon neither finished nor closed the connection within {BOUND:?}; it sent {:?}",
        String::from_utf8_lossy(&got)
    );
    got
}

/// Everything the daemon sends until it closes the connection.
async fn read_until_closed(stream: &mut (impl AsyncReadExt + Unpin)) -> Vec<u8> {
    read_until(stream, |_| false).await
}

/// The next whole answer (its body as long as its Content-Length says), or what arrived
/// before the daemon closed the connection.
async fn next_answer(stream: &mut TcpStream) -> String {
    let mut got = read_until(stream, |got| answer_len(got).is_some()).await;
    if let Some(len) = answer_len(&got) {
        got.truncate(len);
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// The length of the whole answer at the start of `got`, once it has all arrived.
fn answer_len(got: &[u8]) -> Option<usize> {
    let end = find(got, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
    let body: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    (got.len() >= end + 4 + body).then_some(end + 4 + body)
}

/// One whole answer on a connection that stays open: the status and the raw text.
async fn read_answer(stream: &mut TcpStream) -> (u16, String) {
    let answer = next_answer(stream).await;
    assert!(
        answer_len(answer.as_bytes()).is_some(),
        "closed before a whole answer: {answer:?}"
    );
    (status(&answer), answer)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn status(answer: &str) -> u16 {
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP/1.1 answer: {answer:?}"))
}

/// The `detail` of an answer's JSON body.
fn detail(answer: &str) -> String {
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let v: serde_json::Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {answer:?}"));
    v["detail"].as_str().unwrap().to_string()
}

fn has_header(answer: &str, name: &str, value: &str) -> bool {
    let head = &answer[..answer.find("\r\n\r\n").unwrap()];
    head.lines().skip(1).any(|l| {
        l.split_once(':').is_some_and(|(n, v)| {
            n.eq_ignore_ascii_case(name) && v.trim().eq_ignore_ascii_case(value)
        })
    })
}

fn health_request(extra: &str) -> Vec<u8> {
    format!("GET /health HTTP/1.1\r\nHost: cpld\r\n{extra}\r\n").into_bytes()
}

/// Writes `first`, then `piece` every [`DRIBBLE`], until the daemon closes the
/// connection; everything the daemon sent.
async fn dribble(stream: TcpStream, first: &[u8], piece: &'static [u8]) -> Vec<u8> {
    let (mut read, mut write) = stream.into_split();
    write.write_all(first).await.unwrap();
    let writer = tokio::spawn(async move {
        loop {
            tokio::time::sleep(DRIBBLE).await;
            if write.write_all(piece).await.is_err() {
                return;
            }
        }
    });
    let got = read_until_closed(&mut read).await;
    writer.abort();
    got
}

#[tokio::test]
async fn headers_dribbled_slower_than_the_header_limit_are_cut_off() {
    let d = Daemon::builder()
        .env("CPL_HEADER_TIMEOUT", "1")
        .env("CPL_IDLE_TIMEOUT", NEVER)
        .start()
        .await;
    // A header line every 300 ms: the connection is never silent, the headers never end.
    let got = dribble(
        connect(&d).await,
        b"GET /health HTTP/1.1\r\nHost: cpld\r\n",
        b"X-Slow: still coming\r\n",
    )
    .await;
    assert!(
        !String::from_utf8_lossy(&got).contains(" 200 "),
        "never served: {:?}",
        String::from_utf8_lossy(&got)
    );
    // The daemon serves others meanwhile and after.
    d.client().health().await.unwrap();
}

#[tokio::test]
async fn an_endless_chunked_body_gets_a_408_and_the_connection_is_closed() {
    let d = Daemon::builder()
        .env("CPL_BODY_TIMEOUT", "1")
        .env("CPL_HEADER_TIMEOUT", NEVER)
        .env("CPL_IDLE_TIMEOUT", NEVER)
        .start()
        .await;
    let got = dribble(
        connect(&d).await,
        b"POST /api/users/register HTTP/1.1\r\nHost: cpld\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n",
        b"1\r\n \r\n",
    )
    .await;
    let answer = String::from_utf8_lossy(&got).into_owned();
    assert_eq!(status(&answer), 408, "{answer}");
    assert!(
        detail(&answer).contains("did not arrive in time"),
        "{answer}"
    );
    assert!(has_header(&answer, "connection", "close"), "{answer}");
    assert!(
        has_header(&answer, "x-content-type-options", "nosniff"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_silent_connection_and_a_silent_keep_alive_connection_are_closed() {
    let d = Daemon::builder()
        .env("CPL_IDLE_TIMEOUT", "1")
        .env("CPL_HEADER_TIMEOUT", NEVER)
        .start()
        .await;
    // Says nothing at all.
    let mut silent = connect(&d).await;
    assert!(read_until_closed(&mut silent).await.is_empty());
    // One request, then nothing.
    let mut kept = connect(&d).await;
    kept.write_all(&health_request("")).await.unwrap();
    let (code, _) = read_answer(&mut kept).await;
    assert_eq!(code, 200);
    assert!(read_until_closed(&mut kept).await.is_empty());
}

#[tokio::test]
async fn a_websocket_is_not_held_to_the_idle_limit() {
    let d = Daemon::builder().env("CPL_IDLE_TIMEOUT", "1").start().await;
    let (alice, a) = d.user("Alice").await;
    let mut ws = alice.connect(&a.user.id).await.unwrap();
    // Past the idle limit (and the watchdog's next look) without a frame from the client;
    // the WebSocket's own limit (CPL_WS_TIMEOUT, 45 s) is far off.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    ws.send(&citypulse::ws::ClientMessage::Ping).await.unwrap();
    ws.recv_until(BOUND, |m| {
        matches!(m, citypulse::ws::ServerMessage::Pong).then_some(())
    })
    .await
    .unwrap();
}

/// A WebSocket to `/ws/{user}` over a connection from `source`, with extra headers.
async fn websocket_from(
    d: &Daemon,
    source: [u8; 4],
    user: &str,
    token: &str,
    headers: &[(&'static str, &str)],
) -> tokio_tungstenite::WebSocketStream<TcpStream> {
    let url = format!(
        "{}/ws/{user}?token={token}",
        d.url.replacen("http", "ws", 1)
    );
    let mut req = url.into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(*k, v.parse().unwrap());
    }
    let stream = connect_from(d, source).await;
    let (ws, resp) = tokio_tungstenite::client_async(req, stream).await.unwrap();
    assert_eq!(resp.status(), 101);
    ws
}

/// Opens a connection from `source` and asks for /health until it is answered 200
/// (a place freed by a closed connection is given back when the daemon sees the close).
async fn eventually_healthy_from(d: &Daemon, source: [u8; 4], extra: &str) {
    let until = tokio::time::Instant::now() + BOUND;
    loop {
        let mut c = connect_from(d, source).await;
        c.write_all(&health_request(extra)).await.unwrap();
        let got = next_answer(&mut c).await;
        if got.starts_with("HTTP/1.1 200") {
            return;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "still refused after {BOUND:?}: {got}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_address_at_its_cap_is_refused_while_another_address_is_served() {
    const CAP: usize = 4;
    let d = Daemon::builder()
        .env("CPL_MAX_CONNECTIONS_PER_ADDRESS", &CAP.to_string())
        .start()
        .await;
    let (_, a) = d.user("Alice").await;
    let capped = [127, 0, 0, 3];
    // The cap is held by keep-alive connections that were each served, and a WebSocket.
    let mut held = Vec::new();
    for _ in 0..CAP - 1 {
        let mut c = connect_from(&d, capped).await;
        c.write_all(&health_request("")).await.unwrap();
        assert_eq!(read_answer(&mut c).await.0, 200);
        held.push(c);
    }
    let ws = websocket_from(&d, capped, a.user.id.as_str(), &a.token, &[]).await;

    // One more from that address: a 503 that says why, then the connection closes.
    let mut over = connect_from(&d, capped).await;
    over.write_all(&health_request("")).await.unwrap();
    let answer = String::from_utf8_lossy(&read_until_closed(&mut over).await).into_owned();
    assert_eq!(status(&answer), 503, "{answer}");
    assert!(
        detail(&answer).contains(&format!("already has {CAP} connections open")),
        "{answer}"
    );
    assert!(has_header(&answer, "connection", "close"), "{answer}");
    assert!(
        has_header(&answer, "x-content-type-options", "nosniff"),
        "{answer}"
    );

    // Another address is served meanwhile, on a fresh connection.
    let mut other = connect_from(&d, [127, 0, 0, 2]).await;
    other.write_all(&health_request("")).await.unwrap();
    let (code, answer) = read_answer(&mut other).await;
    assert_eq!(code, 200, "{answer}");

    // A closed WebSocket gives its place back.
    drop(ws);
    eventually_healthy_from(&d, capped, "").await;
    drop(held);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_cap_counts_each_forwarded_client() {
    let d = Daemon::builder()
        .env("CPL_TRUSTED_PROXIES", "127.0.0.1")
        .env("CPL_MAX_CONNECTIONS_PER_ADDRESS", "1")
        .start()
        .await;
    let (_, a) = d.user("Alice").await;
    // The proxy's own connections are not capped: it carries many clients.
    let mut proxy = Vec::new();
    for _ in 0..3 {
        let mut c = connect(&d).await;
        c.write_all(&health_request("X-Forwarded-For: 203.0.113.8\r\n"))
            .await
            .unwrap();
        assert_eq!(read_answer(&mut c).await.0, 200);
        proxy.push(c);
    }
    // A client's open WebSocket holds its one place...
    let ws = websocket_from(
        &d,
        [127, 0, 0, 1],
        a.user.id.as_str(),
        &a.token,
        &[("x-forwarded-for", "203.0.113.7")],
    )
    .await;
    let c = &mut proxy[0];
    c.write_all(&health_request("X-Forwarded-For: 203.0.113.7\r\n"))
        .await
        .unwrap();
    let (code, answer) = read_answer(c).await;
    assert_eq!(code, 503, "{answer}");
    assert!(
        detail(&answer).contains("already has 1 requests"),
        "{answer}"
    );
    // ...while the proxy's connection stays open for its other clients.
    c.write_all(&health_request("X-Forwarded-For: 203.0.113.8\r\n"))
        .await
        .unwrap();
    assert_eq!(read_answer(c).await.0, 200);
    // Closing the WebSocket gives the place back.
    drop(ws);
    eventually_healthy_from(&d, [127, 0, 0, 1], "X-Forwarded-For: 203.0.113.7\r\n").await;
}

#[tokio::test]
async fn content_length_with_transfer_encoding_is_refused_and_nothing_is_smuggled() {
    let d = Daemon::start().await;
    for (n, (first, second)) in [
        ("Content-Length", "Transfer-Encoding"),
        ("Transfer-Encoding", "Content-Length"),
    ]
    .into_iter()
    .enumerate()
    {
        // A valid registration as the chunked body, then a second request in the same
        // bytes: read by Content-Length, that request is part of the body; read as
        // chunked, it is a request of its own.
        let chunk = format!(r#"{{"phone":"+57300111224{n}","name":"Smuggler"}}"#);
        let body = format!(
            "{:x}\r\n{chunk}\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: cpld\r\n\r\n",
            chunk.len()
        );
        let header = |name: &str| {
            if name == "Content-Length" {
                format!("Content-Length: {}\r\n", body.len())
            } else {
                "Transfer-Encoding: chunked\r\n".to_string()
            }
        };
        let req = format!(
            "POST /api/users/register HTTP/1.1\r\nHost: cpld\r\nContent-Type: application/json\r\n{}{}\r\n{body}",
            header(first),
            header(second)
        );
        let mut c = connect(&d).await;
        c.write_all(req.as_bytes()).await.unwrap();
        let got = String::from_utf8_lossy(&read_until_closed(&mut c).await).into_owned();
        assert_eq!(
            got.matches("HTTP/1.1 ").count(),
            1,
            "{first} then {second}: exactly one answer, the smuggled request never answered: {got}"
        );
        // Refused, not served: the registration in it did not happen.
        assert_eq!(status(&got), 400, "{got}");
        let why = detail(&got);
        assert!(
            why.contains("Content-Length") && why.contains("Transfer-Encoding"),
            "{why}"
        );
        assert!(has_header(&got, "connection", "close"), "{got}");
        assert!(
            has_header(&got, "x-content-type-options", "nosniff"),
            "{got}"
        );
    }
    // A chunked body alone is fine.
    let body = br#"{"phone":"+573001112233","name":"Chunk"}"#;
    let mut req = b"POST /api/users/register HTTP/1.1\r\nHost: cpld\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    req.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
    req.extend_from_slice(body);
    req.extend_from_slice(b"\r\n0\r\n\r\n");
    let mut c = connect(&d).await;
    c.write_all(&req).await.unwrap();
    let (code, answer) = read_answer(&mut c).await;
    assert!(code == 201 || code == 200, "{answer}");
}

#[tokio::test]
async fn an_http2_preface_is_not_served_as_http2() {
    let d = Daemon::start().await;
    let mut c = connect(&d).await;
    // Prior knowledge h2c: the preface, then an empty SETTINGS frame.
    c.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    let got = read_until_closed(&mut c).await;
    // An HTTP/2 server's first bytes are its SETTINGS frame (type 4 at byte 3).
    assert!(
        got.is_empty() || got.starts_with(b"HTTP/1.1 "),
        "answered as HTTP/2: {got:?}"
    );
    d.client().health().await.unwrap();
}

#[tokio::test]
async fn an_unreadable_body_is_answered_with_a_sentence_not_hyper_wording() {
    let d = Daemon::start().await;
    let mut c = connect(&d).await;
    c.write_all(b"POST /api/users/register HTTP/1.1\r\nHost: cpld\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        .await
        .unwrap();
    let got = String::from_utf8_lossy(&read_until_closed(&mut c).await).into_owned();
    assert_eq!(status(&got), 400, "{got}");
    let why = detail(&got);
    assert!(why.contains("chunked encoding is malformed"), "{why}");
    assert!(!why.contains("error reading a body"), "{why}");
}

#[tokio::test]
async fn stopping_does_not_wait_on_silent_or_half_sent_connections() {
    // Limits past the bound: only the stop can close these connections in time.
    let mut d = Daemon::builder()
        .env("CPL_IDLE_TIMEOUT", NEVER)
        .env("CPL_HEADER_TIMEOUT", NEVER)
        .start()
        .await;
    let mut silent = connect(&d).await;
    let mut half = connect(&d).await;
    half.write_all(b"GET /health HTTP/1.1\r\nHost: cpld\r\n")
        .await
        .unwrap();
    let stopped = tokio::time::timeout(
        BOUND,
        tokio::task::spawn_blocking(move || {
            d.stop();
            d
        }),
    )
    .await
    .expect("cpld stopped within the bound")
    .unwrap();
    assert!(
        stopped.logs().contains("cpld stopped"),
        "{}",
        stopped.logs()
    );
    assert!(read_until_closed(&mut silent).await.is_empty());
    assert!(read_until_closed(&mut half).await.is_empty());
}

/// The library client's chosen source address (what `cpl simulate --source-addresses`
/// spreads sockets over) is the address the daemon sees, for REST and WebSocket alike: the
/// per-address cap of one is full from 127.0.0.4 and free from others.
#[tokio::test]
async fn a_client_bound_to_a_source_address_is_seen_from_it() {
    let d = Daemon::builder()
        .env("CPL_MAX_CONNECTIONS_PER_ADDRESS", "1")
        .start()
        .await;
    let from = |last: u8| {
        citypulse::Client::new(&d.url)
            .unwrap()
            .with_local_address(Ipv4Addr::new(127, 0, 0, last).into())
            .unwrap()
    };
    // Registered from a third address: the harness's own client, from 127.0.0.1, may
    // still hold that address's one place with the daemon's readiness check.
    let a = from(6)
        .register(&citypulse::api::RegisterRequest {
            phone: "+573001112233".into(),
            name: "Alice".into(),
        })
        .await
        .unwrap();
    let from = |last: u8| from(last).with_token(a.token.clone());
    let four = from(4);
    assert_eq!(
        four.local_address(),
        Some(Ipv4Addr::new(127, 0, 0, 4).into())
    );
    let held = four.connect(&a.user.id).await.unwrap();
    let Err(refused) = four.connect(&a.user.id).await else {
        panic!("a second socket from 127.0.0.4 was let in past the cap of 1");
    };
    assert_eq!(refused.status(), Some(503), "{refused}");
    assert!(
        refused
            .to_string()
            .contains("already has 1 connections open"),
        "{refused}"
    );
    // Other addresses are served meanwhile: REST from one, a WebSocket from another (the
    // REST client's kept-alive connection holds its address's one place).
    assert_eq!(from(5).me().await.unwrap().id, a.user.id);
    let other = from(7).connect(&a.user.id).await.unwrap();
    drop((held, other));
}
