// The cross-context bridge between real Chromium contexts of one origin (the packed package,
// built by Vite): pages over BroadcastChannel both ways without echo, a page and a dedicated
// worker over a MessagePort, malformed input rejected and counted, and rings and meshes of
// three pages that deliver each message exactly once per bus.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { buildBrowserApp, HERE, launchChromium, openPage, previewServer, ROOT, sleep, until } from "./harness.mjs";

let server, browser;
const pages = [];

before(async () => {
  server = await previewServer(await buildBrowserApp());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens a bridge peer page named NAME. */
async function peer(name) {
  const page = await openPage(browser.context, `${server.url}bridge.html?peer=${name}`);
  await page.waitForSelector("body[data-ready=true]");
  pages.push(page);
  return page;
}

const received = (page) => page.evaluate(() => window.peer.received);
const stats = (page) => page.evaluate(() => window.peer.stats());

/** Waits until every page has received `count` messages, then a little longer for strays. */
async function settled(list, count) {
  await until(async () => {
    for (const page of list) if ((await received(page)).length < count) return false;
    return true;
  }, { what: `${count} messages on every page` });
  await sleep(300);
}

/** The received messages of a page, as "topic data" strings, sorted. */
async function lines(page) {
  return (await received(page)).map((m) => `${m.topic} ${JSON.stringify(m.data)}`).sort();
}

async function closeAll() {
  for (const page of pages.splice(0)) {
    assert.deepEqual(page.problems, [], `problems in ${page.url()}`);
    await page.close();
  }
}

test("two pages exchange messages both ways over a BroadcastChannel, each seen once, no echo", async () => {
  const [a, b] = [await peer("a"), await peer("b")];
  await a.evaluate(() => window.peer.channel("two-pages"));
  await b.evaluate(() => window.peer.channel("two-pages"));
  await a.evaluate(() => window.peer.publish("chat.room", { from: "a", n: 1 }, { attributes: { lang: "en" }, orderingKey: "a" }));
  await b.evaluate(() => window.peer.publish("chat.room", { from: "b", n: 2 }));
  await settled([a, b], 2);
  const expected = ['chat.room {"from":"a","n":1}', 'chat.room {"from":"b","n":2}'];
  assert.deepEqual(await lines(a), expected);
  assert.deepEqual(await lines(b), expected);
  const fromA = (await received(b)).find((m) => m.data.from === "a");
  assert.deepEqual(fromA.attributes, { lang: "en" }, "attributes cross the bridge");
  assert.equal(fromA.orderingKey, "a", "the ordering key crosses the bridge");
  assert.deepEqual(await stats(a), { "two-pages": { sent: 1, received: 1, rejected: 0, sendErrors: 0, duplicates: 0 } });
  assert.deepEqual(await stats(b), { "two-pages": { sent: 1, received: 1, rejected: 0, sendErrors: 0, duplicates: 0 } });
  await closeAll();
});

test("data the channel cannot clone is published locally and counted in sendErrors", async () => {
  const [a, b] = [await peer("a"), await peer("b")];
  await a.evaluate(() => window.peer.channel("clone"));
  await b.evaluate(() => window.peer.channel("clone"));
  const outcome = await a.evaluate(() => {
    const id = window.peer.publish("local.only", () => "a function cannot be cloned");
    return { id, stats: window.peer.stats().clone };
  });
  assert.ok(outcome.id > 0, "the local publish succeeded");
  assert.deepEqual(outcome.stats, { sent: 0, received: 0, rejected: 0, sendErrors: 1, duplicates: 0 });
  await a.evaluate(() => window.peer.publish("after.that", "cloneable"));
  await settled([b], 1);
  assert.deepEqual(await lines(b), ['after.that "cloneable"']);
  const logged = await a.evaluate(() => window.peer.logs.filter((r) => r.event === "bridge.sendFailed").length);
  assert.equal(logged, 1);
  await settled([a], 2);
  await closeAll();
});

test("a bridge's topics option limits what it carries, both ways", async () => {
  const [a, b] = [await peer("a"), await peer("b")];
  await a.evaluate(() => window.peer.channel("filtered"));
  await b.evaluate(() => window.peer.channel("filtered", ["chat.>"]));
  await a.evaluate(() => {
    window.peer.publish("chat.lobby", "carried");
    window.peer.publish("audit.login", "not carried");
  });
  await b.evaluate(() => window.peer.publish("audit.local", "stays in b"));
  await settled([b], 2);
  assert.deepEqual(await lines(b), ['audit.local "stays in b"', 'chat.lobby "carried"']);
  assert.deepEqual(await lines(a), ['audit.login "not carried"', 'chat.lobby "carried"']);
  await closeAll();
});

test("a page and a dedicated worker bridged through a MessagePort carry messages both ways", async () => {
  const page = await peer("main");
  await page.evaluate(() => window.peer.startWorker());
  await page.evaluate(() => window.peer.publish("jobs.page", "from the page"));
  await page.evaluate(() => window.peer.workerPublish("jobs.worker", "from the worker"));
  await settled([page], 2);
  const inWorker = await until(async () => {
    const list = await page.evaluate(() => window.peer.workerReceived());
    return list.length >= 2 && list;
  }, { what: "2 messages in the worker" });
  await sleep(200);
  const expected = [{ topic: "jobs.page", data: "from the page" }, { topic: "jobs.worker", data: "from the worker" }];
  const sort = (list) => list.map(({ topic, data }) => ({ topic, data })).sort((x, y) => x.topic.localeCompare(y.topic));
  assert.deepEqual(sort(await received(page)), expected);
  assert.deepEqual(sort(await page.evaluate(() => window.peer.workerReceived())), expected);
  assert.equal(inWorker.length, 2);
  assert.deepEqual(await stats(page), { worker: { sent: 1, received: 1, rejected: 0, sendErrors: 0, duplicates: 0 } });
  assert.deepEqual(await page.evaluate(() => window.peer.workerStats()), { sent: 1, received: 1, rejected: 0, sendErrors: 0, duplicates: 0 });
  await closeAll();
});

/** The part of a fixture above its "// ↑" line: a README snippet, verbatim. */
function snippet(fixture) {
  const text = readFileSync(join(HERE, "browser-app", fixture), "utf8");
  return text.slice(0, text.indexOf("// ↑"));
}

test("the README's worker bridge, as written: what the page publishes at once reaches the loading worker, and back", async (t) => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const fixture of ["readme-page.js", "worker.js"]) {
    assert.ok(readme.includes(snippet(fixture).trimEnd()), `README holds ${fixture}'s snippet verbatim`);
  }
  const page = await openPage(browser.context, `${server.url}readme-worker.html`);
  await until(() => page.evaluate(() => window.echoes?.length >= 2), { what: "2 echoes from the worker" });
  await sleep(200);
  const echoes = await page.evaluate(() => window.echoes);
  assert.deepEqual(echoes.map(({ topic, data }) => ({ topic, data })),
    [{ topic: "done.worker", data: { n: 1 } }, { topic: "done.worker", data: { n: 2 } }]);
  t.diagnostic(`first echo ${echoes[0].at.toFixed(0)} ms after navigation`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("malformed incoming messages are rejected, counted and logged, never thrown into the page", async () => {
  const [a, b] = [await peer("a"), await peer("b")];
  await a.evaluate(() => window.peer.channel("hostile"));
  const bad = [
    null,
    "a string",
    42,
    { hello: "world" },
    { "wasm-pubsub": 2, origin: "x", id: 1, topic: "t", data: 1, attributes: {}, publishedAt: 0 },
    { "wasm-pubsub": 1, origin: "", id: 1, topic: "t", data: 1, attributes: {}, publishedAt: 0 },
    { "wasm-pubsub": 1, origin: "x", id: -1, topic: "t", data: 1, attributes: {}, publishedAt: 0 },
    { "wasm-pubsub": 1, origin: "x", id: 2, topic: "bad..topic", data: 1, attributes: {}, publishedAt: 0 },
    { "wasm-pubsub": 1, origin: "x", id: 3, topic: 7, data: 1, attributes: {}, publishedAt: 0 },
    { "wasm-pubsub": 1, origin: "x", id: 4, topic: "t", data: 1, attributes: { n: 5 }, publishedAt: 0 },
    { "wasm-pubsub": 1, origin: "x", id: 5, topic: "t", data: 1, attributes: {}, orderingKey: 9, publishedAt: 0 },
    { "wasm-pubsub": 1, origin: "x", id: 6, topic: "t", data: "x".repeat(2 * 1024 * 1024), attributes: {}, publishedAt: 0 },
    { "wasm-pubsub": 1, origin: "x", id: 7, hops: 33, topic: "t", data: 1, attributes: {}, publishedAt: 0 },
  ];
  await b.evaluate((values) => {
    for (const value of values) window.peer.postRaw("hostile", value);
  }, bad);
  // Built in the page: a 30M-character topic, rejected before it is copied into wasm memory.
  await b.evaluate(() => window.peer.postRaw("hostile",
    { "wasm-pubsub": 1, origin: "x", id: 8, topic: "x".repeat(30_000_000), data: 1, attributes: {}, publishedAt: 0 }));
  bad.push("a 30M-character topic");
  await until(async () => (await stats(a)).hostile.rejected === bad.length, { what: `${bad.length} rejections` });
  // A well-formed message from a plain BroadcastChannel is still accepted afterwards.
  await b.evaluate(() => window.peer.postRaw("hostile",
    { "wasm-pubsub": 1, origin: "plain", id: 1, topic: "ok.topic", data: "fine", attributes: {}, publishedAt: 0 }));
  await settled([a], 1);
  assert.deepEqual(await lines(a), ['ok.topic "fine"']);
  assert.deepEqual(await stats(a), { hostile: { sent: 0, received: 1, rejected: bad.length, sendErrors: 0, duplicates: 0 } });
  const logged = await a.evaluate(() => window.peer.logs.filter((r) => r.event === "bridge.rejected"));
  assert.equal(logged.length, bad.length, "each rejection is logged");
  for (const record of logged) {
    assert.equal(record.level, "warn");
    assert.equal(typeof record.code, "string");
    assert.doesNotMatch(JSON.stringify(record), /xxxx/, "a log record never carries data");
  }
  assert.equal(await a.evaluate(() => window.peer.publish("still.works", 1)) > 0, true);
  assert.deepEqual(a.problems, [], "nothing was thrown into the page");
  await closeAll();
});

test("three pages in a ring deliver each message exactly once per bus", async () => {
  const [a, b, c] = [await peer("a"), await peer("b"), await peer("c")];
  // a—b, b—c, c—a: every message has two ways round the ring to each page.
  await a.evaluate(() => { window.peer.channel("ring-ab"); window.peer.channel("ring-ca"); });
  await b.evaluate(() => { window.peer.channel("ring-ab"); window.peer.channel("ring-bc"); });
  await c.evaluate(() => { window.peer.channel("ring-bc"); window.peer.channel("ring-ca"); });
  for (const [page, name] of [[a, "a"], [b, "b"], [c, "c"]]) {
    await page.evaluate((from) => {
      for (let n = 1; n <= 3; n++) window.peer.publish(`ring.${from}`, n);
    }, name);
  }
  await settled([a, b, c], 9);
  const expected = ["a", "b", "c"].flatMap((from) => [1, 2, 3].map((n) => `ring.${from} ${n}`)).sort();
  for (const page of [a, b, c]) assert.deepEqual(await lines(page), expected, `page ${page.url()}`);
  await closeAll();
});

test("four pages in a mesh (one shared channel plus pairwise ones) deliver exactly once per bus", async () => {
  const names = ["a", "b", "c", "d"];
  const list = [];
  for (const name of names) list.push(await peer(name));
  for (const [i, page] of list.entries()) {
    await page.evaluate(({ me, others }) => {
      window.peer.channel("mesh-all");
      for (const other of others) window.peer.channel(`mesh-${[me, other].sort().join("")}`);
    }, { me: names[i], others: names.filter((n) => n !== names[i]) });
  }
  for (const [i, page] of list.entries()) {
    await page.evaluate((from) => window.peer.publish(`mesh.${from}`, from), names[i]);
  }
  await settled(list, names.length);
  const expected = names.map((n) => `mesh.${n} "${n}"`).sort();
  for (const page of list) {
    assert.deepEqual(await lines(page), expected, `page ${page.url()}`);
    assert.equal((await page.evaluate(() => window.peer.metrics())).published, names.length);
  }
  await closeAll();
});
