//! A local fake of Deepgram's live speech-to-text WebSocket (`/v1/listen`) for the
//! end-to-end tests.
//!
//! It does what Deepgram's live streaming API does
//! (<https://developers.deepgram.com/reference/speech-to-text/listen-streaming>), as far as
//! the daemon relies on it:
//! - the handshake: `Authorization: Token <key>` (scheme case-insensitive), `Bearer` for
//!   temporary tokens, or `Sec-WebSocket-Protocol: token, <key>` (answered with `token`);
//!   a wrong or missing key is refused with **401** and a body
//!   `{"err_code":"INVALID_AUTH",...}`, every answer carries `dg-request-id` (a UUID) and
//!   failures `dg-error`; an unknown `encoding` or a non-numeric `sample_rate`/`channels`
//!   is refused with **400**; every query parameter is recorded;
//! - binary frames are audio, recorded byte for byte; raw audio without `encoding` and
//!   `sample_rate` cannot be decoded and is closed with **1008 `DATA-0000`**;
//! - `Results` messages with the documented shape (`type`, `channel_index`, `start`,
//!   `duration`, `is_final`, `speech_final`, `from_finalize`, `channel.alternatives[]`
//!   with `transcript`, `confidence`, `words[]`, and `metadata.{request_id, model_info,
//!   model_uuid}`): for every [`FakeOptions::segment`] of audio, an interim result
//!   (`is_final:false`) once half of it has arrived (with `interim_results=true`), then the
//!   final (`is_final:true`, `speech_final:true`). A silent segment gives an empty
//!   transcript, as Deepgram does. The text is scripted ([`FakeOptions::script`]),
//!   punctuated and capitalised with `punctuate`/`smart_format`;
//! - `KeepAlive` is accepted with no reply; `Finalize` flushes (`from_finalize:true`);
//!   `CloseStream` (or a zero-length binary frame) flushes the last final result, then one
//!   `Metadata` (with `sha256` and `duration` of the audio) and a normal close (1000);
//! - the idle timeout: no frame from the client for [`FakeOptions::idle_timeout`] closes
//!   with **1011 `NET-0001`**;
//! - scripted faults ([`Behaviour`]): an error close after a number of audio bytes (e.g.
//!   `1008 DATA-0000` or `1011 NET-0000`), or a silent server that reads everything and
//!   answers nothing.
//!
//! Every connection is recorded ([`FakeDeepgram::connections`]) with what the client sent,
//! so tests assert on what Deepgram would have seen.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// The key a fake accepts unless told otherwise.
pub const FAKE_KEY: &str = "fake-deepgram-key-0123456789abcdef";

/// Model info the fake reports (deepgram.md §3.1 example).
const MODEL_UUID: &str = "c0d1a568-ce81-4fea-97e7-bd45cb1fdf3c";

/// What the server does with a stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// Transcribe as documented.
    Normal,
    /// Close with this code and reason once this many audio bytes have arrived (results
    /// due before that are sent first).
    CloseAfter {
        /// Audio bytes received before the close.
        bytes: usize,
        /// Close code (1008, 1011, ...).
        code: u16,
        /// Close reason (`DATA-0000`, `NET-0000`, ...).
        reason: String,
    },
    /// Accept the stream, read everything, send nothing (not even after `CloseStream`);
    /// only the idle timeout still closes it.
    Silent,
    /// Accept the TCP connection and never answer the WebSocket handshake (an overloaded
    /// Deepgram, or a firewall that swallows packets): only the client's timeout ends it.
    Hang,
    /// Accept the TCP connection and close it at once, before the handshake (a proxy in
    /// front of Deepgram with nothing behind it).
    Reset,
    /// Once this many audio bytes have arrived, send the results due and then one text
    /// frame that is not Deepgram's protocol (a broken proxy's page, say), then go on as
    /// if nothing happened.
    GarbageAfter {
        /// Audio bytes received before the garbage.
        bytes: usize,
        /// The text frame sent.
        text: String,
    },
}

/// How a fake behaves.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    /// The accepted API key.
    pub key: String,
    /// No client frame for this long: close `1011 NET-0001` (Deepgram: about 10 s).
    pub idle_timeout: Duration,
    /// Audio per transcript segment (one interim, then one final).
    pub segment: Duration,
    /// Phrases said in successive segments (cycled).
    pub script: Vec<String>,
    /// Behaviour of every stream.
    pub behaviour: Behaviour,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            key: FAKE_KEY.to_string(),
            idle_timeout: Duration::from_secs(10),
            segment: Duration::from_secs(1),
            script: DEFAULT_SCRIPT.iter().map(|s| s.to_string()).collect(),
            behaviour: Behaviour::Normal,
        }
    }
}

