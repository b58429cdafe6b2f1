// API.md "Shutdown": close() drains, resolves with { drained, deadLettered }, then every
// mutating call throws CLOSED.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PubSub } from "wasm-pubsub";
import { deferred, FakeClock, recorder, rejectsCode, settle, throwsCode } from "./helpers.mjs";

describe("close", () => {
  test("an idle bus closes with an empty report", async () => {
    const report = await new PubSub().close();
    assert.deepEqual(report, { drained: 0, deadLettered: 0 });
  });

  test("queued messages of active subscriptions are drained and counted", async () => {
    const bus = new PubSub({ clock: new FakeClock() });
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    bus.publish("a", 1);
    bus.publish("a", 2);
    bus.publish("a", 3);
    const report = await bus.close();
    assert.deepEqual(seen.data(), [1, 2, 3]);
    assert.deepEqual(Object.keys(report).sort(), ["deadLettered", "drained"]);
    assert.equal(report.drained, 3);
    assert.equal(report.deadLettered, 0);
  });

  test("an async handler in flight is awaited before close resolves", async () => {
    const bus = new PubSub({ clock: new FakeClock() });
    bus.createTopic("a");
    const d = deferred();
    bus.subscribe("a", () => d.promise);
    bus.publish("a", 1);
    await settle();
    let report;
    bus.close().then((r) => (report = r));
    await settle();
    assert.equal(report, undefined, "still draining");
    d.resolve();
    await settle();
    assert.deepEqual(report, { drained: 1, deadLettered: 0 });
  });

  test("whatever is left at the deadline is dead-lettered with reason SHUTDOWN", async () => {
    const clock = new FakeClock();
    const letters = [];
    const bus = new PubSub({ clock, onDeadLetter: (dl) => letters.push(dl) });
    bus.createTopic("a");
    bus.subscribe("a", () => new Promise(() => {}), { name: "stuck" });
    bus.publish("a", "in flight");
    bus.publish("a", "queued");
    await settle();
    let report;
    bus.close({ drainTimeoutMs: 50 }).then((r) => (report = r));
    await clock.advance(49);
    assert.equal(report, undefined, "not before the deadline");
    await clock.advance(1);
    assert.deepEqual(report, { drained: 0, deadLettered: 2 });
    assert.deepEqual(letters.map((dl) => [dl.reason, dl.subscription, dl.message.data]).sort(),
      [["SHUTDOWN", "stuck", "in flight"], ["SHUTDOWN", "stuck", "queued"]]);
    assert.equal(clock.pendingTimers, 0, "every timer is cleared");
  });

  test("paused subscriptions are not drained: their queued messages are dead-lettered at once", async () => {
    const clock = new FakeClock();
    const letters = [];
    const bus = new PubSub({ clock, onDeadLetter: (dl) => letters.push(dl) });
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler).pause();
    bus.publish("a", 1);
    const report = await bus.close();
    assert.deepEqual(report, { drained: 0, deadLettered: 1 });
    assert.deepEqual(seen.messages, []);
    assert.equal(letters.length, 1);
    assert.equal(letters[0].reason, "SHUTDOWN");
    assert.equal(letters[0].attempts, 0);
  });

  test("a second call returns the same promise", async () => {
    const bus = new PubSub();
    const first = bus.close();
    assert.equal(bus.close(), first);
    await first;
    assert.equal(bus.close(), first);
  });

  test("after close every mutating call throws CLOSED", async () => {
    const bus = new PubSub();
    const orders = bus.createTopic("orders");
    const sub = bus.subscribe("orders", () => {});
    await bus.close();
    throwsCode(() => bus.createTopic("b"), "CLOSED");
    throwsCode(() => bus.publish("orders", 1), "CLOSED");
    throwsCode(() => bus.publishBatch("orders", [{ data: 1 }]), "CLOSED");
    throwsCode(() => bus.subscribe("orders", () => {}), "CLOSED");
    throwsCode(() => orders.publish(1), "CLOSED");
    throwsCode(() => orders.subscribe(() => {}), "CLOSED");
    assert.equal(sub.state, "closed");
  });

  test("mutating calls throw CLOSED as soon as close is called, before it resolves", async () => {
    const bus = new PubSub({ clock: new FakeClock() });
    bus.createTopic("a");
    bus.subscribe("a", () => new Promise(() => {}));
    bus.publish("a", 1);
    bus.close();
    throwsCode(() => bus.publish("a", 2), "CLOSED");
  });

  test("close called from inside a handler resolves once the drain is done", async () => {
    const bus = new PubSub({ clock: new FakeClock() });
    bus.createTopic("a");
    let closing;
    bus.subscribe("a", () => {
      closing = bus.close();
    });
    bus.publish("a", 1);
    await settle();
    assert.ok(closing instanceof Promise);
    assert.deepEqual(await closing, { drained: 1, deadLettered: 0 });
  });

  test("close awaited inside a handler cannot deadlock: the deadline bounds it", async () => {
    const clock = new FakeClock();
    const bus = new PubSub({ clock });
    bus.createTopic("a");
    let report;
    bus.subscribe("a", async () => {
      report = await bus.close({ drainTimeoutMs: 100 });
    });
    bus.publish("a", 1);
    await clock.advance(100);
    assert.deepEqual(report, { drained: 0, deadLettered: 1 });
  });

  test("a drainTimeoutMs that is not an integer 0..2**31-1 rejects with INVALID_ARGUMENT", async () => {
    for (const drainTimeoutMs of [-1, 1.5, NaN, 2 ** 31, "100"]) {
      await rejectsCode(() => new PubSub().close({ drainTimeoutMs }), "INVALID_ARGUMENT", "drainTimeoutMs");
    }
  });
});

test("pause and resume throw CLOSED once the subscription ended or its bus is closing, instead of doing nothing", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const ended = bus.subscribe("t", () => {});
  ended.unsubscribe();
  throwsCode(() => ended.pause(), "CLOSED", "subscribe again");
  throwsCode(() => ended.resume(), "CLOSED", "subscribe again");
  const live = bus.subscribe("t", () => {});
  live.pause();
  live.resume();
  const closing = bus.close();
  throwsCode(() => live.pause(), "CLOSED", "closed");
  await closing;
  throwsCode(() => live.resume(), "CLOSED", "closed");
});
