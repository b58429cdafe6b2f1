// msg.origin: where a bridged message was published, as handlers and dead letters see it.
// A message published on the bus itself has none.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PubSub } from "wasm-pubsub";
import { frame, until } from "./bridge-helpers.mjs";

/** A bus whose clock always reads `now`, recording every message it delivers. */
function recordingBus(now) {
  const clock = { now: () => now, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h) };
  const bus = new PubSub({ autoCreateTopics: true, clock });
  const seen = [];
  bus.subscribe(">", (msg) => seen.push(msg));
  return { bus, seen };
}

/** Bridges two buses through a fresh MessageChannel; returns its ports. */
function link(left, right) {
  const { port1, port2 } = new MessageChannel();
  left.bridge(port1);
  right.bridge(port2);
  return [port1, port2];
}

describe("msg.origin", () => {
  test("a chain a — b — c: local messages have none, bridged ones name the publishing bus", async () => {
    const [a, b, c] = [recordingBus(1000), recordingBus(5000), recordingBus(9000)];
    const ports = [...link(a.bus, b.bus), ...link(b.bus, c.bus)];
    const id = a.bus.publish("orders.eu", { total: 42 });
    await until(() => c.seen.length === 1, "the message on c");
    const [local, once, twice] = [a.seen[0], b.seen[0], c.seen[0]];
    assert.equal(local.origin, undefined);
    assert.equal(Object.hasOwn(local, "origin"), false);
    assert.match(once.origin.id, /^[0-9a-f]{24}$/);
    assert.deepEqual({ ...once.origin }, { id: once.origin.id, messageId: id, publishedAt: 1000, hops: 1 });
    assert.deepEqual({ ...twice.origin }, { id: once.origin.id, messageId: id, publishedAt: 1000, hops: 2 });
    assert.equal(once.publishedAt, 5000, "publishedAt stays this bus's own");
    assert.ok(Object.isFrozen(once.origin));
    for (const { bus } of [a, b, c]) await bus.close();
    for (const port of ports) port.close();
  });

  test("a dead letter keeps the origin of its message", async () => {
    const letters = [];
    const bus = new PubSub({ autoCreateTopics: true, onDeadLetter: (dl) => letters.push(dl) });
    bus.subscribe("jobs", () => { throw new Error("no"); }, { maxDeliveryAttempts: 1 });
    const { port1, port2 } = new MessageChannel();
    bus.bridge(port1);
    port2.postMessage(frame({ origin: "peer-bus", id: 7, hops: 3, topic: "jobs", publishedAt: 123 }));
    bus.publish("jobs", "local");
    await until(() => letters.length === 2, "2 dead letters");
    const byData = Object.fromEntries(letters.map((dl) => [dl.message.data, dl.message.origin]));
    assert.deepEqual({ ...byData[1] }, { id: "peer-bus", messageId: 7, publishedAt: 123, hops: 3 });
    assert.equal(byData.local, undefined);
    await bus.close();
    port1.close();
  });

  test("a frame whose publishedAt is not a finite number is rejected", async () => {
    const bus = new PubSub({ autoCreateTopics: true });
    const { port1, port2 } = new MessageChannel();
    const bridge = bus.bridge(port1);
    for (const publishedAt of [undefined, "0", NaN, Infinity]) port2.postMessage(frame({ publishedAt }));
    port2.postMessage(frame({ id: 2 }));
    await until(() => bridge.stats().rejected + bridge.stats().received === 5, "5 frames");
    assert.deepEqual([bridge.stats().rejected, bridge.stats().received], [4, 1]);
    await bus.close();
    port1.close();
  });
});
