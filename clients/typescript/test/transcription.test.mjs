// The transcription socket as a stream: PCM frames piped into `writable` reach Deepgram
// (a local fake of its live API, as in the Rust tests) through a real cpld, closing the
// stream sends CloseStream, and the caption comes back on the stream and to the room.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket, { WebSocketServer } from "ws";
import { CityPulseClient } from "../dist/index.js";
import { BOGOTA, Daemon, uniquePhone } from "./daemon.mjs";

const KEY = "fake-deepgram-key-0123456789abcdef";
let daemon;
let deepgram;
const heard = { bytes: 0, query: undefined };

before(async () => {
  // Deepgram's live protocol as far as cpld uses it: audio in, `Results` and `Metadata` out,
  // and a normal close after CloseStream.
  deepgram = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/v1/listen" });
  deepgram.on("headers", (headers) => headers.push("dg-request-id: 52cc0efe-fa77-4aa7-b79c-0dda09de2f14"));
  deepgram.on("connection", (ws, req) => {
    heard.query = new URL(req.url, "http://x").searchParams;
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        heard.bytes += data.length;
        return;
      }
      if (JSON.parse(data.toString()).type !== "CloseStream") return;
      const seconds = heard.bytes / 2 / 16000;
      ws.send(
        JSON.stringify({
          type: "Results",
          channel_index: [0, 1],
          start: 0,
          duration: seconds,
          is_final: true,
          speech_final: true,
          from_finalize: false,
          channel: { alternatives: [{ transcript: "hola a todos", confidence: 0.97, words: [] }] },
          metadata: { request_id: "52cc0efe-fa77-4aa7-b79c-0dda09de2f14", model_info: {}, model_uuid: "x" },
        }),
      );
      ws.send(JSON.stringify({ type: "Metadata", request_id: "52cc0efe-fa77-4aa7-b79c-0dda09de2f14", duration: seconds }));
      ws.close(1000);
    });
  });
  await new Promise((r) => deepgram.once("listening", r));
  daemon = await Daemon.start({
    DEEPGRAM_API_URL: `ws://127.0.0.1:${deepgram.address().port}/v1/listen`,
    DEEPGRAM_API_KEY: KEY,
  });
});

after(async () => {
  await daemon?.close();
  deepgram?.close();
});

test("PCM piped into the stream comes back as a caption, on the stream and in the room", async () => {
  const speaker = new CityPulseClient({ baseUrl: daemon.url, WebSocket });
  const me = await speaker.register({ name: "Oradora", phone: uniquePhone() });
  const ev = await speaker.createEvent({ title: "Cabildo abierto", category: "civic", coordinates: BOGOTA });
  const listener = new CityPulseClient({ baseUrl: daemon.url, WebSocket });
  const other = await listener.register({ name: "Oyente", phone: uniquePhone() });
  const room = listener.connect(other.id);
  try {
    const joined = room.next("user_joined", (f) => f.user_id === other.id);
    room.join(ev.id);
    await joined;
    const inRoom = room.next("transcript", (f) => f.is_final);

    const stream = speaker.transcribe(ev.id, { sampleRate: 16000, channels: 1, language: "es" });
    const captions = [];
    stream.onTranscript((t) => captions.push(t));
    await stream.opened();
    // Half a second of 16-bit PCM, in ten frames.
    const frames = Array.from({ length: 10 }, (_, i) => new Int16Array(800).fill(i * 100));
    const source = new ReadableStream({
      start(controller) {
        for (const f of frames) controller.enqueue(f);
        controller.close();
      },
    });
    await source.pipeTo(stream.writable);
    const closed = await stream.closed();
    assert.equal(closed.code, 1000, closed.reason);
    assert.equal(heard.bytes, 10 * 800 * 2);
    assert.equal(heard.query.get("sample_rate"), "16000");
    assert.equal(heard.query.get("language"), "es");
    const final = captions.find((c) => c.is_final);
    assert.ok(final, JSON.stringify(captions));
    assert.equal(final.text, "hola a todos");
    assert.equal(final.speaker_id, me.id);
    const roomCaption = await inRoom;
    assert.equal(roomCaption.text, "hola a todos");
    assert.equal(roomCaption.event_id, ev.id);
  } finally {
    room.close();
  }
});

test("a refused stream rejects opened() and says how it closed", async () => {
  const c = new CityPulseClient({ baseUrl: daemon.url, WebSocket });
  await c.register({ name: "Nadie", phone: uniquePhone() });
  // Not a participant of an unknown event: the upgrade is refused (404 before the upgrade).
  const stream = c.transcribe("6745a1b2c3d4e5f601234567");
  await assert.rejects(stream.opened(), /closed before it opened/);
  assert.ok((await stream.closed()).code >= 1000);
});
