//! Issue 6: live transcription. A speaker streams a WAV made here (hound) through
//! `/ws/transcribe/{event_id}` to the local fake Deepgram (`citypulse_tests::fake_deepgram`);
//! the captions reach the speaker, another room member on `/ws/{user_id}` and the REST
//! history, and the fake received exactly the audio sent. Then the faults: a refused key,
//! Deepgram closing mid-stream, going silent, answering garbage, dropping the connection
//! or hanging at the handshake, every refusal at the upgrade, and no key at all. The last
//! group checks the fake itself against deepgram.md.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use citypulse::api::{CreateEventRequest, PageQuery};
use citypulse::client::WsConnection;
use citypulse::geo::Coordinates;
use citypulse::model::RegisteredUser;
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::{Client, EventId};
use citypulse_tests::fake_deepgram::{
    scripted_text, Behaviour, FakeDeepgram, FakeOptions, Sent, DEFAULT_SCRIPT, FAKE_KEY,
};
use citypulse_tests::{Daemon, DaemonBuilder, BOGOTA};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(15);
const RATE: u32 = 16000;

fn script() -> Vec<String> {
    DEFAULT_SCRIPT.iter().map(|s| s.to_string()).collect()
}

/// A daemon relaying to `fake` with `key`; Deepgram silence gives up after 1 s and the
/// daemon sends KeepAlive after 300 ms without audio.
fn builder(fake: &FakeDeepgram, key: &str) -> DaemonBuilder {
    Daemon::builder()
        .env("DEEPGRAM_API_URL", &fake.url)
        .env("DEEPGRAM_API_KEY", key)
        .env("CPL_DEEPGRAM_SILENCE_TIMEOUT", "1s")
        .env("CPL_DEEPGRAM_KEEPALIVE", "300ms")
}

/// An event created by the speaker (alice), with bob in its room on `/ws/{user_id}`.
struct Room {
    d: Daemon,
    alice: Client,
    a: RegisteredUser,
    event: EventId,
    bob_ws: WsConnection,
}

async fn room(d: Daemon) -> Room {
    let (alice, a) = d.user("Alicia").await;
    let (bob, b) = d.user("Bob").await;
    let event = alice
        .create_event(&CreateEventRequest {
            title: "Cabildo abierto".into(),
            description: None,
            category: "civica".into(),
            coordinates: Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
            address: None,
            starts_at: None,
            ends_at: None,
        })
        .await
        .unwrap()
        .id;
    let mut bob_ws = bob.connect(&b.user.id).await.unwrap();
    bob_ws
        .send(&ClientMessage::JoinEvent {
            event_id: event.clone(),
        })
        .await
        .unwrap();
    bob_ws
        .recv_until(WAIT, |m| {
            matches!(m, ServerMessage::UserJoined { .. }).then_some(())
        })
        .await
        .unwrap();
    Room {
        d,
        alice,
        a,
        event,
        bob_ws,
    }
}

/// Opens `/ws/transcribe/{event}`; the refusal's status and sentence otherwise.
async fn open(
    d: &Daemon,
    token: Option<&str>,
    event: &str,
    params: &str,
) -> Result<Ws, (u16, String)> {
    let mut url = format!(
        "{}/ws/transcribe/{event}?{params}",
        d.url.replacen("http://", "ws://", 1)
    );
    if let Some(t) = token {
        url.push_str(&format!("&token={t}"));
    }
    match tokio_tungstenite::connect_async(url).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let body = resp.body().clone().unwrap_or_default();
            let detail = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["detail"].as_str().map(str::to_string))
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
            Err((resp.status().as_u16(), detail))
        }
        Err(e) => panic!("cannot reach the daemon: {e}"),
    }
}

async fn speak(r: &Room, params: &str) -> Ws {
    open(&r.d, Some(&r.a.token), r.event.as_str(), params)
        .await
        .unwrap()
}

