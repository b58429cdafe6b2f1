// A bus that survives the browser (wasm-pubsub/durable), in Debian's headless Chromium with a
// profile kept across restarts: dead letters in IndexedDB outlive reloads and a browser
// restart with their ids, attempts, reason, error and data; a page on its way out (pagehide)
// dead-letters what it holds into localStorage, which the next load moves to IndexedDB; back
// from the back-forward cache the bus replays it. Every test counts: nothing lost, nothing
// handled twice, every dead letter accounted for.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, app, launchChromium, openPage, staticServer, workspace } from "./harness.mjs";

let server, profile, context;

async function launch() {
  context = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

async function restart() {
  await context.close();
  await launch();
}

/** The fixture page with `?save=mode`, once its bus is made. */
async function load(page, mode) {
  await page.goto(`${server.url}durable/?save=${mode}`);
  await page.waitForFunction(() => window.ready);
  return page;
}

const settled = (page) => page.waitForFunction(() => window.store.stats().pending === 0);

/** The fixture with an empty store (a failed test leaves letters behind). */
async function fresh(page) {
  await load(page, "off");
  await page.evaluate(() => window.bus.purgeDeadLetters());
  await page.waitForTimeout(50);
}

before(async () => {
  workspace("durable");
  server = await staticServer(app());
  profile = mkdtempSync(join(tmpdir(), "wasm-pubsub-durable-"));
  await launch();
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
});

test("dead letters survive a reload and a browser restart, keep their fields, and replay once onto a new subscription of their name", async () => {
  let page = await openPage(context);
  await fresh(page);
  await load(page, "fail");
  const sent = await page.evaluate(async () => {
    const ids = [];
    for (let i = 0; i < 20; i++) {
      const data = { n: i, at: new Date(1e12 + i), tags: new Map([["i", i]]) };
      ids.push(window.bus.publish("orders.eu", data, { attributes: { region: "eu" }, orderingKey: i % 2 ? "odd" : "even" }));
    }
    window.bus.publish("orders.eu", () => "not cloneable");
    return ids;
  });
  await page.waitForFunction(() => window.bus.deadLetters().length === 21);
  await settled(page);
  const stats = await page.evaluate(() => window.store.stats());
  assert.equal(stats.added, 21);
  assert.equal(stats.memoryOnly, 1, "the function cannot be cloned: kept in memory and reported");
  assert.equal(stats.writeErrors, 0);
  console.log(`# IndexedDB write of one dead letter: p50 ${stats.writeMs.p50.toFixed(2)} ms, max ${stats.writeMs.max.toFixed(2)} ms`);

  const check = async (when) => {
    await load(page, "off");
    const restored = await page.evaluate(() => window.restored.map((dl) => ({
      id: dl.message.id, attempts: dl.attempts, reason: dl.reason, error: dl.error.message, region: dl.message.attributes.region,
      key: dl.message.orderingKey, n: dl.message.data.n, at: dl.message.data.at instanceof Date && dl.message.data.at.getTime(),
      tag: dl.message.data.tags.get("i"), subscription: dl.subscription,
    })));
    assert.equal(restored.length, 20, `${when}: every cloneable letter is back`);
    restored.forEach((dl, i) => assert.deepEqual(dl, {
      id: sent[i], attempts: 2, reason: "MAX_ATTEMPTS", error: `gateway down for ${sent[i]}`, region: "eu",
      key: i % 2 ? "odd" : "even", n: i, at: 1e12 + i, tag: i, subscription: "saver",
    }, `${when}: letter ${i}`));
  };
  await check("after a reload");
  await restart();
  page = await openPage(context);
  await check("after a browser restart");
  assert.equal(await page.evaluate(() => window.bus.publish("orders.eu", 0)), sent.at(-1) + 1, "new ids stay above restored ones (the memory-only letter did not outlive the browser)");

  await load(page, "ok");
  await page.waitForFunction(() => window.handled.length >= 20);
  await settled(page);
  assert.equal(await page.evaluate(() => window.replayed), 20);
  assert.deepEqual(await page.evaluate(() => window.handled), sent.map((id) => [id, 1]), "each handled once, same id, attempts from 1");
  await load(page, "off");
  assert.deepEqual(await page.evaluate(() => window.restored.length), 0, "replayed letters left IndexedDB");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("pagehide dead-letters what is queued and in flight into localStorage; the next load moves it to IndexedDB and replays it once", async () => {
  const page = await openPage(context);
  await fresh(page);
  await load(page, "hang");
  const sent = await page.evaluate(() => Array.from({ length: 50 }, (_, i) => window.bus.publish("orders.eu", { n: i })));
  await page.waitForFunction(() => window.bus.metrics().inFlight === 1);
  await page.goto("about:blank");
  const other = await openPage(context);
  await load(other, "off");
  const restored = await other.evaluate(() => ({ ids: window.restored.map((dl) => dl.message.id).sort((a, b) => a - b), reasons: [...new Set(window.restored.map((dl) => dl.reason))], moved: window.store.stats().moved, landing: localStorage.length }));
  assert.deepEqual(restored, { ids: sent, reasons: ["SHUTDOWN"], moved: 50, landing: 0 }, "all 50 saved on the way out, moved, the landing place emptied");
  await load(other, "ok");
  await other.waitForFunction(() => window.handled.length >= 50);
  await settled(other);
  assert.deepEqual(await other.evaluate(() => window.handled.map(([id]) => id).sort((a, b) => a - b)), sent, "each handled once");
  await load(other, "off");
  assert.equal(await other.evaluate(() => window.restored.length), 0);
  assert.deepEqual([...page.problems, ...other.problems], []);
  await page.close();
  await other.close();
});

test("into the back-forward cache: saved but not closed, the bridge closed; on pageshow the letters are replayed and the bridge reopened", async () => {
  const page = await openPage(context);
  await fresh(page);
  await load(page, "hang");
  const result = await page.evaluate(async () => {
    const { bus, store, lifecycle } = window;
    const ids = Array.from({ length: 10 }, (_, i) => bus.publish("orders.eu", { n: i }));
    ids.push(bus.publish("orders.eu", new Map([["not", "json"]])));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const bridgedBefore = lifecycle.stats().bridged;
    dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true }));
    const hidden = { letters: bus.deadLetters().length, landed: JSON.parse(localStorage.getItem("wasm-pubsub.app.landing")).length,
      status: bus.health().status, stats: lifecycle.stats(), atRisk: store.stats().atRisk };
    window.handled = [];
    bus.subscriptions?.();
    dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }));
    const shown = { letters: bus.deadLetters().length, stats: lifecycle.stats(), landing: localStorage.getItem("wasm-pubsub.app.landing") };
    return { ids, bridgedBefore, hidden, shown };
  });
  assert.equal(result.bridgedBefore, true);
  assert.deepEqual(result.hidden, { letters: 11, landed: 10, status: "healthy", atRisk: 1,
    stats: { hidden: 1, evacuated: 11, replayed: 0, closed: false, held: 11, bridged: false } }, "the Map is not JSON: written to IndexedDB, counted at risk");
  assert.deepEqual(result.shown, { letters: 0, landing: null,
    stats: { hidden: 1, evacuated: 11, replayed: 11, closed: false, held: 0, bridged: true } });
  await settled(page);
  await page.waitForTimeout(50);
  const after = await page.evaluate(async () => {
    const { bus, lifecycle } = window;
    const db = await new Promise((resolve) => { indexedDB.open("wasm-pubsub.app").onsuccess = (e) => resolve(e.target.result); });
    const stored = await new Promise((resolve) => { db.transaction("letters").objectStore("letters").count().onsuccess = (e) => resolve(e.target.result); });
    db.close();
    const { queued, inFlight } = bus.metrics();
    lifecycle.detach();
    return { stored, onTheSubscription: queued + inFlight };
  });
  assert.deepEqual(after, { stored: 0, onTheSubscription: 11 }, "replayed: back on the subscription, out of IndexedDB and localStorage");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a real back-forward cache round trip: restored with its bus, the letters replayed once; a message on the lifecycle's channel does not evict it, one on a raw bridge's channel does and the next load restores them", async () => {
  const { context: cached, close } = await launchChromium({ backForwardCache: true });
  try {
    const page = await openPage(cached);
    for (const raw of [false, true]) {
      await page.goto(`${server.url}durable/?save=off`);
      await page.waitForFunction(() => window.ready);
      await page.evaluate(() => window.bus.purgeDeadLetters());
      await page.goto(`${server.url}durable/?save=hang${raw ? "&raw" : ""}`);
      await page.waitForFunction(() => window.ready);
      const sent = await page.evaluate(() => { window.marker = "the same document"; return [1, 2, 3, 4, 5].map((n) => window.bus.publish("orders.eu", n)); });
      await page.goto(`${server.url}durable/away.html`);
      const other = await openPage(cached, `${server.url}durable/away.html`);
      await other.evaluate((name) => { const c = new BroadcastChannel(name); c.postMessage({ hello: 1 }); c.close(); }, raw ? "app-raw" : "app");
      await other.close();
      await page.goBack({ waitUntil: "commit" }); // a page restored from the cache fires no load
      await page.waitForFunction(() => window.ready);
      await page.waitForTimeout(100);
      const state = await page.evaluate(() => {
        const { queued, inFlight } = window.bus.metrics();
        return { marker: window.marker, held: queued + inFlight, letters: window.bus.deadLetters().length, lifecycle: window.lifecycle.stats(), restored: window.restored.map((dl) => dl.message.id) };
      });
      if (!raw) {
        assert.deepEqual(state, { marker: "the same document", held: 5, letters: 0, restored: [],
          lifecycle: { hidden: 1, evacuated: 5, replayed: 5, closed: false, held: 0, bridged: true } }, "cached: saved, not closed, replayed once, the bridge reopened");
      } else {
        assert.equal(state.marker, undefined, "the raw bridge's message evicted the page from the cache: a new load");
        assert.deepEqual(state.restored.sort((a, b) => a - b), sent, "the new load restored every letter the old page evacuated");
        assert.equal(state.held, 5, "and replayed each once");
      }
    }
    assert.deepEqual(page.problems, []);
  } finally {
    await close();
  }
});
