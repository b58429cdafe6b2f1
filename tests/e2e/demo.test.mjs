// The demo dashboard (www/, served with pkg/ by pkg-scripts/serve.mjs) driven in Debian's
// headless Chromium as a person would: type, click, read the page. A failing handler gives
// retries, then a dead letter and an open breaker on the timeline; switching it back closes
// the breaker; replay delivers; a hanging handler and a slow one meet the close, whose report
// is shown; two tabs bridged show each other's messages with their origin; two tabs sharing a
// subscription handle each message in one of them, and the one left leads. A second page,
// untouched until then, proves the pre-filled forms, the API calls beside the buttons, the
// charts (two screenshots, seconds apart, show them move) and the latency reset.
// Screenshots go to artifacts/demo-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { serve } from "../../pkg-scripts/serve.mjs";
import { ARTIFACTS, launchChromium, openPage, until } from "./harness.mjs";

let server, browser, page;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await serve({ port: 0 });
  browser = await launchChromium();
  page = await openPage(browser.context, server.url);
  await page.waitForSelector("body[data-ready=true]");
});

after(async () => {
  await page?.screenshot({ path: join(ARTIFACTS, "demo-last.png"), fullPage: true, animations: "disabled" }).catch(() => {});
  await browser?.close();
  server?.close();
});

const card = (name) => `#subscriptions li[data-name="${name}"]`;
const metric = async (name) => Number(await page.textContent(`#metrics dd[data-metric=${name}]`));
/** Log lines of deliveries of message ID (at ATTEMPT, when given). */
const deliveries = (id, attempt) =>
  page.locator(`#log li.delivery[data-id="${id}"]${attempt ? `[data-attempt="${attempt}"]` : ""}`);

async function publish(topic, data, attributes = "") {
  await page.fill("#pub-topic", topic);
  await page.fill("#pub-data", data);
  await page.fill("#pub-attributes", attributes);
  await page.click("#publish");
  return Number(await page.locator("#log li.published").last().getAttribute("data-id"));
}

async function subscribe(pattern, name, behaviour = "ack") {
  await page.fill("#sub-pattern", pattern);
  await page.fill("#sub-name", name);
  await page.selectOption("#sub-behaviour", behaviour);
  await page.click("#subscribe");
  await page.waitForSelector(`${card(name)}[data-state=active]`);
}

async function setMode(name, mode) {
  await page.click(`${card(name)} .segmented button[data-mode=${mode}]`);
  await page.waitForSelector(`${card(name)}[data-mode=${mode}] button[data-mode=${mode}][aria-pressed=true]`);
}

test("the console starts ready and healthy, showing its short delivery timings", async () => {
  assert.equal(await page.textContent("#status"), "ready");
  assert.equal(await page.getAttribute("#health", "data-status"), "healthy");
  const config = await page.textContent("#config");
  for (const part of ["3 attempts", "backoff 250 ms", "ack timeout 2 s", "after 3 failures", "after 3 s"]) {
    assert.ok(config.includes(part), `config ${JSON.stringify(config)} lacks ${part}`);
  }
  assert.deepEqual(page.problems, []);
});

test("create a topic, subscribe, publish: the delivery is logged and counted", async () => {
  await page.fill("#topic-name", "payments");
  await page.click("#create-topic");
  await page.waitForSelector('#topics li[data-topic="payments"]');
  await subscribe("payments", "charge");
  const id = await publish("payments", '{"amount": 10}', "currency=EUR");
  const line = deliveries(id, 1);
  await line.waitFor();
  const text = await line.textContent();
  for (const part of ["payments", "seq 1", "attempt 1", "charge", "currency=EUR", '{"amount": 10}']) {
    assert.ok(text.includes(part), `delivery line ${JSON.stringify(text)} lacks ${part}`);
  }
  // JSON data is shown parsed: highlighted keys and values, not the raw text.
  assert.equal(await line.locator('.data[data-json="true"] .json-key').textContent(), '"amount": ');
  assert.equal(await line.locator('.data[data-json="true"] .json-number').textContent(), "10");
  await page.waitForFunction(() => document.querySelector("#metrics dd[data-metric=acked]").textContent === "1");
  assert.match(await page.textContent(`${card("charge")} .counters`), /acked 1/);
});

