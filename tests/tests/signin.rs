//! Sign-in by SMS code (issue 16) against real daemons and a fake Twilio Verify that
//! follows the protocol note: codes, second devices, sessions, revocation (its socket
//! closes, on another daemon too), sign-out, wrong and expired codes, Twilio's limits and
//! failures, no account enumeration, `CPL_REQUIRE_VERIFIED_PHONE`, codes kept out of logs.
//! Both stores: SQLite, and MongoDB (`secantusd-py`, or `CPL_TEST_MONGODB_URL`).

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use citypulse::auth::VerifyRequest;
use citypulse::client::WsConnection;
use citypulse::model::RegisteredUser;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::Client;
use citypulse_tests::fake_twilio::{self, daemon_with_twilio, Endpoint, FakeTwilio, Fault};
use citypulse_tests::frames::{expect, expect_close};
use citypulse_tests::mongo::{self, DropDatabase};
use citypulse_tests::{api_error, unique_phone, Daemon, DaemonBuilder};
use serde_json::{json, Value};

/// A raw call: status, `Retry-After` and JSON body.
async fn post(d: &Daemon, path: &str, body: Value) -> (u16, Option<u64>, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", d.url))
        .header("user-agent", "signin-test/1.0")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, retry_after, body)
}

fn detail(body: &Value) -> String {
    body["detail"].as_str().unwrap_or_default().to_string()
}

/// Asks for a code and reads it from the fake's side door (the phone's inbox).
async fn code(d: &Daemon, fake: &FakeTwilio, phone: &str) -> String {
    let (status, _, body) = post(d, "/api/auth/code", json!({ "phone": phone })).await;
    assert_eq!(status, 202, "{body}");
    fake.code_for(phone).expect("the fake texted a code")
}

/// Signs in with a fresh code: the status and the answer.
async fn sign_in(
    d: &Daemon,
    fake: &FakeTwilio,
    phone: &str,
    name: Option<&str>,
) -> (u16, RegisteredUser) {
    let code = code(d, fake, phone).await;
    let mut body = json!({ "phone": phone, "code": code });
    if let Some(n) = name {
        body["name"] = json!(n);
    }
    let (status, _, body) = post(d, "/api/auth/verify", body).await;
    assert!(status == 200 || status == 201, "{status} {body}");
    (status, serde_json::from_value(body).unwrap())
}

async fn still_open(ws: &mut WsConnection) {
    ws.send(&ClientMessage::Ping).await.unwrap();
    expect(ws, "pong", |m| {
        matches!(m, ServerMessage::Pong).then_some(())
    })
    .await;
}

