// What users of mitt, emittery and PubSubJS rely on, in wasm-pubsub's terms (issue 12):
// listenerCount, unsubscribeAll and an async iterator over a subscription.
import test from "node:test";
import assert from "node:assert/strict";
import { PubSub } from "wasm-pubsub";
import { recorder, settle, throwsCode } from "./helpers.mjs";

test("listenerCount counts the subscriptions a publish would reach, patterns included", () => {
  const bus = new PubSub({ autoCreateTopics: true });
  bus.createTopic("orders.eu");
  bus.subscribe("orders.eu", () => {});
  bus.subscribe("orders.*", () => {});
  bus.subscribe(">", () => {});
  bus.subscribe("users.*", () => {});
  assert.equal(bus.listenerCount("orders.eu"), 3);
  assert.equal(bus.listenerCount("orders.us"), 2, "a topic that does not exist yet: the patterns");
  assert.equal(bus.listenerCount("audit"), 1);
  throwsCode(() => bus.listenerCount("orders.*"), "INVALID_TOPIC_NAME");
});

test("unsubscribeAll(topicOrPattern) ends the subscriptions made for it; unsubscribeAll() every one; the bus stays open", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const seen = recorder();
  bus.subscribe("orders.*", seen.handler);
  bus.subscribe("orders.*", seen.handler);
  bus.subscribe("users", seen.handler);
  assert.equal(bus.unsubscribeAll("orders.*"), 2);
  assert.equal(bus.listenerCount("orders.eu"), 0);
  assert.equal(bus.unsubscribeAll(), 1);
  bus.publish("users", 1);
  await settle();
  assert.deepEqual(seen.messages, []);
  assert.equal(bus.health().status, "healthy");
  const late = recorder();
  bus.subscribe("users", late.handler);
  bus.publish("users", 2);
  await settle();
  assert.deepEqual(late.data(), [2]);
});

test("for await (const msg of bus.stream(...)) acks each message when the loop asks for the next", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const got = [];
  for (let i = 0; i < 5; i++) bus.publish("orders.eu", i);
  const stream = bus.stream("orders.>");
  bus.publish("orders.eu", "a");
  bus.publish("orders.us", "b");
  for await (const msg of stream) {
    got.push(msg.data);
    assert.equal(bus.metrics().inFlight, 1, "the message in hand is in flight until the next iteration");
    if (got.length === 2) break;
  }
  await settle();
  assert.deepEqual(got, ["a", "b"]);
  const m = bus.metrics();
  assert.equal(m.acked, 2);
  assert.equal(m.routed, m.acked + m.deadLettered + m.discarded + m.queued + m.inFlight);
  assert.equal(bus.listenerCount("orders.eu"), 0, "leaving the loop unsubscribed");
});

test("a stream ends when its signal aborts or its bus closes; what was not read is discarded, not lost", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const controller = new AbortController();
  const stream = bus.stream("t", { signal: controller.signal, queueCapacity: 10 });
  bus.publish("t", 1);
  bus.publish("t", 2);
  const first = await stream.next();
  assert.equal(first.value.data, 1);
  controller.abort();
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
  await settle();
  const m = bus.metrics();
  assert.deepEqual([m.acked, m.discarded], [1, 1]);
  const other = bus.stream("u");
  const pending = other.next();
  await bus.close();
  assert.deepEqual(await pending, { done: true, value: undefined });
});

test("a stream ends when its bus is disposed, as when it closes: a for await loop over it returns", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const loop = (async () => {
    const seen = [];
    for await (const msg of bus.stream("t")) seen.push(msg.data);
    return seen;
  })();
  bus.publish("t", 1);
  await settle();
  bus.dispose();
  assert.deepEqual(await loop, [1]);
});

test("await bus.publishAndWait(...) resolves once every copy is acked, dead-lettered or discarded", async () => {
  const { FakeClock } = await import("./helpers.mjs");
  const clock = new FakeClock();
  const bus = new PubSub({ clock, autoCreateTopics: true, delivery: { maxDeliveryAttempts: 2, retryBackoff: { initialMs: 10 } } });
  bus.subscribe("orders.eu", async () => {});
  bus.subscribe("orders.*", () => { throw new Error("down"); });
  bus.subscribe("orders.>", () => new Promise(() => {}), { name: "hangs", ackTimeoutMs: 1000 });
  let report;
  bus.publishAndWait("orders.eu", { total: 1 }).then((r) => { report = r; });
  await clock.advance(10);
  assert.equal(report, undefined, "one copy still hangs");
  bus.unsubscribeAll("orders.>");
  await clock.advance(2000);
  assert.deepEqual(report, { acked: 1, deadLettered: 1, discarded: 1 });
  assert.deepEqual(await bus.publishAndWait("nobody.here", 1), { acked: 0, deadLettered: 0, discarded: 0 });
  await assert.rejects(() => bus.publishAndWait("bad..name", 1), (error) => error.code === "INVALID_TOPIC_NAME");
});
