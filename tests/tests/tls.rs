//! TLS without a proxy: with `CPL_TLS_CERT`/`CPL_TLS_KEY` `cpld` serves HTTPS and WSS
//! itself, with certificates this test makes (a CA of its own, which its clients trust);
//! SIGHUP makes new connections use a new certificate while open sockets stay, a bad new
//! file keeps the one in use, and bad files at start-up stop `cpld` with a sentence.
//!
//! Waits are bounded: the reload follows the signal asynchronously, so the test opens new
//! connections until one shows the new certificate (at most 30 s), and never times it.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use citypulse::api::CreateEventRequest;
use citypulse::client::{socket_config, WsConnection};
use citypulse::geo::Coordinates;
use citypulse::model::{Event, RegisteredUser};
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse_tests::frames::{self, joined};
use citypulse_tests::{binary, unique_phone, Daemon, BOGOTA};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const WAIT: Duration = Duration::from_secs(30);

/// A certificate authority made for this test.
fn authority() -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "CityPulse test CA");
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A server certificate for 127.0.0.1 signed by `ca`: its PEM, its key's PEM, its DER.
fn server_cert(
    ca: &CertifiedIssuer<'static, KeyPair>,
    name: &str,
) -> (String, String, CertificateDer<'static>) {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let cert = params.signed_by(&key, ca).unwrap();
    (cert.pem(), key.serialize_pem(), cert.der().clone())
}

fn write_pair(dir: &Path, cert: &str, key: &str) {
    // Written beside and renamed, as a certificate tool does: never half a file.
    for (name, text) in [("cert.pem", cert), ("key.pem", key)] {
        let tmp = dir.join(format!("{name}.new"));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, dir.join(name)).unwrap();
    }
}