test("a failing handler is retried, then dead-lettered, and its breaker opens", async () => {
  await setMode("charge", "fail");
  const id = await publish("payments", "poison");
  await deliveries(id, 3).waitFor();
  assert.equal(await deliveries(id).count(), 3, "attempts 1, 2 and 3");
  assert.equal(await page.locator(`#log li.failed[data-id="${id}"][data-code=HANDLER_ERROR]`).count(), 3);
  const letter = page.locator(`#dead-letters li[data-id="${id}"]`);
  await letter.waitFor();
  assert.equal(await letter.getAttribute("data-reason"), "MAX_ATTEMPTS");
  assert.equal(await letter.getAttribute("data-attempts"), "3");
  assert.match(await letter.textContent(), /HANDLER_ERROR: charge is set to fail/);
  assert.equal(await page.textContent("#dl-count"), "1");
  await page.waitForSelector(`${card("charge")}[data-breaker=open]`);
  assert.match(await page.textContent(`${card("charge")} .badge.breaker`), /breaker open/);
  await page.waitForSelector("#health[data-status=degraded]");
  await page.waitForSelector('#log li.breaker[data-breaker=open][data-subscription="charge"]');
  // The timeline shows the breaker closed, then open, now.
  const row = page.locator('#breakers li[data-name="charge"]');
  await page.waitForSelector('#breakers li[data-name="charge"][data-state=open] .band[data-state=open]');
  assert.deepEqual(await row.locator(".band").evaluateAll((bands) => bands.map((b) => b.dataset.state)), ["closed", "open"]);
  assert.equal(await row.locator(".now").textContent(), "open");
  assert.equal(await metric("retried"), 2);
  assert.equal(await metric("deadLettered"), 1);
  // While the breaker is open a new message waits in the queue: nothing is delivered or lost.
  const waiting = await publish("payments", "waits for the breaker");
  await page.waitForFunction(() => document.querySelector("#metrics dd[data-metric=queued]").textContent === "1");
  assert.equal(await deliveries(waiting).count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, "demo-breaker-open.png"), fullPage: true, animations: "disabled" });
  test.waiting = waiting;
});

test("switching the handler back: the breaker half-opens, its trial succeeds, it closes", async () => {
  await setMode("charge", "ack");
  await page.waitForSelector(`${card("charge")}[data-breaker=closed]`, { timeout: 10_000 });
  await deliveries(test.waiting, 1).waitFor();
  await page.waitForSelector('#log li.breaker[data-breaker=halfOpen][data-subscription="charge"]');
  await page.waitForSelector('#log li.breaker[data-breaker=closed][data-subscription="charge"]');
  await page.waitForSelector("#health[data-status=healthy]");
  const bands = await page.locator('#breakers li[data-name="charge"] .band').evaluateAll((all) => all.map((b) => b.dataset.state));
  assert.deepEqual(bands, ["closed", "open", "halfOpen", "closed"]);
  assert.equal(await metric("queued"), 0);
});

test("replaying the dead letter delivers it again, from attempt 1", async () => {
  const id = Number(await page.getAttribute("#dead-letters li", "data-id"));
  await page.click("#replay-all");
  await page.waitForSelector("#log li.replayed[data-count='1']");
  await page.waitForFunction((n) => document.querySelectorAll(`#log li.delivery[data-id="${n}"][data-attempt="1"]`).length === 2, id);
  await page.waitForFunction(() => document.querySelector("#dl-count").textContent === "0");
  assert.equal(await page.locator("#dead-letters li").count(), 0);
  assert.equal(await metric("acked"), 3);
});

test("a batch publish delivers every message in order", async () => {
  await page.fill("#pub-data", "batch");
  await page.fill("#batch-size", "4");
  await page.click("#publish-batch");
  await page.waitForSelector("#log li.published[data-batch='4']");
  await page.waitForFunction(() => document.querySelector("#metrics dd[data-metric=acked]").textContent === "7");
  const lines = await page.locator("#log li.delivery[data-subscription=charge]").allTextContents();
  const batch = lines.filter((l) => l.includes("batch (")).map((l) => l.match(/batch \((\d)\/4\)/)[1]);
  assert.deepEqual(batch, ["1", "2", "3", "4"]);
});

