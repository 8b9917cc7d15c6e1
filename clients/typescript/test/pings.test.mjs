// The daemon pings every socket and closes one that stays silent past CPL_WS_TIMEOUT; the
// client answers those pings (the runtime does, `ws` here) without sending frames of its
// own, so an idle socket stays open. Bounded: it waits for four pings (at most 30 s),
// spanning more than the daemon's timeout for a socket that does not answer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { CityPulseClient } from "../dist/index.js";
import { Daemon, WAIT_MS, uniquePhone } from "./daemon.mjs";

let daemon;
before(async () => {
  daemon = await Daemon.start({ CPL_WS_HEARTBEAT: "1", CPL_WS_TIMEOUT: "2" });
});
after(async () => {
  await daemon?.close();
});

test("an idle socket answers the daemon's pings and stays open", async () => {
  let pings = 0;
  let wake = () => {};
  // `ws` with the pings counted; it answers them itself.
  class CountingWebSocket extends WebSocket {
    constructor(url) {
      super(url);
      this.on("ping", () => {
        pings += 1;
        wake();
      });
    }
  }
  const api = new CityPulseClient({ baseUrl: daemon.url, WebSocket: CountingWebSocket });
  const me = await api.register({ name: "Ana", phone: uniquePhone() });
  // No heartbeat frames of the client's own: only pongs keep it.
  const socket = api.connect(me.id, { heartbeatMs: 0 });
  const closes = [];
  socket.on("close", (c) => closes.push(c));
  try {
    await socket.nextLifecycle("open");
    // The daemon's timeout is 2 s and it pings every second: 4 pings span 3 s, longer than
    // the timeout; a socket that did not answer would have been closed by then.
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${pings} pings in ${WAIT_MS} ms`)), WAIT_MS);
      wake = () => {
        if (pings >= 4) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    assert.deepEqual(closes, []);
    assert.ok(socket.connected);
    const pong = socket.next("pong");
    socket.send({ type: "ping" });
    await pong;
  } finally {
    socket.close();
  }
});
