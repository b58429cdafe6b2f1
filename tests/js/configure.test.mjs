// Configuration at run time (issue 12): subscription.update(changes), bus.configure(changes)
// and configFromEnv(env, { prefix }), from the packed package.
import test from "node:test";
import assert from "node:assert/strict";
import { configFromEnv, PubSub } from "wasm-pubsub";
import { deferred, FakeClock, recorder, settle, throwsCode } from "./helpers.mjs";

function pausedWithQueue(count, options = {}) {
  const logs = [];
  const dead = [];
  const bus = new PubSub({ autoCreateTopics: true, logger: (r) => logs.push(r), onDeadLetter: (l) => dead.push(l) });
  const seen = recorder();
  const sub = bus.subscribe("t", seen.handler, options);
  sub.pause();
  for (let i = 0; i < count; i++) bus.publish("t", i);
  return { bus, sub, seen, logs, dead };
}

test("update: a smaller queueCapacity under deadLetterOldest dead-letters the oldest and keeps the rest in order", async () => {
  const { sub, seen, logs, dead } = pausedWithQueue(6, { overflow: "deadLetterOldest" });
  assert.deepEqual(sub.update({ queueCapacity: 4 }), { deadLettered: 2, overCapacity: 0 });
  assert.deepEqual(dead.map((l) => [l.message.data, l.reason]), [[0, "OVERFLOW"], [1, "OVERFLOW"]]);
  sub.resume();
  await settle();
  assert.deepEqual(seen.data(), [2, 3, 4, 5]);
  const updated = logs.find((r) => r.event === "subscription.updated");
  assert.equal(updated.level, "warn");
  assert.match(updated.message, /2 oldest queued messages dead-lettered/);
});

test("update: a smaller queueCapacity under reject keeps everything and rejects publishes until it drains", async () => {
  const { bus, sub, seen } = pausedWithQueue(3);
  assert.deepEqual(sub.update({ queueCapacity: 1 }), { deadLettered: 0, overCapacity: 2 });
  throwsCode(() => bus.publish("t", "late"), "QUEUE_FULL", "queueCapacity");
  sub.resume();
  await settle();
  assert.deepEqual(seen.data(), [0, 1, 2]);
  bus.publish("t", "after");
  await settle();
  assert.deepEqual(seen.data(), [0, 1, 2, "after"]);
});

test("update: maxInFlight raised starts waiting deliveries at once", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const gates = [];
  const sub = bus.subscribe("t", () => {
    const gate = deferred();
    gates.push(gate);
    return gate.promise;
  });
  for (let i = 0; i < 5; i++) bus.publish("t", i);
  await settle();
  assert.equal(gates.length, 1);
  sub.update({ maxInFlight: 4 });
  await settle();
  assert.equal(gates.length, 4);
  for (const gate of gates) gate.resolve();
  await settle();
  assert.equal(gates.length, 5);
  gates[4].resolve();
  assert.deepEqual(await bus.close(), { drained: 1, deadLettered: 0 });
});

test("update: the breaker and retry settings apply to the next failure", async () => {
  const clock = new FakeClock();
  const bus = new PubSub({ autoCreateTopics: true, clock, logger: null });
  let calls = 0;
  const sub = bus.subscribe("t", () => {
    calls++;
    throw new Error("down");
  }, { retryBackoff: { initialMs: 0 } });
  sub.update({ maxDeliveryAttempts: 2, circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 1000 } });
  bus.publish("t", "x");
  await settle();
  await clock.advance(0);
  await settle();
  assert.equal(calls, 2);
  assert.equal(sub.breakerState, "open");
  assert.equal(bus.deadLetters()[0].reason, "MAX_ATTEMPTS");
  await bus.close({ drainTimeoutMs: 0 });
});

test("update is all or nothing: a bad key or value changes nothing and names the option", async () => {
  const { sub, seen } = pausedWithQueue(3, { overflow: "deadLetterOldest" });
  throwsCode(() => sub.update({ queueCapacity: 1, maxInFlight: 0 }), "INVALID_ARGUMENT", "options.maxInFlight");
  throwsCode(() => sub.update({ queueCapacity: 1, name: "other" }), "INVALID_ARGUMENT", "options.name is fixed when subscribing");
  throwsCode(() => sub.update({ queueCapacity: 1, maxInflight: 2 }), "INVALID_ARGUMENT", "maxInflight");
  throwsCode(() => sub.update({ queueCapacity: 1, delivery: {} }), "INVALID_ARGUMENT", "delivery");
  sub.resume();
  await settle();
  assert.deepEqual(seen.data(), [0, 1, 2], "queueCapacity 1 was never applied");
  sub.unsubscribe();
  throwsCode(() => sub.update({ maxInFlight: 2 }), "CLOSED", "subscribe again");
});

test("configure: delivery defaults apply to subscriptions made afterwards, limits to what comes next", async () => {
  const logs = [];
  const bus = new PubSub({ logger: (r) => logs.push(r) });
  bus.createTopic("t");
  const before = bus.subscribe("t", () => {
    throw new Error("x");
  }, { retryBackoff: { initialMs: 0 } });
  bus.configure({ autoCreateTopics: true, delivery: { maxDeliveryAttempts: 1 }, limits: { maxMessageBytes: 8 } });
  const attempts = [];
  bus.subscribe("u", (m) => {
    attempts.push(m.attempt);
    throw new Error("y");
  });
  bus.publish("u", "auto");
  throwsCode(() => bus.publish("t", "much too long"), "MESSAGE_TOO_LARGE", "maxMessageBytes (8)");
  await settle();
  assert.deepEqual(attempts, [1], "the new default: one attempt");
  assert.equal(before.state, "active");
  assert.ok(logs.some((r) => r.event === "bus.configured" && r.level === "info"));
  bus.configure({ limits: { maxTopicNameLength: 3 } });
  throwsCode(() => bus.createTopic("long"), "INVALID_TOPIC_NAME");
});