/// What the fake says, segment after segment.
pub const DEFAULT_SCRIPT: &[&str] = &[
    "hola a todos",
    "bienvenidos a la plaza de bolívar",
    "hoy hablamos del parque nuevo",
    "gracias por venir",
];

/// The transcript the fake sends for segment `i` (silent segments aside), as it appears
/// with `punctuate=true`: capitalised, with a full stop.
pub fn scripted_text(script: &[String], i: usize) -> String {
    punctuated(&script[i % script.len()])
}

fn punctuated(phrase: &str) -> String {
    let mut c = phrase.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

/// A frame the fake sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// A JSON text frame.
    Json(Value),
    /// The close frame.
    Close(u16, String),
    /// A text frame outside the protocol ([`Behaviour::GarbageAfter`]).
    Garbage(String),
}

/// One connection attempt, as the fake saw it.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// The path requested.
    pub path: String,
    /// The query parameters.
    pub query: BTreeMap<String, String>,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    /// The handshake status: 101 accepted, else the refusal.
    pub status: u16,
    /// The `dg-request-id` given.
    pub request_id: String,
    /// Every audio byte received, in order.
    pub audio: Vec<u8>,
    /// Number of binary frames received.
    pub audio_frames: usize,
    /// Text frames received, in order (control messages).
    pub controls: Vec<String>,
    /// What the fake sent.
    pub sent: Vec<Sent>,
    /// The client's close frame (code), if it sent one.
    pub client_close: Option<u16>,
    /// The connection is over.
    pub ended: bool,
}

impl Connection {
    /// How many `{"type":"<kind>"}` control messages arrived.
    pub fn control_count(&self, kind: &str) -> usize {
        self.controls
            .iter()
            .filter(|t| {
                serde_json::from_str::<Value>(t)
                    .ok()
                    .and_then(|v| v.get("type").and_then(Value::as_str).map(|k| k == kind))
                    .unwrap_or(false)
            })
            .count()
    }

    /// The `Results` messages sent, in order.
    pub fn results(&self) -> Vec<Value> {
        self.sent
            .iter()
            .filter_map(|s| match s {
                Sent::Json(v) if v["type"] == "Results" => Some(v.clone()),
                _ => None,
            })
            .collect()
    }

    /// The close frame the fake sent, if any.
    pub fn close_sent(&self) -> Option<(u16, String)> {
        self.sent.iter().find_map(|s| match s {
            Sent::Close(c, r) => Some((*c, r.clone())),
            _ => None,
        })
    }
}

type Shared = Arc<Mutex<Vec<Arc<Mutex<Connection>>>>>;

