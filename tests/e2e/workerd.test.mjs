// The packed package in real workerd (npm `workerd`): a config.capnp lists the modules the
// README lists (the Worker, the package's `workerd` entry, its glue, snippets and .wasm).
// `workerd serve` answers an HTTP request on 127.0.0.1 with a round and is stopped afterwards,
// also with a bus built at module scope; `workerd test` runs the Worker's test() export. And
// the way wrangler users ship it: `workerd serve wrangler.json` bundles the same Worker with
// esbuild as wrangler does, and wasm-pubsub/shared bundled the same way.
import assert from "node:assert/strict";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { BIN, ROOT, app, expectedRound, freePort, run, start, until, workspace } from "./harness.mjs";
import { readmeBlock } from "./readme.mjs";

const WORKERD = join(BIN, "workerd");
let dir, port;

/**
 * The README's `modules` list for a hand-written config.capnp, as printed there (the
 * `node_modules` it names is linked into the Worker's directory).
 */
function readmeModules() {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = readme.match(/```capnp\nmodules = \[\n([^]*?)\],\n```/);
  assert.ok(block, "README has a capnp modules block");
  return block[1].trim().split("\n").map((line) => line.trim().replace(/,$/, ""));
}

/**
 * The capnp config: the README's modules with WORKER as "worker.js", plus the round every
 * runtime answers, served on 127.0.0.1:SOCKET when given.
 */
function config(worker, socket, bindings = []) {
  const modules = readmeModules().map((m) => m.replace('embed "worker.js"', `embed "${worker}"`));
  modules.push(`(name = "round.js", esModule = embed "round.js")`);
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
  bindings = [ ${bindings.map(([name, text]) => `(name = "${name}", text = "${text}")`).join(", ")} ],
);
`;
}

/**
 * Starts `workerd serve` on config NAME.capnp (the README's modules with WORKER, on a free
 * port, with text BINDINGS) and resolves once it answers PATH: { server, url, response }.
 */
async function serve(name, worker, path = "/", bindings = []) {
  const servePort = await freePort();
  writeFileSync(join(dir, `${name}.capnp`), config(worker, servePort, bindings));
  return answering(start(WORKERD, ["serve", `${name}.capnp`], { cwd: dir }), `http://127.0.0.1:${servePort}`, path);
}

