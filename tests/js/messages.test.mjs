// Error messages that say what to do, as a newcomer meets them (issue 12).
import test from "node:test";
import assert from "node:assert/strict";
import { PubSub } from "wasm-pubsub";
import { throwsCode } from "./helpers.mjs";

test("a missing topic names createTopic and autoCreateTopics", () => {
  const bus = new PubSub();
  throwsCode(() => bus.publish("orders", 1), "TOPIC_NOT_FOUND", 'createTopic("orders")', "autoCreateTopics: true");
});

test("publishing to a pattern says patterns are for subscribing; '#' suggests '>'", () => {
  const bus = new PubSub({ autoCreateTopics: true });
  throwsCode(() => bus.publish("orders.*", 1), "INVALID_TOPIC_NAME", "patterns", "for subscribing");
  throwsCode(() => bus.subscribe("orders.#", () => {}), "INVALID_TOPIC_NAME", "'>'");
});

test("a delivery key at the top of the config names where it belongs", () => {
  throwsCode(() => new PubSub({ maxInFlight: 4 }), "INVALID_CONFIG", "delivery: { maxInFlight");
  throwsCode(() => new PubSub({ maxTopics: 4 }), "INVALID_CONFIG", "limits: { maxTopics");
});

test("QUEUE_FULL names the overflow option", async () => {
  const bus = new PubSub({ autoCreateTopics: true, logger: null });
  bus.subscribe("t", () => new Promise(() => {}), { queueCapacity: 1 });
  bus.publish("t", 1);
  throwsCode(() => bus.publish("t", 2), "QUEUE_FULL", "queueCapacity", 'overflow: "deadLetterOldest"');
  await bus.close({ drainTimeoutMs: 0 }); // no ack timer left to keep the process alive
});

/** Replaces console.warn and console.error while `run` runs; returns the lines printed. */
async function consoleLines(run) {
  const lines = [];
  const saved = [console.warn, console.error];
  console.warn = (line) => lines.push(["warn", String(line)]);
  console.error = (line) => lines.push(["error", String(line)]);
  try {
    await run();
  } finally {
    [console.warn, console.error] = saved;
  }
  return lines;
}

test("by default a failing handler is a console line naming the subscription, the message and the code, never the payload", async () => {
  const { FakeClock } = await import("./helpers.mjs");
  const clock = new FakeClock();
  const lines = await consoleLines(async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a fresh rate-limit window
    const bus = new PubSub({ clock, autoCreateTopics: true, delivery: { maxDeliveryAttempts: 1 } });
    bus.subscribe("orders", () => { throw new Error("card 4111 declined"); }, { name: "saver" });
    bus.publish("orders", { secret: "s3cr3t" }, { attributes: { tier: "gold" } });
    await clock.advance(0);
  });
  const text = lines.map(([, line]) => line).join("\n");
  assert.match(text, /wasm-pubsub warn: handler\.failed subscription="saver" topic="orders" message=1 code=HANDLER_ERROR/);
  assert.match(text, /deadLetter .*code=MAX_ATTEMPTS/);
  assert.doesNotMatch(text, /s3cr3t|gold|4111/);
});

test("logger: null silences it; the console lines are rate-limited", async () => {
  const { FakeClock } = await import("./helpers.mjs");
  const silent = await consoleLines(async () => {
    const clock = new FakeClock();
    const bus = new PubSub({ clock, logger: null, autoCreateTopics: true, delivery: { maxDeliveryAttempts: 1 } });
    bus.subscribe("t", () => { throw new Error("no"); });
    bus.publish("t", 1);
    await clock.advance(0);
  });
  assert.deepEqual(silent, []);
  const noisy = await consoleLines(async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const clock = new FakeClock();
    const delivery = { maxDeliveryAttempts: 1, circuitBreaker: { failureThreshold: 1000 } };
    const bus = new PubSub({ clock, autoCreateTopics: true, delivery });
    bus.subscribe("t", () => { throw new Error("no"); });
    for (let i = 0; i < 100; i++) bus.publish("t", i);
    await clock.advance(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    bus.publish("t", "one more");
    await clock.advance(0);
  });
  assert.ok(noisy.length <= 24, `${noisy.length} lines for 202 records`);
  assert.ok(noisy.some(([, line]) => /more log lines suppressed/.test(line)));
});

test("a dead letter keeps the error's message and stack, from a throw and from a rejection", async () => {
  const bus = new PubSub({ autoCreateTopics: true, logger: null, delivery: { maxDeliveryAttempts: 1 } });
  function failsLoudly() {
    throw new TypeError("cart is empty");
  }
  bus.subscribe("sync", () => failsLoudly(), { name: "sync" });
  bus.subscribe("async", async () => Promise.reject(new RangeError("quota")), { name: "async" });
  bus.subscribe("plain", () => Promise.reject("just text"), { name: "plain" });
  for (const topic of ["sync", "async", "plain"]) bus.publish(topic, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const errors = Object.fromEntries(bus.deadLetters().map((l) => [l.subscription, l.error]));
  assert.equal(errors.sync.code, "HANDLER_ERROR");
  assert.equal(errors.sync.message, "cart is empty");
  assert.match(errors.sync.stack, /^TypeError: cart is empty\n\s+at failsLoudly/);
  assert.equal(errors.async.message, "quota");
  assert.match(errors.async.stack, /^RangeError: quota/);
  assert.deepEqual(errors.plain, { code: "HANDLER_ERROR", message: "just text" }, "no stack without an Error");
  await bus.close();
});

test("a stack is cut to 4096 code points before it is kept", async () => {
  const bus = new PubSub({ autoCreateTopics: true, logger: null, delivery: { maxDeliveryAttempts: 1 } });
  bus.subscribe("t", () => {
    const error = new Error("deep");
    error.stack = "x".repeat(1_000_000);
    throw error;
  });
  bus.publish("t", 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(bus.deadLetters()[0].error.stack.length, 4096);
  await bus.close();
});