/// A client configuration that trusts `ca` only.
fn trusting(ca: &CertifiedIssuer<'static, KeyPair>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

fn port(d: &Daemon) -> u16 {
    d.url.rsplit(':').next().unwrap().parse().unwrap()
}

/// One HTTPS request on a new connection: the status, the body and the certificate the
/// daemon presented.
async fn https(
    d: &Daemon,
    tls: &Arc<rustls::ClientConfig>,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (u16, String, CertificateDer<'static>) {
    let tcp = TcpStream::connect(("127.0.0.1", port(d))).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut s = TlsConnector::from(Arc::clone(tls))
        .connect(name, tcp)
        .await
        .unwrap_or_else(|e| panic!("TLS handshake with cpld failed: {e}; log:\n{}", d.logs()));
    let presented = s.get_ref().1.peer_certificates().unwrap()[0].clone();
    let body = body.unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    s.write_all(
        format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    // A peer closing without close_notify ends the read with an error; what came is kept.
    let _ = tokio::time::timeout(WAIT, s.read_to_end(&mut answer))
        .await
        .expect("an answer within the wait");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body, presented)
}

async fn wss(d: &Daemon, tls: &Arc<rustls::ClientConfig>, who: &RegisteredUser) -> WsConnection {
    let url = format!(
        "wss://127.0.0.1:{}/ws/{}?token={}",
        port(d),
        who.user.id,
        who.token
    );
    let (stream, _) = tokio_tungstenite::connect_async_tls_with_config(
        url,
        Some(socket_config()),
        true,
        Some(tokio_tungstenite::Connector::Rustls(Arc::clone(tls))),
    )
    .await
    .unwrap_or_else(|e| panic!("WSS to cpld failed: {e}; log:\n{}", d.logs()));
    WsConnection::from_stream(stream)
}

fn sighup(d: &Daemon) {
    let status = Command::new("kill")
        .args(["-HUP", &d.pid().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_and_wss_are_served_and_sighup_swaps_the_certificate() {
    let ca = authority();
    let client = trusting(&ca);
    let certs = tempfile::tempdir().unwrap();
    let (cert, key, first) = server_cert(&ca, "first");
    write_pair(certs.path(), &cert, &key);
    let d = Daemon::builder()
        .env(
            "CPL_TLS_CERT",
            certs.path().join("cert.pem").to_str().unwrap(),
        )
        .env(
            "CPL_TLS_KEY",
            certs.path().join("key.pem").to_str().unwrap(),
        )
        .start()
        .await;
    assert!(d.url.starts_with("https://"), "{}", d.url);

    let (status, body, presented) = https(&d, &client, "GET", "/health", None, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""status":"ok""#), "{body}");
    assert_eq!(presented, first);

    // A user, an event and a room over HTTPS and WSS.
    let register = serde_json::json!({ "phone": unique_phone(), "name": "Ana" }).to_string();
    let (status, body, _) = https(
        &d,
        &client,
        "POST",
        "/api/users/register",
        None,
        Some(register),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let ana: RegisteredUser = serde_json::from_str(&body).unwrap();
    let create = serde_json::to_string(&CreateEventRequest {
        title: "Concierto cifrado".into(),
        description: None,
        category: "music".into(),
        coordinates: Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
        address: None,
        starts_at: None,
        ends_at: None,
    })
    .unwrap();
    let (status, body, _) = https(
        &d,
        &client,
        "POST",
        "/api/events",
        Some(&ana.token),
        Some(create),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let ev: Event = serde_json::from_str(&body).unwrap();
    let mut ws = wss(&d, &client, &ana).await;
    ws.send(&ClientMessage::JoinEvent {
        event_id: ev.id.clone(),
    })
    .await
    .unwrap();
    joined(&mut ws, &ana).await;

    // A new pair and SIGHUP: new connections get the new certificate (once the daemon has
    // read it; bounded), the open WebSocket stays.
    let (cert, key, second) = server_cert(&ca, "second");
    write_pair(certs.path(), &cert, &key);
    sighup(&d);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, _, presented) = https(&d, &client, "GET", "/health", None, None).await;
        assert_eq!(status, 200);
        if presented == second {
            break;
        }
        assert_eq!(presented, first, "neither certificate");
        assert!(
            tokio::time::Instant::now() < deadline,
            "still the first certificate {WAIT:?} after SIGHUP; log:\n{}",
            d.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ws.send(&ClientMessage::Ping).await.unwrap();
    frames::expect(
        &mut ws,
        "pong on the socket opened before the reload",
        |m| matches!(m, ServerMessage::Pong).then_some(()),
    )
    .await;

    // A bad new file: logged, and the certificate in use stays.
    write_pair(certs.path(), "not a certificate", &key);
    sighup(&d);
    let deadline = tokio::time::Instant::now() + WAIT;
    while !d.logs().contains("The certificate in use is kept") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no sentence about the bad certificate; log:\n{}",
            d.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(d.logs().contains("holds no certificate"), "{}", d.logs());
    let (status, _, presented) = https(&d, &client, "GET", "/health", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(presented, second);
}

/// `cpld` with the given TLS settings must refuse to start; its stderr.
fn refuses_to_start(env: &[(&str, &Path)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(binary("cpld"));
    cmd.env_clear()
        .current_dir(dir.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("CPL_DB", dir.path().join("citypulse.db"))
        .env("CPL_LISTEN", "127.0.0.1:0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "cpld started: {stderr}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("listening"),
        "{stderr}"
    );
    stderr
}

#[test]
fn unreadable_or_mismatched_files_stop_cpld_with_a_sentence() {
    let ca = authority();
    let dir = tempfile::tempdir().unwrap();
    let (cert, _, _) = server_cert(&ca, "one");
    let (_, other_key, _) = server_cert(&ca, "two");
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert).unwrap();
    std::fs::write(&key_path, other_key).unwrap();
    let missing = dir.path().join("missing.pem");

    let err = refuses_to_start(&[("CPL_TLS_CERT", &cert_path), ("CPL_TLS_KEY", &key_path)]);
    assert!(err.contains("does not go with the certificate"), "{err}");
    let err = refuses_to_start(&[("CPL_TLS_CERT", &missing), ("CPL_TLS_KEY", &key_path)]);
    assert!(err.contains("cannot read the TLS certificate"), "{err}");
    assert!(err.contains("missing.pem"), "{err}");
    let err = refuses_to_start(&[("CPL_TLS_CERT", &cert_path), ("CPL_TLS_KEY", &missing)]);
    assert!(err.contains("cannot read the TLS private key"), "{err}");
    let err = refuses_to_start(&[("CPL_TLS_CERT", &cert_path)]);
    assert!(err.contains("CPL_TLS_KEY is not"), "{err}");
}