/** Resolves once SERVER answers PATH under URL: { server, url, response }; stops it if it never does. */
async function answering(server, url, path) {
  try {
    const response = await until(async () => {
      if (server.child.exitCode !== null) throw new Error(`workerd exited ${server.child.exitCode}:\n${server.output()}`);
      return await fetch(`${url}${path}`).catch(() => null);
    }, { timeoutMs: 30_000, intervalMs: 100, what: "workerd to answer" });
    return { server, url, response };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

before(async () => {
  dir = workspace("workerd");
  port = await freePort();
  symlinkSync(join(app(), "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "serve.capnp"), config("worker.js", port));
  writeFileSync(join(dir, "test.capnp"), config("worker.js", null));
});

test("workerd serves the Worker on 127.0.0.1 and answers a request with a round", async () => {
  const { server, response } = await answering(start(WORKERD, ["serve", "serve.capnp"], { cwd: dir }), `http://127.0.0.1:${port}`, "/round?where=edge");
  try {
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

test("a bus built at module scope, while workerd loads the Worker, serves every request", async () => {
  const { server, url, response: first } = await serve("scoped", "scoped.js", "/one");
  try {
    assert.equal(first.status, 200, server.output());
    assert.deepEqual(await first.json(), { paths: ["/one"], metrics: 1 });
    const second = await fetch(`${url}/two`);
    assert.deepEqual(await second.json(), { paths: ["/one", "/two"], metrics: 2 });
    assert.doesNotMatch(server.output(), /Disallowed operation/);
  } finally {
    await server.stop();
  }
});

test("the README's Worker runs as written: the request's message is delivered before the response", async () => {
  writeFileSync(join(dir, "readme-worker.js"), readmeBlock("export default {\n  async fetch(request) {"));
  const { server, response } = await serve("readme", "readme-worker.js", "/orders");
  try {
    assert.deepEqual(await response.json(), { drained: 1, deadLettered: 0 });
    await until(() => /requests\.in \{ path: '\/orders' \}|requests\.in.*\/orders/.test(server.output()), { what: "the handler's console line" });
  } finally {
    await server.stop();
  }
});

test("ctx.waitUntil(bus.drain()): the Worker answers at once, the drain settles the message after, the bus stays open", async () => {
  const { server, url, response: first } = await serve("waituntil", "waituntil.js", "/order?id=a");
  try {
    assert.deepEqual(await first.json(), { accepted: true });
    assert.deepEqual((await (await fetch(`${url}/stats`)).json()).saved, [], "answered before the slow handler finished");
    const stats = await until(async () => {
      const body = await (await fetch(`${url}/stats`)).json();
      return body.acked === 1 && body;
    }, { timeoutMs: 10_000, what: "the drain to settle the order" });
    assert.deepEqual(stats, { saved: ["a"], acked: 1, status: "healthy" });
    await (await fetch(`${url}/order?id=b`)).json();
    await until(async () => (await (await fetch(`${url}/stats`)).json()).acked === 2, { what: "the second order" });
  } finally {
    await server.stop();
  }
});

test("configFromEnv reads a Worker's env (its text bindings) into a config", async () => {
  writeFileSync(join(dir, "env.js"), `import { configFromEnv, PubSub } from "wasm-pubsub";
export default {
  async fetch(request, env) {
    const config = configFromEnv(env);
    const bus = new PubSub(config);
    bus.publish("created.on.first.use", 1);
    return Response.json({ config, topics: bus.topics() });
  },
};
`);
  const bindings = [["PUBSUB_AUTO_CREATE_TOPICS", "true"], ["PUBSUB_LIMITS_MAX_TOPICS", "8"], ["OTHER", "ignored"]];
  const { server, response } = await serve("env", "env.js", "/", bindings);
  try {
    assert.deepEqual(await response.json(), { config: { autoCreateTopics: true, limits: { maxTopics: 8 } }, topics: ["created.on.first.use"] });
  } finally {
    await server.stop();
  }
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
  const wrangler = start(WORKERD, ["serve", "wrangler.json", "--socket-addr", `http=127.0.0.1:${wranglerPort}`],
    { cwd: dir, env: { WORKERD_ESBUILD: join(BIN, "esbuild") } });
  const { server, response } = await answering(wrangler, `http://127.0.0.1:${wranglerPort}`, "/?where=wrangler");
  try {
    assert.equal(response.status, 200, server.output());
    assert.deepEqual(await response.json(), expectedRound("wrangler"));
  } finally {
    await server.stop();
  }
});

test("wasm-pubsub/shared, bundled as wrangler does: workerd has no Web Locks, so a shared subscription handles every copy and health() says so", async () => {
  const sharedPort = await freePort();
  writeFileSync(join(dir, "shared-wrangler.json"), JSON.stringify({ name: "wasm-pubsub-shared", main: "shared.js", compatibility_date: "2025-01-01" }));
  const serving = start(WORKERD, ["serve", "shared-wrangler.json", "--socket-addr", `http=127.0.0.1:${sharedPort}`],
    { cwd: dir, env: { WORKERD_ESBUILD: join(BIN, "esbuild") } });
  const { server, response } = await answering(serving, `http://127.0.0.1:${sharedPort}`, "/");
  try {
    assert.equal(response.status, 200, server.output());
    assert.deepEqual(await response.json(), {
      handled: [1, 2],
      shared: [{ name: "workers", role: "local", epoch: 0, holding: 0, reason: "navigator.locks is absent" }],
      locks: "undefined",
    });
  } finally {
    await server.stop();
  }
});
