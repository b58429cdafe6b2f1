// The packed package in a Vite build, served by `vite preview` on 127.0.0.1 and opened in
// Debian's headless Chromium: a page that imports "wasm-pubsub", and a page whose dedicated
// module worker imports it. Both answer one publish/subscribe round. And the same without a
// bundler: the installed package served as plain files, its name mapped by an import map.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { app, buildBrowserApp, expectedRound, HERE, launchChromium, openPage, previewServer, ROOT, staticServer, workspace } from "./harness.mjs";

let dir, server, browser;

before(async () => {
  dir = await buildBrowserApp();
  server = await previewServer(dir);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("Vite bundles the package: the .wasm is emitted as an asset and the browser entry is used", () => {
  const assets = readdirSync(join(dir, "dist", "assets"));
  assert.ok(assets.some((f) => /^wasm_pubsub_bg-.*\.wasm$/.test(f)), `no hashed .wasm among ${assets}`);
  const code = assets.filter((f) => f.endsWith(".js"))
    .map((f) => readFileSync(join(dir, "dist", "assets", f), "utf8")).join("\n");
  assert.match(code, /module_or_path/, "the browser entry's async init is in the bundle");
  assert.doesNotMatch(code, /readFileSync/, "a Node or Deno entry was bundled for the browser");
});

test("a page built by Vite imports the package and answers a round", async () => {
  const page = await openPage(browser.context, server.url);
  const result = await (await page.waitForFunction(() => window.roundResult)).jsonValue();
  assert.deepEqual(result, expectedRound("page"));
  assert.match(await page.textContent("#result"), /"acked":4/);
  assert.equal(await page.evaluate(() => window.readmeBus.health().status), "healthy", "the README's bundler snippet ran");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a dedicated module worker imports the package and answers a round", async () => {
  const page = await openPage(browser.context, `${server.url}worker.html`);
  const result = await page.evaluate(() => window.roundResult);
  assert.deepEqual(result, { ...expectedRound("worker"), inWorker: true });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("without a bundler, an import map to the installed package's browser entry works", async () => {
  workspace("nobundler");
  const plain = await staticServer(app());
  try {
    const page = await openPage(browser.context, `${plain.url}nobundler/`);
    // The module runs after the package's top-level await, possibly after the load event.
    await page.waitForFunction(() => window.roundResult);
    const result = await page.evaluate(() => window.roundResult);
    assert.deepEqual(result, expectedRound("importmap"));
    assert.equal(await page.evaluate(() => window.readmeBus.topics().length), 0, "the README's import-map snippet ran");
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await plain.close();
  }
});

test("without a bundler, a module worker imports the package by its path (the page's import map does not reach it)", async () => {
  const fixture = readFileSync(join(HERE, "nobundler", "worker.js"), "utf8");
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.ok(readme.includes(fixture.slice(0, fixture.indexOf("// ↑")).trimEnd()), "README holds the worker snippet verbatim");
  workspace("nobundler");
  const plain = await staticServer(app());
  try {
    const page = await openPage(browser.context, `${plain.url}nobundler/worker.html`);
    await page.waitForFunction(() => window.answer);
    assert.deepEqual(await page.evaluate(() => window.answer("./worker.js")), expectedRound("worker function"));
    const bare = await page.evaluate(() => window.answer("./bare-worker.js"));
    assert.ok(bare?.error !== undefined, `a bare "wasm-pubsub" in a worker: ${JSON.stringify(bare)}`);
    await page.close();
  } finally {
    await plain.close();
  }
});

test("in Chromium: the page's own timers work as the clock, and a stack overflow halts only its bus", async () => {
  workspace("nobundler");
  const plain = await staticServer(app());
  try {
    const page = await openPage(browser.context, `${plain.url}nobundler/`);
    await page.waitForFunction(() => window.roundResult);
    const result = await page.evaluate(async () => {
      const { PubSub } = await import("wasm-pubsub");
      const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      const timed = new PubSub({ clock: { now: Date.now, setTimeout, clearTimeout }, autoCreateTopics: true });
      timed.subscribe("t", () => new Promise(() => {}), { ackTimeoutMs: 5, maxDeliveryAttempts: 1 });
      timed.publish("t", 1);
      await pause(100);
      const timers = { deadLettered: timed.metrics().deadLettered, clockErrors: timed.health().clockErrors };
      const other = new PubSub({ autoCreateTopics: true });
      let got = 0;
      other.subscribe("x", () => { got++; });
      const victim = new PubSub({ autoCreateTopics: true });
      victim.createTopic("t");
      const walk = () => { victim.subscribe("t", () => {}).unsubscribe(); walk(); };
      try { walk(); } catch { /* the overflow */ }
      let after;
      try { victim.publish("t", 1); after = "working"; } catch (error) { after = `${error.name} ${error.code}`; }
      other.publish("x", 1);
      await pause(10);
      return { timers, after, got };
    });
    assert.deepEqual(result.timers, { deadLettered: 1, clockErrors: 0 }, "the ack timeout fired on the page's setTimeout");
    assert.ok(["working", "PubSubError CLOSED"].includes(result.after), result.after);
    assert.equal(result.got, 1, "the other bus delivered");
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await plain.close();
  }
});
