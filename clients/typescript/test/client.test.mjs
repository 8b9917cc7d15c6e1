// The typed client against a real cpld (test/daemon.mjs): REST with typed errors, two
// clients in a room, a drop and a claim race, and a forced disconnect (the daemon
// restarted on the same database and port) after which the socket is back in its rooms.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { CityPulseClient, CityPulseError } from "../dist/index.js";
import { ADMIN_TOKEN, BOGOTA, Daemon, WAIT_MS, uniquePhone } from "./daemon.mjs";

let daemon;
const sockets = [];

before(async () => {
  daemon = await Daemon.start();
});

after(async () => {
  for (const s of sockets) s.close();
  await daemon?.close();
});

function client(token) {
  return new CityPulseClient({ baseUrl: daemon.url, token, WebSocket });
}

async function user(name) {
  const c = client();
  const registered = await c.register({ name, phone: uniquePhone() });
  return { c, me: registered };
}

/** A socket for `u`, fast back-off so the restart test does not wait long. */
function socket(u) {
  const s = u.c.connect(u.me.id, { userId: u.me.id, initialDelayMs: 100, maxDelayMs: 1000 });
  sockets.push(s);
  return s;
}

async function event(u, title = "Feria del libro") {
  return u.c.createEvent({ title, category: "culture", coordinates: BOGOTA });
}

test("register, me, nearby and a typed error", async () => {
  const { c, me } = await user("Ana");
  assert.match(me.id, /^[0-9a-f]{24}$/);
  assert.ok(me.token.length > 20);
  assert.equal((await c.me()).id, me.id);
  const ev = await event({ c, me });
  const nearby = await c.nearby({ lng: BOGOTA[0], lat: BOGOTA[1] });
  const found = nearby.find((e) => e.id === ev.id);
  assert.ok(found, "the new event is nearby");
  assert.equal(typeof found.distance_m, "number");

  await assert.rejects(client().me(), (e) => {
    assert.ok(e instanceof CityPulseError);
    assert.equal(e.status, 401);
    assert.match(e.detail, /token/i);
    return true;
  });
  await assert.rejects(c.event("6745a1b2c3d4e5f601234567"), (e) => e instanceof CityPulseError && e.status === 404);
  await assert.rejects(
    c.nearby({ lng: 4.6, lat: -104 }),
    (e) => e instanceof CityPulseError && e.status === 422 && /lat/.test(e.detail),
  );
});

test("two clients chat in a room", async () => {
  const ana = await user("Ana");
  const ben = await user("Ben");
  const ev = await event(ana);
  const a = socket(ana);
  const b = socket(ben);
  await Promise.all([a.nextLifecycle("open"), b.nextLifecycle("open")]);
  const anaIn = a.next("user_joined", (f) => f.user_id === ana.me.id && f.event_id === ev.id);
  a.join(ev.id);
  await anaIn;
  const benSeen = a.next("user_joined", (f) => f.user_id === ben.me.id);
  b.join(ev.id);
  await benSeen;
  assert.deepEqual([...b.rooms], [ev.id]);

  const heard = b.next("chat_message", (f) => f.event_id === ev.id);
  a.chat(ev.id, "¡Hola, Ben!");
  const msg = await heard;
  assert.equal(msg.message, "¡Hola, Ben!");
  assert.equal(msg.user_id, ana.me.id);
  const history = await ben.c.messages(ev.id);
  assert.ok(history.some((m) => m.id === msg.id));

  const pong = a.next("pong");
  a.send({ type: "ping" });
  await pong;
});

test("a drop reaches the room and exactly one of two claims wins", async () => {
  const ana = await user("Ana");
  const ben = await user("Ben");
  const ev = await event(ana);
  const a = socket(ana);
  const b = socket(ben);
  for (const [s, u] of [
    [a, ana],
    [b, ben],
  ]) {
    const joined = s.next("user_joined", (f) => f.user_id === u.me.id && f.event_id === ev.id);
    s.join(ev.id);
    await joined;
  }
  const drops = [a, b].map((s) => s.next("collectible_drop", (f) => f.collectible.event_id === ev.id));
  const dropped = await client(ADMIN_TOKEN).dropCollectible(ev.id, { name: "Golden ticket", rarity: "legendary" });
  const [da, db] = await Promise.all(drops);
  assert.equal(da.collectible.id, dropped.id);
  assert.equal(db.collectible.id, dropped.id);
  assert.ok(da.expires_in > 0);

  // Both claim at once, one over the socket and one over REST.
  const claimedSeen = b.next("collectible_claimed", (f) => f.collectible_id === dropped.id);
  const wsResult = a.next("claim_result");
  a.claim(dropped.id);
  const restResult = await ben.c.claim(dropped.id);
  const { result: socketResult } = await wsResult;
  const wins = [socketResult, restResult].filter((r) => r.success);
  assert.equal(wins.length, 1, JSON.stringify([socketResult, restResult]));
  const loser = socketResult.success ? restResult : socketResult;
  assert.equal(loser.message, "already claimed");
  const claimed = await claimedSeen;
  assert.equal(claimed.user_id, socketResult.success ? ana.me.id : ben.me.id);
  const inventory = await ana.c.userCollectibles(claimed.user_id);
  assert.ok(inventory.some((x) => x.collectible_id === dropped.id));
});

test("after the daemon restarts, the socket reconnects and is back in its rooms", async () => {
  const ana = await user("Ana");
  const ben = await user("Ben");
  const ev = await event(ana);
  const a = socket(ana);
  const joined = a.next("user_joined", (f) => f.user_id === ana.me.id && f.event_id === ev.id);
  a.join(ev.id);
  await joined;

  // Within the daemon's reconnect grace the rejoin is silent: no user_joined, not even to
  // her; being in the room shows in the participant list and in hearing its chat.
  const closed = a.nextLifecycle("close", WAIT_MS);
  const reopenedEvent = a.nextLifecycle("open", WAIT_MS * 2);
  await daemon.restart();
  const close = await closed;
  assert.equal(close.willReconnect, true);
  assert.ok([1001, 1006].includes(close.code), `close ${close.code} ${close.reason}`);
  assert.deepEqual(await reopenedEvent, { reconnected: true });
  assert.ok(a.connected);

  // The daemon has her in the room again, and she hears the room.
  const participants = await ben.c.participants(ev.id);
  assert.ok(participants.some((p) => p.user_id === ana.me.id), JSON.stringify(participants));
  const b = socket(ben);
  await b.nextLifecycle("open");
  const heard = a.next("chat_message", (f) => f.user_id === ben.me.id);
  const benIn = b.next("user_joined", (f) => f.user_id === ben.me.id);
  b.join(ev.id);
  await benIn;
  b.chat(ev.id, "¿Sigues ahí?");
  assert.equal((await heard).message, "¿Sigues ahí?");
});
