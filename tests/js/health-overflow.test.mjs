// health() at large queue capacities: the 90% threshold must not overflow the wasm module's
// 32-bit arithmetic (capacity · 9 passes 2³² from a capacity of 477 218 589).
import test from "node:test";
import assert from "node:assert/strict";
import { PubSub } from "wasm-pubsub";

/** health() of a bus whose one paused subscription holds `queued` of `queueCapacity` messages. */
function healthWith(queueCapacity, queued) {
  const bus = new PubSub({ delivery: { queueCapacity } });
  bus.createTopic("t");
  const sub = bus.subscribe("t", () => {}, { name: "s" });
  sub.pause();
  for (let i = 0; i < queued; i++) bus.publish("t", i);
  const health = bus.health();
  sub.unsubscribe();
  return health;
}

test("one queued message never saturates a large queue, up to a capacity of 2**31-1", () => {
  for (const capacity of [477_218_588, 477_218_589, 1_000_000_000, 2 ** 31 - 1]) {
    const health = healthWith(capacity, 1);
    assert.deepEqual(health.saturatedSubscriptions, [], `capacity ${capacity}`);
    assert.equal(health.status, "healthy", `capacity ${capacity}`);
  }
});

test("a queue is saturated from 90% of a small capacity", () => {
  assert.deepEqual(healthWith(10, 8).saturatedSubscriptions, []);
  assert.deepEqual(healthWith(10, 9).saturatedSubscriptions, ["s"]);
  assert.equal(healthWith(10, 9).status, "degraded");
});