/// Writes a 16-bit WAV: `silence` seconds of zeros, then `tone` seconds of 440 Hz.
fn write_wav(path: &Path, rate: u32, channels: u16, silence: f64, tone: f64) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let quiet = (silence * rate as f64) as usize;
    let loud = (tone * rate as f64) as usize;
    for i in 0..quiet + loud {
        let v = if i < quiet {
            0
        } else {
            let t = i as f64 / rate as f64;
            ((2.0 * std::f64::consts::PI * 440.0 * t).sin() * 8000.0) as i16
        };
        for _ in 0..channels {
            w.write_sample(v).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// The PCM of a WAV as little-endian bytes (what the speaker sends).
fn read_pcm(path: &Path) -> Vec<u8> {
    let mut r = hound::WavReader::open(path).unwrap();
    r.samples::<i16>()
        .flat_map(|s| s.unwrap().to_le_bytes())
        .collect()
}

/// Every frame the speaker gets until the close, and the close; `ws` is the whole socket
/// or its reading half.
async fn until_close<S>(ws: &mut S) -> (Vec<ServerMessage>, (u16, String))
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut frames = Vec::new();
    loop {
        let next = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a close within the wait");
        match next {
            Some(Ok(Message::Text(t))) => frames.push(serde_json::from_str(&t).unwrap()),
            Some(Ok(Message::Close(f))) => {
                let c = f
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                return (frames, c);
            }
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return (frames, (1006, "dropped without a close frame".into())),
        }
    }
}

/// Sends `pcm` in 100 ms chunks, paced `pace` apart (none: as fast as possible), and
/// collects everything the speaker gets until the daemon closes. Sending stops once the
/// socket is closed.
async fn stream_and_collect(
    ws: Ws,
    pcm: Vec<u8>,
    pace: Option<Duration>,
    close_stream: bool,
) -> (Vec<ServerMessage>, (u16, String)) {
    let (mut sink, mut source) = ws.split();
    let reader = tokio::spawn(async move {
        let mut frames = Vec::new();
        loop {
            let next = tokio::time::timeout(WAIT, source.next())
                .await
                .expect("a close within the wait");
            match next {
                Some(Ok(Message::Text(t))) => {
                    frames.push(serde_json::from_str::<ServerMessage>(&t).unwrap())
                }
                Some(Ok(Message::Close(f))) => {
                    let c = f
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return (frames, c);
                }
                Some(Ok(_)) => {}
                None | Some(Err(_)) => {
                    return (frames, (1006, "dropped without a close frame".into()))
                }
            }
        }
    });
    let chunk = (RATE as usize / 10) * 2;
    for c in pcm.chunks(chunk) {
        if reader.is_finished() || sink.send(Message::binary(c.to_vec())).await.is_err() {
            break;
        }
        if let Some(p) = pace {
            tokio::time::sleep(p).await;
        }
    }
    if close_stream && !reader.is_finished() {
        let _ = sink
            .send(Message::Text(r#"{"type":"CloseStream"}"#.into()))
            .await;
    }
    let out = reader.await.unwrap();
    let _ = sink.close().await;
    out
}

fn transcripts(frames: &[ServerMessage]) -> Vec<(String, bool, f64)> {
    frames
        .iter()
        .filter_map(|m| match m {
            ServerMessage::Transcript {
                text,
                is_final,
                start,
                ..
            } => Some((text.clone(), *is_final, *start)),
            _ => None,
        })
        .collect()
}

/// Bob's transcripts until `finals` final ones arrived.
async fn room_transcripts(ws: &mut WsConnection, finals: usize) -> Vec<(String, bool, f64)> {
    let mut got = Vec::new();
    while got.iter().filter(|(_, f, _)| *f).count() < finals {
        let t = ws
            .recv_until(WAIT, |m| match m {
                ServerMessage::Transcript {
                    text,
                    is_final,
                    start,
                    ..
                } => Some((text.clone(), *is_final, *start)),
                ServerMessage::Error { message, .. } => panic!("the room got an error: {message}"),
                _ => None,
            })
            .await
            .unwrap();
        got.push(t);
    }
    got
}

/// The room hears nothing (no transcript, no error) for a moment, and still works.
async fn room_undisturbed(ws: &mut WsConnection) {
    let quiet = ws
        .recv_until(Duration::from_millis(500), |m| match m {
            ServerMessage::Transcript { .. } | ServerMessage::Error { .. } => {
                Some(format!("{m:?}"))
            }
            _ => None,
        })
        .await;
    assert!(quiet.is_err(), "the room was disturbed: {quiet:?}");
    ws.send(&ClientMessage::Ping).await.unwrap();
    ws.recv_until(WAIT, |m| matches!(m, ServerMessage::Pong).then_some(()))
        .await
        .unwrap();
}

#[tokio::test]
async fn speech_reaches_the_speaker_the_room_and_the_history() {
    let fake = FakeDeepgram::start().await;
    let mut r = room(builder(&fake, FAKE_KEY).start().await).await;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("speech.wav");
    // One silent second (Deepgram answers it with an empty transcript, which nobody
    // hears), then two seconds of tone: two spoken segments.
    write_wav(&wav, RATE, 1, 1.0, 2.0);
    let pcm = read_pcm(&wav);
    let ws = speak(&r, "language=es&sample_rate=16000&channels=1").await;
    let (frames, close) = stream_and_collect(ws, pcm.clone(), None, true).await;
    assert_eq!(
        close,
        (1000, "stream closed".to_string()),
        "frames: {frames:?}"
    );

    let expected = vec![scripted_text(&script(), 1), scripted_text(&script(), 2)];
    let got = transcripts(&frames);
    assert!(got.iter().all(|(t, _, _)| !t.is_empty()), "{got:?}");
    let finals: Vec<String> = got
        .iter()
        .filter(|(_, f, _)| *f)
        .map(|(t, _, _)| t.clone())
        .collect();
    assert_eq!(finals, expected);
    // Interim first, then the final of the same span.
    for (i, (text, is_final, start)) in got.iter().enumerate() {
        if *is_final {
            assert!(
                got[..i]
                    .iter()
                    .any(|(t, f, s)| !f && s == start && text.starts_with(t.as_str())),
                "no interim before the final {text:?}: {got:?}"
            );
        }
    }

    // The room heard the same captions, interim and final.
    let heard = room_transcripts(&mut r.bob_ws, 2).await;
    assert_eq!(heard, got);

    // The history has the finals with their words, newest first; `q` searches them.
    let history = r
        .alice
        .transcriptions(&r.event, &PageQuery::default())
        .await
        .unwrap();
    let texts: Vec<&str> = history.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, vec![expected[1].as_str(), expected[0].as_str()]);
    let first = &history[1];
    assert_eq!(first.speaker_id, r.a.user.id);
    assert_eq!((first.start, first.duration), (1.0, 1.0));
    assert_eq!(
        first.words.len(),
        DEFAULT_SCRIPT[1].split_whitespace().count()
    );
    assert_eq!(
        first.words[0].punctuated_word.as_deref(),
        Some("Bienvenidos")
    );
    let found = r
        .alice
        .transcriptions(
            &r.event,
            &PageQuery {
                q: Some("plaza".into()),
                ..PageQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].text, expected[0]);

    // Deepgram saw the documented parameters, the header key, exactly our audio, and the
    // CloseStream it answered with Metadata and a normal close.
    let c = fake.wait_ended(WAIT).await;
    assert_eq!(c.audio.len(), pcm.len());
    assert!(
        c.audio == pcm,
        "the audio Deepgram received differs from the WAV's PCM"
    );
    assert_eq!(
        c.authorization.as_deref(),
        Some(format!("Token {FAKE_KEY}").as_str())
    );
    for (k, v) in [
        ("model", "nova-2"),
        ("language", "es"),
        ("encoding", "linear16"),
        ("sample_rate", "16000"),
        ("channels", "1"),
        ("interim_results", "true"),
        ("punctuate", "true"),
        ("smart_format", "true"),
    ] {
        assert_eq!(
            c.query.get(k).map(String::as_str),
            Some(v),
            "query {k}: {:?}",
            c.query
        );
    }
    assert_eq!(c.control_count("CloseStream"), 1);
    assert!(c
        .sent
        .iter()
        .any(|s| matches!(s, Sent::Json(v) if v["type"] == "Metadata")));
    assert_eq!(c.close_sent(), Some((1000, String::new())));
}

#[tokio::test]
async fn other_rates_languages_and_stereo_are_passed_on() {
    let fake = FakeDeepgram::start().await;
    let r = room(builder(&fake, FAKE_KEY).start().await).await;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("stereo.wav");
    write_wav(&wav, 44100, 2, 0.0, 1.0);
    let pcm = read_pcm(&wav);
    let mut ws = speak(&r, "language=en-US&sample_rate=44100&channels=2").await;
    // 100 ms per frame at 44.1 kHz stereo.
    for c in pcm.chunks(17640) {
        ws.send(Message::binary(c.to_vec())).await.unwrap();
    }
    ws.send(Message::Text(r#"{"type":"CloseStream"}"#.into()))
        .await
        .unwrap();
    let (frames, close) = until_close(&mut ws).await;
    assert_eq!(close.0, 1000, "{frames:?}");
    let c = fake.wait_ended(WAIT).await;
    assert!(c.audio == pcm);
    assert_eq!(c.query["sample_rate"], "44100");
    assert_eq!(c.query["channels"], "2");
    assert_eq!(c.query["language"], "en-US");
    assert_eq!(transcripts(&frames).iter().filter(|t| t.1).count(), 1);
}

#[tokio::test]
async fn the_daemon_keeps_deepgram_alive_while_the_speaker_pauses() {
    // Deepgram here closes after 1 s without a frame; the daemon sends KeepAlive after
    // 300 ms without audio, so a 2.5 s pause does not end the stream.
    let fake = FakeDeepgram::with(FakeOptions {
        idle_timeout: Duration::from_secs(1),
        ..FakeOptions::default()
    })
    .await;
    let r = room(builder(&fake, FAKE_KEY).start().await).await;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    write_wav(&wav, RATE, 1, 0.0, 1.5);
    let pcm = read_pcm(&wav);
    let mut ws = speak(&r, "sample_rate=16000").await;
    ws.send(Message::binary(pcm[..16000].to_vec()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    ws.send(Message::binary(pcm[16000..].to_vec()))
        .await
        .unwrap();
    ws.send(Message::Text(r#"{"type":"CloseStream"}"#.into()))
        .await
        .unwrap();
    let (frames, close) = until_close(&mut ws).await;
    assert_eq!(close, (1000, "stream closed".to_string()), "{frames:?}");
    let c = fake.wait_ended(WAIT).await;
    assert!(
        c.control_count("KeepAlive") >= 3,
        "controls: {:?}",
        c.controls
    );
    assert_eq!(c.close_sent(), Some((1000, String::new())));
    assert!(c.audio == pcm);
}

#[tokio::test]
async fn the_speakers_keepalive_is_forwarded_and_unknown_controls_are_answered() {
    let fake = FakeDeepgram::start().await;
    let r = room(
        builder(&fake, FAKE_KEY)
            .env("CPL_DEEPGRAM_KEEPALIVE", "9s")
            .start()
            .await,
    )
    .await;
    let mut ws = speak(&r, "").await;
    ws.send(Message::Text(r#"{"type":"KeepAlive"}"#.into()))
        .await
        .unwrap();
    ws.send(Message::Text(r#"{"type":"Dance"}"#.into()))
        .await
        .unwrap();
    ws.send(Message::Text("not json".into())).await.unwrap();
    ws.send(Message::Text(r#"{"type":"CloseStream"}"#.into()))
        .await
        .unwrap();
    let (frames, close) = until_close(&mut ws).await;
    assert_eq!(close.0, 1000);
    let codes: Vec<&str> = frames
        .iter()
        .filter_map(|m| match m {
            ServerMessage::Error { code, .. } => Some(code.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(codes, vec!["unknown_type", "invalid_json"]);
    let c = fake.wait_ended(WAIT).await;
    assert_eq!(c.control_count("KeepAlive"), 1, "{:?}", c.controls);
    assert_eq!(
        c.controls.len(),
        2,
        "only KeepAlive and CloseStream reach Deepgram: {:?}",
        c.controls
    );
    // The defaults: Spanish, 16 kHz mono.
    assert_eq!(c.query["language"], "es");
    assert_eq!(c.query["sample_rate"], "16000");
    assert_eq!(c.query["channels"], "1");
}

#[tokio::test]
async fn a_refused_key_closes_the_speaker_socket_with_a_reason() {
    let fake = FakeDeepgram::start().await;
    let mut r = room(builder(&fake, "not-the-key").start().await).await;
    let mut ws = speak(&r, "sample_rate=16000").await;
    let (frames, (code, reason)) = until_close(&mut ws).await;
    assert_eq!(code, 1011, "{reason}");
    assert!(
        reason.contains("refused the daemon's API key (HTTP 401)"),
        "{reason}"
    );
    match frames.as_slice() {
        [ServerMessage::Error { code, message }] => {
            assert_eq!(code, "unavailable");
            assert!(message.contains("DEEPGRAM_API_KEY"), "{message}");
        }
        other => panic!("expected one error frame, got {other:?}"),
    }
    assert_eq!(fake.last().unwrap().status, 401);
    room_undisturbed(&mut r.bob_ws).await;
}

#[tokio::test]
async fn deepgram_closing_mid_stream_closes_the_speaker_with_its_reason() {
    let fake = FakeDeepgram::with(FakeOptions {
        // 1.25 s of audio: one final segment first, then the undecodable-audio close.
        behaviour: Behaviour::CloseAfter {
            bytes: 40000,
            code: 1008,
            reason: "DATA-0000".into(),
        },
        ..FakeOptions::default()
    })
    .await;
    let mut r = room(builder(&fake, FAKE_KEY).start().await).await;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    write_wav(&wav, RATE, 1, 0.0, 3.0);
    let ws = speak(&r, "sample_rate=16000").await;
    let (frames, (code, reason)) =
        stream_and_collect(ws, read_pcm(&wav), Some(Duration::from_millis(20)), false).await;
    assert_eq!(code, 1011, "{reason}");
    assert!(
        reason.contains("1008 DATA-0000") && reason.contains("decode"),
        "{reason}"
    );
    assert!(
        matches!(frames.last(), Some(ServerMessage::Error { code, .. }) if code == "unavailable"),
        "{frames:?}"
    );
    // What Deepgram said before failing still reached the room; the failure did not.
    let heard = room_transcripts(&mut r.bob_ws, 1).await;
    assert_eq!(heard.last().unwrap().0, scripted_text(&script(), 0));
    room_undisturbed(&mut r.bob_ws).await;
    let stored = r
        .alice
        .transcriptions(&r.event, &PageQuery::default())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
}

#[tokio::test]
async fn a_silent_deepgram_is_given_up_after_the_bound() {
    let fake = FakeDeepgram::with(FakeOptions {
        behaviour: Behaviour::Silent,
        ..FakeOptions::default()
    })
    .await;
    let mut r = room(builder(&fake, FAKE_KEY).start().await).await;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    write_wav(&wav, RATE, 1, 0.0, 8.0);
    let ws = speak(&r, "sample_rate=16000").await;
    let started = Instant::now();
    // Real time: 100 ms of audio every 100 ms, for up to 8 s.
    let (frames, (code, reason)) =
        stream_and_collect(ws, read_pcm(&wav), Some(Duration::from_millis(100)), false).await;
    let took = started.elapsed();
    assert_eq!(code, 1011, "{reason}");
    assert!(
        reason.contains("sent nothing for 1s while audio flowed"),
        "{reason}"
    );
    assert!(took < Duration::from_secs(4), "gave up only after {took:?}");
    assert!(
        matches!(frames.as_slice(), [ServerMessage::Error { .. }]),
        "{frames:?}"
    );
    room_undisturbed(&mut r.bob_ws).await;

    // After CloseStream too, the wait for the final results is bounded.
    let mut ws = speak(&r, "sample_rate=16000").await;
    ws.send(Message::binary(vec![0; 3200])).await.unwrap();
    ws.send(Message::Text(r#"{"type":"CloseStream"}"#.into()))
        .await
        .unwrap();
    let (_, (code, reason)) = until_close(&mut ws).await;
    assert_eq!(code, 1011, "{reason}");
    assert!(reason.contains("within 1s of CloseStream"), "{reason}");
}

#[tokio::test]
async fn the_upgrade_is_refused_with_the_rest_statuses() {
    let fake = FakeDeepgram::start().await;
    let r = room(builder(&fake, FAKE_KEY).start().await).await;
    let d = &r.d;
    let ev = r.event.as_str();
    let tok = Some(r.a.token.as_str());
    let (status, detail) = open(d, None, ev, "").await.err().unwrap();
    assert_eq!(status, 401, "{detail}");
    assert!(detail.contains("token"), "{detail}");
    assert_eq!(
        open(d, Some("cpl_wrong"), ev, "").await.err().unwrap().0,
        401
    );
    let (_, c) = d.user("Carla").await;
    let (status, detail) = open(d, Some(&c.token), ev, "").await.err().unwrap();
    assert_eq!(status, 403, "{detail}");
    assert!(detail.contains("join"), "{detail}");
    assert_eq!(
        open(d, tok, "6745a1b2c3d4e5f601234567", "")
            .await
            .err()
            .unwrap()
            .0,
        404
    );
    assert_eq!(open(d, tok, "nope", "").await.err().unwrap().0, 422);
    for bad in [
        "sample_rate=96000",
        "sample_rate=x",
        "channels=3",
        "language=es%26x",
        "language=e",
    ] {
        let (status, detail) = open(d, tok, ev, bad).await.err().unwrap();
        assert_eq!(status, 422, "{bad}: {detail}");
    }
    // A participant who is not the creator may speak.
    let (carla, c2) = d.user("Carla Dos").await;
    carla.join_event(&r.event).await.unwrap();
    let mut ws = open(d, Some(&c2.token), ev, "").await.unwrap();
    ws.send(Message::Text(r#"{"type":"CloseStream"}"#.into()))
        .await
        .unwrap();
    assert_eq!(until_close(&mut ws).await.1 .0, 1000);
    // An ended event: 409.
    r.alice.end_event(&r.event).await.unwrap();
    let (status, detail) = open(d, tok, ev, "").await.err().unwrap();
    assert_eq!(status, 409, "{detail}");
    assert!(
        fake.connections().len() == 1,
        "only the accepted stream reached Deepgram"
    );
}

#[tokio::test]
async fn without_a_key_the_upgrade_is_refused_with_503() {
    let d = Daemon::start().await;
    let (alice, a) = d.user("Alicia").await;
    let event = alice
        .create_event(&CreateEventRequest {
            title: "Sin subtítulos".into(),
            description: None,
            category: "civica".into(),
            coordinates: Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
            address: None,
            starts_at: None,
            ends_at: None,
        })
        .await
        .unwrap();
    let (status, detail) = open(&d, Some(&a.token), event.id.as_str(), "")
        .await
        .err()
        .unwrap();
    assert_eq!(status, 503, "{detail}");
    assert!(detail.contains("DEEPGRAM_API_KEY"), "{detail}");
}

// ---- the fake itself, against deepgram.md ----

async fn fake_client(
    fake: &FakeDeepgram,
    query: &str,
    auth: Option<&str>,
) -> Result<(Ws, String), (u16, Option<String>, Value)> {
    let mut req = format!("{}?{query}", fake.url)
        .into_client_request()
        .unwrap();
    if let Some(a) = auth {
        req.headers_mut()
            .insert("authorization", a.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, resp)) => Ok((
            ws,
            resp.headers()["dg-request-id"]
                .to_str()
                .unwrap()
                .to_string(),
        )),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let body = serde_json::from_slice(resp.body().as_deref().unwrap_or_default())
                .unwrap_or(Value::Null);
            let rid = resp
                .headers()
                .get("dg-request-id")
                .map(|v| v.to_str().unwrap().to_string());
            Err((resp.status().as_u16(), rid, body))
        }
        Err(e) => panic!("{e}"),
    }
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Close(f))) => panic!("closed: {f:?}"),
            Some(Ok(_)) => continue,
            other => panic!("{other:?}"),
        }
    }
}

async fn next_close(ws: &mut Ws) -> (u16, String) {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(f))) => {
                return f
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap()
            }
            Some(Ok(_)) => continue,
            other => panic!("{other:?}"),
        }
    }
}

const PCM_QUERY: &str = "model=nova-2&encoding=linear16&sample_rate=16000&channels=1&interim_results=true&punctuate=true";

#[tokio::test]
async fn the_fake_checks_the_key_at_the_handshake() {
    let fake = FakeDeepgram::start().await;
    for auth in [
        None,
        Some("Token wrong"),
        Some(format!("Basic {FAKE_KEY}").as_str()),
    ] {
        let (status, rid, body) = fake_client(&fake, PCM_QUERY, auth).await.err().unwrap();
        assert_eq!(status, 401);
        assert_eq!(rid.unwrap().len(), 36);
        assert_eq!(body["err_code"], "INVALID_AUTH");
    }
    // The scheme is case-insensitive; the answer carries a UUID request id.
    let (_, rid) = fake_client(&fake, PCM_QUERY, Some(&format!("token {FAKE_KEY}")))
        .await
        .unwrap();
    assert_eq!(rid.len(), 36);
    assert_eq!(rid.matches('-').count(), 4);
    // Browser clients: Sec-WebSocket-Protocol: token, <key>; the server selects `token`.
    let mut req = format!("{}?{PCM_QUERY}", fake.url)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        format!("token, {FAKE_KEY}").parse().unwrap(),
    );
    let (_, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(resp.headers()["sec-websocket-protocol"], "token");
    // Bad parameters: 400.
    let bad = fake_client(
        &fake,
        "encoding=wav-ish&sample_rate=16000",
        Some(&format!("Token {FAKE_KEY}")),
    )
    .await;
    assert_eq!(bad.err().unwrap().0, 400);
}

#[tokio::test]
async fn the_fake_speaks_the_documented_protocol() {
    let fake = FakeDeepgram::with(FakeOptions {
        idle_timeout: Duration::from_millis(700),
        ..FakeOptions::default()
    })
    .await;
    let auth = format!("Token {FAKE_KEY}");
    let tone: Vec<u8> = (0..16000)
        .flat_map(|i| (((i as f64 * 0.17).sin() * 8000.0) as i16).to_le_bytes())
        .collect();

    // Interim at half a segment, then the final, in the documented shape.
    let (mut ws, _) = fake_client(&fake, PCM_QUERY, Some(&auth)).await.unwrap();
    ws.send(Message::binary(tone[..16000].to_vec()))
        .await
        .unwrap();
    let interim = next_json(&mut ws).await;
    assert_eq!(interim["type"], "Results");
    assert_eq!(interim["is_final"], false);
    ws.send(Message::binary(tone[16000..].to_vec()))
        .await
        .unwrap();
    let fin = next_json(&mut ws).await;
    for k in [
        "channel_index",
        "duration",
        "start",
        "is_final",
        "speech_final",
        "from_finalize",
        "channel",
        "metadata",
    ] {
        assert!(fin.get(k).is_some(), "Results without {k}: {fin}");
    }
    for k in ["request_id", "model_info", "model_uuid"] {
        assert!(fin["metadata"].get(k).is_some(), "{fin}");
    }
    let alt = &fin["channel"]["alternatives"][0];
    assert_eq!(fin["is_final"], true);
    assert_eq!(alt["transcript"], scripted_text(&script(), 0));
    assert!(alt["words"][0]["punctuated_word"].is_string() && alt["confidence"].is_number());
    // KeepAlive: no reply. Finalize: a final with from_finalize. CloseStream: Metadata, close 1000.
    ws.send(Message::Text(r#"{"type":"KeepAlive"}"#.into()))
        .await
        .unwrap();
    assert!(tokio::time::timeout(Duration::from_millis(300), ws.next())
        .await
        .is_err());
    ws.send(Message::binary(tone[..8000].to_vec()))
        .await
        .unwrap();
    ws.send(Message::Text(r#"{"type":"Finalize"}"#.into()))
        .await
        .unwrap();
    let flushed = next_json(&mut ws).await;
    assert_eq!(
        (
            flushed["is_final"].clone(),
            flushed["from_finalize"].clone()
        ),
        (Value::Bool(true), Value::Bool(true))
    );
    ws.send(Message::binary(tone[..3200].to_vec()))
        .await
        .unwrap();
    ws.send(Message::Text(r#"{"type":"CloseStream"}"#.into()))
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await["is_final"], true);
    let meta = next_json(&mut ws).await;
    assert_eq!(meta["type"], "Metadata");
    for k in [
        "transaction_key",
        "request_id",
        "sha256",
        "created",
        "duration",
        "channels",
    ] {
        assert!(meta.get(k).is_some(), "Metadata without {k}: {meta}");
    }
    assert_eq!(next_close(&mut ws).await.0, 1000);
    let c = fake.wait_ended(WAIT).await;
    assert_eq!(c.audio.len(), 32000 + 8000 + 3200);

    // A zero-length binary frame is the deprecated CloseStream.
    let (mut ws, _) = fake_client(&fake, PCM_QUERY, Some(&auth)).await.unwrap();
    ws.send(Message::binary(Vec::new())).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "Metadata");
    assert_eq!(next_close(&mut ws).await.0, 1000);

    // Silence: empty transcripts.
    let (mut ws, _) = fake_client(&fake, PCM_QUERY, Some(&auth)).await.unwrap();
    for _ in 0..2 {
        ws.send(Message::binary(vec![0; 16000])).await.unwrap();
        let empty = next_json(&mut ws).await;
        assert_eq!(empty["channel"]["alternatives"][0]["transcript"], "");
        assert_eq!(
            empty["channel"]["alternatives"][0]["words"],
            serde_json::json!([])
        );
    }

    // No frame for the idle timeout: 1011 NET-0001.
    assert_eq!(next_close(&mut ws).await, (1011, "NET-0001".to_string()));

    // Raw audio without encoding/sample_rate cannot be decoded: 1008 DATA-0000.
    let (mut ws, _) = fake_client(&fake, "model=nova-2", Some(&auth))
        .await
        .unwrap();
    ws.send(Message::binary(tone[..3200].to_vec()))
        .await
        .unwrap();
    assert_eq!(next_close(&mut ws).await, (1008, "DATA-0000".to_string()));
}

// ---- `cpl transcribe` ----
//
// These run the real `cpl`. They are ignored until `cpl transcribe` is mounted in the CLI's
// command enum (cli/src/cli.rs, cli/src/commands/mod.rs); `CPL_TEST_CPL_BIN` points them at
// another build, e.g. one with `--features mic`.

/// The `cpl` under test.
fn cpl_bin() -> std::path::PathBuf {
    std::env::var_os("CPL_TEST_CPL_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| citypulse_tests::binary("cpl"))
}

/// `cpl` acting as `token` against `d`, with its own HOME (config, ALSA's ~/.asoundrc).
fn cpl(d: &Daemon, token: &str, home: &Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(cpl_bin());
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("CPL_CONFIG_DIR", home.join("cpl"))
        .env("CPL_URL", &d.url)
        .env("CPL_TOKEN", token)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    c
}

/// The transcripts of `--json` output.
fn json_transcripts(stdout: &[u8]) -> Vec<(String, bool)> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<ServerMessage>(l).ok())
        .filter_map(|m| match m {
            ServerMessage::Transcript { text, is_final, .. } => Some((text, is_final)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn cpl_transcribe_streams_a_wav_file_through_the_daemon() {
    let fake = FakeDeepgram::start().await;
    let mut r = room(builder(&fake, FAKE_KEY).start().await).await;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("speech.wav");
    write_wav(&wav, RATE, 1, 1.0, 2.0);
    let out = cpl(&r.d, &r.a.token, dir.path())
        .args([
            "--json",
            "transcribe",
            "--event",
            r.event.as_str(),
            "--fast",
            "--file",
        ])
        .arg(&wav)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cpl failed: {stderr}");
    let expected = vec![scripted_text(&script(), 1), scripted_text(&script(), 2)];
    let got = json_transcripts(&out.stdout);
    let finals: Vec<String> = got.iter().filter(|t| t.1).map(|t| t.0.clone()).collect();
    assert_eq!(
        finals,
        expected,
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(got.iter().any(|t| !t.1), "interim results are printed too");
    // 16 kHz mono 16-bit needs no conversion: Deepgram got the file's PCM bit for bit.
    let c = fake.wait_ended(WAIT).await;
    assert!(
        c.audio == read_pcm(&wav),
        "the audio differs ({} bytes)",
        c.audio.len()
    );
    assert_eq!(
        (
            c.query["sample_rate"].as_str(),
            c.query["channels"].as_str()
        ),
        ("16000", "1")
    );
    assert_eq!(c.control_count("CloseStream"), 1);
    assert_eq!(room_transcripts(&mut r.bob_ws, 2).await.len(), got.len());
    let history = r
        .alice
        .transcriptions(&r.event, &PageQuery::default())
        .await
        .unwrap();
    assert_eq!(history.len(), 2);

    // Without --json and not on a terminal: the final lines only.
    let out = cpl(&r.d, &r.a.token, dir.path())
        .args([
            "transcribe",
            "--event",
            r.event.as_str(),
            "--fast",
            "--file",
        ])
        .arg(&wav)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\n{}\n", expected[0], expected[1])
    );
}

#[tokio::test]
async fn cpl_transcribe_converts_44k_stereo_to_16k_mono_in_real_time() {
    let fake = FakeDeepgram::start().await;
    let r = room(builder(&fake, FAKE_KEY).start().await).await;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("stereo.wav");
    write_wav(&wav, 44100, 2, 1.0, 2.0);
    let started = Instant::now();
    let out = cpl(&r.d, &r.a.token, dir.path())
        .args([
            "--json",
            "transcribe",
            "--event",
            r.event.as_str(),
            "--file",
        ])
        .arg(&wav)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "cpl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        started.elapsed() >= Duration::from_millis(2800),
        "3 s of audio took {:?}",
        started.elapsed()
    );
    let c = fake.wait_ended(WAIT).await;
    assert_eq!(
        (
            c.query["sample_rate"].as_str(),
            c.query["channels"].as_str()
        ),
        ("16000", "1")
    );
    // Exactly 3 s at 16 kHz mono 16-bit, and still a 440 Hz tone after the silent second.
    assert_eq!(c.audio.len(), 3 * 16000 * 2);
    let samples: Vec<i16> = c
        .audio
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert!(
        samples[..15000].iter().all(|s| s.unsigned_abs() < 200),
        "the silence stayed silent"
    );
    let tone = &samples[17600..46400];
    let crossings = tone.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count() as f64 / 1.8;
    assert!(
        (crossings - 880.0).abs() < 10.0,
        "{crossings} zero crossings a second"
    );
    let peak = tone.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!((7000..9500).contains(&peak), "peak {peak}");
    let finals: Vec<String> = json_transcripts(&out.stdout)
        .into_iter()
        .filter(|t| t.1)
        .map(|t| t.0)
        .collect();
    assert_eq!(
        finals,
        vec![scripted_text(&script(), 1), scripted_text(&script(), 2)]
    );
}

#[tokio::test]
async fn cpl_transcribe_reports_refusals_and_deepgram_failures() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    write_wav(&wav, RATE, 1, 0.0, 1.0);
    // No key configured: the daemon's 503 sentence, exit 1.
    let d = Daemon::start().await;
    let (alice, a) = d.user("Alicia").await;
    let ev = alice
        .create_event(&CreateEventRequest {
            title: "Sin llave".into(),
            description: None,
            category: "civica".into(),
            coordinates: Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
            address: None,
            starts_at: None,
            ends_at: None,
        })
        .await
        .unwrap();
    let out = cpl(&d, &a.token, dir.path())
        .args(["transcribe", "--event", ev.id.as_str(), "--fast", "--file"])
        .arg(&wav)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("DEEPGRAM_API_KEY") && stderr.contains("503"),
        "{stderr}"
    );
    // Deepgram refusing the daemon's key: the close reason, exit 1.
    let fake = FakeDeepgram::start().await;
    let r = room(builder(&fake, "wrong-key").start().await).await;
    let out = cpl(&r.d, &r.a.token, dir.path())
        .args([
            "transcribe",
            "--event",
            r.event.as_str(),
            "--fast",
            "--file",
        ])
        .arg(&wav)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("API key (HTTP 401)"), "{stderr}");
    // A file that is not a WAV: said before connecting.
    let bogus = dir.path().join("notes.wav");
    std::fs::write(&bogus, "not audio").unwrap();
    let out = cpl(&r.d, &r.a.token, dir.path())
        .args(["transcribe", "--event", r.event.as_str(), "--file"])
        .arg(&bogus)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("notes.wav"),
        "{stderr}"
    );
}

/// The microphone path for real, with ALSA presenting a raw file as the capture device
/// (the `file` PCM plugin over `null`, behind `plug` for format conversion). `null` is not
/// timed, so capture runs faster than real time; cpl drops what it cannot send and says so.
#[tokio::test]
#[ignore = "needs a cpl built with `--features mic` (CPL_TEST_CPL_BIN) and ALSA's plugins"]
async fn cpl_transcribe_captures_from_an_alsa_device() {
    let fake = FakeDeepgram::start().await;
    let r = room(builder(&fake, FAKE_KEY).start().await).await;
    let home = tempfile::tempdir().unwrap();
    let raw = home.path().join("speech.raw");
    let wav = home.path().join("speech.wav");
    write_wav(&wav, RATE, 1, 0.0, 3.0);
    std::fs::write(&raw, read_pcm(&wav)).unwrap();
    std::fs::write(
        home.path().join(".asoundrc"),
        format!(
            "pcm.speech {{\n type file\n slave.pcm \"null\"\n file \"/dev/null\"\n infile \"{}\"\n format \"raw\"\n}}\n\
             pcm.cplmic {{\n type plug\n slave {{ pcm \"speech\"\n format S16_LE\n rate 16000\n channels 1 }}\n}}\n",
            raw.display()
        ),
    )
    .unwrap();
    let list = cpl(&r.d, &r.a.token, home.path())
        .args(["transcribe", "--list-devices"])
        .output()
        .await
        .unwrap();
    let devices = String::from_utf8_lossy(&list.stdout);
    assert!(
        devices.contains("alsa:cplmic"),
        "{devices}{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let child = cpl(&r.d, &r.a.token, home.path())
        .args([
            "--json",
            "transcribe",
            "--event",
            r.event.as_str(),
            "--device",
            "cplmic",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once Deepgram has some audio, Ctrl-C: cpl sends CloseStream and waits for the end.
    let deadline = Instant::now() + WAIT;
    while fake.last().is_none_or(|c| c.audio.len() < 64000) {
        assert!(Instant::now() < deadline, "no audio reached Deepgram");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let c = fake.wait_ended(WAIT).await;
    assert_eq!(c.control_count("CloseStream"), 1);
    assert_eq!(c.close_sent(), Some((1000, String::new())));
    let finals = json_transcripts(&out.stdout)
        .into_iter()
        .filter(|t| t.1)
        .count();
    assert!(
        finals >= 1,
        "no final transcript from the microphone: {stderr}"
    );
}

/// Sends `seconds` of tone in 100 ms chunks, 20 ms apart, until the socket closes; the
/// speaker's frames and close come back from [`until_close`] on the reading half.
fn keep_talking(
    mut sink: futures_util::stream::SplitSink<Ws, Message>,
    seconds: f64,
) -> tokio::task::JoinHandle<()> {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    write_wav(&wav, RATE, 1, 0.0, seconds);
    let pcm = read_pcm(&wav);
    tokio::spawn(async move {
        let chunk = (RATE as usize / 10) * 2;
        for c in pcm.chunks(chunk) {
            if sink.send(Message::binary(c.to_vec())).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
}

/// Reads the speaker until the first final caption; every frame read.
async fn until_first_final(
    source: &mut futures_util::stream::SplitStream<Ws>,
) -> Vec<ServerMessage> {
    let mut frames = Vec::new();
    loop {
        let next = tokio::time::timeout(WAIT, source.next())
            .await
            .expect("a final caption within the wait");
        match next {
            Some(Ok(Message::Text(t))) => {
                let m: ServerMessage = serde_json::from_str(&t).unwrap();
                let fin = matches!(m, ServerMessage::Transcript { is_final: true, .. });
                frames.push(m);
                if fin {
                    return frames;
                }
            }
            Some(Ok(Message::Close(f))) => {
                panic!("closed before a final caption: {f:?} {frames:?}")
            }
            Some(Ok(_)) => {}
            None | Some(Err(_)) => panic!("dropped before a final caption: {frames:?}"),
        }
    }
}

#[tokio::test]
async fn garbage_from_deepgram_ends_the_stream_with_a_sentence_and_the_next_one_works() {
    let fake = FakeDeepgram::with(FakeOptions {
        // 1.25 s of audio: one final segment first, then a proxy's error page.
        behaviour: Behaviour::GarbageAfter {
            bytes: 40000,
            text: "<html><body><h1>502 Bad Gateway</h1></body></html>".into(),
        },
        ..FakeOptions::default()
    })
    .await;
    let mut r = room(builder(&fake, FAKE_KEY).start().await).await;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    write_wav(&wav, RATE, 1, 0.0, 3.0);
    let ws = speak(&r, "sample_rate=16000").await;
    let (frames, (code, reason)) =
        stream_and_collect(ws, read_pcm(&wav), Some(Duration::from_millis(20)), false).await;
    assert_eq!(code, 1011, "{reason}");
    assert!(reason.contains("not its live protocol"), "{reason}");
    match frames.last() {
        Some(ServerMessage::Error { code, message }) => {
            assert_eq!(code, "unavailable");
            assert!(message.contains("DEEPGRAM_API_URL"), "{message}");
        }
        other => panic!("expected an error frame last, got {other:?}"),
    }
    assert!(fake
        .last()
        .unwrap()
        .sent
        .iter()
        .any(|s| matches!(s, Sent::Garbage(_))));
    // What Deepgram said before the garbage reached the room; the failure did not.
    let heard = room_transcripts(&mut r.bob_ws, 1).await;
    assert_eq!(heard.last().unwrap().0, scripted_text(&script(), 0));
    room_undisturbed(&mut r.bob_ws).await;

    recovers(&fake, &r).await;
}

/// Recovery needs nothing but a new stream once Deepgram behaves: 2 s of speech through
/// it closes normally with a final caption.
async fn recovers(fake: &FakeDeepgram, r: &Room) {
    fake.set_behaviour(Behaviour::Normal);
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    write_wav(&wav, RATE, 1, 0.0, 2.0);
    let ws = speak(r, "sample_rate=16000").await;
    let (frames, close) = stream_and_collect(ws, read_pcm(&wav), None, true).await;
    assert_eq!(close, (1000, "stream closed".to_string()), "{frames:?}");
    assert!(
        transcripts(&frames).iter().any(|(_, f, _)| *f),
        "{frames:?}"
    );
}

#[tokio::test]
async fn a_speaker_who_leaves_or_whose_event_ends_is_heard_no_more() {
    let fake = FakeDeepgram::start().await;
    let mut r = room(builder(&fake, FAKE_KEY).start().await).await;
    // Carol joins, speaks, then leaves the room mid-sentence.
    let (carol, c) = r.d.user("Carol").await;
    carol.join_event(&r.event).await.unwrap();
    let ws = open(&r.d, Some(&c.token), r.event.as_str(), "sample_rate=16000")
        .await
        .unwrap();
    let (sink, mut source) = ws.split();
    let talking = keep_talking(sink, 8.0);
    until_first_final(&mut source).await;
    room_transcripts(&mut r.bob_ws, 1).await;
    carol.leave_event(&r.event).await.unwrap();
    let (frames, (code, reason)) = until_close(&mut source).await;
    talking.abort();
    assert_eq!(code, 1008, "{reason} {frames:?}");
    assert!(reason.contains("you left event"), "{reason}");
    match frames.last() {
        Some(ServerMessage::Error { message, .. }) => {
            assert!(message.contains("join again"), "{message}")
        }
        other => panic!("expected an error frame last, got {other:?}"),
    }
    let stored = r
        .alice
        .transcriptions(&r.event, &PageQuery::default())
        .await
        .unwrap();
    let carol_finals = transcripts(&frames).iter().filter(|(_, f, _)| *f).count() + 1;
    assert_eq!(
        stored.len(),
        carol_finals,
        "segments stored after Carol left: {stored:?}"
    );
    // Bob may still hear what was said before the leave, never an error.
    let _ = r
        .bob_ws
        .recv_until(Duration::from_millis(500), |m| match m {
            ServerMessage::Error { message, .. } => panic!("the room got an error: {message}"),
            _ => None::<()>,
        })
        .await;

    // The creator may always speak, until the event ends.
    let ws = speak(&r, "sample_rate=16000").await;
    let (sink, mut source) = ws.split();
    let talking = keep_talking(sink, 8.0);
    until_first_final(&mut source).await;
    r.alice.end_event(&r.event).await.unwrap();
    let (frames, (code, reason)) = until_close(&mut source).await;
    talking.abort();
    assert_eq!(code, 1000, "{reason} {frames:?}");
    assert!(reason.contains("has ended"), "{reason}");
}

#[tokio::test]
async fn a_token_reset_closes_every_socket_the_old_token_opened() {
    let fake = FakeDeepgram::start().await;
    let mut r = room(builder(&fake, FAKE_KEY).start().await).await;
    let mut room_ws = r.alice.connect(&r.a.user.id).await.unwrap();
    let mut stream = speak(&r, "sample_rate=16000").await;
    stream
        .send(Message::Text(r#"{"type":"KeepAlive"}"#.into()))
        .await
        .unwrap();
    let fresh = r.alice.reset_token(&r.a.user.id).await.unwrap().token;

    let closed = room_ws
        .recv_until(WAIT, |_| None::<()>)
        .await
        .expect_err("the room socket stays closed");
    match closed {
        citypulse::client::WsError::Closed { code, reason } => {
            assert_eq!(code, 1008, "{reason}");
            assert!(reason.contains("token was reset"), "{reason}");
        }
        other => panic!("expected a close, got {other}"),
    }
    let (frames, (code, reason)) = until_close(&mut stream).await;
    assert_eq!(code, 1008, "{reason} {frames:?}");
    assert!(reason.contains("token was reset"), "{reason}");
    // Nobody else was cut off.
    room_undisturbed(&mut r.bob_ws).await;
    // The old token opens nothing; the new one everything.
    let (status, _) = open(&r.d, Some(&r.a.token), r.event.as_str(), "")
        .await
        .unwrap_err();
    assert_eq!(status, 401);
    let alice = r.d.client().with_token(&fresh);
    alice.connect(&r.a.user.id).await.unwrap();
    open(&r.d, Some(&fresh), r.event.as_str(), "sample_rate=16000")
        .await
        .unwrap();
}

#[tokio::test]
async fn transcription_streams_count_against_the_per_user_socket_limit() {
    let fake = FakeDeepgram::start().await;
    let d = builder(&fake, FAKE_KEY)
        .env("CPL_MAX_CONNECTIONS_PER_USER", "2")
        .start()
        .await;
    let r = room(d).await;
    let _room_ws = r.alice.connect(&r.a.user.id).await.unwrap();
    let first = speak(&r, "sample_rate=16000").await;
    let (status, detail) = open(&r.d, Some(&r.a.token), r.event.as_str(), "")
        .await
        .unwrap_err();
    assert_eq!(status, 409, "{detail}");
    assert!(detail.contains("close one first"), "{detail}");
    // A closed stream gives its place back.
    drop(first);
    let deadline = Instant::now() + WAIT;
    loop {
        match open(&r.d, Some(&r.a.token), r.event.as_str(), "").await {
            Ok(_) => break,
            Err((409, _)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => panic!("the place was not given back: {e:?}"),
        }
    }
}

#[tokio::test]
async fn an_audio_frame_over_64_kib_closes_the_stream_with_1009() {
    let fake = FakeDeepgram::start().await;
    let mut r = room(builder(&fake, FAKE_KEY).start().await).await;
    let mut ws = speak(&r, "sample_rate=16000").await;
    ws.send(Message::binary(vec![0; 70_000])).await.unwrap();
    let (frames, (code, reason)) = until_close(&mut ws).await;
    assert_eq!(code, 1009, "{reason} {frames:?}");
    assert!(reason.contains("64 KiB"), "{reason}");
    // Nothing of it reached Deepgram, and the room did not hear of it.
    assert!(fake.connections().iter().all(|c| c.audio.is_empty()));
    room_undisturbed(&mut r.bob_ws).await;
}

/// Deepgram dropping the connection, then hanging at the handshake, then healthy again:
/// each failed stream ends with a sentence for the speaker while the room goes on, and the
/// next stream works without a restart.
#[tokio::test]
async fn an_unreachable_or_hanging_deepgram_fails_one_stream_and_the_next_one_works() {
    let fake = FakeDeepgram::start().await;
    fake.set_behaviour(Behaviour::Reset);
    let mut r = room(builder(&fake, FAKE_KEY).start().await).await;
    let failure = |frames: &[ServerMessage]| match frames {
        [ServerMessage::Error { code, message }] => {
            assert_eq!(code, "unavailable");
            message.clone()
        }
        other => panic!("expected one error frame, got {other:?}"),
    };

    let mut ws = speak(&r, "sample_rate=16000").await;
    let (frames, (code, reason)) = until_close(&mut ws).await;
    assert_eq!((code, reason.as_str()), (1011, "cannot reach Deepgram"));
    let message = failure(&frames);
    assert!(
        message.contains("cannot reach Deepgram at 127.0.0.1") && message.contains("try again"),
        "{message}"
    );
    room_undisturbed(&mut r.bob_ws).await;

    fake.set_behaviour(Behaviour::Hang);
    let mut ws = speak(&r, "sample_rate=16000").await;
    // While the daemon waits on Deepgram, the room is served.
    room_undisturbed(&mut r.bob_ws).await;
    let (frames, (code, reason)) = until_close(&mut ws).await;
    assert_eq!(code, 1011, "{reason}");
    assert!(reason.contains("did not answer within 10s"), "{reason}");
    let message = failure(&frames);
    assert!(message.contains("try again later"), "{message}");
    // The daemon let go of the hung connection.
    fake.wait_ended(WAIT).await;

    recovers(&fake, &r).await;
}