test("configure: a smaller maxDeadLetters evicts the oldest letters, counted", async () => {
  const bus = new PubSub({ autoCreateTopics: true, logger: null, delivery: { maxDeliveryAttempts: 1 } });
  bus.subscribe("t", () => {
    throw new Error("no");
  });
  for (let i = 0; i < 4; i++) bus.publish("t", i);
  await settle();
  bus.configure({ limits: { maxDeadLetters: 1 } });
  assert.deepEqual(bus.deadLetters().map((l) => l.message.data), [3]);
  assert.equal(bus.metrics().deadLettersEvicted, 3);
});

test("configure is all or nothing and refuses what is fixed when the bus is made", () => {
  const bus = new PubSub();
  throwsCode(() => bus.configure({ autoCreateTopics: true, limits: { maxTopics: 0 } }), "INVALID_CONFIG", "limits.maxTopics");
  throwsCode(() => bus.createTopic("a.b") && bus.publish("x", 1), "TOPIC_NOT_FOUND");
  throwsCode(() => bus.configure({ clock: { now: () => 0 } }), "INVALID_CONFIG", "clock is fixed when the bus is made");
  throwsCode(() => bus.configure({ logger: null }), "INVALID_CONFIG", "logger is fixed");
  throwsCode(() => bus.configure({ maxInFlight: 3 }), "INVALID_CONFIG", "belongs under delivery");
  throwsCode(() => bus.configure(new Map()), "INVALID_CONFIG", "config must be an object");
});

test("configure: a bridge takes the new limits for the frames it reads", async () => {
  const { port1, port2 } = new MessageChannel();
  const a = new PubSub({ autoCreateTopics: true });
  const b = new PubSub({ autoCreateTopics: true, logger: null, limits: { maxTopicNameLength: 4 } });
  a.bridge(port1);
  const bridge = b.bridge(port2);
  const seen = recorder();
  b.subscribe(">", seen.handler);
  a.publish("long.name", 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(bridge.stats().rejected, 1);
  b.configure({ limits: { maxTopicNameLength: 64 } });
  a.publish("long.name", 2);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(seen.data(), [2]);
  await a.close();
  await b.close();
  port1.close();
});

test("configFromEnv reads the prefixed variables into a config the constructor takes", async () => {
  const env = {
    PATH: "/usr/bin",
    PUBSUB_AUTO_CREATE_TOPICS: "true",
    PUBSUB_DELIVERY_MAX_DELIVERY_ATTEMPTS: "3",
    PUBSUB_DELIVERY_RETRY_BACKOFF_MULTIPLIER: "1.5",
    PUBSUB_DELIVERY_OVERFLOW: "deadLetterOldest",
    PUBSUB_LIMITS_MAX_TOPICS: "16",
  };
  const config = configFromEnv(env);
  assert.deepEqual(config, {
    autoCreateTopics: true,
    delivery: { maxDeliveryAttempts: 3, retryBackoff: { multiplier: 1.5 }, overflow: "deadLetterOldest" },
    limits: { maxTopics: 16 },
  });
  const bus = new PubSub({ ...config, logger: null });
  bus.publish("auto.created", 1);
  assert.deepEqual(bus.topics(), ["auto.created"]);
  assert.deepEqual(configFromEnv({ APP_LIMITS_MAX_BATCH_SIZE: "10", PUBSUB_X: "ignored" }, { prefix: "APP_" }), { limits: { maxBatchSize: 10 } });
  assert.deepEqual(configFromEnv(process.env, { prefix: "WASM_PUBSUB_TEST_UNSET_" }), {});
});

test("configFromEnv refuses unknown or malformed variables by name", () => {
  throwsCode(() => configFromEnv({ PUBSUB_DELIVERY_MAX_INFLIGHT: "2" }), "INVALID_CONFIG", "PUBSUB_DELIVERY_MAX_INFLIGHT", "did you mean PUBSUB_DELIVERY_MAX_IN_FLIGHT?");
  throwsCode(() => configFromEnv({ PUBSUB_DELIVERY_MAX_DELIVERY_ATTEMPTS: "three" }), "INVALID_CONFIG", "PUBSUB_DELIVERY_MAX_DELIVERY_ATTEMPTS", "must be an integer");
  throwsCode(() => configFromEnv({ PUBSUB_AUTO_CREATE_TOPICS: "1" }), "INVALID_CONFIG", "must be a boolean");
  throwsCode(() => configFromEnv({ PUBSUB_CLOCK: "x" }), "INVALID_CONFIG", "not a wasm-pubsub setting");
  throwsCode(() => configFromEnv({ PUBSUB_LIMITS_MAX_TOPICS: 3 }), "INVALID_CONFIG", "must be a string");
  throwsCode(() => configFromEnv({ PUBSUB_DELIVERY_OVERFLOW: "x".repeat(300) }), "INVALID_CONFIG", "longer than 256");
  throwsCode(() => configFromEnv(undefined), "INVALID_ARGUMENT", "process.env");
  throwsCode(() => configFromEnv({}, { prefix: "" }), "INVALID_ARGUMENT", "options.prefix");
  throwsCode(() => configFromEnv({}, { prefx: "A_" }), "INVALID_ARGUMENT", "{ prefix?: string }");
  const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`PUBSUB_V${i}`, "1"]));
  throwsCode(() => configFromEnv(many), "INVALID_CONFIG", "more than 32 variables");
});