test("errors show their code, and pause and resume change the state", async () => {
  await page.fill("#topic-name", "bad..name");
  await page.click("#create-topic");
  await page.waitForSelector("#log li.error[data-code=INVALID_TOPIC_NAME]");
  await page.click(`${card("charge")} button.pause`);
  await page.waitForSelector(`${card("charge")}[data-state=paused]`);
  await page.click(`${card("charge")} button.pause`);
  await page.waitForSelector(`${card("charge")}[data-state=active]`);
});

test("close: a slow handler drains, a hanging one is dead-lettered, and the report says so", async () => {
  await subscribe("payments", "audit", "slow");
  await setMode("charge", "hang");
  const id = await publish("payments", "last one");
  await deliveries(id).nth(1).waitFor(); // both handlers have it
  await page.fill("#drain-ms", "1500");
  await page.click("#close-bus");
  const report = page.locator("#close-report");
  await report.waitFor({ state: "visible", timeout: 10_000 });
  assert.equal(await report.getAttribute("data-drained"), "1");
  assert.equal(await report.getAttribute("data-dead-lettered"), "1");
  assert.match(await report.textContent(), /1 settled, 1 dead-lettered/);
  assert.match(await report.textContent(), /Nothing lost: .* ✓/);
  await page.waitForSelector("#health[data-status=closed]");
  const letter = page.locator(`#dead-letters li[data-id="${id}"][data-subscription="charge"]`);
  await letter.waitFor();
  assert.equal(await letter.getAttribute("data-reason"), "SHUTDOWN");
  assert.equal(await page.isDisabled("#publish"), true, "the forms are disabled once closed");
  await page.screenshot({ path: join(ARTIFACTS, "demo-closed.png"), fullPage: true, animations: "disabled" });
});

test("a new bus starts empty and works", async () => {
  await page.click("#new-bus");
  await page.waitForSelector("#status.ready:visible");
  await page.waitForSelector("#health[data-status=healthy]");
  assert.equal(await page.locator("#subscriptions li").count(), 0);
  assert.equal(await page.locator("#topics li").count(), 0);
  await page.click("#clear-log");
  await page.click("#quick-start");
  await page.waitForSelector(`${card("charge")}[data-state=active]`);
  const id = await publish("payments", "fresh");
  assert.equal(id, 1, "message ids start again on a new bus");
  await deliveries(id, 1).waitFor();
  assert.deepEqual(page.problems, []);
});

