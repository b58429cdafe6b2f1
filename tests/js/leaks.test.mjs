// Leak checks against the packed package: JS callbacks the bus held are released (they
// become garbage-collectable, seen through a FinalizationRegistry) after unsubscribe and
// after close, and wasm memory stops growing across repeated cycles.
import test from "node:test";
import assert from "node:assert/strict";
import { PubSub, wasmMemoryBytes } from "wasm-pubsub";
import { FakeClock, collect, gc, settle } from "./helpers.mjs";

/** Tracks callbacks: `track(fn)` returns it; `live()` counts those not yet collected. */
function tracker() {
  let created = 0;
  let collected = 0;
  const registry = new FinalizationRegistry(() => { collected += 1; });
  return {
    track(value) { created += 1; registry.register(value, null); return value; },
    async live() {
      for (let i = 0; i < 10 && collected < created; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return created - collected;
    },
  };
}

function cycles(bus, count, track) {
  for (let i = 0; i < count; i++) {
    const sub = bus.subscribe("t", track ? track(() => {}) : () => {}, {});
    sub.unsubscribe();
  }
}

test("handlers are released after unsubscribe: no live callbacks after 100 000 cycles", async () => {
  const bus = new PubSub();
  bus.createTopic("t");
  const callbacks = tracker();
  cycles(bus, 100_000, callbacks.track);
  await settle();
  assert.equal(await callbacks.live(), 0);
  assert.equal(bus.metrics().subscriptions, 0);
});

/** wasm memory after each of four rounds of `work`, collecting garbage between rounds. The
 * first round sizes the allocator's free lists; the later ones must reuse them. */
async function memoryRounds(work) {
  const sizes = [];
  for (let round = 0; round < 4; round++) {
    await work();
    await collect();
    sizes.push(wasmMemoryBytes());
  }
  return sizes;
}

test("wasm memory stops growing across rounds of 100 000 subscribe/unsubscribe cycles", async () => {
  const bus = new PubSub();
  bus.createTopic("t");
  const sizes = await memoryRounds(() => cycles(bus, 100_000));
  console.log(`wasm memory after each round of 100 000 cycles: ${sizes.join(", ")} bytes`);
  assert.deepEqual(sizes.slice(2), [sizes[1], sizes[1]], "no growth on a repeat");
});

test("wasm memory stops growing across rounds of 200 000 delivered messages", async () => {
  const bus = new PubSub();
  bus.createTopic("t");
  const sub = bus.subscribe("t", () => {});
  const sizes = await memoryRounds(async () => {
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 5_000; i++) bus.publish("t", { i });
      await settle();
    }
  });
  console.log(`wasm memory after each round of 200 000 messages: ${sizes.join(", ")} bytes`);
  assert.deepEqual(sizes.slice(2), [sizes[1], sizes[1]], "no growth on a repeat");
  assert.equal(bus.metrics().acked, 800_000);
  sub.unsubscribe();
});

test("close releases handlers, the clock, the logger and the dead-letter callback", async () => {
  const callbacks = tracker();
  const clock = new FakeClock();
  const config = {
    clock: callbacks.track({ now: () => clock.now(), setTimeout: (f, ms) => clock.setTimeout(f, ms), clearTimeout: (h) => clock.clearTimeout(h) }),
    logger: callbacks.track(() => {}),
    onDeadLetter: callbacks.track(() => {}),
    autoCreateTopics: true,
  };
  let bus = new PubSub(config);
  delete config.clock; delete config.logger; delete config.onDeadLetter;
  for (let i = 0; i < 50; i++) bus.subscribe(`t${i}`, callbacks.track(() => new Promise(() => {})), { name: `s${i}` });
  for (let i = 0; i < 50; i++) bus.publish(`t${i}`, i);
  await settle();
  const closing = bus.close({ drainTimeoutMs: 10 });
  await clock.advance(10);
  const report = await closing;
  assert.equal(report.deadLettered, 50, "the hanging deliveries were dead-lettered at the deadline");
  assert.equal(clock.pendingTimers, 0);
  assert.equal(await callbacks.live(), 0, "every callback the bus held is collectable");
  bus = null;
});

test("memory stays flat when every message arms and clears an ack timer (publish, await the ack, repeat)", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  let acked;
  bus.subscribe("t", async () => {
    await null;
    acked();
  });
  const oneByOne = async (count) => {
    for (let i = 0; i < count; i++) {
      const done = new Promise((resolve) => { acked = resolve; });
      bus.publish("t", i);
      await done;
      await settle();
    }
  };
  await oneByOne(2_000);
  await collect();
  const [wasmBefore, heapBefore] = [wasmMemoryBytes(), process.memoryUsage().heapUsed];
  await oneByOne(20_000);
  await collect();
  const wasmGrowth = wasmMemoryBytes() - wasmBefore;
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  console.log(`20 000 messages with an ack timer each: wasm memory +${wasmGrowth} B, JS heap ${heapGrowth >= 0 ? "+" : ""}${heapGrowth} B`);
  assert.ok(wasmGrowth < 64 * 1024, `wasm memory grew by ${wasmGrowth} bytes`);
  assert.ok(heapGrowth < 2 * 1024 * 1024, `the JS heap grew by ${heapGrowth} bytes`);
  assert.equal(bus.metrics().acked, 22_000);
  await bus.close();
});

test("wasm memory stops growing across rounds of 4 000 requests, answered or timed out", async () => {
  const clock = new FakeClock();
  const bus = new PubSub({ autoCreateTopics: true, clock, logger: null });
  let answer = true;
  bus.subscribe("ask", (msg) => {
    if (answer) msg.respond(msg.data);
  });
  const round = async () => {
    answer = !answer;
    const asked = Array.from({ length: 4000 }, (_, i) => bus.request("ask", i, { timeoutMs: 10 }).catch((e) => e.code));
    await settle();
    await clock.advance(10);
    const outcomes = await Promise.all(asked);
    assert.ok(outcomes.every((o, i) => o === (answer ? i : "TIMEOUT")));
  };
  const sizes = await memoryRounds(async () => {
    await round();
    await round();
  });
  console.log(`wasm memory after each round of 8 000 requests: ${sizes.join(", ")} bytes`);
  assert.deepEqual(sizes.slice(2), [sizes[1], sizes[1]], "no growth on a repeat");
  assert.equal(clock.pendingTimers, 0, "every request's timer is gone");
  await bus.close();
});