/// A running fake Deepgram. Stops when dropped.
pub struct FakeDeepgram {
    /// `ws://127.0.0.1:PORT/v1/listen`, for `DEEPGRAM_API_URL`.
    pub url: String,
    connections: Shared,
    options: Arc<Mutex<FakeOptions>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeDeepgram {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeDeepgram {
    /// Starts a fake with the default options.
    pub async fn start() -> FakeDeepgram {
        FakeDeepgram::with(FakeOptions::default()).await
    }

    /// Starts a fake on a free loopback port.
    pub async fn with(options: FakeOptions) -> FakeDeepgram {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let connections: Shared = Arc::default();
        let options = Arc::new(Mutex::new(options));
        let (conns, opts) = (connections.clone(), options.clone());
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let record = Arc::new(Mutex::new(Connection::default()));
                conns.lock().unwrap().push(record.clone());
                let options = opts.lock().unwrap().clone();
                tokio::spawn(serve(tcp, options, record));
            }
        });
        FakeDeepgram {
            url: format!("ws://{addr}/v1/listen"),
            connections,
            options,
            task,
        }
    }

    /// Changes the behaviour of the streams opened from now on.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.options.lock().unwrap().behaviour = behaviour;
    }

    /// Every connection so far, oldest first (snapshots).
    pub fn connections(&self) -> Vec<Connection> {
        self.connections
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.lock().unwrap().clone())
            .collect()
    }

    /// The most recent connection (snapshot).
    pub fn last(&self) -> Option<Connection> {
        self.connections().pop()
    }

    /// Waits (polling, bounded) until the latest connection is over; its record.
    pub async fn wait_ended(&self, within: Duration) -> Connection {
        let deadline = Instant::now() + within;
        loop {
            if let Some(c) = self.last().filter(|c| c.ended) {
                return c;
            }
            assert!(
                Instant::now() < deadline,
                "no fake Deepgram connection ended within {within:?}: {:?}",
                self.last()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn uuid() -> String {
    let b: [u8; 16] = rand::random();
    let h = |r: std::ops::Range<usize>| b[r].iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!(
        "{}-{}-4{}-a{}-{}",
        h(0..4),
        h(4..6),
        &h(6..8)[1..],
        &h(8..10)[1..],
        h(10..16)
    )
}

fn query_map(q: Option<&str>) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(q.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn refusal(status: StatusCode, request_id: &str, err_code: &str, msg: &str) -> ErrorResponse {
    let body = json!({"err_code": err_code, "err_msg": msg, "request_id": request_id}).to_string();
    let mut r = ErrorResponse::new(Some(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert("dg-request-id", HeaderValue::from_str(request_id).unwrap());
    h.insert("dg-error", HeaderValue::from_str(msg).unwrap());
    h.insert("content-type", HeaderValue::from_static("application/json"));
    r
}

/// The handshake decision (deepgram.md §1, §4).
// tungstenite's callback type fixes the large error (the refusal response).
#[allow(clippy::result_large_err)]
fn handshake(
    req: &Request,
    mut resp: Response,
    key: &str,
    rec: &mut Connection,
) -> Result<Response, ErrorResponse> {
    rec.path = req.uri().path().to_string();
    rec.query = query_map(req.uri().query());
    rec.request_id = uuid();
    let rid = rec.request_id.clone();
    rec.authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if rec.path != "/v1/listen" {
        rec.status = 404;
        return Err(refusal(
            StatusCode::NOT_FOUND,
            &rid,
            "NOT_FOUND",
            "Not found.",
        ));
    }
    let header_key = rec.authorization.as_deref().and_then(|a| {
        let (scheme, rest) = a.trim().split_once(' ')?;
        (scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
            .then(|| rest.trim().to_string())
    });
    // Browser clients: `Sec-WebSocket-Protocol: token, <key>`.
    let protocol_key = req
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|p| {
            let mut parts = p.split(',').map(str::trim);
            (parts.next()? == "token").then(|| parts.next().map(str::to_string))?
        });
    if header_key.as_deref() != Some(key) && protocol_key.as_deref() != Some(key) {
        rec.status = 401;
        return Err(refusal(
            StatusCode::UNAUTHORIZED,
            &rid,
            "INVALID_AUTH",
            "Invalid credentials.",
        ));
    }
    let known = [
        "linear16", "linear32", "flac", "alaw", "mulaw", "amr-nb", "amr-wb", "opus", "ogg-opus",
        "speex", "g729",
    ];
    let bad = rec
        .query
        .get("encoding")
        .is_some_and(|e| !known.contains(&e.as_str()))
        || ["sample_rate", "channels"].iter().any(|k| {
            rec.query
                .get(*k)
                .is_some_and(|v| v.parse::<u32>().map(|n| n == 0).unwrap_or(true))
        });
    if bad {
        rec.status = 400;
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            &rid,
            "Bad Request",
            "Bad Request: invalid query parameters",
        ));
    }
    rec.status = 101;
    resp.headers_mut()
        .insert("dg-request-id", HeaderValue::from_str(&rid).unwrap());
    if protocol_key.is_some() {
        resp.headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_static("token"));
    }
    Ok(resp)
}

/// The transcription state of one stream.
struct Stream {
    options: FakeOptions,
    record: Arc<Mutex<Connection>>,
    bytes_per_sec: usize,
    decodable: bool,
    interim: bool,
    punctuate: bool,
    /// Byte offset where the current segment starts.
    seg_start: usize,
    /// Segments finalised so far.
    segments: usize,
    interim_sent: bool,
    garbage_sent: bool,
}

impl Stream {
    fn seconds(&self, bytes: usize) -> f64 {
        bytes as f64 / self.bytes_per_sec as f64
    }

    fn audio_len(&self) -> usize {
        self.record.lock().unwrap().audio.len()
    }

    fn is_silent(&self, from: usize, to: usize) -> bool {
        let rec = self.record.lock().unwrap();
        rec.audio[from..to.min(rec.audio.len())]
            .chunks_exact(2)
            .all(|s| i16::from_le_bytes([s[0], s[1]]).unsigned_abs() < 200)
    }

    /// A `Results` message for `[from, to)` bytes of audio.
    fn results(&self, from: usize, to: usize, is_final: bool, from_finalize: bool) -> Value {
        let start = self.seconds(from);
        let duration = self.seconds(to - from);
        let phrase = &self.options.script[self.segments % self.options.script.len()];
        let mut words: Vec<&str> = phrase.split_whitespace().collect();
        if !is_final {
            words.truncate(words.len().div_ceil(2));
        }
        if self.is_silent(from, to) {
            words.clear();
        }
        let n = words.len().max(1) as f64;
        let words_json: Vec<Value> = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let mut word = json!({
                    "word": w.to_lowercase(),
                    "start": start + duration * i as f64 / n,
                    "end": start + duration * (i as f64 + 1.0) / n,
                    "confidence": 0.98,
                });
                if self.punctuate {
                    let p = if i == 0 {
                        punctuated(w).trim_end_matches('.').to_string()
                    } else {
                        w.to_string()
                    };
                    let p = if i + 1 == words.len() && is_final {
                        format!("{p}.")
                    } else {
                        p
                    };
                    word["punctuated_word"] = json!(p);
                }
                word
            })
            .collect();
        let joined = words.join(" ");
        let transcript = match (self.punctuate, is_final, joined.is_empty()) {
            (_, _, true) => String::new(),
            (true, true, false) => punctuated(&joined),
            (true, false, false) => punctuated(&joined).trim_end_matches('.').to_string(),
            (false, _, false) => joined,
        };
        let rid = self.record.lock().unwrap().request_id.clone();
        json!({
            "type": "Results",
            "channel_index": [0, 1],
            "duration": duration,
            "start": start,
            "is_final": is_final,
            "speech_final": is_final && !from_finalize,
            "from_finalize": from_finalize,
            "channel": {"alternatives": [{
                "transcript": transcript,
                "confidence": if transcript.is_empty() { 0.0 } else { 0.97 },
                "words": words_json,
            }]},
            "metadata": {
                "request_id": rid,
                "model_info": {"name": "2-general-nova", "version": "2024-01-18.26916", "arch": "nova-2"},
                "model_uuid": MODEL_UUID,
            },
        })
    }

    /// The results due now that `total` bytes have arrived.
    fn due(&mut self, total: usize) -> Vec<Value> {
        let seg_bytes =
            ((self.bytes_per_sec as f64 * self.options.segment.as_secs_f64()) as usize).max(2) & !1;
        let mut out = Vec::new();
        loop {
            if total >= self.seg_start + seg_bytes {
                out.push(self.results(self.seg_start, self.seg_start + seg_bytes, true, false));
                self.seg_start += seg_bytes;
                self.segments += 1;
                self.interim_sent = false;
                continue;
            }
            if self.interim && !self.interim_sent && total >= self.seg_start + seg_bytes / 2 {
                out.push(self.results(self.seg_start, total, false, false));
                self.interim_sent = true;
            }
            return out;
        }
    }

    /// `Finalize` / `CloseStream`: the rest of the audio as a final result.
    fn flush(&mut self, from_finalize: bool) -> Option<Value> {
        let total = self.audio_len();
        if total <= self.seg_start {
            return None;
        }
        let r = self.results(self.seg_start, total, true, from_finalize);
        self.seg_start = total;
        self.segments += 1;
        self.interim_sent = false;
        Some(r)
    }

    fn metadata(&self) -> Value {
        let rec = self.record.lock().unwrap();
        json!({
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": rec.request_id,
            "sha256": hex(&Sha256::digest(&rec.audio)),
            "created": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "duration": self.seconds(rec.audio.len()),
            "channels": rec.query.get("channels").and_then(|c| c.parse::<u32>().ok()).unwrap_or(1),
            "models": [MODEL_UUID],
            "model_info": {MODEL_UUID: {"name": "2-general-nova", "version": "2024-01-18.26916", "arch": "nova-2"}},
        })
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn serve(tcp: TcpStream, options: FakeOptions, record: Arc<Mutex<Connection>>) {
    match options.behaviour {
        Behaviour::Hang => {
            // Read and discard the request until the client gives up.
            let mut tcp = tcp;
            let _ = tokio::io::copy(&mut tcp, &mut tokio::io::sink()).await;
            record.lock().unwrap().ended = true;
            return;
        }
        Behaviour::Reset => {
            drop(tcp);
            record.lock().unwrap().ended = true;
            return;
        }
        _ => {}
    }
    let mut rec = Connection::default();
    let key = options.key.clone();
    #[allow(clippy::result_large_err)]
    let accepted = tokio_tungstenite::accept_hdr_async(tcp, |req: &Request, resp: Response| {
        handshake(req, resp, &key, &mut rec)
    })
    .await;
    let query = rec.query.clone();
    *record.lock().unwrap() = rec;
    let Ok(ws) = accepted else {
        record.lock().unwrap().ended = true;
        return;
    };
    let (mut sink, mut source) = ws.split();
    let flag = |k: &str| query.get(k).is_some_and(|v| v == "true");
    let rate: usize = query
        .get("sample_rate")
        .and_then(|v| v.parse().ok())
        .unwrap_or(16000);
    let channels: usize = query
        .get("channels")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut stream = Stream {
        bytes_per_sec: rate * channels * 2,
        // deepgram.md §1: raw audio must state encoding and sample_rate.
        decodable: query.contains_key("encoding") && query.contains_key("sample_rate"),
        interim: flag("interim_results"),
        punctuate: flag("punctuate") || flag("smart_format"),
        options,
        record: record.clone(),
        seg_start: 0,
        segments: 0,
        interim_sent: false,
        garbage_sent: false,
    };
    let silent = stream.options.behaviour == Behaviour::Silent;
    let idle = stream.options.idle_timeout;
    let mut last_frame = Instant::now();
    // What to do after the loop: a close frame to send, if any.
    let close: Option<(u16, String)> = loop {
        let next = tokio::select! {
            n = source.next() => n,
            _ = tokio::time::sleep_until(last_frame + idle) => break Some((1011, "NET-0001".into())),
        };
        let msg = match next {
            None | Some(Err(_)) => break None,
            Some(Ok(m)) => m,
        };
        last_frame = Instant::now();
        let mut replies = Vec::new();
        let mut closing = false;
        match msg {
            Message::Binary(b) if b.is_empty() => closing = true, // deprecated CloseStream
            Message::Binary(b) => {
                let total = {
                    let mut r = record.lock().unwrap();
                    r.audio.extend_from_slice(&b);
                    r.audio_frames += 1;
                    r.audio.len()
                };
                if !stream.decodable {
                    break Some((1008, "DATA-0000".into()));
                }
                if let Behaviour::CloseAfter { bytes, .. } = &stream.options.behaviour {
                    if total >= *bytes {
                        replies.extend(stream.due(*bytes));
                        send_all(&mut sink, &record, replies).await;
                        let Behaviour::CloseAfter { code, reason, .. } =
                            stream.options.behaviour.clone()
                        else {
                            unreachable!()
                        };
                        break Some((code, reason));
                    }
                }
                if let Behaviour::GarbageAfter { bytes, text } = stream.options.behaviour.clone() {
                    if total >= bytes && !stream.garbage_sent {
                        replies.extend(stream.due(bytes));
                        send_all(&mut sink, &record, replies).await;
                        record
                            .lock()
                            .unwrap()
                            .sent
                            .push(Sent::Garbage(text.clone()));
                        let _ = sink.send(Message::Text(text.into())).await;
                        stream.garbage_sent = true;
                        continue;
                    }
                }
                replies.extend(stream.due(total));
            }
            Message::Text(t) => {
                record.lock().unwrap().controls.push(t.to_string());
                let kind = serde_json::from_str::<Value>(&t)
                    .ok()
                    .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_string));
                match kind.as_deref() {
                    Some("KeepAlive") => {} // no reply (deepgram.md §2)
                    Some("Finalize") => replies.extend(stream.flush(true)),
                    Some("CloseStream") => closing = true,
                    _ => {} // unknown text: Deepgram ignores it
                }
            }
            Message::Close(f) => {
                record.lock().unwrap().client_close =
                    Some(f.map(|f| u16::from(f.code)).unwrap_or(1005));
                break None;
            }
            _ => {}
        }
        if closing && !silent {
            replies.extend(stream.flush(false));
            replies.push(stream.metadata());
            send_all(&mut sink, &record, replies).await;
            break Some((1000, String::new()));
        }
        if !silent {
            send_all(&mut sink, &record, replies).await;
        }
    };
    if let Some((code, reason)) = close {
        record
            .lock()
            .unwrap()
            .sent
            .push(Sent::Close(code, reason.clone()));
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            })))
            .await;
        // Deepgram closes the TCP connection after its close frame (deepgram.md §3.4);
        // give the client a moment to answer, without waiting on it.
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(m)) = source.next().await {
                if let Message::Close(f) = m {
                    record.lock().unwrap().client_close =
                        Some(f.map(|f| u16::from(f.code)).unwrap_or(1005));
                }
            }
        })
        .await;
    }
    record.lock().unwrap().ended = true;
}

async fn send_all<S>(sink: &mut S, record: &Arc<Mutex<Connection>>, messages: Vec<Value>)
where
    S: futures_util::Sink<Message> + Unpin,
{
    for m in messages {
        record.lock().unwrap().sent.push(Sent::Json(m.clone()));
        if sink
            .send(Message::Text(m.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
    }
}
