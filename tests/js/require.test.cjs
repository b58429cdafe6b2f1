// The CommonJS entry: require("wasm-pubsub") gives the same API, synchronously ready.
"use strict";
const assert = require("node:assert/strict");
const { test } = require("node:test");

test("require gives PubSub and PubSubError; the bus works and throws PubSubErrors", async () => {
  const { PubSub, PubSubError, Topic, Subscription } = require("wasm-pubsub");
  assert.equal(typeof PubSub, "function");
  assert.equal(typeof Topic, "function");
  assert.equal(typeof Subscription, "function");
  const bus = new PubSub();
  const topic = bus.createTopic("orders");
  assert.ok(topic instanceof Topic);
  const seen = [];
  bus.subscribe("orders", (msg) => {
    seen.push(msg.data);
  });
  const id = bus.publish("orders", "from require");
  assert.equal(typeof id, "number");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, ["from require"]);
  assert.throws(() => bus.createTopic("orders"), (err) => {
    assert.ok(err instanceof PubSubError, "instanceof the exported PubSubError");
    assert.ok(err instanceof Error);
    assert.equal(err.name, "PubSubError");
    assert.equal(err.code, "TOPIC_EXISTS");
    return true;
  });
  assert.deepEqual(await bus.close(), { drained: 0, deadLettered: 0 });
});

test("an error from require's copy and one from import's copy are each instanceof both PubSubErrors", async () => {
  const required = require("wasm-pubsub");
  const imported = await import("wasm-pubsub");
  const errors = [new required.PubSub(), new imported.PubSub()].map((bus) => {
    bus.createTopic("t");
    try {
      bus.createTopic("t");
    } catch (err) {
      return err;
    }
    return null;
  });
  for (const err of errors) {
    assert.ok(err instanceof required.PubSubError);
    assert.ok(err instanceof imported.PubSubError);
  }
  assert.ok(!(new Error("plain") instanceof required.PubSubError));
});
