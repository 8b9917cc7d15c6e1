// The room socket's reconnect policy, with a fake WebSocket the test closes by hand: which
// close codes reconnect, the back-off bounds with jitter, the rooms joined again and the
// queued frames sent after them, and close() ending it for good.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RoomSocket } from "../dist/index.js";

/** A WebSocket whose every instance the test drives. */
function fakeSockets() {
  const made = [];
  let wake = () => {};
  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      made.push(this);
      wake();
    }
    send(data) {
      this.sent.push(JSON.parse(data));
    }
    close(code = 1000, reason = "") {
      this.drop(code, reason);
    }
    open() {
      this.readyState = 1;
      this.onopen?.({});
    }
    drop(code, reason = "") {
      this.readyState = 3;
      this.onclose?.({ code, reason });
    }
    receive(frame) {
      this.onmessage?.({ data: JSON.stringify(frame) });
    }
  }
  /** The `n`th socket made (1-based), once it exists (bounded wait). */
  async function nth(n) {
    const deadline = Date.now() + 30_000;
    while (made.length < n) {
      if (Date.now() > deadline) throw new Error(`socket ${n} was never made`);
      await new Promise((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
    return made[n - 1];
  }
  return { FakeWebSocket, made, nth };
}

const EVENT = "6745a1b2c3d4e5f601234567";
const OTHER = "6745a1b2c3d4e5f601234568";

test("reconnects on 1001, 1006 and 1012, joins its rooms again, then sends what was queued", async () => {
  const { FakeWebSocket, nth } = fakeSockets();
  const s = new RoomSocket({ url: () => "ws://x/ws/u", WebSocket: FakeWebSocket, initialDelayMs: 10, maxDelayMs: 40 });
  const delays = [];
  s.on("reconnecting", (r) => delays.push(r));
  const first = await nth(1);
  s.join(EVENT); // before open: joined on open
  first.open();
  assert.deepEqual(first.sent, [{ type: "join_event", event_id: EVENT }]);
  s.join(OTHER);
  s.leave(OTHER);

  let n = 1;
  for (const code of [1001, 1006, 1012]) {
    const current = await nth(n);
    const closed = s.nextLifecycle("close");
    current.drop(code, "restarting");
    assert.deepEqual(await closed, { code, reason: "restarting", willReconnect: true });
    if (code === 1006) s.chat(EVENT, "while down"); // queued
    n += 1;
    const next = await nth(n);
    const opened = s.nextLifecycle("open");
    next.open();
    assert.deepEqual(await opened, { reconnected: true });
    const expected = [{ type: "join_event", event_id: EVENT }];
    if (code === 1006) expected.push({ type: "chat_message", event_id: EVENT, message: "while down" });
    assert.deepEqual(next.sent, expected, `after ${code}`);
  }
  // Each wait is within [step/2, step]; the step doubles from 10 ms, capped at 40 ms, and
  // starts again after a successful open.
  for (const d of delays) {
    assert.equal(d.attempt, 1);
    assert.ok(d.delayMs >= 5 && d.delayMs <= 10, JSON.stringify(d));
  }
  s.close();
});

test("back-off doubles per failed attempt up to the cap, with jitter", async () => {
  const { FakeWebSocket, nth } = fakeSockets();
  const s = new RoomSocket({ url: () => "ws://x", WebSocket: FakeWebSocket, initialDelayMs: 8, maxDelayMs: 32 });
  const delays = [];
  s.on("reconnecting", (r) => delays.push(r));
  for (let i = 1; i <= 5; i++) (await nth(i)).drop(1006); // never opens
  await nth(6);
  s.close();
  assert.deepEqual(
    delays.map((d) => d.attempt),
    [1, 2, 3, 4, 5],
  );
  const steps = [8, 16, 32, 32, 32];
  delays.forEach((d, i) => assert.ok(d.delayMs >= steps[i] / 2 && d.delayMs <= steps[i], JSON.stringify(d)));
});

test("1000 and 1008 are final; close() stops reconnecting", async () => {
  for (const code of [1000, 1008]) {
    const { FakeWebSocket, made, nth } = fakeSockets();
    const s = new RoomSocket({ url: () => "ws://x", WebSocket: FakeWebSocket, initialDelayMs: 1 });
    const ws = await nth(1);
    ws.open();
    const closed = s.nextLifecycle("close");
    ws.drop(code, "policy");
    assert.equal((await closed).willReconnect, false, `${code}`);
    assert.equal(made.length, 1);
  }
  const { FakeWebSocket, made, nth } = fakeSockets();
  const s = new RoomSocket({ url: () => "ws://x", WebSocket: FakeWebSocket, initialDelayMs: 1 });
  (await nth(1)).open();
  const closed = s.nextLifecycle("close");
  s.close();
  assert.equal((await closed).willReconnect, false);
  assert.equal(made.length, 1);
});

test("a room the daemon ended, or that the user left, is not joined again", async () => {
  const { FakeWebSocket, nth } = fakeSockets();
  const me = "6745a1b2c3d4e5f60123456a";
  const s = new RoomSocket({ url: () => "ws://x", userId: me, WebSocket: FakeWebSocket, initialDelayMs: 1, maxDelayMs: 2 });
  const ws = await nth(1);
  ws.open();
  s.join(EVENT);
  s.join(OTHER);
  ws.receive({ type: "event_ended", event_id: EVENT, ended_by: "creator" });
  ws.receive({ type: "user_left", event_id: OTHER, user_id: "6745a1b2c3d4e5f60123456b" });
  assert.deepEqual([...s.rooms], [OTHER]);
  ws.receive({ type: "user_left", event_id: OTHER, user_id: me });
  assert.deepEqual([...s.rooms], []);
  ws.drop(1006);
  const again = await nth(2);
  again.open();
  assert.deepEqual(again.sent, []);
  s.close();
});

test("typed handlers get their frames until unsubscribed", async () => {
  const { FakeWebSocket, nth } = fakeSockets();
  const s = new RoomSocket({ url: () => "ws://x", WebSocket: FakeWebSocket });
  const ws = await nth(1);
  ws.open();
  const seen = [];
  const off = s.on("collectible_claimed", (f) => seen.push(f.name));
  s.on("pong", (f) => seen.push(f.type));
  ws.receive({ type: "collectible_claimed", collectible_id: EVENT, event_id: EVENT, user_id: EVENT, name: "Ana" });
  off();
  ws.receive({ type: "collectible_claimed", collectible_id: EVENT, event_id: EVENT, user_id: EVENT, name: "Ben" });
  ws.receive({ type: "pong" });
  ws.onmessage?.({ data: "not json" });
  assert.deepEqual(seen, ["Ana", "pong"]);
  s.close();
});
