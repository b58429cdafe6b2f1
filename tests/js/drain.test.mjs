// Settling without closing (issue 14): bus.drain({ timeoutMs }) and bus.evacuate(), from the
// packed package. The bus stays open after both.
import test from "node:test";
import assert from "node:assert/strict";
import { PubSub } from "wasm-pubsub";
import { deferred, FakeClock, recorder, settle, rejectsCode, throwsCode } from "./helpers.mjs";

test("drain resolves once every active message is settled, and the bus keeps working", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const gates = [];
  bus.subscribe("jobs", () => {
    const gate = deferred();
    gates.push(gate);
    return gate.promise;
  }, { maxInFlight: 4 });
  for (let i = 0; i < 3; i++) bus.publish("jobs", i);
  await settle();
  let report;
  const draining = bus.drain({ timeoutMs: 10_000 }).then((r) => (report = r));
  bus.publish("jobs", 3); // published during the drain: waited for too
  await settle();
  assert.equal(report, undefined);
  for (const gate of gates) gate.resolve();
  await settle();
  for (const gate of gates.slice(3)) gate.resolve();
  await draining;
  assert.deepEqual(report, { drained: 4, deadLettered: 0 });
  assert.equal(bus.health().status, "healthy");
  bus.publish("jobs", "after");
  await settle();
  assert.equal(gates.length, 5);
  gates[4].resolve();
  await bus.close();
});

test("at its deadline a drain dead-letters what is left with reason SHUTDOWN", async () => {
  const clock = new FakeClock();
  const dead = [];
  const bus = new PubSub({ autoCreateTopics: true, clock, logger: null, onDeadLetter: (l) => dead.push(l.reason) });
  bus.subscribe("jobs", () => new Promise(() => {}));
  bus.publish("jobs", "stuck");
  bus.publish("jobs", "waiting");
  await settle();
  const draining = bus.drain({ timeoutMs: 200 });
  await clock.advance(200);
  assert.deepEqual(await draining, { drained: 0, deadLettered: 2 });
  assert.deepEqual(dead, ["SHUTDOWN", "SHUTDOWN"]);
  assert.equal(bus.metrics().inFlight, 0);
  await bus.close({ drainTimeoutMs: 0 });
});

test("drain options are checked; a closed bus rejects with CLOSED", async () => {
  const bus = new PubSub();
  await rejectsCode(() => bus.drain({ drainTimeoutMs: 5 }), "INVALID_ARGUMENT", "drainTimeoutMs");
  await rejectsCode(() => bus.drain({ timeoutMs: -1 }), "INVALID_ARGUMENT", "timeoutMs");
  assert.deepEqual(await bus.drain(), { drained: 0, deadLettered: 0 });
  await bus.close();
  await rejectsCode(() => bus.drain(), "CLOSED");
});

test("evacuate dead-letters everything synchronously, paused queues included, and onDeadLetter has seen each", async () => {
  const dead = [];
  const bus = new PubSub({ autoCreateTopics: true, logger: null, onDeadLetter: (l) => dead.push([l.subscription, l.message.data, l.reason]) });
  let release;
  bus.subscribe("cart", () => new Promise((resolve) => (release = resolve)), { name: "busy" });
  const later = recorder();
  bus.subscribe("cart", later.handler, { name: "paused" }).pause();
  bus.publish("cart", "a");
  bus.publish("cart", "b");
  await settle();
  assert.equal(bus.evacuate(), 4);
  assert.deepEqual(dead.sort(), [["busy", "a", "SHUTDOWN"], ["busy", "b", "SHUTDOWN"], ["paused", "a", "SHUTDOWN"], ["paused", "b", "SHUTDOWN"]]);
  release();
  await settle();
  const m = bus.metrics();
  assert.deepEqual([m.acked, m.deadLettered, m.queued, m.inFlight], [0, 4, 0, 0]);
  assert.equal(bus.replayDeadLetters({ subscription: "busy" }), 2, "what was evacuated can be replayed");
  await bus.close({ drainTimeoutMs: 0 });
  throwsCode(() => bus.evacuate(), "CLOSED");
});
