// A seeded stress run against the packed package: many topics and subscriptions, handlers
// that re-enter the bus at random (publish, subscribe, unsubscribe, deleteTopic, close),
// settle late or never, on a fake clock. Every throw must be a PubSubError with a documented
// code, and the accounting invariant must hold at every step and after close.
import test from "node:test";
import assert from "node:assert/strict";
import { PubSub, PubSubError } from "wasm-pubsub";
import { FakeClock, settle } from "./helpers.mjs";

const CODES = new Set([
  "INVALID_ARGUMENT", "INVALID_CONFIG", "INVALID_TOPIC_NAME", "TOPIC_EXISTS", "TOPIC_NOT_FOUND",
  "SUBSCRIPTION_EXISTS", "MESSAGE_TOO_LARGE", "INVALID_ATTRIBUTES", "BATCH_TOO_LARGE",
  "QUEUE_FULL", "LIMIT_EXCEEDED", "CLOSED", "ABORTED",
]);

/** mulberry32: a small seeded PRNG, so a failure replays. */
function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function assertInvariant(bus, when) {
  const m = bus.metrics();
  assert.equal(m.routed, m.acked + m.deadLettered + m.discarded + m.queued + m.inFlight, `${when}: ${JSON.stringify(m)}`);
}

function run(seed) {
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const clock = new FakeClock();
  const unexpected = [];
  const guard = (fn) => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof PubSubError) || !CODES.has(err.code)) unexpected.push(err);
      return undefined;
    }
  };
  const bus = new PubSub({
    clock,
    autoCreateTopics: true,
    limits: { maxTopics: 64, maxDeadLetters: 50 },
    delivery: { ackTimeoutMs: 50, maxDeliveryAttempts: 3, retryBackoff: { initialMs: 5, maxMs: 40 } },
    onDeadLetter: () => { if (random() < 0.2) throw new Error("callback fails"); },
    logger: () => { if (random() < 0.05) guard(() => bus.publish(pick(topics), "from logger")); },
  });
  const topics = Array.from({ length: 40 }, (_, i) => `t${i % 8}.s${i}`);
  const subs = [];
  const handler = (msg) => {
    const roll = random();
    if (roll < 0.15) throw new Error("handler fails");
    if (roll < 0.25) return new Promise(() => {});
    if (roll < 0.40) return new Promise((resolve, reject) => clock.setTimeout(random() < 0.5 ? resolve : () => reject(new Error("late")), 10));
    if (roll < 0.50) guard(() => bus.publish(pick(topics), msg.data + 1));
    else if (roll < 0.55) guard(() => subs.push(subscribe()));
    else if (roll < 0.60) guard(() => pick(subs)?.unsubscribe());
    else if (roll < 0.61) guard(() => bus.deleteTopic(pick(topics)));
    else if (roll < 0.615) bus.close({ drainTimeoutMs: 30 });
    return undefined;
  };
  const subscribe = () => bus.subscribe(pick([...topics, "t1.*", "t2.>", ">"]), handler, {
    maxInFlight: 1 + Math.floor(random() * 4),
    queueCapacity: 5 + Math.floor(random() * 20),
    overflow: random() < 0.5 ? "reject" : "deadLetterOldest",
    circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 30 },
  });
  return { bus, clock, topics, subs, subscribe, guard, pick, random, unexpected };
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`seed ${seed}: random re-entrant work keeps the invariant and throws only documented codes`, async () => {
    const w = run(seed);
    for (let i = 0; i < 60; i++) w.guard(() => w.subs.push(w.subscribe()));
    for (let step = 0; step < 400; step++) {
      const roll = w.random();
      if (roll < 0.6) w.guard(() => w.bus.publish(w.pick(w.topics), step, { orderingKey: w.random() < 0.3 ? "k" + (step % 3) : undefined }));
      else if (roll < 0.7) w.guard(() => w.bus.publishBatch(w.pick(w.topics), [{ data: step }, { data: step + 0.5 }]));
      else if (roll < 0.75) w.guard(() => w.pick(w.subs)?.pause());
      else if (roll < 0.8) w.guard(() => w.pick(w.subs)?.resume());
      else if (roll < 0.85) w.guard(() => w.bus.replayDeadLetters());
      else await w.clock.advance(Math.floor(w.random() * 40));
      assertInvariant(w.bus, `seed ${seed} step ${step}`);
    }
    const closing = w.bus.close({ drainTimeoutMs: 200 });
    await w.clock.advance(250);
    const report = await closing;
    assert.equal(typeof report.drained, "number");
    const m = w.bus.metrics();
    assert.equal(m.queued, 0);
    assert.equal(m.inFlight, 0);
    assertInvariant(w.bus, "after close");
    assert.equal(w.clock.pendingTimers, 0, "close cleared every timer");
    assert.equal(w.bus.health().status, "closed");
    await settle();
    assert.deepEqual(w.unexpected, [], "only documented PubSubError codes were thrown");
  });
}
