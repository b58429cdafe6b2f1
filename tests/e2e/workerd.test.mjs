// The packed package in real workerd (npm `workerd`): a config.capnp embeds the Worker, the
// package's `workerd` entry (found through its package.json exports) and its .wasm as a wasm
// module. `workerd serve` answers an HTTP request on 127.0.0.1 with a round and is stopped
// afterwards; `workerd test` runs the Worker's test() export. And the way wrangler users ship
// it: `workerd serve wrangler.json` bundles the same Worker with esbuild as wrangler does.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { before, test } from "node:test";
import { BIN, app, expectedRound, freePort, run, start, until, workspace } from "./harness.mjs";

const WORKERD = join(BIN, "workerd");
let dir, port;

/** Every file of a directory, as paths relative to it. */
function files(base, sub = "") {
  return readdirSync(join(base, sub)).flatMap((name) => {
    const path = join(sub, name);
    return statSync(join(base, path)).isDirectory() ? files(base, path) : [path];
  });
}

/**
 * The capnp config: the Worker as "worker.js", the entry that the package's exports give the
 * `workerd` condition as the module "wasm-pubsub", and every other .js file and the .wasm of
 * the package under their paths in it, so the entry's relative imports resolve as published.
 */
function config(pkgDir, socket) {
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const entry = manifest.exports["."].workerd;
  assert.equal(typeof entry, "string", "package.json exports a workerd entry");
  const embed = (file) => JSON.stringify(relative(dir, join(pkgDir, file)));
  const modules = [
    `(name = "worker.js", esModule = embed "worker.js")`,
    `(name = "round.js", esModule = embed "round.js")`,
    `(name = "wasm-pubsub", esModule = embed ${embed(entry)})`,
    ...files(pkgDir).filter((f) => f.endsWith(".wasm") || (f.endsWith(".js") && f !== entry.slice(2)))
      .map((f) => `(name = ${JSON.stringify(f)}, ${f.endsWith(".wasm") ? "wasm" : "esModule"} = embed ${embed(f)})`),
  ];
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  ${socket ? `sockets = [ (name = "http", address = "127.0.0.1:${socket}", http = (), service = "main") ],` : ""}
);

const worker :Workerd.Worker = (
  modules = [
    ${modules.join(",\n    ")}
  ],
  compatibilityDate = "2025-01-01",
);
`;
}

before(async () => {
  dir = workspace("workerd");
  port = await freePort();
  const pkgDir = join(app(), "node_modules", "wasm-pubsub");
  writeFileSync(join(dir, "serve.capnp"), config(pkgDir, port));
  writeFileSync(join(dir, "test.capnp"), config(pkgDir, null));
});

test("workerd serves the Worker on 127.0.0.1 and answers a request with a round", async () => {
  const server = start(WORKERD, ["serve", "serve.capnp"], { cwd: dir });
  try {
    const response = await until(async () => {
      if (server.child.exitCode !== null) throw new Error(`workerd exited ${server.child.exitCode}:\n${server.output()}`);
      return await fetch(`http://127.0.0.1:${port}/round?where=edge`).catch(() => null);
    }, { timeoutMs: 30_000, intervalMs: 100, what: "workerd to answer" });
    assert.equal(response.status, 200, server.output());
    assert.match(response.headers.get("content-type"), /application\/json/);
    assert.deepEqual(await response.json(), expectedRound("edge"));
    // A second request gets a fresh bus from the same instance.
    const again = await fetch(`http://127.0.0.1:${port}/`);
    assert.deepEqual(await again.json(), expectedRound("workerd"));
  } finally {
    const { signal, code } = await server.stop();
    assert.ok(signal === "SIGTERM" || code === 0, `workerd stopped: ${signal ?? code}\n${server.output()}`);
  }
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`), "workerd is stopped");
});

test("workerd test runs the Worker's test() export", async () => {
  const { code, stdout, stderr } = await run(WORKERD, ["test", "test.capnp"], { cwd: dir, timeoutMs: 60_000 });
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.match(stdout + stderr, /\[ PASS \]/);
});

test("workerd serve on a wrangler.json, bundled with esbuild as wrangler does, answers a round", async () => {
  const wranglerPort = await freePort();
  writeFileSync(join(dir, "wrangler.json"), JSON.stringify({
    name: "wasm-pubsub-round",
    main: "worker.js",
    compatibility_date: "2025-01-01",
  }));
  const server = start(WORKERD, ["serve", "wrangler.json", "--socket-addr", `http=127.0.0.1:${wranglerPort}`],
    { cwd: dir, env: { WORKERD_ESBUILD: join(BIN, "esbuild") } });
  try {
    const response = await until(async () => {
      if (server.child.exitCode !== null) throw new Error(`workerd exited ${server.child.exitCode}:\n${server.output()}`);
      return await fetch(`http://127.0.0.1:${wranglerPort}/?where=wrangler`).catch(() => null);
    }, { timeoutMs: 30_000, intervalMs: 100, what: "workerd to answer" });
    assert.equal(response.status, 200, server.output());
    assert.deepEqual(await response.json(), expectedRound("wrangler"));
  } finally {
    await server.stop();
  }
});
