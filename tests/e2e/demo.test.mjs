// The demo console (www/, served with pkg/ by pkg-scripts/serve.mjs) driven in Debian's
// headless Chromium as a person would: type, click, read the page. A failing handler gives
// retries, then a dead letter and an open breaker; switching it back closes the breaker;
// replay delivers; a hanging handler and a slow one meet the close, whose report is shown.
// Screenshots go to artifacts/demo-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { serve } from "../../pkg-scripts/serve.mjs";
import { ARTIFACTS, launchChromium, openPage } from "./harness.mjs";

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
  await other.fill("#pub-topic", "orders.eu");
  await other.fill("#pub-data", "from the second tab");
  await other.click("#publish");
  await page.waitForSelector('#log li.delivery[data-subscription="audit"] >> text=from the second tab');
  await page.waitForFunction(() => /sent 1 · received 1 · rejected 0/.test(document.querySelector("#bridge-stats").textContent));
  assert.ok(id > 0);
  assert.deepEqual(other.problems, []);
  assert.deepEqual(page.problems, []);
  await other.close();
});
