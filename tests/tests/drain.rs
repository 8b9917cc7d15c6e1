//! Graceful drain: on SIGTERM `cpld` turns not-ready first (`/health/ready` 503 while
//! `/health/live` stays 200), stops accepting, finishes the requests in progress, closes
//! every WebSocket with 1001 and a reason that says to reconnect, and exits 0.
//!
//! Nothing here depends on timing: each step waits (bounded) for the daemon to show the
//! state the next step needs (a `100 Continue` proves a request is being served, the close
//! frame proves the stop began, a refused connection proves the listener is gone).

use std::time::Duration;

use citypulse::client::WsError;
use citypulse_tests::Daemon;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(30);

fn addr(d: &Daemon) -> String {
    d.url.trim_start_matches("http://").to_string()
}

/// One GET on a fresh connection: the status and the body.
async fn get(d: &Daemon, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr(d)).await?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await?;
    let mut answer = String::new();
    tokio::time::timeout(WAIT, s.read_to_string(&mut answer))
        .await
        .map_err(|_| std::io::Error::other("no answer within the wait"))??;
    Ok(status_and_body(&answer))
}

fn status_and_body(answer: &str) -> (u16, String) {
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

/// Reads until `needle` has arrived (bounded).
async fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(WAIT, async {
        while !String::from_utf8_lossy(&seen).contains(needle) {
            let n = s.read(&mut buf).await.unwrap();
            assert!(
                n > 0,
                "closed before {needle:?}: {}",
                String::from_utf8_lossy(&seen)
            );
            seen.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} within the wait"));
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn a_drain_finishes_requests_closes_sockets_with_1001_and_exits_zero() {
    let mut d = Daemon::builder()
        .env("CPL_SHUTDOWN_GRACE", "60")
        .start()
        .await;
    let (alice, a) = d.user("Alice").await;
    let mut ws = alice.connect(&a.user.id).await.unwrap();

    // A registration whose body is half sent: `100 Continue` means the daemon has the
    // headers and its handler reads the body, so the request is in progress.
    let body = format!(
        r#"{{"phone":"{}","name":"Slow Sam"}}"#,
        citypulse_tests::unique_phone()
    );
    let (first, rest) = body.split_at(body.len() / 2);
    let mut slow = TcpStream::connect(addr(&d)).await.unwrap();
    slow.write_all(
        format!(
            "POST /api/users/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    read_until(&mut slow, "100 Continue").await;
    slow.write_all(first.as_bytes()).await.unwrap();

    d.terminate();

    // Every WebSocket is told to reconnect.
    let (code, reason) = loop {
        match tokio::time::timeout(WAIT, ws.recv())
            .await
            .expect("a close within the wait")
        {
            Ok(_) => continue,
            Err(WsError::Closed { code, reason }) => break (code, reason),
            Err(e) => panic!("expected a close frame, got {e}"),
        }
    };
    assert_eq!(code, 1001);
    assert_eq!(reason, citypulse::RESTART_REASON);
    // A client that goes away after the close, as a real one does: the daemon need not
    // wait for it.
    drop(ws);

    // The listener closes (bounded wait for a refused connection).
    let mut refused = false;
    for _ in 0..600 {
        if TcpStream::connect(addr(&d)).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        refused,
        "the daemon still accepts connections after SIGTERM"
    );

    // The request in progress still completes.
    slow.write_all(rest.as_bytes()).await.unwrap();
    let answer = read_until(&mut slow, "\"token\"").await;
    let after_continue = answer
        .split_once("100 Continue\r\n\r\n")
        .map_or(answer.as_str(), |(_, a)| a);
    let (status, body) = status_and_body(after_continue);
    assert_eq!(status, 201, "{body}");

    let status = d
        .wait_exit(WAIT)
        .await
        .unwrap_or_else(|| panic!("cpld did not exit; log:\n{}", d.logs()));
    assert!(
        status.success(),
        "cpld exited with {status}; log:\n{}",
        d.logs()
    );
}

#[tokio::test]
async fn readiness_turns_false_at_sigterm_while_liveness_stays() {
    // A drain delay longer than the test: the daemon keeps serving, not ready, until it
    // is killed when the test ends.
    let d = Daemon::builder()
        .env("CPL_DRAIN_DELAY", "600")
        .start()
        .await;
    let (status, body) = get(&d, "/health/ready").await.unwrap();
    assert_eq!((status, body.as_str()), (200, r#"{"detail":"ready"}"#));
    let (status, _) = get(&d, "/health/live").await.unwrap();
    assert_eq!(status, 200);

    d.terminate();
    let mut ready = (200, String::new());
    for _ in 0..600 {
        ready = get(&d, "/health/ready").await.unwrap();
        if ready.0 == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(ready.0, 503, "{}", ready.1);
    let detail: serde_json::Value = serde_json::from_str(&ready.1).unwrap();
    assert!(
        detail["detail"].as_str().unwrap().contains("shutting down"),
        "{detail}"
    );
    let (status, _) = get(&d, "/health/live").await.unwrap();
    assert_eq!(status, 200);
    // `/health` keeps its shape and answers while the store does.
    let (status, body) = get(&d, "/health").await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""status":"ok""#), "{body}");
}

/// Two daemons on one MongoDB: the one running the drop rounds gives its lease up when it
/// drains, so the other runs the next round at its next tick instead of after the lease
/// expires. Asserted on the lease document itself: once the drained daemon has exited it
/// no longer names it (released, not left to expire; the other daemon's next tick takes it,
/// as the scheduler's unit test shows on SQLite). What could make it fail wrongly: the
/// holder stalling for over 5 s before the stop, so that the lease legitimately moved.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_drained_daemon_releases_the_drop_round_lease() {
    use citypulse_tests::mongo::{self, DropDatabase};
    use mongodb::bson::{doc, Document};

    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("drain");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let start = || {
        Daemon::builder()
            .env("MONGODB_URL", &url)
            .env("DATABASE_NAME", &name)
            // Ticks (the first one an interval after start) every second; the lease lasts
            // half an interval plus 5 s past each renewal, so a holder that exits without
            // releasing it is still named for seconds after its exit.
            .env("CPL_DROP_INTERVAL", "1")
            .start()
    };
    let a = start().await;
    let b = start().await;
    let leases = mongodb::Client::with_uri_str(&url)
        .await
        .unwrap()
        .database(&name)
        .collection::<Document>("leases");
    let holder_now = || async {
        leases
            .find_one(doc! { "_id": "drop-round" })
            .await
            .unwrap()
            .and_then(|d| d.get_str("holder").ok().map(str::to_string))
    };
    // Both daemons tick at start: one takes the lease, the other defers.
    const ROUNDS: &str = "citypulse_drop_rounds_total";
    let mut holder = None;
    for _ in 0..600 {
        let (ra, rb) = (a.metric(ROUNDS).await, b.metric(ROUNDS).await);
        if ra + rb > 0 {
            holder = Some(ra > 0);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let a_holds = holder.expect("neither daemon took the drop-round lease");
    let (mut holding, other) = if a_holds { (a, b) } else { (b, a) };
    let held_by = holder_now().await.expect("a drop-round lease document");

    holding.terminate();
    let status = holding
        .wait_exit(WAIT)
        .await
        .unwrap_or_else(|| panic!("cpld did not exit; log:\n{}", holding.logs()));
    assert!(status.success(), "cpld exited with {status}");
    assert_ne!(
        holder_now().await.as_deref(),
        Some(held_by.as_str()),
        "the drained daemon still holds the drop-round lease; log:\n{}",
        holding.logs()
    );
    drop(other);
}
