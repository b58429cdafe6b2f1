// A real nats-server (Debian's, installed by pkg-scripts/setup) for one test file: free
// loopback ports for clients, WebSocket (no TLS) and monitoring, JetStream in a temporary
// store directory. Started and stopped by PID; ready once /healthz on the monitor port says so.
import { after, before } from "node:test";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs the server. */
export const NATS_SERVER = process.env.NATS_SERVER ?? "/usr/sbin/nats-server";

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server; resolves to `{ url, wsUrl, ports, restart(), stop() }`.
 * `options.maxPayload` sets max_payload (bytes).
 */
export async function startNatsServer(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), "nats-test-"));
  const config = join(dir, "server.conf");
  const { ports, child } = await launchOnFreePorts(config, dir, options);
  const server = { ports, url: `127.0.0.1:${ports.client}`, wsUrl: `ws://127.0.0.1:${ports.ws}`, child };
  server.stop = async () => {
    await stop(server.child);
    rmSync(dir, { recursive: true, force: true });
  };
  server.kill = () => stop(server.child);
  server.start = async () => {
    server.child = await launch(config, ports);
  };
  return server;
}

/** Tries before giving up: a port found free can be taken by another test file's server
 * before this one binds it (the files run in parallel), and then new ones are picked. */
const LAUNCH_TRIES = 5;

/** Writes the config on free ports and starts the server; `{ ports, child }`. */
async function launchOnFreePorts(config, dir, options) {
  for (let attempt = 1; ; attempt++) {
    const ports = { client: await freePort(), ws: await freePort(), monitor: await freePort() };
    writeFileSync(config, configText(ports, dir, options));
    try {
      return { ports, child: await launch(config, ports) };
    } catch (error) {
      if (attempt === LAUNCH_TRIES || !/address already in use/.test(error.message)) throw error;
    }
  }
}

function configText(ports, dir, options) {
  return [
    `listen: "127.0.0.1:${ports.client}"`,
    `http: "127.0.0.1:${ports.monitor}"`,
    `websocket { listen: "127.0.0.1:${ports.ws}", no_tls: true }`,
    `jetstream { store_dir: "${join(dir, "js")}", max_memory_store: 64MB, max_file_store: 256MB }`,
    options.maxPayload !== undefined ? `max_payload: ${options.maxPayload}` : "",
  ].join("\n");
}

async function launch(config, ports) {
  const child = spawn(NATS_SERVER, ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (chunk) => { log = (log + chunk).slice(-4000); });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.exited = exited;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
    if (await healthy(ports.monitor)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop(child);
  throw new Error(`nats-server not healthy after 10 s: ${log}`);
}

async function healthy(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    return response.ok;
  } catch {
    return false;
  }
}

/** Stops the process by PID (SIGTERM, then SIGKILL after 5 s) and waits for it. */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid, "SIGKILL"), 5000);
  await child.exited;
  clearTimeout(timer);
}

/**
 * A nats-server for one test file: started before its tests and stopped after them, once the
 * connections pushed to `connections` are closed. `nats.server` is the running server.
 */
export function natsForTests() {
  const nats = { server: null, connections: [] };
  before(async () => {
    nats.server = await startNatsServer();
  });
  after(async () => {
    for (const nc of nats.connections) if (!nc.isClosed()) await nc.close();
    await nats.server?.stop();
  });
  return nats;
}

/** Waits (real time) for `fn()` to be truthy. */
export async function until(fn, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
