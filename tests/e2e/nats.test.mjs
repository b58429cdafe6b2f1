// README "Scaling out with NATS" in a browser: a bus in a headless Chromium page, bridged to
// a real nats-server over WebSocket (nats.js wsconnect), talks to a bus in Node bridged over
// TCP (transport-node). The page loads the installed package without a bundler. Then the same
// from a dedicated module worker, and from a bus in Deno (npm `deno`, wsconnect over Deno's
// WebSocket, network allowed only to the server).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startNatsServer, until } from "../js/nats-server.mjs";
import { app, BIN, ROOT, launchChromium, openPage, staticServer, workspace } from "./harness.mjs";
import { readmeBlock } from "./readme.mjs";

let server, browser, site, nc, PubSub, natsBridge, pageDir;

/** The installed package's module at PATH (these tests run from the repository root). */
const installed = (path) => import(pathToFileURL(join(app(), "node_modules/wasm-pubsub", path)).href);

before(async () => {
  ({ PubSub } = await installed("node.js"));
  ({ natsBridge } = await installed("nats/nats.js"));
  server = await startNatsServer();
  const dir = (pageDir = workspace("nats-page"));
  // nats.js ships CommonJS: bundled into one ES module with the named exports the page imports.
  execFileSync(join(BIN, "esbuild"), ["--bundle", "--format=esm", "--platform=browser", "--log-level=error",
    `--outfile=${join(dir, "nats-core.js")}`], { cwd: ROOT, input: 'export { wsconnect } from "@nats-io/nats-core";' });
  site = await staticServer(app());
  browser = await launchChromium();
});

after(async () => {
  await nc?.close();
  await browser?.close();
  await site?.close();
  await server?.stop();
});

