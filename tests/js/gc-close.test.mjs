// A bus the garbage collector takes from its user: with messages queued or in flight, or a
// close pending, it lives on until that work is settled — nothing is lost, `close()` resolves
// with the real report — and once idle it is freed with every callback it held.
import test from "node:test";
import assert from "node:assert/strict";
import { PubSub } from "wasm-pubsub";
import { collect } from "./helpers.mjs";

const MESSAGES = 50;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Watches objects through a FinalizationRegistry: `watch(value, label)`, `collected(label)`. */
function watcher() {
  const gone = new Set();
  const registry = new FinalizationRegistry((label) => gone.add(label));
  return {
    watch(value, label) { registry.register(value, label); return value; },
    collected: (label) => gone.has(label),
  };
}

/** Collects garbage until `done()` holds (or a few seconds pass); returns whether it did. */
async function collectUntil(done) {
  for (let i = 0; i < 200 && !done(); i++) await collect(1);
  return done();
}

/** An async handler that takes a real millisecond per message, so collections happen mid-drain. */
function slowHandler(handled) {
  return async () => {
    await sleep(1);
    handled.count += 1;
  };
}

/** The scenario: subscribe, publish 50, close, and let the bus go. */
function publishThenClose(handled, seen) {
  const bus = seen.watch(new PubSub(), "bus");
  bus.createTopic("t");
  bus.subscribe("t", seen.watch(slowHandler(handled), "handler"));
  for (let i = 0; i < MESSAGES; i++) bus.publish("t", i);
  return bus.close();
}

test("a bus collected while closing drains every message and reports it", async () => {
  const handled = { count: 0 };
  const seen = watcher();
  const closing = publishThenClose(handled, seen);
  assert.ok(await collectUntil(() => seen.collected("bus")), "the PubSub object itself was collected");
  assert.ok(handled.count < MESSAGES, "collected mid-drain");
  const report = await closing;
  assert.equal(handled.count, MESSAGES);
  assert.deepEqual(report, { drained: MESSAGES, deadLettered: 0 });
  assert.ok(await collectUntil(() => seen.collected("handler")), "once closed, the handler is released");
});

/** Publishes 50 messages and lets the bus go without closing it. */
function publishThenDrop(handled, seen) {
  const bus = seen.watch(new PubSub(), "bus");
  bus.createTopic("t");
  bus.subscribe("t", seen.watch(slowHandler(handled), "handler"), { maxInFlight: 4 });
  for (let i = 0; i < MESSAGES; i++) bus.publish("t", i);
}

test("a bus collected with messages queued, and no close, still handles all of them", async () => {
  const handled = { count: 0 };
  const seen = watcher();
  publishThenDrop(handled, seen);
  assert.ok(await collectUntil(() => seen.collected("bus")), "the PubSub object itself was collected");
  assert.ok(await collectUntil(() => handled.count === MESSAGES), `handled ${handled.count} of ${MESSAGES}`);
  assert.ok(await collectUntil(() => seen.collected("handler")), "once idle, the handler is released");
});

/** An idle bus with a subscription, let go at once. */
function idleBus(seen) {
  const bus = seen.watch(new PubSub(), "bus");
  bus.createTopic("t");
  bus.subscribe("t", seen.watch(() => {}, "handler"));
  bus.publish("t", "handled before the bus is dropped");
}

test("an idle dropped bus is collected, with the callbacks it held", async () => {
  const seen = watcher();
  idleBus(seen);
  await sleep(5);
  assert.ok(await collectUntil(() => seen.collected("bus") && seen.collected("handler")), "no leak");
});
