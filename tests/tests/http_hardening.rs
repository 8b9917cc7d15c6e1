//! Issue 21 ("Hardening"), the HTTP side of authentication and the contract's edges, end to
//! end against real daemons: guessing tokens spends a per-address budget and meets a 429
//! (another address is not affected), a short admin token stops `cpld`, ids are not a list
//! to walk, CORS refusals are JSON, an `Authorization` header is never ignored and never
//! sent twice, `HEAD` answers wherever `GET` does, `/docs/` leads to a working page, a claim
//! after the event ended is "expired", timestamps always carry milliseconds, chat is
//! limited per user, `/metrics` can ask for a token and answers carrying tokens are not
//! cached.
//!
//! Waits are bounded by construction (a generous upper bound, never a sleep that hopes);
//! limits are configured small where a test must cross them.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use citypulse::api::{CreateEventRequest, DropRequest, PageQuery};
use citypulse::geo::Coordinates;
use citypulse::model::Event;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::Client;
use citypulse_tests::{binary, unique_phone, Daemon, ADMIN_TOKEN, BOGOTA};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(30);

/// The second loopback address: Linux routes all of 127/8 to `lo`, so a client socket
/// bound here reaches a daemon on 127.0.0.1 as another client address.
const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));

/// An HTTP client whose connections come from `from`.
fn http_from(from: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from)
        .timeout(WAIT)
        .build()
        .unwrap()
}

/// `(status, headers, body as JSON or as a JSON string)` of a GET with an optional token.
async fn get(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = http.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let code = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (code, headers, body)
}

