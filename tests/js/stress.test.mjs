// A seeded stress run against the packed package: many topics and subscriptions, handlers
// that re-enter the bus at random (publish, subscribe, unsubscribe, deleteTopic, close),
// settle late or never, on a fake clock. Every throw must be a PubSubError with a documented
// code, and the accounting invariant must hold at every step and after close.
import test from "node:test";
import assert from "node:assert/strict";
import { MessageChannel } from "node:worker_threads";
import { PubSub, PubSubError } from "wasm-pubsub";
import { FakeClock, collect, settle } from "./helpers.mjs";

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

/** `guard(fn)`: runs fn, swallowing documented PubSubErrors and collecting anything else. */
function guardInto(unexpected) {
  return (fn) => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof PubSubError) || !CODES.has(err.code)) unexpected.push(err);
      return undefined;
    }
  };
}

function run(seed) {
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const clock = new FakeClock();
  const unexpected = [];
  const guard = guardInto(unexpected);
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

/** A fake clock whose `now` and `setTimeout` throw at random (seeded): the bus must survive it. */
class FlakyClock extends FakeClock {
  constructor(random, rate) {
    super();
    this.random = random;
    this.rate = rate;
  }

  now() {
    if (this.random() < this.rate) throw new Error("now failed");
    return super.now();
  }

  setTimeout(fn, ms) {
    if (this.random() < this.rate) throw new Error("setTimeout failed");
    return super.setTimeout(fn, ms);
  }
}

/** Recurses until the stack overflows, calling `call` at every level. */
function exhaustStack(call) {
  const walk = () => {
    call();
    walk();
  };
  try {
    walk();
  } catch {
    // The overflow, in user code or inside the bus.
  }
}

/** Connects every pair of `buses` with a MessageChannel; returns the ports. */
function mesh(buses) {
  const ports = [];
  for (let i = 0; i < buses.length; i++) {
    for (let j = i + 1; j < buses.length; j++) {
      const { port1, port2 } = new MessageChannel();
      buses[i].bridge(port1);
      buses[j].bridge(port2);
      ports.push(port1, port2);
    }
  }
  return ports;
}

/** Lets bridged messages cross (MessageChannel delivers on macrotasks). */
async function crossings() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 2));
}

for (const seed of [11, 12, 13]) {
  test(`seed ${seed}: a mesh of buses on flaky clocks, with stack exhaustion and GC, delivers each message once per bus`, async () => {
    const random = prng(seed);
    const unexpected = [];
    const guard = guardInto(unexpected);
    const clocks = [];
    const seen = [];
    const buses = Array.from({ length: 4 }, (_, b) => {
      const clock = new FlakyClock(random, 0.05);
      clocks.push(clock);
      const bus = new PubSub({ clock, autoCreateTopics: true, delivery: { ackTimeoutMs: 20, retryBackoff: { initialMs: 1, maxMs: 5 } } });
      const got = new Map();
      seen.push(got);
      bus.subscribe(">", (msg) => { got.set(msg.data, (got.get(msg.data) ?? 0) + 1); }, { queueCapacity: 100_000 });
      bus.subscribe("work.*", () => {
        const roll = random();
        if (roll < 0.2) throw new Error("handler fails");
        if (roll < 0.3) return new Promise(() => {});
        return undefined;
      }, { queueCapacity: 100_000, overflow: "deadLetterOldest" });
      return bus;
    });
    const ports = mesh(buses);
    const published = [];
    for (let step = 0; step < 300; step++) {
      const roll = random();
      const from = Math.floor(random() * buses.length);
      const data = `${seed}:${step}`;
      if (roll < 0.7) {
        if (guard(() => buses[from].publish(random() < 0.5 ? "work.a" : "news.b", data)) !== undefined) published.push(data);
      } else if (roll < 0.75) {
        const doomed = new PubSub({ autoCreateTopics: true });
        const { port1, port2 } = new MessageChannel();
        buses[from].bridge(port1);
        doomed.bridge(port2);
        exhaustStack(() => doomed.subscribe("x", () => {}).unsubscribe());
        port1.close();
      } else if (roll < 0.8) {
        (() => { const lost = new PubSub({ autoCreateTopics: true }); lost.subscribe("t", async () => {}); lost.publish("t", 1); })();
        await collect(1);
      } else {
        await clocks[from].advance(Math.floor(random() * 30));
      }
      if (step % 25 === 0) await crossings();
    }
    await crossings();
    for (const clock of clocks) await clock.advance(100);
    await crossings();
    for (const [b, got] of seen.entries()) {
      for (const data of published) assert.equal(got.get(data), 1, `bus ${b} got ${data} ${got.get(data) ?? 0} times`);
      assert.equal(got.size, published.length, `bus ${b} got nothing else`);
    }
    for (const [b, bus] of buses.entries()) {
      const closing = bus.close({ drainTimeoutMs: 50 });
      await clocks[b].advance(100);
      await closing;
      assertInvariant(bus, `bus ${b} after close`);
    }
    for (const port of ports) port.close();
    await settle();
    assert.deepEqual(unexpected.map(String), [], "only documented PubSubError codes were thrown");
  });
}