test("a page's bus over WebSocket and a Node bus over TCP exchange messages through nats-server, data and attributes intact", async () => {
  const page = await openPage(browser.context, `${site.url}nats-page/?ws=${encodeURIComponent(server.wsUrl)}`);
  await page.waitForFunction(() => window.natsReady).catch((e) => { throw new Error(`${e.message}: ${page.problems.join("; ")}`); });
  assert.equal(await page.evaluate(() => window.natsReady), "ready");
  const bus = new PubSub();
  for (const topic of ["ask", "reply"]) bus.createTopic(topic);
  const replies = [];
  bus.subscribe("reply", (msg) => { replies.push(msg); });
  nc = await connect({ servers: server.url, noEcho: true });
  const bridge = natsBridge(bus, nc, { prefix: "web", topics: ["ask", "reply"] });
  await nc.flush();
  for (let n = 0; n < 50; n++) {
    bus.publish("ask", { n, z: -0, big: 2n ** 80n, map: new Map([[n, n]]), bytes: new Float64Array([n, NaN]) }, { attributes: { "page note": "über: ok" } });
  }
  await until(() => replies.length === 50, "50 replies from the page", 20_000);
  assert.deepEqual(replies.map((m) => m.data.n), Array.from({ length: 50 }, (_, n) => n));
  assert.deepEqual(replies[3].data, { n: 3, negZero: true, big: (2n ** 80n).toString(), mapSize: 1, bytes: [3, NaN], attribute: "über: ok" });
  assert.equal(replies[3].attributes["from page"], "✓ yes");
  await until(() => bridge.stats().sent === 50, "the Node side's sends confirmed");
  // The page counts a reply sent once the server confirmed it (a flush round trip later than
  // the reply reached Node): poll for it.
  let pageStats;
  for (let tries = 0; (pageStats = await page.evaluate(() => window.natsStats())).sent < 50; tries++) {
    assert.ok(tries < 200, `the page's sends confirmed: ${JSON.stringify(pageStats)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(pageStats.received, 50);
  assert.equal(pageStats.sent, 50);
  assert.deepEqual(page.problems, []);
  await bridge.close();
  await page.close();
});

test("the README's browser example runs in Chromium as written (but for the server's address) and renders what a Node bus publishes", async () => {
  const example = readmeBlock('const nc = await wsconnect({ servers: "ws://127.0.0.1:8080", noEcho: true });');
  writeFileSync(join(pageDir, "readme-example.js"), `${example.replace("ws://127.0.0.1:8080", server.wsUrl)}\nwindow.readmeReady = true;\n`);
  const page = await openPage(browser.context, `${site.url}nats-page/readme.html`);
  await page.waitForFunction(() => window.readmeReady, null, { timeout: 20_000 });
  const bus = new PubSub();
  bus.createTopic("orders.created");
  const tcp = await connect({ servers: server.url, noEcho: true });
  const bridge = natsBridge(bus, tcp, { prefix: "shop", topics: ["orders.>"] });
  await tcp.flush();
  // The page's subscription reaches the server a moment after its module ran: publish until it renders.
  for (let tries = 0; !(await page.evaluate(() => window.rendered.length > 0)); tries++) {
    assert.ok(tries < 200, "the page rendered nothing in 20 s");
    bus.publish("orders.created", { total: 1250n, at: new Date(0) });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(await page.evaluate(() => [typeof window.rendered[0].total, window.rendered[0].at instanceof Date]), ["bigint", true]);
  assert.deepEqual(page.problems, []);
  await bridge.close();
  await tcp.close();
  await page.close();
});

test("a bus in a dedicated module worker over WebSocket answers a Node bus over TCP", async () => {
  const page = await openPage(browser.context, `${site.url}nats-page/worker.html?ws=${encodeURIComponent(server.wsUrl)}`);
  await page.waitForFunction(() => window.natsReady);
  assert.equal(await page.evaluate(() => window.natsReady), "ready");
  const bus = new PubSub();
  for (const topic of ["ask", "reply"]) bus.createTopic(topic);
  const replies = [];
  bus.subscribe("reply", (msg) => { replies.push(msg.data); });
  const tcp = await connect({ servers: server.url, noEcho: true });
  const bridge = natsBridge(bus, tcp, { prefix: "worker", topics: ["ask", "reply"] });
  await tcp.flush();
  for (let n = 0; n < 20; n++) bus.publish("ask", { n, set: new Set([n, "x"]) });
  await until(() => replies.length === 20, "20 replies from the worker", 20_000);
  assert.deepEqual(replies[4], { n: 4, inWorker: true, set: [4, "x"] });
  assert.deepEqual(page.problems, []);
  await bridge.close();
  await tcp.close();
  await page.close();
});

test("a Deno bus over WebSocket answers a Node bus over TCP through nats-server", async () => {
  const dir = workspace("nats-deno");
  const denoDir = mkdtempSync(join(tmpdir(), "wasm-pubsub-deno-"));
  const deno = spawn(join(BIN, "deno"), ["run", "--no-prompt", "--allow-read=node_modules", `--allow-net=127.0.0.1:${server.ports.ws}`,
    join(dir, "main.js"), server.wsUrl], { cwd: app(), env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  deno.stdout.on("data", (chunk) => { out += chunk; });
  deno.stderr.on("data", (chunk) => { err += chunk; });
  const exited = new Promise((resolve) => deno.once("exit", resolve));
  try {
    await until(() => out.includes("ready") || deno.exitCode !== null, "Deno ready", 60_000);
    assert.ok(out.includes("ready"), err);
    const bus = new PubSub();
    for (const topic of ["ask", "reply", "stop"]) bus.createTopic(topic);
    const replies = [];
    bus.subscribe("reply", (msg) => { replies.push(msg); });
    const tcp = await connect({ servers: server.url, noEcho: true });
    const bridge = natsBridge(bus, tcp, { prefix: "deno", topics: ["ask", "reply", "stop"] });
    await tcp.flush();
    for (let n = 0; n < 20; n++) bus.publish("ask", { n, big: BigInt(n) ** 30n }, { attributes: { note: `n=${n} ü` } });
    await until(() => replies.length === 20, "20 replies from Deno", 20_000);
    assert.deepEqual(replies.map((m) => m.data.n), Array.from({ length: 20 }, (_, n) => n));
    assert.equal(replies[5].data.big, 5n ** 30n * 2n);
    assert.equal(replies[5].data.runtime, "deno");
    assert.equal(replies[5].attributes.echo, "n=5 ü");
    bus.publish("stop", null);
    assert.equal(await exited, 0, err);
    assert.equal(JSON.parse(out.trim().split("\n").at(-1)).sent, 20);
    await bridge.close();
    await tcp.close();
  } finally {
    if (deno.exitCode === null) process.kill(deno.pid, "SIGTERM");
    rmSync(denoDir, { recursive: true, force: true });
  }
});