fn detail(body: &Value) -> String {
    body["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("no detail: {body}"))
        .to_string()
}

/// One request written by hand on a fresh connection that the daemon closes after the
/// answer (`Connection: close`), or after the head of a `101`: the status, the head's text
/// and the body's bytes exactly as sent. For what a client library would tidy up: two
/// headers of one name, a `HEAD` answer's (absent) body, a WebSocket handshake.
async fn exchange(d: &Daemon, request: &str) -> (u16, String, Vec<u8>) {
    let addr = d.url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(WAIT, async {
        let mut buf = [0u8; 8192];
        loop {
            let n = s.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            if got.starts_with(b"HTTP/1.1 101") && got.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await
    .expect("the daemon answers and closes within the bound");
    let end = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head: {}", String::from_utf8_lossy(&got)));
    let head = String::from_utf8_lossy(&got[..end]).to_string();
    let status = head[9..12].parse().unwrap();
    (status, head, got[end + 4..].to_vec())
}

/// The value of `name` in a response head, case-insensitively.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// [`exchange`] for a refusal: `status`, as JSON with `nosniff`; its sentence.
async fn refused(d: &Daemon, request: &str, status: u16) -> String {
    let (code, head, body) = exchange(d, request).await;
    assert_eq!(code, status, "{head}");
    assert_eq!(
        header(&head, "content-type"),
        Some("application/json"),
        "{head}"
    );
    assert_eq!(
        header(&head, "x-content-type-options"),
        Some("nosniff"),
        "{head}"
    );
    detail(&serde_json::from_slice(&body).unwrap())
}

/// A WebSocket handshake for `/ws/{user}` with `extra` header lines.
fn ws_handshake(path: &str, extra: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extra}\r\n"
    )
}

async fn create_event(c: &Client, starts_at: Option<&str>) -> Event {
    c.create_event(&CreateEventRequest {
        title: "Concierto".into(),
        description: None,
        category: "cultura".into(),
        coordinates: Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
        address: None,
        starts_at: starts_at.map(|s| s.parse().unwrap()),
        ends_at: None,
    })
    .await
    .unwrap()
}

/// The failed-authentication lines the daemon logged about `addr`.
fn failure_lines(d: &Daemon, addr: &str) -> usize {
    d.logs()
        .lines()
        .filter(|l| l.contains(&format!("failed authentication from {addr}:")))
        .count()
}

#[tokio::test]
async fn three_hundred_wrong_admin_tokens_meet_a_429_and_another_address_still_gets_in() {
    // Default settings: the failure budget is CPL_AUTH_FAILURES_PER_MINUTE's default (30).
    let d = Daemon::start().await;
    let url = format!("{}/api/users", d.url);
    let attacker = http_from(HOME);
    let started = Instant::now();
    let (mut unauthorized, mut first_429) = (0, None);
    for i in 0..300 {
        let guess = format!("guess-{i:04}-0123456789abcdefghij");
        let (code, h, body) = get(&attacker, &url, Some(&guess)).await;
        match code {
            401 => unauthorized += 1,
            429 => {
                if first_429.is_none() {
                    first_429 = Some((i, h, body));
                }
            }
            other => panic!("guess {i}: {other} {body}"),
        }
    }
    let elapsed = started.elapsed();
    let (at, h, body) = first_429.expect("a 429 within 300 wrong admin tokens");
    println!("first 429 at guess {at}; {unauthorized} answered 401 in {elapsed:?}");
    assert!(
        at <= 30,
        "the default budget is 30 failures: first 429 at {at}"
    );
    // Past the budget, one guess per refill (every 2 s at 30 a minute) is looked at.
    assert!(
        unauthorized <= 30 + 1 + elapsed.as_secs() as usize / 2,
        "{unauthorized} guesses answered 401 in {elapsed:?}"
    );
    let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let sentence = detail(&body);
    assert!(
        sentence.contains("failed authentications")
            && sentence.contains("CPL_AUTH_FAILURES_PER_MINUTE")
            && sentence.contains("retry after"),
        "{sentence}"
    );
    assert_eq!(h["content-type"], "application/json");
    // The right admin token from another address is not affected.
    let (code, _, body) = get(&http_from(OTHER), &url, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{body}");
    // The log names the address, at most once a minute however many guesses came.
    let lines = failure_lines(&d, "127.0.0.1");
    assert!(
        (1..=1 + elapsed.as_secs() as usize / 60).contains(&lines),
        "{lines} log lines in {elapsed:?}:\n{}",
        d.logs()
    );
    let metrics = reqwest::get(format!("{}/metrics", d.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!("citypulse_auth_failures_total {unauthorized}\n")),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_spent_budget_refuses_even_the_right_token_and_counts_user_tokens_and_sockets_alike() {
    // One failure a minute: a spent budget stays spent for the whole test (under a minute).
    let d = Daemon::builder()
        .env("CPL_AUTH_FAILURES_PER_MINUTE", "1")
        .start()
        .await;
    let (_, reg) = d.user("Ana").await;
    let me = format!("{}/api/users/me", d.url);
    let home = http_from(HOME);
    // A wrong *user* token spends it...
    let (code, _, _) = get(&home, &me, Some("cpl_not-a-token-of-anyone")).await;
    assert_eq!(code, 401);
    // ...and then the right user token, the admin token and a socket with the right token
    // from that address are all refused before they are looked at.
    let (code, h, body) = get(&home, &me, Some(&reg.token)).await;
    assert_eq!(code, 429, "{body}");
    assert!(h.contains_key("retry-after"));
    assert!(detail(&body).contains("the right one too"), "{body}");
    let (code, _, _) = get(&home, &format!("{}/api/users", d.url), Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 429);
    let (code, head, body) = exchange(
        &d,
        &ws_handshake(
            &format!("/ws/{}?token={}", reg.user.id, reg.token),
            "Connection: close\r\n",
        ),
    )
    .await;
    assert_eq!(code, 429, "{head}");
    assert!(String::from_utf8_lossy(&body).contains("CPL_AUTH_FAILURES_PER_MINUTE"));
    // Requests without a token are not refused: the budget is about tokens.
    let (code, _, _) = get(&home, &format!("{}/health", d.url), None).await;
    assert_eq!(code, 200);
    let (code, _, _) = get(&home, &me, None).await;
    assert_eq!(code, 401);
    // Another address: its own budget.
    let (code, _, body) = get(&http_from(OTHER), &me, Some(&reg.token)).await;
    assert_eq!(code, 200, "{body}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_spends_the_budget() {
    let d = Daemon::builder()
        .env("CPL_AUTH_FAILURES_PER_MINUTE", "1")
        .env("CPL_TRUSTED_PROXIES", "127.0.0.1")
        .start()
        .await;
    let url = format!("{}/api/users", d.url);
    let proxy = http_from(HOME);
    let from = |client: &'static str, token: &str| {
        proxy
            .get(&url)
            .bearer_auth(token)
            .header("x-forwarded-for", client)
            .send()
    };
    let wrong = "wrong-admin-token-0123456789";
    assert_eq!(from("203.0.113.7", wrong).await.unwrap().status(), 401);
    assert_eq!(
        from("203.0.113.7", ADMIN_TOKEN).await.unwrap().status(),
        429
    );
    // Another client behind the same proxy is not refused for the first one's guesses.
    assert_eq!(
        from("203.0.113.8", ADMIN_TOKEN).await.unwrap().status(),
        200
    );
    assert_eq!(failure_lines(&d, "203.0.113.7"), 1, "{}", d.logs());
}

#[test]
fn cpld_refuses_a_short_admin_token_and_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    for (token, chars) in [("Q", "1 character"), ("short-admin-token", "17 characters")] {
        let mut child = std::process::Command::new(binary("cpld"))
            .env_clear()
            .env("HOME", dir.path())
            .env("CPL_DB", dir.path().join("citypulse.db"))
            .env("CPL_LISTEN", "127.0.0.1:0")
            .env("CPL_ADMIN_TOKEN", token)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("cpld kept running with a {chars} admin token");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!status.success(), "{status}");
        assert!(
            stderr.contains("CPL_ADMIN_TOKEN")
                && stderr.contains(chars)
                && stderr.contains("at least 24")
                && stderr.contains("openssl rand -hex 32"),
            "{stderr}"
        );
        assert!(
            !stderr.contains(token),
            "the token itself is never printed: {stderr}"
        );
    }
}

#[tokio::test]
async fn profile_lookups_are_limited_per_address_and_show_only_public_fields() {
    let d = Daemon::builder()
        .env("CPL_LOOKUPS_PER_MINUTE", "4")
        .start()
        .await;
    let (_, reg) = d.user("Ana").await;
    let profile = format!("{}/api/users/{}", d.url, reg.user.id);
    let home = http_from(HOME);
    let (code, _, body) = get(&home, &profile, None).await;
    assert_eq!(code, 200);
    assert!(
        body.get("phone").is_none(),
        "no phone for strangers: {body}"
    );
    let (code, _, _) = get(&home, &format!("{profile}/collectibles"), None).await;
    assert_eq!(code, 200);
    // Unknown ids count the same: a miss is what walking the ids would mostly meet.
    let unknown = format!("{}/api/users/6745a1b2c3d4e5f601234567", d.url);
    let (code, _, _) = get(&home, &unknown, None).await;
    assert_eq!(code, 404);
    let (code, _, _) = get(&home, &profile, Some(&reg.token)).await;
    assert_eq!(code, 200);
    let (code, h, body) = get(&home, &profile, None).await;
    assert_eq!(code, 429, "{body}");
    assert!(h.contains_key("retry-after"));
    assert!(detail(&body).contains("CPL_LOOKUPS_PER_MINUTE"), "{body}");
    let (code, _, _) = get(&http_from(OTHER), &profile, None).await;
    assert_eq!(code, 200, "another address has its own allowance");
    // New ids sort by time but are not a counter: two made in a row are far apart.
    let (_, next) = d.user("Beto").await;
    let (a, b) = (reg.user.id.as_str(), next.user.id.as_str());
    let tail = |id: &str| u64::from_str_radix(&id[8..], 16).unwrap();
    if a[..8] == b[..8] {
        assert!(tail(b) > tail(a) + 1, "{a} then {b}");
    }
}

#[tokio::test]
async fn a_refused_cors_origin_gets_a_json_sentence_also_at_a_websocket_upgrade() {
    let d = Daemon::builder()
        .env("CORS_ORIGINS", "http://localhost:5173")
        .start()
        .await;
    let (_, reg) = d.user("Ana").await;
    let sentence = refused(
        &d,
        "GET /health HTTP/1.1\r\nHost: localhost\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\n",
        403,
    )
    .await;
    assert!(
        sentence.contains("\"http://evil.example\"")
            && sentence.contains("CORS_ORIGINS")
            && sentence.contains("http://localhost:5173"),
        "{sentence}"
    );
    // A browser's WebSocket from that origin, with a valid token: the same answer.
    let ws = format!("/ws/{}?token={}", reg.user.id, reg.token);
    let sentence = refused(
        &d,
        &ws_handshake(&ws, "Origin: http://evil.example\r\nConnection: close\r\n"),
        403,
    )
    .await;
    assert!(sentence.contains("CORS_ORIGINS"), "{sentence}");
    // A preflight for a header that is not granted, from the listed origin.
    let sentence = refused(
        &d,
        "OPTIONS /api/events HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost:5173\r\n\
         Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-secret\r\nConnection: close\r\n\r\n",
        403,
    )
    .await;
    assert!(
        sentence.contains("authorization, content-type"),
        "{sentence}"
    );
    // The listed origin still opens its socket.
    let (code, head, _) =
        exchange(&d, &ws_handshake(&ws, "Origin: http://localhost:5173\r\n")).await;
    assert_eq!(code, 101, "{head}");
}

#[tokio::test]
async fn an_authorization_header_is_never_ignored_and_never_sent_twice() {
    let d = Daemon::start().await;
    let (_, reg) = d.user("Ana").await;
    let (_, other) = d.user("Beto").await;
    let ws = format!("/ws/{}?token={}", reg.user.id, reg.token);
    // A valid ?token= beside an invalid header, a header of another scheme, or another
    // user's token: 401, not a socket.
    for (extra, says) in [
        ("Authorization: Bearer wrong-token\r\n", "different tokens"),
        (
            "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l\r\n",
            "Bearer <token>",
        ),
        (
            &*format!("Authorization: Bearer {}\r\n", other.token),
            "different tokens",
        ),
    ] {
        let sentence = refused(
            &d,
            &ws_handshake(&ws, &format!("{extra}Connection: close\r\n")),
            401,
        )
        .await;
        assert!(sentence.contains(says), "{extra}: {sentence}");
    }
    // The same token both ways is one token.
    let (code, head, _) = exchange(
        &d,
        &ws_handshake(&ws, &format!("Authorization: Bearer {}\r\n", reg.token)),
    )
    .await;
    assert_eq!(code, 101, "{head}");
    // Two Authorization headers: 400 with a sentence, on REST and at an upgrade, even when
    // the first is right.
    let twice = format!(
        "Authorization: Bearer {}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n",
        reg.token, other.token
    );
    let rest = format!("GET /api/users/me HTTP/1.1\r\nHost: localhost\r\n{twice}\r\n");
    let upgrade = ws_handshake(&format!("/ws/{}", reg.user.id), &twice);
    for request in [rest, upgrade] {
        let sentence = refused(&d, &request, 400).await;
        assert!(
            sentence.contains("2 Authorization headers; send exactly one"),
            "{sentence}"
        );
    }
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let d = Daemon::start().await;
    let (_, reg) = d.user("Ana").await;
    for path in [
        "/health".to_string(),
        format!("/api/users/{}", reg.user.id),
        "/api/events/nearby?lng=-74.07&lat=4.6".to_string(),
        "/openapi.json".to_string(),
        "/docs".to_string(),
    ] {
        let (get_code, get_head, get_body) = exchange(
            &d,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
        )
        .await;
        let (code, head, body) = exchange(
            &d,
            &format!("HEAD {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert_eq!((code, get_code), (200, 200), "{path}: {head}");
        assert!(body.is_empty(), "HEAD {path} sent a body");
        for h in ["content-type", "x-content-type-options"] {
            assert_eq!(header(&head, h), header(&get_head, h), "{path}: {h}");
        }
        assert_eq!(
            header(&head, "content-length"),
            Some(get_body.len().to_string().as_str()),
            "{path}: {head}"
        );
    }
    // A path that takes POST only: 405, and Allow does not offer HEAD; a GET path's 405
    // offers it.
    let (code, head, _) = exchange(
        &d,
        "HEAD /api/users/register HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(code, 405, "{head}");
    assert_eq!(header(&head, "allow"), Some("POST"));
    let (code, head, _) = exchange(
        &d,
        "DELETE /api/events/nearby HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(code, 405, "{head}");
    assert_eq!(header(&head, "allow"), Some("GET, HEAD"));
}

#[tokio::test]
async fn docs_with_a_trailing_slash_leads_to_a_page_whose_document_loads() {
    let d = Daemon::start().await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirects
        .get(format!("{}/docs/", d.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 308);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, "/docs");
    // Where the browser lands, and what the page's relative `openapi.json` means there.
    let page_url = url::Url::parse(&format!("{}/docs/", d.url))
        .unwrap()
        .join(&location)
        .unwrap();
    let page = reqwest::get(page_url.clone()).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("src=\"docs/swagger-initializer.js\""));
    // Swagger UI's settings name the document relative to the page.
    let init = reqwest::get(page_url.join("docs/swagger-initializer.js").unwrap())
        .await
        .unwrap();
    assert_eq!(init.status().as_u16(), 200);
    assert!(init.text().await.unwrap().contains("\"openapi.json\""));
    let doc = reqwest::get(page_url.join("openapi.json").unwrap())
        .await
        .unwrap();
    assert_eq!(doc.status().as_u16(), 200);
    let doc: Value = doc.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
}

#[tokio::test]
async fn a_claim_after_the_event_ended_answers_expired() {
    let d = Daemon::start().await;
    let (creator, _) = d.user("Creadora").await;
    let (player, p) = d.user("Jugador").await;
    let (stranger, s) = d.user("Ajena").await;
    let ev = create_event(&creator, None).await;
    player.join_event(&ev.id).await.unwrap();
    let col = d
        .admin()
        .drop_collectible(
            &ev.id,
            &DropRequest {
                expires_in: Some(3600),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // While the event runs, someone not in its room is refused, as before.
    let err = stranger.claim(&col.id).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    creator.end_event(&ev.id).await.unwrap();
    // After the end: the documented 200 "expired", for the one who was in the room and
    // for anyone else; nobody wins it.
    for c in [&player, &stranger] {
        let r = c.claim(&col.id).await.unwrap();
        assert!(!r.success);
        assert_eq!(r.message, "expired");
        assert!(r.collectible.is_none());
    }
    for id in [&p.user.id, &s.user.id] {
        assert!(d.client().user_collectibles(id).await.unwrap().is_empty());
    }
}

/// A timestamp written as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn has_milliseconds(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[tokio::test]
async fn timestamps_always_carry_milliseconds() {
    let d = Daemon::start().await;
    let reg: Value = reqwest::Client::new()
        .post(format!("{}/api/users/register", d.url))
        .json(&json!({"phone": unique_phone(), "name": "Ana"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created = reg["created_at"].as_str().unwrap();
    assert!(has_milliseconds(created), "{created}");
    // A whole second in, three zeros out (chrono alone writes `...:00Z`).
    let c = Client::new(&d.url)
        .unwrap()
        .with_token(reg["token"].as_str().unwrap());
    let ev = create_event(&c, Some("2026-11-25T14:03:00Z")).await;
    let raw: Value = reqwest::get(format!("{}/api/events/{}", d.url, ev.id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["starts_at"], "2026-11-25T14:03:00.000Z");
    assert!(raw["ends_at"].is_null());
    // Every timestamp of the event, whatever its field.
    for (field, v) in raw.as_object().unwrap() {
        if let (true, Some(t)) = (field.ends_with("_at"), v.as_str()) {
            assert!(has_milliseconds(t), "{field}: {t}");
        }
    }
}

#[tokio::test]
async fn chat_is_limited_per_user_across_all_their_sockets() {
    // 1 a second after a burst of 5, per socket (frames) and per user (chat).
    let d = Daemon::builder().env("CPL_RATE_LIMIT", "1").start().await;
    let (c, reg) = d.user("Ana").await;
    let ev = create_event(&c, None).await;
    c.join_event(&ev.id).await.unwrap();
    let mut sockets = Vec::new();
    for _ in 0..8 {
        sockets.push(c.connect(&reg.user.id).await.unwrap());
    }
    // Each socket sends 4 chat messages and a ping: 5 frames, within its own burst, so
    // the per-socket limit never closes one. Together they send 32 chat messages, which
    // a per-socket limit let through; the user's allowance is 5 plus 1 a second.
    let started = Instant::now();
    for (s, ws) in sockets.iter_mut().enumerate() {
        for i in 0..4 {
            ws.send(&ClientMessage::ChatMessage {
                event_id: ev.id.clone(),
                message: format!("s{s} m{i}"),
            })
            .await
            .unwrap();
        }
        ws.send(&ClientMessage::Ping).await.unwrap();
    }
    // A socket's answers to its own frames come in order: its refusals, then the pong.
    let mut refused = 0;
    for ws in &mut sockets {
        loop {
            match tokio::time::timeout(WAIT, ws.recv())
                .await
                .unwrap()
                .unwrap()
            {
                ServerMessage::Pong => break,
                ServerMessage::Error { code, message } if code == "rate_limited" => {
                    assert!(
                        message.contains("all of your connections together"),
                        "{message}"
                    );
                    refused += 1;
                }
                ServerMessage::Error { code, message } => panic!("{code}: {message}"),
                _ => {}
            }
        }
    }
    let elapsed = started.elapsed();
    let stored = d
        .client()
        .messages(
            &ev.id,
            &PageQuery {
                limit: Some(200),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();
    println!("{stored} stored, {refused} refused in {elapsed:?}");
    assert_eq!(stored + refused, 32);
    // The burst, plus one for each second the sending took (and one for a partial one).
    assert!(
        stored <= 5 + elapsed.as_secs() as usize + 1,
        "{stored} stored in {elapsed:?}"
    );
    // Refusing did not close anything: every socket still answers.
    for ws in &mut sockets {
        ws.send(&ClientMessage::Ping).await.unwrap();
    }
}

#[tokio::test]
async fn metrics_can_ask_for_a_bearer_token() {
    let token = "metrics-0123456789abcdef0123456789";
    let d = Daemon::builder()
        .env("CPL_METRICS_TOKEN", token)
        .start()
        .await;
    let url = format!("{}/metrics", d.url);
    let http = reqwest::Client::new();
    let (code, h, body) = get(&http, &url, None).await;
    assert_eq!(code, 401, "{body}");
    assert_eq!(h["content-type"], "application/json");
    assert!(detail(&body).contains("CPL_METRICS_TOKEN"), "{body}");
    let (code, _, body) = get(&http, &url, Some(ADMIN_TOKEN)).await;
    assert_eq!(
        code, 401,
        "the admin token is not the metrics token: {body}"
    );
    let (code, h, body) = get(&http, &url, Some(token)).await;
    assert_eq!(code, 200, "{body}");
    assert!(h["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert!(body
        .as_str()
        .unwrap()
        .contains("citypulse_auth_failures_total 1\n"));
    // Unset (the default): public, as before.
    let open = Daemon::start().await;
    let (code, _, _) = get(&http, &format!("{}/metrics", open.url), None).await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn answers_carrying_tokens_are_not_cached() {
    let d = Daemon::start().await;
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/api/users/register", d.url))
        .json(&json!({"phone": unique_phone(), "name": "Ana"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let reg: Value = resp.json().await.unwrap();
    let (id, token) = (
        reg["id"].as_str().unwrap().to_string(),
        reg["token"].as_str().unwrap().to_string(),
    );
    let resp = http
        .post(format!("{}/api/users/{id}/token", d.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let token = resp.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let c = Client::new(&d.url).unwrap().with_token(&token);
    let ev = create_event(&c, None).await;
    let resp = http
        .post(format!("{}/api/events/{}/join", d.url, ev.id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    // An answer without a token is not marked.
    let (code, h, _) = get(&http, &format!("{}/api/users/me", d.url), Some(&token)).await;
    assert_eq!(code, 200);
    assert!(h.get("cache-control").is_none());
}
