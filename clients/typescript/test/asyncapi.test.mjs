// /asyncapi.json of a real cpld passes the official AsyncAPI parser with no error, and
// names every frame type the generated TypeScript declares.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";
import { Daemon } from "./daemon.mjs";

let daemon;
before(async () => {
  daemon = await Daemon.start();
});
after(async () => {
  await daemon?.close();
});

test("the AsyncAPI document parses and validates with no error", async () => {
  const text = await (await fetch(`${daemon.url}/asyncapi.json`)).text();
  const { document, diagnostics } = await new Parser().parse(text);
  // Spectral severities: 0 error, 1 warning, 2 information, 3 hint.
  const errors = diagnostics.filter((d) => d.severity === 0);
  assert.deepEqual(
    errors.map((d) => `${d.code}: ${d.message} at ${d.path.join(".")}`),
    [],
  );
  assert.ok(document, "the parser returned no document");
  for (const d of diagnostics.filter((d) => d.severity === 1)) {
    console.log(`asyncapi warning: ${d.code}: ${d.message} at ${d.path.join(".")}`);
  }
  assert.equal(document.version(), "3.0.0");
  assert.deepEqual(
    document.channels().all().map((c) => c.address()).sort(),
    ["/ws/transcribe/{event_id}", "/ws/{user_id}"],
  );
});

test("every frame type of the generated TypeScript is a message of the document", async () => {
  const doc = await (await fetch(`${daemon.url}/asyncapi.json`)).json();
  const names = new Set(Object.values(doc.components.messages).map((m) => m.name));
  const ts = readFileSync(new URL("../src/generated/contract.ts", import.meta.url), "utf8");
  const types = [...ts.matchAll(/"type": "(\w+)"/g)].map((m) => m[1]);
  assert.ok(types.length > 15, types.join(","));
  for (const t of types) assert.ok(names.has(t), `${t} is not a message of /asyncapi.json`);
});
