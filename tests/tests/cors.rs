//! Issue 17 ("For frontend developers"), the CORS part, against real daemons: a browser
//! app on an allowed origin (a Vite dev server, `http://localhost:5173`) can read a 429 and
//! its `Retry-After` (the error answers carry the CORS grant and expose the header), its
//! preflights are granted, and a refused origin is named in the daemon's debug log.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use citypulse_tests::Daemon;
use reqwest::header::HeaderMap;

const VITE: &str = "http://localhost:5173";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A header's value, or a failure naming the header and all the answer's headers.
fn value<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .unwrap_or_else(|| panic!("no {name} in {h:?}"))
        .to_str()
        .unwrap()
}

/// The answer carries the grant for [`VITE`] and lets its script read `Retry-After`.
fn assert_readable_by_vite(h: &HeaderMap) {
    assert_eq!(value(h, "access-control-allow-origin"), VITE, "{h:?}");
    let exposed = value(h, "access-control-expose-headers").to_ascii_lowercase();
    assert!(
        exposed.split(',').any(|x| x.trim() == "retry-after"),
        "{exposed}"
    );
}

#[tokio::test]
async fn a_429_from_an_allowed_origin_is_readable_with_its_retry_after() {
    // One failure a minute, one write a second: both budgets stay spent for the test.
    let d = Daemon::builder()
        .env("CORS_ORIGINS", VITE)
        .env("CPL_AUTH_FAILURES_PER_MINUTE", "1")
        .env("CPL_RATE_LIMIT", "1")
        .start()
        .await;
    let http = http();
    let me = format!("{}/api/users/me", d.url);
    let mut codes = Vec::new();
    for _ in 0..2 {
        let r = http
            .get(&me)
            .header("origin", VITE)
            .bearer_auth("cpl_not-a-token-of-anyone")
            .send()
            .await
            .unwrap();
        // Every error answer, the 401 too, is one the page's script can read.
        assert_readable_by_vite(r.headers());
        codes.push(r.status().as_u16());
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"), "{:?}", r.headers());
        }
    }
    assert_eq!(codes, [401, 429]);

    // The write limit's 429 (registrations are writes; from one address, one a second).
    let register = format!("{}/api/users/register", d.url);
    let mut limited = None;
    for _ in 0..10 {
        let r = http
            .post(&register)
            .header("origin", VITE)
            .json(&serde_json::json!({"name": "Ana", "phone": citypulse_tests::unique_phone()}))
            .send()
            .await
            .unwrap();
        assert_readable_by_vite(r.headers());
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("a 429 within 10 registrations at one write a second");
    assert!(r.headers().contains_key("retry-after"), "{:?}", r.headers());
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_granted_and_exposes_retry_after() {
    let d = Daemon::builder().env("CORS_ORIGINS", VITE).start().await;
    let r = http()
        .request(reqwest::Method::OPTIONS, format!("{}/api/events", d.url))
        .header("origin", VITE)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 200 | 204), "{}", r.status());
    let h = r.headers();
    assert_readable_by_vite(h);
    let methods = value(h, "access-control-allow-methods").to_ascii_uppercase();
    assert!(methods.contains("POST"), "{methods}");
    let headers = value(h, "access-control-allow-headers").to_ascii_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
}

/// A browser app deletes with DELETE (a chat message, a session, its user): the preflight
/// for it is granted, with the token header.
#[tokio::test]
async fn a_delete_from_an_allowed_origin_is_granted() {
    let d = Daemon::builder().env("CORS_ORIGINS", VITE).start().await;
    for path in [
        "/api/events/6745a1b2c3d4e5f601234567/messages/6745a1b2c3d4e5f601234568",
        "/api/users/me/sessions/6745a1b2c3d4e5f601234567",
        "/api/users/6745a1b2c3d4e5f601234567",
    ] {
        let r = http()
            .request(reqwest::Method::OPTIONS, format!("{}{path}", d.url))
            .header("origin", VITE)
            .header("access-control-request-method", "DELETE")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap();
        assert!(
            matches!(r.status().as_u16(), 200 | 204),
            "{path}: {}",
            r.status()
        );
        let methods = value(r.headers(), "access-control-allow-methods").to_ascii_uppercase();
        assert!(methods.contains("DELETE"), "{path}: {methods}");
    }
}

#[tokio::test]
async fn a_refused_origin_is_logged_at_debug_with_the_origin_and_the_path() {
    // The harness runs cpld with CPL_LOG=info,citypulse_daemon=debug; said here too so the
    // test does not depend on that default.
    let d = Daemon::builder()
        .env("CORS_ORIGINS", VITE)
        .env("CPL_LOG", "info,citypulse_daemon=debug")
        .start()
        .await;
    let r = http()
        .get(format!("{}/api/events/nearby?lng=1&lat=2", d.url))
        .header("origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The line is written before the answer is sent; the log file is read after it.
    let logs = d.logs();
    let line = logs
        .lines()
        .find(|l| l.contains("CORS refused"))
        .unwrap_or_else(|| panic!("no CORS refusal in the log:\n{logs}"));
    assert!(line.contains("DEBUG"), "{line}");
    assert!(line.contains("http://localhost:3000"), "{line}");
    assert!(line.contains("/api/events/nearby"), "{line}");
    assert!(line.contains("CORS_ORIGINS"), "{line}");
}
