// The deadLetterStore config key (issue 14), from the packed package: the bus gives each new
// dead letter to add(), the keys of letters leaving its store to remove(), and restores
// letters() when it is made — what wasm-pubsub/durable's IndexedDB store builds on.
import test from "node:test";
import assert from "node:assert/strict";
import { PubSub } from "wasm-pubsub";
import { settle, throwsCode } from "./helpers.mjs";

/** A store in a Map, keyed like IndexedDB's: `subscription id`. */
function memoryStore(letters = []) {
  const kept = new Map(letters.map((l) => [`${l.subscription} ${l.message.id}`, l]));
  const calls = [];
  return {
    kept,
    calls,
    add(letter) { calls.push(["add", letter.message.id]); kept.set(`${letter.subscription} ${letter.message.id}`, letter); },
    remove(keys) { calls.push(["remove", keys]); for (const [name, id] of keys) kept.delete(`${name} ${id}`); },
    letters: () => [...kept.values()],
  };
}

const failing = { maxDeliveryAttempts: 1, retryBackoff: { initialMs: 0 } };

test("given a store, every dead letter is added, and replay, purge and eviction remove it: the copy follows the bounded store", async () => {
  const store = memoryStore();
  const bus = new PubSub({ deadLetterStore: store, autoCreateTopics: true, limits: { maxDeadLetters: 2 }, delivery: failing, logger: null });
  const sub = bus.subscribe("t", () => { throw new Error("no"); }, { name: "saver" });
  const ids = [bus.publish("t", "a"), bus.publish("t", "b"), bus.publish("t", "c")];
  await settle();
  assert.deepEqual(store.calls.filter(([kind]) => kind === "add").map(([, id]) => id), ids);
  assert.deepEqual(store.calls.find(([kind]) => kind === "remove"), ["remove", [["saver", ids[0]]]], "the oldest was evicted");
  assert.deepEqual([...store.kept.keys()], [`saver ${ids[1]}`, `saver ${ids[2]}`]);
  sub.unsubscribe();
  bus.subscribe("t", () => {}, { name: "saver" });
  assert.equal(bus.replayDeadLetters({ subscription: "saver" }), 0, "a live letter replays onto its own subscription only");
  assert.equal(bus.purgeDeadLetters(), 2);
  assert.equal(store.kept.size, 0);
  await bus.close();
});

test("a new bus restores the store's letters with their ids, attempts, reason, error, attributes and key, and replays them by name", async () => {
  const first = memoryStore();
  const a = new PubSub({ deadLetterStore: first, autoCreateTopics: true, delivery: { ...failing, maxDeliveryAttempts: 2 }, logger: null });
  a.subscribe("orders.eu", () => { throw new Error("gateway down"); }, { name: "saver" });
  const id = a.publish("orders.eu", { total: 42 }, { attributes: { region: "eu" }, orderingKey: "c-7" });
  while (a.deadLetters().length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  await a.close();
  const seen = [];
  const b = new PubSub({ deadLetterStore: memoryStore(first.letters()), autoCreateTopics: true });
  const [letter] = b.deadLetters();
  assert.deepEqual({ id: letter.message.id, attempts: letter.attempts, reason: letter.reason, error: letter.error.message,
    attributes: { ...letter.message.attributes }, key: letter.message.orderingKey, data: letter.message.data },
  { id, attempts: 2, reason: "MAX_ATTEMPTS", error: "gateway down", attributes: { region: "eu" }, key: "c-7", data: { total: 42 } });
  assert.equal(b.replayDeadLetters(), 0, "no subscription named saver yet: kept");
  b.subscribe("orders.eu", (msg) => { seen.push([msg.id, msg.attempt, msg.orderingKey]); }, { name: "saver" });
  assert.equal(b.replayDeadLetters({ subscription: "saver" }), 1);
  await settle();
  assert.deepEqual(seen, [[id, 1, "c-7"]]);
  assert.ok(b.publish("orders.eu", 1) > id, "new ids stay above restored ones");
  await b.close();
});

test("letters the store gives back are checked: a bad one is logged and left out, never thrown, never fatal", async () => {
  const good = { message: { id: 3, topic: "t", sequence: 1, publishedAt: 0, attributes: {}, data: 1 }, subscription: "s", reason: "SHUTDOWN", attempts: 0, deadLetteredAt: 0 };
  const bad = [
    null, 7, {}, { ...good, reason: "NOPE" }, { ...good, subscription: "a..b" }, { ...good, attempts: -1 },
    { ...good, message: { ...good.message, topic: "" } }, { ...good, message: { ...good.message, id: 1.5 } },
    { ...good, message: { ...good.message, attributes: { k: 1 } } }, { ...good, error: { code: "X", message: "m" } },
    { ...good, message: new Proxy({}, { get() { throw new Error("trap"); } }) },
  ];
  const logs = [];
  const store = { ...memoryStore(), letters: () => [...bad, good] };
  const bus = new PubSub({ deadLetterStore: store, logger: (r) => logs.push(r) });
  assert.deepEqual(bus.deadLetters().map((l) => l.message.id), [3]);
  assert.equal(logs.filter((r) => r.event === "deadLetter.restoreRefused").length, bad.length);
  const thrower = new PubSub({ deadLetterStore: { add() {}, remove() {}, letters() { throw new Error("boom"); } }, logger: (r) => logs.push(r) });
  assert.equal(thrower.deadLetters().length, 0);
  await bus.close();
  await thrower.close();
});

test("a store without add and remove is an INVALID_CONFIG; a throwing add is counted as a callback error", async () => {
  throwsCode(() => new PubSub({ deadLetterStore: { add() {} } }), "INVALID_CONFIG");
  throwsCode(() => new PubSub({ deadLetterStore: 5 }), "INVALID_CONFIG");
  const bus = new PubSub({ autoCreateTopics: true, logger: null, delivery: failing, deadLetterStore: { add() { throw new Error("full"); }, remove() {} } });
  throwsCode(() => bus.configure({ deadLetterStore: null }), "INVALID_CONFIG");
  bus.subscribe("t", () => { throw new Error("no"); });
  bus.publish("t", 1);
  await settle();
  assert.equal(bus.metrics().deadLetterCallbackErrors, 1);
  assert.equal(bus.deadLetters().length, 1, "the bus keeps the letter");
  await bus.close();
});