/// The whole flow on one daemon (`a`), with the revocation made through `b` (the same
/// daemon, or another on the same MongoDB).
async fn whole_flow(a: &Daemon, b: &Daemon, fake: &FakeTwilio) {
    let phone = unique_phone();
    // A new phone becomes an account only with a name and a right code.
    let (status, first) = sign_in(a, fake, &phone, Some("Ana")).await;
    assert_eq!(status, 201);
    assert_eq!(first.user.phone.as_deref(), Some(phone.as_str()));
    // A second device: a second token, both work.
    let (status, second) = sign_in(a, fake, &phone, None).await;
    assert_eq!(status, 200);
    assert_eq!(second.user.id, first.user.id);
    assert_ne!(second.token, first.token);
    let one = a.client().with_token(first.token.clone());
    let two = a.client().with_token(second.token.clone());
    assert_eq!(one.me().await.unwrap().id, first.user.id);
    assert_eq!(two.me().await.unwrap().id, first.user.id);
    let sessions = one.sessions().await.unwrap();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert!(sessions[0].current && !sessions[1].current, "{sessions:?}");
    assert_eq!(sessions[1].label.as_deref(), Some("signin-test/1.0"));
    assert!(sessions[0].last_used_at.is_some(), "used just now");

    // Each device has a socket; revoking the second (through daemon b) closes its socket
    // only, and its calls answer 401.
    let mut ws_one = one.connect(&first.user.id).await.unwrap();
    let mut ws_two = b
        .client()
        .with_token(second.token.clone())
        .connect(&first.user.id)
        .await
        .unwrap();
    still_open(&mut ws_two).await;
    let on_b = b.client().with_token(first.token.clone());
    on_b.revoke_session(&sessions[1].id).await.unwrap();
    let (code, reason) = expect_close(&mut ws_two).await;
    assert_eq!(code, 1008, "{reason}");
    assert!(reason.contains("signed out"), "{reason}");
    let (status, _) = api_error(two.me().await.unwrap_err());
    assert_eq!(status, 401);
    still_open(&mut ws_one).await;
    assert_eq!(one.me().await.unwrap().id, first.user.id);
    let left = one.sessions().await.unwrap();
    assert_eq!(left.len(), 1);
    // Revoking it again, or another user's: 404.
    let (status, _) = api_error(one.revoke_session(&sessions[1].id).await.unwrap_err());
    assert_eq!(status, 404);

    // Sign-out: the calling token stops working and its socket closes.
    one.logout().await.unwrap();
    let (code, _) = expect_close(&mut ws_one).await;
    assert_eq!(code, 1008);
    let (status, _) = api_error(one.me().await.unwrap_err());
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flow_on_sqlite() {
    let fake = FakeTwilio::start().await;
    let d = daemon_with_twilio(&fake).start().await;
    whole_flow(&d, &d, &fake).await;
    // Every code went through Twilio: none of them is in the log.
    let logs = d.logs();
    for code in fake.all_codes() {
        for line in logs.lines().filter(|l| {
            l.contains("auth") || l.contains("code") || l.contains("Twilio") || l.contains("verify")
        }) {
            assert!(
                !line.contains(&code),
                "a sign-in code is in the log: {line}"
            );
        }
    }
}

fn on_mongo(url: &str, name: &str, fake: &FakeTwilio) -> DaemonBuilder {
    daemon_with_twilio(fake)
        .env("MONGODB_URL", url)
        .env("DATABASE_NAME", name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn whole_flow_on_mongodb_across_two_daemons() {
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("signin");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let fake = FakeTwilio::start().await;
    let a = on_mongo(&url, &name, &fake).start().await;
    let b = on_mongo(&url, &name, &fake).start().await;
    whole_flow(&a, &b, &fake).await;
}

/// A user registered the old way signs in by phone: a new token, and the registration's
/// token keeps working as their first session (listed, revocable).
async fn registered_user_gets_a_second_session(d: &Daemon, fake: &FakeTwilio) {
    let (old, reg) = d.user("Beto").await;
    let phone = reg.user.phone.clone().unwrap();
    let (status, signed) = sign_in(d, fake, &phone, Some("ignored for an existing account")).await;
    assert_eq!(status, 200);
    assert_eq!(signed.user.id, reg.user.id);
    assert_eq!(signed.user.name, "Beto");
    assert_eq!(
        old.me().await.unwrap().id,
        reg.user.id,
        "the old token still works"
    );
    let new = d.client().with_token(signed.token);
    let sessions = new.sessions().await.unwrap();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    // Revoking the registration's session retires that token for good.
    let first = sessions.iter().find(|s| !s.current).unwrap();
    new.revoke_session(&first.id).await.unwrap();
    let (status, _) = api_error(old.me().await.unwrap_err());
    assert_eq!(status, 401);
    assert_eq!(new.sessions().await.unwrap().len(), 1);
    // An admin reset revokes every session and gives one new token.
    let reset = d.admin().reset_token(&reg.user.id).await.unwrap();
    let (status, _) = api_error(new.me().await.unwrap_err());
    assert_eq!(status, 401);
    let fresh = d.client().with_token(reset.token);
    assert_eq!(fresh.sessions().await.unwrap().len(), 1);
}

#[tokio::test]
async fn registered_user_signs_in_on_sqlite() {
    let fake = FakeTwilio::start().await;
    let d = daemon_with_twilio(&fake).start().await;
    registered_user_gets_a_second_session(&d, &fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registered_user_signs_in_on_mongodb() {
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("signin_reg");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let fake = FakeTwilio::start().await;
    let d = on_mongo(&url, &name, &fake).start().await;
    registered_user_gets_a_second_session(&d, &fake).await;
}

/// A token issued before sessions existed (the SQLite file of an older cpld) is the
/// user's first session after the upgrade.
#[tokio::test]
async fn tokens_from_before_sessions_keep_working() {
    let fake = FakeTwilio::start().await;
    let mut d = daemon_with_twilio(&fake).start().await;
    let (old, reg) = d.user("Cata").await;
    // Back to the schema of the previous release: the sessions table did not exist.
    d.stop();
    {
        let db = rusqlite::Connection::open(d.dir.join("citypulse.db")).unwrap();
        db.execute_batch("DROP TABLE sessions; DELETE FROM schema_migrations WHERE version = 5;")
            .unwrap();
    }
    d.start_again().await;
    // A new port after the restart: a new client with the same token.
    drop(old);
    let old = d.client().with_token(reg.token.clone());
    assert_eq!(old.me().await.unwrap().id, reg.user.id);
    let sessions = old.sessions().await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].current);
}

#[tokio::test]
async fn wrong_expired_and_missing_codes() {
    let fake = FakeTwilio::with_expiry(Duration::from_millis(500)).await;
    let d = daemon_with_twilio(&fake).start().await;
    let phone = unique_phone();
    // Never sent: 401, ask for a new one; nothing created.
    let (status, _, body) = post(
        &d,
        "/api/auth/verify",
        json!({ "phone": phone, "code": "123456", "name": "Dana" }),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert!(detail(&body).contains("ask for a new one"), "{body}");
    // Expired: 401 the same way.
    let c = code(&d, &fake, &phone).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (status, _, body) = post(
        &d,
        "/api/auth/verify",
        json!({ "phone": phone, "code": c, "name": "Dana" }),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert!(detail(&body).contains("expired"), "{body}");
    let users = d.admin().users().await.unwrap();
    assert!(users
        .iter()
        .all(|u| u.phone.as_deref() != Some(phone.as_str())));
    // Malformed code: 422, without spending anything.
    let (status, _, body) = post(
        &d,
        "/api/auth/verify",
        json!({ "phone": phone, "code": "12ab" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn five_wrong_codes_end_the_verification() {
    let fake = FakeTwilio::start().await;
    let d = daemon_with_twilio(&fake).start().await;
    let phone = unique_phone();
    let right = code(&d, &fake, &phone).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        let (status, _, body) = post(
            &d,
            "/api/auth/verify",
            json!({ "phone": phone, "code": wrong, "name": "Eva" }),
        )
        .await;
        assert_eq!(status, 401, "{body}");
        assert!(detail(&body).contains("wrong"), "{body}");
    }
    // Even the right code is refused now: the verification is over.
    let (status, retry_after, body) = post(
        &d,
        "/api/auth/verify",
        json!({ "phone": phone, "code": right, "name": "Eva" }),
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert!(retry_after.is_some(), "a 429 says when to retry");
    assert!(detail(&body).contains("new one"), "{body}");
    let (status, _, _) = post(
        &d,
        "/api/auth/verify",
        json!({ "phone": phone, "code": right, "name": "Eva" }),
    )
    .await;
    assert_eq!(status, 401);
    // No account was made.
    let users = d.admin().users().await.unwrap();
    assert!(users
        .iter()
        .all(|u| u.phone.as_deref() != Some(phone.as_str())));
}

#[tokio::test]
async fn a_new_phone_needs_a_name() {
    let fake = FakeTwilio::start().await;
    let d = daemon_with_twilio(&fake).start().await;
    let phone = unique_phone();
    let c = code(&d, &fake, &phone).await;
    let (status, _, body) =
        post(&d, "/api/auth/verify", json!({ "phone": phone, "code": c })).await;
    assert_eq!(status, 422, "{body}");
    assert!(detail(&body).contains("name"), "{body}");
}

#[tokio::test]
async fn no_enumeration_of_accounts() {
    let fake = FakeTwilio::start().await;
    let d = daemon_with_twilio(&fake).start().await;
    let (_, reg) = d.user("Fede").await;
    let known = reg.user.phone.unwrap();
    let unknown = unique_phone();
    let (s1, r1, b1) = post(&d, "/api/auth/code", json!({ "phone": known })).await;
    let (s2, r2, b2) = post(&d, "/api/auth/code", json!({ "phone": unknown })).await;
    assert_eq!((s1, r1), (s2, r2));
    assert_eq!(detail(&b1), detail(&b2));
    assert_eq!(b1.as_object().unwrap().len(), b2.as_object().unwrap().len());
}

#[tokio::test]
async fn twilio_limits_and_failures_are_sentences() {
    let fake = FakeTwilio::start().await;
    // This daemon's own per-phone limit off, so Twilio's is the one reached.
    let d = daemon_with_twilio(&fake)
        .env("CPL_SMS_CODES_PER_PHONE", "0")
        .start()
        .await;
    // 429/60203: the sixth send to one phone.
    let phone = unique_phone();
    for _ in 0..5 {
        code(&d, &fake, &phone).await;
    }
    let (status, retry_after, body) = post(&d, "/api/auth/code", json!({ "phone": phone })).await;
    assert_eq!(status, 429, "{body}");
    assert!(retry_after.is_some_and(|s| s > 0));
    assert!(detail(&body).contains("too many codes"), "{body}");
    // 403/60410: a blocked prefix.
    fake.block_prefix("+99");
    let (status, _, body) = post(&d, "/api/auth/code", json!({ "phone": "+99123456789" })).await;
    assert_eq!(status, 403, "{body}");
    assert!(detail(&body).contains("will not send"), "{body}");
    // 500 on every try: 502 with a sentence; the send is retried once (2 tries).
    let before = fake.requests_to(Endpoint::Start).len();
    fake.faults(Endpoint::Start, Fault::Status(500), 2);
    let (status, _, body) = post(&d, "/api/auth/code", json!({ "phone": unique_phone() })).await;
    assert_eq!(status, 502, "{body}");
    assert!(
        detail(&body).contains("HTTP 500") && detail(&body).contains("2 tries"),
        "{body}"
    );
    assert_eq!(fake.requests_to(Endpoint::Start).len(), before + 2);
    // One 503, then a normal answer: the retry hides it.
    fake.fault(Endpoint::Start, Fault::Status(503));
    let p = unique_phone();
    let (status, _, body) = post(&d, "/api/auth/code", json!({ "phone": p })).await;
    assert_eq!(status, 202, "{body}");
    // A check that fails on every try: 502, and nothing half-created.
    let c = fake.code_for(&p).unwrap();
    fake.faults(Endpoint::Check, Fault::Status(500), 2);
    let (status, _, body) = post(
        &d,
        "/api/auth/verify",
        json!({ "phone": p, "code": c, "name": "Gabi" }),
    )
    .await;
    assert_eq!(status, 502, "{body}");
    let users = d.admin().users().await.unwrap();
    assert!(users.iter().all(|u| u.phone.as_deref() != Some(p.as_str())));
    // Hanging past the 1 s limit on both tries: 503 with a sentence.
    fake.faults(Endpoint::Start, Fault::Hang(Duration::from_secs(5)), 2);
    let (status, _, body) = post(&d, "/api/auth/code", json!({ "phone": unique_phone() })).await;
    assert_eq!(status, 503, "{body}");
    assert!(detail(&body).contains("did not answer in time"), "{body}");
    // The form Twilio received: E.164 `To`, `Channel=sms`, the default language's locale.
    let sent = fake.requests_to(Endpoint::Start);
    let last_ok = sent.iter().rev().find(|r| r.status == 201).unwrap();
    assert_eq!(last_ok.form["Channel"], "sms");
    assert_eq!(last_ok.form["Locale"], "es");
    assert!(last_ok
        .content_type
        .as_deref()
        .unwrap()
        .starts_with("application/x-www-form-urlencoded"));
}

#[tokio::test]
async fn twilio_unreachable_or_misconfigured() {
    // Nobody listening: 503.
    let d = Daemon::builder()
        .env("TWILIO_VERIFY_URL", &fake_twilio::refused_url())
        .env("TWILIO_ACCOUNT_SID", fake_twilio::ACCOUNT_SID)
        .env("TWILIO_AUTH_TOKEN", fake_twilio::AUTH_TOKEN)
        .env("TWILIO_VERIFY_SERVICE_SID", fake_twilio::SERVICE_SID)
        .env("CPL_TWILIO_ATTEMPTS", "1")
        .start()
        .await;
    let (status, _, body) = post(&d, "/api/auth/code", json!({ "phone": unique_phone() })).await;
    assert_eq!(status, 503, "{body}");
    assert!(detail(&body).contains("could not be reached"), "{body}");
    // A wrong auth token: 503 naming the setting, and the token is nowhere in the answer.
    let fake = FakeTwilio::start().await;
    let d = daemon_with_twilio(&fake)
        .env("TWILIO_AUTH_TOKEN", "not-the-right-token-at-all")
        .start()
        .await;
    let (status, _, body) = post(&d, "/api/auth/code", json!({ "phone": unique_phone() })).await;
    assert_eq!(status, 503, "{body}");
    assert!(detail(&body).contains("TWILIO_AUTH_TOKEN"), "{body}");
    assert!(!body.to_string().contains("not-the-right-token"), "{body}");
    assert!(!d.logs().contains("not-the-right-token"));
}

#[tokio::test]
async fn unconfigured_answers_503_and_health_says_so() {
    let d = Daemon::start().await;
    for (path, body) in [
        ("/api/auth/code", json!({ "phone": "+573001234567" })),
        (
            "/api/auth/verify",
            json!({ "phone": "+573001234567", "code": "123456" }),
        ),
    ] {
        let (status, _, body) = post(&d, path, body).await;
        assert_eq!(status, 503, "{path}: {body}");
        assert!(detail(&body).contains("TWILIO_ACCOUNT_SID"), "{body}");
        assert!(
            detail(&body).contains("TWILIO_VERIFY_SERVICE_SID"),
            "{body}"
        );
    }
    let health = d.client().health().await.unwrap();
    let sms = health.sms_sign_in.unwrap();
    assert!(!sms.enabled);
    assert!(sms.detail.contains("TWILIO_AUTH_TOKEN"), "{}", sms.detail);
}

#[tokio::test]
async fn require_verified_phone_refuses_plain_registration() {
    let fake = FakeTwilio::start().await;
    let d = daemon_with_twilio(&fake)
        .env("CPL_REQUIRE_VERIFIED_PHONE", "true")
        .start()
        .await;
    let (status, _, body) = post(
        &d,
        "/api/users/register",
        json!({ "phone": unique_phone(), "name": "Hugo" }),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(detail(&body).contains("/api/auth/code"), "{body}");
    // Signing in by code still makes accounts.
    let (status, _) = sign_in(&d, &fake, &unique_phone(), Some("Hugo")).await;
    assert_eq!(status, 201);
    assert!(
        d.client()
            .health()
            .await
            .unwrap()
            .sms_sign_in
            .unwrap()
            .enabled
    );
}

#[tokio::test]
async fn sends_are_limited_per_phone_and_per_address() {
    let fake = FakeTwilio::start().await;
    let d = daemon_with_twilio(&fake)
        .env("CPL_SMS_CODES_PER_PHONE", "2")
        .env("CPL_SMS_CODES_PER_ADDRESS", "4")
        .start()
        .await;
    let phone = unique_phone();
    code(&d, &fake, &phone).await;
    code(&d, &fake, &phone).await;
    let sent = fake.requests_to(Endpoint::Start).len();
    let (status, retry_after, body) = post(&d, "/api/auth/code", json!({ "phone": phone })).await;
    assert_eq!(status, 429, "{body}");
    assert!(retry_after.is_some_and(|s| s > 0));
    assert!(detail(&body).contains("CPL_SMS_CODES_PER_PHONE"), "{body}");
    assert_eq!(
        fake.requests_to(Endpoint::Start).len(),
        sent,
        "Twilio was not asked"
    );
    // The address has used 3 of its 4 (the refused one counted too); one more, then 429.
    code(&d, &fake, &unique_phone()).await;
    let (status, _, body) = post(&d, "/api/auth/code", json!({ "phone": unique_phone() })).await;
    assert_eq!(status, 429, "{body}");
    assert!(
        detail(&body).contains("CPL_SMS_CODES_PER_ADDRESS"),
        "{body}"
    );
}

#[tokio::test]
async fn the_typed_client_signs_in() {
    let fake = FakeTwilio::start().await;
    let d = daemon_with_twilio(&fake).start().await;
    let phone = unique_phone();
    let c: Client = d.client();
    let sent = c.send_code(&phone).await.unwrap();
    assert_eq!(sent.phone, phone);
    let signed = c
        .verify_code(&VerifyRequest {
            phone: phone.clone(),
            code: fake.code_for(&phone).unwrap(),
            name: Some("Ines".into()),
            label: Some("laptop".into()),
        })
        .await
        .unwrap();
    let me = d.client().with_token(signed.token);
    let sessions = me.sessions().await.unwrap();
    assert_eq!(sessions[0].label.as_deref(), Some("laptop"));
}
