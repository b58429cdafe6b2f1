// The CommonJS entry under Jest, whose own module system cannot require an ES module (and
// Node runs it with --no-experimental-require-module): `require("wasm-pubsub")` must load
// CommonJS only, and its errors must be instanceof the PubSubError it exports.
"use strict";
const { PubSub, PubSubError } = require("wasm-pubsub");

test("require gives a working bus whose errors are PubSubErrors", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const seen = [];
  bus.subscribe("orders.>", (msg) => {
    seen.push(msg.data);
  });
  bus.publish("orders.new", "from jest");
  expect(() => bus.publish("bad..topic", 1)).toThrow(PubSubError);
  let thrown = null;
  try {
    bus.publish("bad..topic", 1);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(PubSubError);
  expect(thrown.code).toBe("INVALID_TOPIC_NAME");
  expect(await bus.close()).toEqual({ drained: 1, deadLettered: 0 }); // delivered, then closed
  expect(seen).toEqual(["from jest"]);
});
