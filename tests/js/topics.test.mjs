// API.md "Topics": createTopic, topic, topics, deleteTopic, names, the Topic handle.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PubSub, PubSubError, Topic } from "wasm-pubsub";
import { recorder, settle, throwsCode } from "./helpers.mjs";

describe("createTopic / topic / topics / deleteTopic", () => {
  test("createTopic returns a Topic handle named after the topic", () => {
    const bus = new PubSub();
    const orders = bus.createTopic("orders");
    assert.ok(orders instanceof Topic);
    assert.equal(orders.name, "orders");
  });

  test("topic(name) finds an existing topic and gives undefined for a missing one", () => {
    const bus = new PubSub();
    bus.createTopic("orders.eu");
    assert.equal(bus.topic("orders.eu").name, "orders.eu");
    assert.equal(bus.topic("orders.us"), undefined);
  });

  test("topics() lists the names", () => {
    const bus = new PubSub();
    assert.deepEqual(bus.topics(), []);
    bus.createTopic("b");
    bus.createTopic("a.x");
    assert.ok(Array.isArray(bus.topics()));
    assert.deepEqual([...bus.topics()].sort(), ["a.x", "b"]);
  });

  test("creating an existing topic throws TOPIC_EXISTS", () => {
    const bus = new PubSub();
    bus.createTopic("orders");
    throwsCode(() => bus.createTopic("orders"), "TOPIC_EXISTS", "orders");
  });

  test("deleteTopic returns true once, then false; the name is free again", () => {
    const bus = new PubSub();
    bus.createTopic("orders");
    assert.equal(bus.deleteTopic("orders"), true);
    assert.equal(bus.deleteTopic("orders"), false);
    assert.deepEqual(bus.topics(), []);
    assert.equal(bus.topic("orders"), undefined);
    bus.createTopic("orders");
  });

  test("maxTopics bounds createTopic with LIMIT_EXCEEDED", () => {
    const bus = new PubSub({ limits: { maxTopics: 2 } });
    bus.createTopic("a");
    bus.createTopic("b");
    throwsCode(() => bus.createTopic("c"), "LIMIT_EXCEEDED", "maxTopics");
    bus.deleteTopic("a");
    bus.createTopic("c");
  });

  test("deleteTopic ends the subscriptions on exactly that name; pattern subscriptions stay", async () => {
    const bus = new PubSub();
    bus.createTopic("orders.eu");
    const exact = bus.subscribe("orders.eu", () => {});
    const pattern = recorder();
    const wide = bus.subscribe("orders.*", pattern.handler);
    bus.deleteTopic("orders.eu");
    assert.equal(exact.state, "closed");
    assert.equal(wide.state, "active");
    bus.createTopic("orders.eu");
    bus.publish("orders.eu", "again");
    await settle();
    assert.deepEqual(pattern.data(), ["again"]);
  });
});

describe("topic names", () => {
  const valid = [
    "orders",
    "orders.eu.paid",
    "a-b_c.D9",
    "ünïcödé.名前",
    "x".repeat(255),
    "ü".repeat(255),
    "𝒜".repeat(255), // astral letters: 255 code points, 510 UTF-16 units
    "e\u0301", // a letter and a combining mark, not normalized
  ];
  for (const name of valid) {
    test(`accepts ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${[...name].length})` : name)}`, () => {
      const bus = new PubSub();
      assert.equal(bus.createTopic(name).name, name);
      assert.deepEqual(bus.topics(), [name]);
    });
  }

  const invalid = [
    ["empty", ""],
    ["a leading dot", ".orders"],
    ["a trailing dot", "orders."],
    ["a doubled dot", "orders..eu"],
    ["a space", "orders eu"],
    ["a slash", "orders/eu"],
    ["a wildcard *", "orders.*"],
    ["a wildcard >", "orders.>"],
    ["an emoji", "orders.📦"],
    ["256 code points", "x".repeat(256)],
    ["256 astral code points", "𝒜".repeat(256)],
    ["a control character", "orders\n"],
  ];
  for (const [what, name] of invalid) {
    test(`rejects ${what} with INVALID_TOPIC_NAME`, () => {
      throwsCode(() => new PubSub().createTopic(name), "INVALID_TOPIC_NAME");
    });
  }

  test("maxTopicNameLength counts code points", () => {
    const bus = new PubSub({ limits: { maxTopicNameLength: 3 } });
    bus.createTopic("𝒜𝒜𝒜");
    throwsCode(() => bus.createTopic("abcd"), "INVALID_TOPIC_NAME");
  });

  test("a name that is not a string throws a PubSubError", () => {
    assert.throws(() => new PubSub().createTopic(42), PubSubError);
    assert.throws(() => new PubSub().createTopic(undefined), PubSubError);
  });
});

describe("the Topic handle", () => {
  test("publish, publishBatch and subscribe act on its topic", async () => {
    const bus = new PubSub();
    const orders = bus.createTopic("orders");
    const seen = recorder();
    const sub = orders.subscribe(seen.handler);
    assert.equal(sub.topic, "orders");
    const id = orders.publish("one", { attributes: { k: "v" } });
    const ids = orders.publishBatch([{ data: "two" }, { data: "three", orderingKey: "k" }]);
    assert.equal(typeof id, "number");
    assert.equal(ids.length, 2);
    assert.ok(id < ids[0] && ids[0] < ids[1]);
    await settle();
    assert.deepEqual(seen.data(), ["one", "two", "three"]);
    assert.deepEqual(seen.messages.map((m) => m.topic), ["orders", "orders", "orders"]);
    assert.deepEqual(seen.messages.map((m) => m.id), [id, ...ids]);
    assert.equal(seen.messages[0].attributes.k, "v");
    assert.equal(seen.messages[2].orderingKey, "k");
  });

  test("subscribe on a handle takes options", () => {
    const bus = new PubSub();
    const sub = bus.createTopic("orders").subscribe(() => {}, { name: "billing" });
    assert.equal(sub.name, "billing");
  });

  test("after deleteTopic its methods throw TOPIC_NOT_FOUND until the topic exists again", async () => {
    const bus = new PubSub();
    const orders = bus.createTopic("orders");
    bus.deleteTopic("orders");
    throwsCode(() => orders.publish("x"), "TOPIC_NOT_FOUND", "orders");
    throwsCode(() => orders.publishBatch([{ data: "x" }]), "TOPIC_NOT_FOUND");
    throwsCode(() => orders.subscribe(() => {}), "TOPIC_NOT_FOUND");
    bus.createTopic("orders");
    const seen = recorder();
    orders.subscribe(seen.handler);
    orders.publish("back");
    await settle();
    assert.deepEqual(seen.data(), ["back"]);
  });
});
