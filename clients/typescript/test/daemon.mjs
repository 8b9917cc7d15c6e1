// A real `cpld` for the tests: started on a free port with a temporary SQLite database,
// stopped (SIGTERM: it drains, closing WebSockets with 1001) and started again on the same
// database and port. The binary is CPLD_BIN, else the workspace's target/debug/cpld (built
// by `cargo build -p citypulse-daemon`).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ADMIN_TOKEN = "node-test-admin-token-0123456789";
export const BOGOTA = [-74.0761, 4.5981];

const here = dirname(fileURLToPath(import.meta.url));
const BIN = process.env.CPLD_BIN ?? resolve(here, "../../../target/debug/cpld");

/** Bounds every wait of the tests: generous, never a fixed sleep. */
export const WAIT_MS = 30_000;

export class Daemon {
  /** `env`: settings of this daemon on top of the tests' own. */
  constructor(env = {}) {
    this.env = env;
    this.dir = mkdtempSync(join(tmpdir(), "cpl-node-"));
    this.listen = "127.0.0.1:0";
    this.url = undefined;
    this.child = undefined;
    this.log = [];
  }

  static async start(env = {}) {
    const d = new Daemon(env);
    await d.spawn();
    return d;
  }

  async spawn() {
    const child = spawn(BIN, [], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: this.dir,
        XDG_CONFIG_HOME: join(this.dir, "config"),
        XDG_DATA_HOME: join(this.dir, "data"),
        CPL_DB: join(this.dir, "citypulse.db"),
        CPL_LISTEN: this.listen,
        CPL_ADMIN_TOKEN: ADMIN_TOKEN,
        CPL_RATE_LIMIT: "0",
        CPL_LOOKUPS_PER_MINUTE: "0",
        // Drain quickly: the restart test waits for the exit.
        CPL_SHUTDOWN_GRACE: "2",
        CPL_DRAIN_DELAY: "0",
        CPL_LOG: "info",
        ...this.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stderr.on("data", (b) => this.log.push(b.toString()));
    const exited = new Promise((_, reject) =>
      child.once("exit", (code) => reject(new Error(`cpld exited (${code}) before listening:\n${this.log.join("")}`))),
    );
    const line = await Promise.race([
      new Promise((res) => createInterface({ input: child.stdout }).once("line", res)),
      exited,
      timeout(WAIT_MS, "cpld to print its address"),
    ]);
    const url = String(line).split(/\s+/).find((w) => w.startsWith("http://"));
    if (!url) throw new Error(`cpld printed no address: ${line}`);
    this.url = url;
    // The same port after a restart.
    this.listen = new URL(url).host;
    await this.waitHealthy();
  }

  async waitHealthy() {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      try {
        if ((await fetch(`${this.url}/health`)).ok) return;
      } catch {
        // not yet listening
      }
      if (Date.now() > deadline) throw new Error(`cpld never became healthy:\n${this.log.join("")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM, and the exit awaited. */
  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((res) => child.once("exit", res));
    child.kill("SIGTERM");
    await Promise.race([exited, timeout(WAIT_MS, "cpld to exit after SIGTERM")]);
  }

  async restart() {
    await this.stop();
    await this.spawn();
  }

  async close() {
    await this.stop().catch(() => this.child?.kill("SIGKILL"));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function timeout(ms, what) {
  return new Promise((_, reject) => {
    const t = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}`)), ms);
    t.unref();
  });
}

let phones = 0;
/** A phone number no other registration of this run uses. */
export function uniquePhone() {
  phones += 1;
  return `+5730${String(process.pid % 1000).padStart(3, "0")}${String(phones).padStart(5, "0")}`;
}