test("two tabs sharing over a BroadcastChannel see each other's messages once", async () => {
  const other = await openPage(browser.context, server.url);
  await other.waitForSelector("body[data-ready=true]");
  await other.click("#quick-start");
  for (const p of [page, other]) await p.check("#bridge-tabs");
  const id = await publish("payments", "from the first tab");
  await other.waitForSelector('#log li.delivery[data-subscription="charge"] >> text=from the first tab');
  await other.waitForTimeout(300);
  assert.equal(await other.locator("#log li.delivery >> text=from the first tab").count(), 1);
  // The other tab shows where the message came from (msg.origin); this tab's own copy has none.
  const bridged = other.locator("#log li.delivery", { hasText: "from the first tab" });
  assert.match(await bridged.getAttribute("data-origin"), /^[0-9a-f]{24}$/);
  assert.equal(await bridged.getAttribute("data-origin-id"), String(id));
  assert.match(await bridged.textContent(), new RegExp(`from tab [0-9a-f]{8} #${id} · 1 hop`));
  assert.equal(await deliveries(id).first().getAttribute("data-origin"), null);
  await other.fill("#pub-topic", "orders.eu");
  await other.fill("#pub-data", "from the second tab");
  await other.click("#publish");
  const back = page.locator('#log li.delivery[data-subscription="audit"]', { hasText: "from the second tab" });
  await back.waitFor();
  assert.match(await back.textContent(), /from tab [0-9a-f]{8} #\d+ · 1 hop/);
  await page.waitForFunction(() => /sent 1 · received 1 · rejected 0/.test(document.querySelector("#bridge-stats").textContent));
  assert.ok(id > 0);
  assert.deepEqual(other.problems, []);
  assert.deepEqual(page.problems, []);
  await other.close();
});

test("dead letters outlive their tab: another tab restores them from IndexedDB, replays each once, and they leave the store", async () => {
  await setMode("charge", "fail");
  const id = await publish("payments", "kept in IndexedDB");
  await page.locator(`#dead-letters li[data-id="${id}"]`).waitFor();
  await page.waitForFunction(() => /^IndexedDB: \d+ written/.test(document.querySelector("#durable").textContent));
  await page.waitForFunction(() => window.bus && document.querySelector("#durable").dataset.memoryOnly === "0");
  await setMode("charge", "ack");
  const other = await openPage(browser.context, server.url);
  await other.waitForSelector("body[data-ready=true]");
  const restored = other.locator(`#dead-letters li[data-id="${id}"][data-subscription="charge"]`);
  await restored.waitFor();
  assert.equal(await restored.getAttribute("data-reason"), "MAX_ATTEMPTS");
  assert.equal(await restored.getAttribute("data-attempts"), "3", "restored with its attempts");
  const held = Number(await other.getAttribute("#log li.restored", "data-count"));
  assert.ok(held >= 1, "the log says how many came back");
  await other.click("#quick-start");
  await other.waitForSelector(`${card("charge")}[data-state=active]`);
  await other.click("#replay-all");
  await other.waitForSelector(`#log li.replayed[data-count='${held}']`);
  await other.locator(`#log li.delivery[data-id="${id}"][data-attempt="1"]`).waitFor();
  await other.waitForTimeout(300);
  assert.equal(await other.locator(`#log li.delivery[data-id="${id}"]`).count(), 1, "handled once, in the other tab");
  await other.screenshot({ path: join(ARTIFACTS, "demo-durable-other-tab.png"), fullPage: true, animations: "disabled" });
  await other.reload();
  await other.waitForSelector("body[data-ready=true]");
  assert.equal(await other.locator("#dead-letters li").count(), 0, "replayed letters left IndexedDB");
  assert.deepEqual(other.problems, []);
  await other.close();
  await page.click("#purge"); // this tab still held its copy in memory (one store per set of tabs)
  assert.deepEqual(page.problems, []);
});

test("two tabs share a subscription: each message is handled in one tab only, and when the leader's tab closes the other takes over", async () => {
  const tabs = [];
  for (let i = 0; i < 2; i++) {
    const tab = await openPage(browser.context, server.url);
    await tab.waitForSelector("body[data-ready=true]");
    await tab.check("#bridge-tabs");
    await tab.waitForSelector("#sub-shared:enabled");
    await tab.fill("#sub-pattern", "jobs");
    await tab.fill("#sub-name", "runner");
    await tab.fill("#sub-shared", "runners");
    assert.equal(await tab.textContent("#api-subscribe"), 'bus.subscribe("jobs", (msg) => {}, { name: "runner", shared: "runners" })');
    await tab.click("#subscribe");
    await tab.waitForSelector(`${card("runner")}[data-state=active]`);
    tabs.push(tab);
  }
  const role = (tab) => tab.getAttribute(card("runner"), "data-role");
  await until(async () => [...await Promise.all(tabs.map(role))].sort().join() === "follower,leader", { what: "a leader and a follower" });
  const [leader, follower] = (await role(tabs[0])) === "leader" ? tabs : [tabs[1], tabs[0]];
  assert.match(await leader.textContent(`${card("runner")} .badge.shared`), /^runners: leader · epoch \d+ · holding 0$/);
  assert.match(await follower.textContent(`${card("runner")} .badge.shared`), /^runners: follower · epoch \d+ · holding \d+$/);
  await follower.waitForSelector("#log li.shared[data-role=follower] >> text=another tab handles each message");

  /** The data of the deliveries to "runner" logged in each tab. */
  const handled = (tab) => tab.locator('#log li.delivery[data-shared="runners"] .data').allTextContents();
  const batch = async (tab, data, size) => {
    await tab.fill("#pub-topic", "jobs");
    await tab.fill("#pub-data", data);
    await tab.fill("#batch-size", String(size));
    await tab.click("#publish-batch");
  };
  const expected = (data, size) => Array.from({ length: size }, (_, i) => `${data} (${i + 1}/${size})`).sort();

  // Published in the follower's tab: the leader's tab handles every message, the follower's acks its copies.
  await batch(follower, "job", 20);
  await until(async () => (await handled(leader)).length + (await handled(follower)).length >= 20, { what: "20 deliveries" });
  await until(async () => (await follower.getAttribute(card("runner"), "data-holding")) === "0", { what: "no copy held" });
  await follower.waitForTimeout(500);
  const first = [...await handled(leader), ...await handled(follower)];
  assert.deepEqual(first.sort(), expected("job", 20), "each message handled once, across the two tabs");
  assert.equal((await handled(leader)).length, 20, "all in the leader's tab");
  assert.match(await leader.locator('#log li.delivery[data-shared="runners"]').first().textContent(),
    /from tab [0-9a-f]{8} #\d+ · 1 hop · handled in this tab \(leader of runners, epoch \d+\)/);
  await follower.waitForSelector('#log li.shared[data-settled] >> text=handled in another tab, the leader of runners');
  assert.equal(await leader.getAttribute(card("runner"), "data-role"), "leader");
  assert.equal(await follower.getAttribute(card("runner"), "data-role"), "follower");
  assert.match(await follower.textContent(`${card("runner")} .counters`), /handled here 0 · by the leader 20 · taken over 0/);
  await leader.screenshot({ path: join(ARTIFACTS, "demo-shared-leader.png"), fullPage: true, animations: "disabled" });
  await follower.screenshot({ path: join(ARTIFACTS, "demo-shared-follower.png"), fullPage: true, animations: "disabled" });
  const epoch = Number(await leader.getAttribute(card("runner"), "data-epoch"));
  assert.deepEqual(leader.problems, []);

  // The leader's tab closes: the other takes the lock, at a higher epoch, and handles what comes.
  await leader.close();
  await follower.waitForSelector(`${card("runner")}[data-role=leader]`);
  assert.ok(Number(await follower.getAttribute(card("runner"), "data-epoch")) > epoch, "a new epoch");
  await follower.waitForSelector('#log li.shared[data-role=leader] >> text=leader at epoch');
  await batch(follower, "later", 10);
  await until(async () => (await handled(follower)).length >= 10, { what: "10 deliveries in the remaining tab" });
  await follower.waitForTimeout(500);
  assert.deepEqual((await handled(follower)).sort(), expected("later", 10));
  assert.match(await follower.textContent(`${card("runner")} .badge.shared`), /^runners: leader · epoch \d+ · holding 0$/);
  assert.deepEqual(follower.problems, []);
  await follower.close();
});

test("sharing turned off ends the shared subscriptions; turned on again, and on a new bus, they work anew", async () => {
  const tab = await openPage(browser.context, server.url);
  await tab.waitForSelector("body[data-ready=true]");
  const sharedSubscribe = async (name) => {
    await tab.fill("#sub-pattern", "jobs");
    await tab.fill("#sub-name", name);
    await tab.fill("#sub-shared", "runners");
    await tab.click("#subscribe");
    await tab.waitForSelector(`${card(name)}[data-role=leader]`);
  };
  await tab.check("#bridge-tabs");
  await sharedSubscribe("runner");
  assert.equal(await tab.inputValue("#sub-shared"), "workers", "the next free shared name is suggested");
  await tab.uncheck("#bridge-tabs");
  await tab.waitForSelector(`${card("runner")}[data-state=closed]:not([data-role])`);
  assert.equal(await tab.isDisabled("#sub-shared"), true);
  await tab.check("#bridge-tabs");
  await sharedSubscribe("runner-2");
  await tab.click("#close-bus");
  await tab.click("#new-bus");
  await tab.waitForSelector("#status.ready:visible");
  assert.equal(await tab.isChecked("#bridge-tabs"), true, "the new bus shares too");
  await sharedSubscribe("runner");
  await tab.fill("#pub-topic", "jobs");
  await tab.click("#publish");
  await tab.locator('#log li.delivery[data-shared="runners"]').waitFor();
  assert.equal(await tab.locator("#log li.error").count(), 0);
  assert.deepEqual(tab.problems, []);
  await tab.close();
});

// ---- the dashboard, on a page of its own -------------------------------------------------

let dash;
/** The lengths of the x columns of both charts. */
const points = (p) => p.evaluate(() => ({
  rates: dashboard.charts.rates.data[0].length,
  latency: dashboard.charts.latency.data[0].length,
}));

test("every form field is pre-filled, and every button does something without typing", async () => {
  dash = await openPage(browser.context, server.url);
  await dash.waitForSelector("body[data-ready=true]");
  for (const id of ["topic-name", "pub-topic", "pub-data", "pub-attributes", "pub-ordering-key", "batch-size", "sub-pattern", "sub-name", "sub-shared", "drain-ms"]) {
    assert.notEqual(await dash.inputValue(`#${id}`), "", `#${id} is empty`);
  }
  await dash.click("#create-topic");
  await dash.waitForSelector('#topics li[data-topic="orders.eu"]');
  assert.equal(await dash.inputValue("#topic-name"), "orders.us", "the next free name is suggested");
  await dash.click("#subscribe");
  await dash.waitForSelector('#subscriptions li[data-name="worker-1"][data-state=active]');
  assert.equal(await dash.inputValue("#sub-name"), "worker-2");
  await dash.click("#publish");
  const line = dash.locator('#log li.delivery[data-subscription="worker-1"]').first();
  await line.waitFor();
  assert.match(await line.textContent(), /orders\.eu .* key customer-7 \[region=eu\] \{"orderId": 1, "amount": 10\}/);
  assert.equal(await line.locator(".data").getAttribute("data-json"), "true");
  await dash.click("#publish-batch");
  await dash.waitForSelector("#log li.published[data-batch='5']");
  await dash.click("#quick-start");
  await dash.waitForSelector('#subscriptions li[data-name="charge"][data-state=active]');
  await dash.click("#replay-all");
  await dash.waitForSelector("#log li.replayed[data-count='0']");
  await dash.click("#purge");
  await dash.waitForSelector("#log li.info >> text=purged 0 dead letters");
  assert.deepEqual(dash.problems, []);
});

test("beside each button, the API call it makes, updated as the form changes", async () => {
  const api = (id) => dash.textContent(`#api-${id}`);
  assert.equal(await api("publish"), 'bus.publish("payments", { orderId: 1, amount: 10 }, { attributes: { region: "eu" }, orderingKey: "customer-7" })');
  await dash.fill("#pub-topic", "orders.us");
  await dash.fill("#pub-data", '{"sku": "A-1", "qty": 2}');
  await dash.fill("#pub-attributes", "tab=1\nregion=us");
  await dash.fill("#pub-ordering-key", "");
  assert.equal(await api("publish"), 'bus.publish("orders.us", { sku: "A-1", qty: 2 }, { attributes: { tab: "1", region: "us" } })');
  await dash.fill("#batch-size", "3");
  assert.equal(await api("publish-batch"),
    'bus.publishBatch("orders.us", [{ data: { sku: "A-1", qty: 2, batch: "1/3" }, attributes: { tab: "1", region: "us" } }, /* …2 more */])');
  await dash.fill("#pub-attributes", "no equals sign");
  assert.equal(await api("publish"), "// attributes line 1: expected key=value");
  await dash.fill("#pub-attributes", "tab=1\nregion=us");
  // What the button does is what the text says: the message arrives with that data and those attributes.
  await dash.click("#publish");
  const id = Number(await dash.locator("#log li.published").last().getAttribute("data-id"));
  const line = dash.locator(`#log li.delivery[data-id="${id}"][data-subscription="worker-1"]`);
  await line.waitFor();
  assert.match(await line.textContent(), /orders\.us .*\[tab=1 region=us\] \{"sku": "A-1", "qty": 2\}/);
  await dash.fill("#sub-pattern", "orders.>");
  await dash.fill("#sub-name", "");
  await dash.selectOption("#sub-behaviour", "fail");
  assert.equal(await api("subscribe"), 'bus.subscribe("orders.>", (msg) => { throw new Error("…") })');
  // The shared name counts while the tab shares with other tabs (its field is disabled otherwise).
  await dash.check("#bridge-tabs");
  await dash.fill("#sub-shared", "pool");
  assert.equal(await api("subscribe"), 'bus.subscribe("orders.>", (msg) => { throw new Error("…") }, { shared: "pool" })');
  await dash.uncheck("#bridge-tabs");
  await dash.waitForSelector("#sub-shared:disabled");
  assert.equal(await api("subscribe"), 'bus.subscribe("orders.>", (msg) => { throw new Error("…") })');
  await dash.fill("#topic-name", "orders.eu.paid");
  assert.equal(await api("create-topic"), 'bus.createTopic("orders.eu.paid")');
  await dash.fill("#drain-ms", "1500");
  assert.equal(await api("close"), "await bus.close({ drainTimeoutMs: 1500 })");
  assert.match(await api("quick-start"), /bus\.subscribe\("payments", handler, \{ name: "charge" \}\)/);
  assert.equal(await dash.getAttribute('#subscriptions li[data-name="worker-1"] button.pause', "title"), "sub.pause()");
});

test("the charts plot rates and latency percentiles and move as messages flow", async () => {
  for (const chart of ["rates", "latency"]) await dash.waitForSelector(`#chart-${chart} .uplot canvas`);
  const legends = await dash.locator(".chart .u-legend").allTextContents();
  for (const label of ["publish/s", "ack/s", "dead letters/s", "p50", "p90", "p99"]) {
    assert.ok(legends.join(" ").includes(label), `no ${label} in the legends ${JSON.stringify(legends)}`);
  }
  await dash.waitForFunction(() => dashboard.charts.rates.data[1].some((v) => v > 0), null, { timeout: 5000 });
  await dash.waitForFunction(() => dashboard.charts.rates.data[2].some((v) => v > 0), null, { timeout: 5000 });
  await dash.waitForFunction(() => dashboard.charts.latency.data[0].length > 0, null, { timeout: 5000 });
  await dash.waitForFunction(() => dashboard.charts.rates.data[0].length >= 4, null, { timeout: 10_000 });
  const before = await points(dash);
  await dash.evaluate(() => scrollTo(0, 0));
  await dash.screenshot({ path: join(ARTIFACTS, "demo-dashboard-1.png"), animations: "disabled" });
  // A failing subscriber: dead letters on the rate chart, its breaker open on the timeline.
  await dash.click('#subscriptions li[data-name="worker-1"] .segmented button[data-mode=fail]');
  await dash.fill("#pub-topic", "orders.eu");
  for (let i = 0; i < 3; i++) await dash.click("#publish");
  await dash.waitForFunction(() => dashboard.charts.rates.data[3].some((v) => v > 0), null, { timeout: 10_000 });
  await dash.waitForSelector('#breakers li[data-name="worker-1"][data-state=open] .band[data-state=open]');
  await dash.waitForFunction((n) => dashboard.charts.rates.data[0].length >= n + 3, before.rates, { timeout: 10_000 });
  const after = await points(dash);
  assert.ok(after.rates > before.rates && after.latency >= before.latency, JSON.stringify({ before, after }));
  await dash.evaluate(() => scrollTo(0, 0));
  await dash.screenshot({ path: join(ARTIFACTS, "demo-dashboard-2.png"), animations: "disabled" });
  await dash.click('#subscriptions li[data-name="worker-1"] .segmented button[data-mode=ack]');
});

test("the latency reset empties the latency series until the next ack", async () => {
  await dash.waitForFunction(() => Number(document.querySelector("#metrics dd[data-metric=queued]").textContent) === 0, null, { timeout: 10_000 });
  await dash.waitForFunction(() => Number(document.querySelector("#metrics dd[data-metric=inFlight]").textContent) === 0);
  assert.ok((await points(dash)).latency > 0);
  await dash.click("#reset-latency");
  assert.equal((await points(dash)).latency, 0);
  await dash.waitForSelector("#log li.info >> text=latency chart reset");
  await dash.waitForTimeout(2500); // samples keep coming, but no ack: the series stays empty
  assert.equal((await points(dash)).latency, 0);
  assert.match(await dash.textContent("#api-reset-latency"), /the bus has no reset/);
  await dash.click("#publish");
  await dash.waitForFunction(() => dashboard.charts.latency.data[0].length > 0, null, { timeout: 5000 });
});

test("the charts keep a window of 120 points", async () => {
  const lengths = await dash.evaluate(() => {
    const start = Date.now();
    for (let i = 1; i <= 130; i++) dashboard.charts.sample(bus.metrics(), start + i * 1000);
    return [...dashboard.charts.rates.data, ...dashboard.charts.latency.data].map((column) => column.length);
  });
  assert.deepEqual(lengths, Array(8).fill(120));
  assert.deepEqual(dash.problems, []);
  await dash.close();
});
