// wasm-pubsub/shared where there is no Web Locks (Node): shared subscriptions handle every
// copy locally and say so in health(); the options and errors; the bridge leaves the
// coordinator's frames alone. The leader, failover and fencing run in Chromium
// (tests/e2e/shared.test.mjs).
import test from "node:test";
import assert from "node:assert/strict";
import { MessageChannel } from "node:worker_threads";
import { PubSub } from "wasm-pubsub";
import { shareSubscriptions } from "wasm-pubsub/shared";
import { settle, throwsCode } from "./helpers.mjs";

test("shared without shareSubscriptions throws INVALID_ARGUMENT naming the entry to import", () => {
  const bus = new PubSub({ autoCreateTopics: true });
  throwsCode(() => bus.subscribe("jobs", () => {}, { shared: "workers" }), "INVALID_ARGUMENT", "wasm-pubsub/shared");
  assert.equal(bus.listenerCount("jobs"), 0);
  assert.equal(bus.health().shared, undefined);
});

test("without navigator.locks a shared subscription handles every copy itself, and health() says why", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const channel = new BroadcastChannel("shared-local");
  bus.bridge(channel);
  const shared = shareSubscriptions(bus, channel);
  const seen = [];
  const sub = bus.subscribe("jobs", (msg) => seen.push(msg.data), { shared: "workers", name: "runner", maxInFlight: 2 });
  assert.equal(sub.name, "runner");
  for (let i = 0; i < 5; i++) bus.publish("jobs", i);
  await settle();
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.deepEqual(bus.health().shared, [{ name: "workers", role: "local", epoch: 0, holding: 0, reason: "navigator.locks is absent" }]);
  assert.equal(bus.health().status, "healthy");
  assert.equal(shared.stats().groups.workers.role, "local");
  assert.equal(shared.stats().sent, 0, "nothing to coordinate: nothing posted");
  await bus.close();
  channel.close();
});

test("without a port a shared subscription is local too; failures keep the bus's retries and dead letters", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  shareSubscriptions(bus, undefined, { locks: null });
  let calls = 0;
  bus.subscribe("jobs", () => {
    calls++;
    throw new Error("down");
  }, { shared: "workers", maxDeliveryAttempts: 2, retryBackoff: { initialMs: 0 } });
  bus.publish("jobs", 1);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(calls, 2);
  assert.equal(bus.deadLetters()[0].reason, "MAX_ATTEMPTS");
  assert.equal(bus.health().shared[0].reason, "navigator.locks is absent");
  await bus.close();
});

test("options, names and ports are checked; one coordinator per bus; one subscription per shared name", () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const { port1 } = new MessageChannel();
  throwsCode(() => shareSubscriptions({}, port1), "INVALID_ARGUMENT", "PubSub");
  throwsCode(() => shareSubscriptions(bus, {}), "INVALID_ARGUMENT", "postMessage");
  throwsCode(() => shareSubscriptions(bus, () => 5), "INVALID_ARGUMENT", "a function that opens one");
  throwsCode(() => shareSubscriptions(bus, port1, { heartbeat: 5 }), "INVALID_ARGUMENT", "heartbeat");
  throwsCode(() => shareSubscriptions(bus, port1, { heartbeatMs: 0 }), "INVALID_ARGUMENT", "heartbeatMs");
  throwsCode(() => shareSubscriptions(bus, port1, { heartbeatMs: 500, failoverMs: 600 }), "INVALID_ARGUMENT", "twice");
  throwsCode(() => shareSubscriptions(bus, port1, { locks: {} }), "INVALID_ARGUMENT", "LockManager");
  shareSubscriptions(bus, port1);
  throwsCode(() => shareSubscriptions(bus, port1), "INVALID_ARGUMENT", "once per bus");
  throwsCode(() => bus.subscribe("jobs", () => {}, { shared: "" }), "INVALID_ARGUMENT", "options.shared");
  throwsCode(() => bus.subscribe("jobs", () => {}, { shared: "x".repeat(129) }), "INVALID_ARGUMENT", "options.shared");
  throwsCode(() => bus.subscribe("jobs", () => {}, { shared: 7 }), "INVALID_ARGUMENT", "options.shared");
  throwsCode(() => bus.subscribe("jobs", "not a function", { shared: "w" }), "INVALID_ARGUMENT", "handler");
  throwsCode(() => bus.subscribe("jobs", () => {}, { shared: "w", maxInFlight: 0 }), "INVALID_ARGUMENT", "maxInFlight");
  bus.subscribe("jobs", () => {}, { shared: "w" });
  throwsCode(() => bus.subscribe("other", () => {}, { shared: "w" }), "INVALID_ARGUMENT", "shares \"w\" already");
  port1.close();
  bus.dispose();
});

test("close() ends the shared subscriptions and detaches: shared is refused again; unsubscribe frees the name", () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const shared = shareSubscriptions(bus);
  const sub = bus.subscribe("jobs", () => {}, { shared: "w" });
  assert.equal(sub.unsubscribe(), true);
  const again = bus.subscribe("jobs", () => {}, { shared: "w" });
  shared.close();
  assert.equal(again.state, "closed");
  assert.deepEqual(shared.stats().groups, {});
  throwsCode(() => bus.subscribe("jobs", () => {}, { shared: "w" }), "INVALID_ARGUMENT", "wasm-pubsub/shared");
  assert.equal(bus.health().shared, undefined);
  bus.dispose();
  throwsCode(() => shareSubscriptions(bus), "CLOSED");
});

test("a bridge ignores the coordinators' frames on its port: not delivered, not rejected", async () => {
  const { port1, port2 } = new MessageChannel();
  const bus = new PubSub({ autoCreateTopics: true });
  const bridge = bus.bridge(port1);
  port2.postMessage({ "wasm-pubsub": 1, type: "shared", name: "w", kind: "done", epoch: 1, keys: ["a:1"] });
  port2.postMessage({ "wasm-pubsub": 1, type: "shared", name: "w", kind: "beat", epoch: 1 });
  port2.postMessage({ "wasm-pubsub": 1, type: "unknown" });
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(bridge.stats().rejected, 1, "only the frame of no known type is rejected");
  assert.equal(bridge.stats().received, 0);
  port2.close();
  await bus.close();
});

test("closing or disposing the bus ends its shared subscriptions: a new one throws CLOSED", async () => {
  for (const end of [(bus) => bus.close(), (bus) => bus.dispose()]) {
    const bus = new PubSub({ autoCreateTopics: true });
    const shared = shareSubscriptions(bus, undefined, { locks: null });
    const sub = bus.subscribe("jobs", () => {}, { shared: "w" });
    await end(bus);
    assert.equal(sub.state, "closed");
    assert.deepEqual(shared.stats().groups, {});
    throwsCode(() => bus.subscribe("jobs", () => {}, { shared: "w" }), "CLOSED");
  }
});

test("hostile options: a throwing shared getter is refused by subscribe's own check, nothing is subscribed", () => {
  const bus = new PubSub({ autoCreateTopics: true });
  shareSubscriptions(bus, undefined, { locks: null });
  const hostile = { get shared() { throw new Error("boom"); } };
  throwsCode(() => bus.subscribe("jobs", () => {}, hostile), "INVALID_ARGUMENT", 'reading "shared" threw');
  assert.equal(bus.listenerCount("jobs"), 0);
  bus.dispose();
  const other = new PubSub();
  throwsCode(() => shareSubscriptions(other, undefined, { get heartbeatMs() { return 1.5; } }), "INVALID_ARGUMENT", "heartbeatMs");
  assert.equal(other.health().shared, undefined, "nothing attached");
  other.dispose();
});
