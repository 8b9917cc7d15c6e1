// The README's example runs as written against a real cpld: it registers, finds the event
// nearby, joins its room and hears its own chat message.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { CityPulseClient } from "../dist/index.js";
import { BOGOTA, Daemon, WAIT_MS, uniquePhone } from "./daemon.mjs";

let daemon;
// Inside the package, so that `@citypulse/client` resolves to it (a self-reference).
const file = new URL("./.readme-example.mjs", import.meta.url);

before(async () => {
  daemon = await Daemon.start();
});
after(async () => {
  rmSync(file, { force: true });
  await daemon?.close();
});

test("the README example runs as written", async () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const [, block] = readme.split("<!-- example:start -->");
  const code = block.split("<!-- example:end -->")[0].replace(/^```js\n|```\s*$/gm, "");
  assert.ok(code.split("\n").filter((l) => l.trim()).length <= 10, code);
  writeFileSync(file, code);

  const creator = new CityPulseClient({ baseUrl: daemon.url });
  await creator.register({ name: "Creadora", phone: uniquePhone() });
  await creator.createEvent({ title: "Concierto", category: "music", coordinates: BOGOTA });

  const child = spawn(process.execPath, [file.pathname], {
    env: { ...process.env, CPL_URL: daemon.url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (b) => (err += b));
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no chat line within ${WAIT_MS} ms: ${out}${err}`)), WAIT_MS);
      child.stdout.on("data", (b) => {
        out += b;
        if (out.includes("Ana: ¡Hola!")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => reject(new Error(`the example exited (${code}): ${out}${err}`)));
    });
  } finally {
    child.kill();
  }
});
