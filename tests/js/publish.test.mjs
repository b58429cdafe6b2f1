// API.md "Publishing": ids, synchronous queueing with delivery in a microtask, the Message,
// publishBatch (all or nothing), limits and their error codes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PubSub } from "wasm-pubsub";
import { FakeClock, recorder, settle, throwsCode } from "./helpers.mjs";

describe("publish", () => {
  test("returns numeric ids, strictly increasing across topics", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    bus.createTopic("b");
    const ids = [bus.publish("a", 1), bus.publish("b", 2), bus.publish("a", 3), bus.publish("a", 4)];
    for (const id of ids) assert.equal(typeof id, "number");
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], `${ids}`);
  });

  test("a payload whose Proxy trap publishes while it is measured is published after it", async () => {
    const bus = new PubSub();
    const topic = bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    const data = new Proxy({}, {
      getPrototypeOf() {
        bus.publish("a", "from the trap");
        return Object.prototype;
      },
    });
    bus.publish("a", data);
    topic.publish(data);
    bus.publishBatch("a", [{ data }]);
    await settle();
    const kinds = seen.data().map((d) => (d === data ? "proxy" : d));
    assert.equal(kinds.filter((k) => k === "proxy").length, 3);
    assert.ok(kinds.filter((k) => k === "from the trap").length >= 3, `${kinds}`);
    assert.equal(bus.health().status, "healthy");
  });

  test("a run of publishes lands on the topic each names: alternating topics and buses, a refusal in between, a trap publishing elsewhere", async () => {
    const [one, two] = [new PubSub(), new PubSub()];
    const seen = new Map();
    for (const [name, bus] of [["one", one], ["two", two]]) {
      for (const topic of ["a", "b"]) {
        bus.createTopic(topic);
        bus.subscribe(topic, (msg) => seen.set(`${name}/${topic}`, [...(seen.get(`${name}/${topic}`) ?? []), msg.data]));
      }
    }
    let trapped = false;
    const elsewhere = new Proxy({}, {
      getPrototypeOf() {
        if (!trapped) one.publish("b", "trap");
        trapped = true;
        return Object.prototype;
      },
    });
    one.publish("a", 1);
    one.publish("a", 2);
    two.publish("a", 3);
    one.publish("b", 4);
    one.publish("a", 5);
    throwsCode(() => one.publish("missing", 6), "TOPIC_NOT_FOUND");
    throwsCode(() => one.publish("a", "x".repeat(2 * 1024 * 1024)), "MESSAGE_TOO_LARGE");
    one.publish("a", 7);
    one.publish("a", elsewhere);
    one.publish("a", 8);
    const handle = two.createTopic("c");
    handle.publish(9);
    two.deleteTopic("c");
    throwsCode(() => handle.publish(10), "TOPIC_NOT_FOUND");
    one.topic("a").publish(11);
    await settle();
    assert.deepEqual(seen.get("one/a"), [1, 2, 5, 7, elsewhere, 8, 11]);
    for (const internal of ["__publishPlain", "__publishData", "__takeRefusal"]) {
      assert.equal(internal in one || internal in handle, false, `${internal} is the front's alone`);
    }
    assert.equal(two.metrics().rejected, 1);
    assert.deepEqual(seen.get("one/b"), [4, "trap"]);
    assert.deepEqual(seen.get("two/a"), [3]);
    assert.equal(seen.get("two/b"), undefined);
    assert.equal(one.metrics().rejected, 2);
  });

  test("a publish made while a publish runs (a bridge's port posting, a logger) does not redirect the next publish", async () => {
    const seen = [];
    const bus = new PubSub({ logger: (record) => record.topic === "d" && record.event === "topic.created" && bus.publish("c", "logged") });
    for (const topic of ["a", "b", "c"]) {
      bus.createTopic(topic);
      bus.subscribe(topic, (msg) => seen.push(`${topic}:${msg.data}`));
    }
    let posting = false;
    bus.bridge({
      postMessage(frame) {
        if (posting || frame.topic !== "a") return;
        posting = true;
        bus.publish("b", "posted");
        posting = false;
      },
      addEventListener() {},
    });
    bus.publish("a", 1);
    bus.publish("a", 2);
    bus.configure({ autoCreateTopics: true });
    bus.publish("d", 3);
    bus.publish("d", 4);
    await settle();
    assert.deepEqual(seen.sort(), ["a:1", "a:2", "b:posted", "b:posted", "c:logged"]);
    assert.deepEqual(bus.topics(), ["a", "b", "c", "d"]);
  });

  test("with no subscriber the message is accepted (unrouted) and gets an id", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    assert.equal(typeof bus.publish("a", "nobody listens"), "number");
  });

  test("handlers never run inside publish: delivery starts in a microtask, not on a timer", async () => {
    const clock = new FakeClock();
    const bus = new PubSub({ clock });
    bus.createTopic("a");
    let publishing = false;
    const calls = [];
    bus.subscribe("a", () => calls.push(publishing ? "inside publish" : "after publish"));
    publishing = true;
    bus.publish("a", 1);
    bus.publishBatch("a", [{ data: 2 }]);
    publishing = false;
    assert.deepEqual(calls, []);
    await settle(); // microtasks only: the fake clock never advances
    assert.deepEqual(calls, ["after publish", "after publish"]);
  });

  test("the handler gets the Message envelope", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const bus = new PubSub({ clock });
    bus.createTopic("orders.eu");
    const seen = recorder();
    bus.subscribe("orders.eu", seen.handler);
    const id = bus.publish("orders.eu", "paid", { attributes: { region: "eu", kind: "order" }, orderingKey: "customer-7" });
    await clock.advance(5);
    const [msg] = seen.messages;
    assert.deepEqual(Object.getPrototypeOf(msg), Object.prototype, "a plain object");
    assert.deepEqual(Object.keys(msg).sort(),
      ["attempt", "attributes", "data", "id", "orderingKey", "publishedAt", "sequence", "topic"]);
    assert.equal(msg.id, id);
    assert.equal(msg.topic, "orders.eu");
    assert.equal(msg.sequence, 1);
    assert.equal(msg.publishedAt, 1_700_000_000_000, "the clock's now() at publish");
    assert.equal(msg.orderingKey, "customer-7");
    assert.equal(msg.data, "paid");
    assert.equal(msg.attempt, 1);
    assert.equal(Object.getPrototypeOf(msg.attributes), null, "attributes have no prototype");
    assert.deepEqual({ ...msg.attributes }, { region: "eu", kind: "order" });
  });

  test("without attributes or orderingKey: empty null-prototype attributes, no orderingKey", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    bus.publish("a", "x");
    await settle();
    const [msg] = seen.messages;
    assert.equal(Object.getPrototypeOf(msg.attributes), null);
    assert.deepEqual(Object.keys(msg.attributes), []);
    assert.equal(msg.orderingKey, undefined);
    assert.ok(!Object.keys(msg).some((k) => !["id", "topic", "sequence", "publishedAt",
      "attributes", "orderingKey", "data", "attempt"].includes(k)));
  });

  test("attributes named like Object.prototype members are plain data", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    bus.publish("a", "x", { attributes: { ["__proto__"]: "p", constructor: "c", toString: "t" } });
    await settle();
    const { attributes } = seen.messages[0];
    assert.ok(Object.hasOwn(attributes, "__proto__"));
    assert.equal(attributes["__proto__"], "p");
    assert.equal(attributes.constructor, "c");
    assert.equal(attributes.toString, "t");
  });

  test("data is passed by reference, never copied or serialized", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    const object = { nested: { n: 1 } };
    const bytes = new Uint8Array([1, 2, 3]);
    const fn = () => "functions too";
    class Order {}
    const order = new Order();
    for (const data of [object, bytes, fn, order, undefined, null, 42n]) bus.publish("a", data);
    await settle();
    assert.deepEqual(seen.data(), [object, bytes, fn, order, undefined, null, 42n]);
    assert.equal(seen.messages[0].data, object);
    assert.equal(seen.messages[1].data, bytes);
    assert.equal(seen.messages[2].data, fn);
    assert.equal(seen.messages[3].data, order);
  });

  test("sequence counts per topic from 1", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    bus.createTopic("b");
    const seen = recorder();
    bus.subscribe(">", seen.handler);
    bus.publish("a", 1);
    bus.publish("a", 2);
    bus.publish("b", 3);
    bus.publish("a", 4);
    await settle();
    assert.deepEqual(seen.messages.map((m) => `${m.topic}:${m.sequence}`), ["a:1", "a:2", "b:1", "a:3"]);
  });

  test("every matching subscription gets the message", async () => {
    const bus = new PubSub();
    bus.createTopic("orders.eu");
    const one = recorder();
    const two = recorder();
    bus.subscribe("orders.eu", one.handler);
    bus.subscribe("orders.*", two.handler);
    bus.publish("orders.eu", "x");
    await settle();
    assert.deepEqual(one.data(), ["x"]);
    assert.deepEqual(two.data(), ["x"]);
  });

  test("errors: INVALID_ARGUMENT, INVALID_TOPIC_NAME, TOPIC_NOT_FOUND", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    throwsCode(() => bus.publish(42, "x"), "INVALID_ARGUMENT");
    throwsCode(() => bus.publish(undefined, "x"), "INVALID_ARGUMENT");
    throwsCode(() => bus.publish("a", "x", "not options"), "INVALID_ARGUMENT");
    throwsCode(() => bus.publish("a", "x", { orderingKey: 7 }), "INVALID_ARGUMENT", "orderingKey");
    throwsCode(() => bus.publish("a", "x", { orderingKey: "" }), "INVALID_ARGUMENT", "orderingKey");
    throwsCode(() => bus.publish("a", "x", { orderingKey: "k".repeat(1025) }), "INVALID_ARGUMENT", "orderingKey");
    throwsCode(() => bus.publish("a..b", "x"), "INVALID_TOPIC_NAME");
    throwsCode(() => bus.publish("a.*", "x"), "INVALID_TOPIC_NAME");
    throwsCode(() => bus.publish("missing", "x"), "TOPIC_NOT_FOUND", "missing");
  });

  test("an orderingKey of 1024 code points is accepted", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    bus.publish("a", "x", { orderingKey: "𝒜".repeat(1024) });
  });

  test("a getter that throws while the bus reads options becomes INVALID_ARGUMENT", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const options = {
      get attributes() {
        throw new Error("boom");
      },
    };
    throwsCode(() => bus.publish("a", "x", options), "INVALID_ARGUMENT");
  });
});

describe("autoCreateTopics", () => {
  test("off: publish on a missing topic throws TOPIC_NOT_FOUND and creates nothing", () => {
    const bus = new PubSub();
    throwsCode(() => bus.publish("orders", "x"), "TOPIC_NOT_FOUND");
    assert.deepEqual(bus.topics(), []);
  });

  test("on: publish creates the topic", () => {
    const bus = new PubSub({ autoCreateTopics: true });
    assert.equal(typeof bus.publish("orders.eu", "x"), "number");
    assert.deepEqual(bus.topics(), ["orders.eu"]);
  });

  test("on: subscribe to a plain name creates the topic; to a pattern it does not", async () => {
    const bus = new PubSub({ autoCreateTopics: true });
    const seen = recorder();
    bus.subscribe("orders.eu", seen.handler);
    bus.subscribe("invoices.*", () => {});
    assert.deepEqual(bus.topics(), ["orders.eu"]);
    bus.publish("orders.eu", "x");
    await settle();
    assert.deepEqual(seen.data(), ["x"]);
  });

  test("on: auto-creation past maxTopics throws LIMIT_EXCEEDED", () => {
    const bus = new PubSub({ autoCreateTopics: true, limits: { maxTopics: 1 } });
    bus.publish("a", 1);
    throwsCode(() => bus.publish("b", 1), "LIMIT_EXCEEDED");
  });
});

describe("publishBatch", () => {
  test("returns one id per message, strictly increasing, delivered in order", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    const before = bus.publish("a", 0);
    const ids = bus.publishBatch("a", [
      { data: 1 },
      { data: 2, attributes: { k: "v" } },
      { data: 3, orderingKey: "x" },
    ]);
    assert.equal(ids.length, 3);
    assert.ok(before < ids[0] && ids[0] < ids[1] && ids[1] < ids[2]);
    await settle();
    assert.deepEqual(seen.data(), [0, 1, 2, 3]);
    assert.deepEqual(seen.messages.map((m) => m.id), [before, ...ids]);
    assert.deepEqual(seen.messages.map((m) => m.sequence), [1, 2, 3, 4]);
    assert.equal(seen.messages[2].attributes.k, "v");
    assert.equal(seen.messages[3].orderingKey, "x");
  });

  test("is all or nothing: one bad message and nothing is delivered", async () => {
    const bus = new PubSub({ limits: { maxMessageBytes: 8 } });
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    throwsCode(() => bus.publishBatch("a", [{ data: "ok" }, { data: "ok", attributes: { n: 1 } }]),
      "INVALID_ATTRIBUTES");
    throwsCode(() => bus.publishBatch("a", [{ data: "ok" }, { data: "far too large" }]), "MESSAGE_TOO_LARGE");
    throwsCode(() => bus.publishBatch("a", [{ data: "ok" }, "not a message"]), "INVALID_ARGUMENT");
    await settle();
    assert.deepEqual(seen.messages, []);
  });

  test("is all or nothing on capacity: QUEUE_FULL when the batch does not fit", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    const sub = bus.subscribe("a", seen.handler, { queueCapacity: 2 });
    sub.pause();
    throwsCode(() => bus.publishBatch("a", [{ data: 1 }, { data: 2 }, { data: 3 }]), "QUEUE_FULL");
    sub.resume();
    await settle();
    assert.deepEqual(seen.messages, []);
  });

  test("more than maxBatchSize messages throws BATCH_TOO_LARGE", () => {
    const bus = new PubSub({ limits: { maxBatchSize: 2 } });
    bus.createTopic("a");
    bus.publishBatch("a", [{ data: 1 }, { data: 2 }]);
    throwsCode(() => bus.publishBatch("a", [{ data: 1 }, { data: 2 }, { data: 3 }]), "BATCH_TOO_LARGE", "maxBatchSize");
  });

  test("a batch of plain { data } entries delivers each with the shared empty attributes", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    const ids = bus.publishBatch("a", [{ data: "x" }, { data: { n: 1 } }, { data: undefined }]);
    assert.ok(Array.isArray(ids));
    assert.deepEqual(ids, [ids[0], ids[0] + 1, ids[0] + 2]);
    await settle();
    assert.deepEqual(seen.data(), ["x", { n: 1 }, undefined]);
    for (const m of seen.messages) {
      assert.deepEqual(Object.keys(m.attributes), []);
      assert.ok(Object.isFrozen(m.attributes));
      assert.equal("orderingKey" in m, false);
    }
  });

  test("each message keeps the attributes it was published with, frozen, whatever is published after it", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    const published = [{ k: "1" }, { k: "1" }, { k: "2" }, { k: "1", j: "0" }, { j: "0", k: "1" }, {}, { k: "1" }];
    const source = { k: "1" };
    for (const attributes of published) bus.publish("a", 0, { attributes });
    bus.publishBatch("a", [{ data: 0, attributes: source }, { data: 0, attributes: { k: "3" } }]);
    source.k = "changed";
    bus.publish("a", 0, { attributes: source });
    await settle();
    const expected = [...published, { k: "1" }, { k: "3" }, { k: "changed" }];
    assert.deepEqual(seen.messages.map((m) => Object.entries(m.attributes)), expected.map((a) => Object.entries(a)));
    for (const m of seen.messages) {
      assert.ok(Object.isFrozen(m.attributes));
      assert.equal(Object.getPrototypeOf(m.attributes), null);
    }
  });

  test("a run of publishes with equal options keeps each message's topic, attributes and ordering key, across topics, buses and handles, and the limits still apply", async () => {
    const [one, two] = [new PubSub(), new PubSub()];
    const seen = [];
    for (const [name, bus] of [["one", one], ["two", two]]) {
      for (const topic of ["a", "b"]) {
        bus.createTopic(topic);
        bus.subscribe(topic, (msg) => seen.push(`${name}/${topic} ${msg.data} ${JSON.stringify(msg.attributes)} ${msg.orderingKey}`));
      }
    }
    const options = { attributes: { k: "1" }, orderingKey: "x" };
    one.publish("a", 1, options);
    one.publish("a", 2, options);
    one.publish("b", 3, options);
    two.publish("a", 4, options);
    one.publish("a", 5, { attributes: { k: "1" }, orderingKey: "y" });
    one.publish("a", 6, { attributes: { k: "2" }, orderingKey: "y" });
    one.topic("a").publish(7, { attributes: { k: "2" }, orderingKey: "y" });
    one.publish("a", 8, { attributes: { k: "2" } });
    await settle();
    one.deleteTopic("b");
    one.createTopic("b");
    one.subscribe("b", (msg) => seen.push(`one/b' ${msg.data} ${JSON.stringify(msg.attributes)} ${msg.orderingKey}`));
    one.publish("b", 9, { attributes: { k: "22" } });
    one.configure({ limits: { maxAttributeValueLength: 1 } });
    throwsCode(() => one.publish("b", 10, { attributes: { k: "22" } }), "INVALID_ATTRIBUTES");
    await settle();
    assert.deepEqual(seen.sort(), [
      'one/a 1 {"k":"1"} x', 'one/a 2 {"k":"1"} x', 'one/a 5 {"k":"1"} y', 'one/a 6 {"k":"2"} y',
      'one/a 7 {"k":"2"} y', 'one/a 8 {"k":"2"} undefined', 'one/b 3 {"k":"1"} x',
      "one/b' 9 {\"k\":\"22\"} undefined", 'two/a 4 {"k":"1"} x',
    ].sort());
  });

  test("an entry whose getter throws, or a list whose Proxy throws, is INVALID_ARGUMENT and counted", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    const hostile = { get data() { throw new Error("no"); } };
    throwsCode(() => bus.publishBatch("a", [{ data: 1 }, hostile]), "INVALID_ARGUMENT", "batch entry threw");
    const list = new Proxy([{ data: 1 }], { get(target, key) { if (key === "length") throw new Error("no"); return target[key]; } });
    throwsCode(() => bus.publishBatch("a", list), "INVALID_ARGUMENT");
    throwsCode(() => bus.publishBatch("a", [{ data: 1 }, null]), "INVALID_ARGUMENT", "must be an object");
    await settle();
    assert.deepEqual(seen.messages, []);
    assert.equal(bus.metrics().rejected, 2 + 1 + 2);
    assert.equal(bus.publish("a", "still works") > 0, true);
  });

  test("an entry's own enumerable keys are checked: a misspelt key is refused, a symbol key or an enumerable key inherited from a polluted Object.prototype is not read", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    throwsCode(() => bus.publishBatch("a", [{ data: 1 }, { data: 2, orderingkey: "k" }]), "INVALID_ARGUMENT", "unknown key");
    Object.defineProperty(Object.prototype, "polluted", { value: 1, enumerable: true, configurable: true });
    try {
      bus.publishBatch("a", [{ data: 3, [Symbol("tag")]: "ignored" }, { data: 4 }]);
    } finally {
      delete Object.prototype.polluted;
    }
    await settle();
    assert.deepEqual(seen.data(), [3, 4]);
  });

  test("messages that are not an array throw INVALID_ARGUMENT", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    throwsCode(() => bus.publishBatch("a", "nope"), "INVALID_ARGUMENT");
    throwsCode(() => bus.publishBatch("a", { data: 1 }), "INVALID_ARGUMENT");
  });
});

describe("limits", () => {
  test("maxMessageBytes counts UTF-8 bytes of string data: MESSAGE_TOO_LARGE", () => {
    const bus = new PubSub({ limits: { maxMessageBytes: 10 } });
    bus.createTopic("a");
    bus.publish("a", "1234567890");
    throwsCode(() => bus.publish("a", "12345678901"), "MESSAGE_TOO_LARGE", "maxMessageBytes");
    bus.publish("a", "ééééé"); // 5 code points, 10 bytes
    throwsCode(() => bus.publish("a", "éééééé"), "MESSAGE_TOO_LARGE"); // 12 bytes
  });

  test("maxMessageBytes counts binary data: ArrayBuffer, typed arrays, DataView", () => {
    const bus = new PubSub({ limits: { maxMessageBytes: 16 } });
    bus.createTopic("a");
    bus.publish("a", new Uint8Array(16));
    bus.publish("a", new Uint32Array(4));
    throwsCode(() => bus.publish("a", new ArrayBuffer(17)), "MESSAGE_TOO_LARGE");
    throwsCode(() => bus.publish("a", new Uint8Array(17)), "MESSAGE_TOO_LARGE");
    throwsCode(() => bus.publish("a", new Float64Array(3)), "MESSAGE_TOO_LARGE"); // 24 bytes
    throwsCode(() => bus.publish("a", new DataView(new ArrayBuffer(20))), "MESSAGE_TOO_LARGE");
    bus.publish("a", new Uint8Array(new ArrayBuffer(64), 8, 16)); // a view counts its own bytes
  });

  test("maxMessageBytes adds the UTF-8 bytes of attribute keys and values", () => {
    const bus = new PubSub({ limits: { maxMessageBytes: 10 } });
    bus.createTopic("a");
    bus.publish("a", "12345", { attributes: { ab: "cde" } });
    throwsCode(() => bus.publish("a", "12345", { attributes: { ab: "cdef" } }), "MESSAGE_TOO_LARGE");
    bus.publish("a", "12345", { orderingKey: "the ordering key is not counted" });
  });

  test("other data is not measured", () => {
    const bus = new PubSub({ limits: { maxMessageBytes: 1 } });
    bus.createTopic("a");
    bus.publish("a", { big: "x".repeat(10_000) });
    bus.publish("a", ["x".repeat(10_000)]);
  });

  test("a MESSAGE_TOO_LARGE error never quotes the payload", () => {
    const bus = new PubSub({ limits: { maxMessageBytes: 4 } });
    bus.createTopic("a");
    try {
      bus.publish("a", "SECRET-PAYLOAD");
      assert.fail("should throw");
    } catch (err) {
      assert.equal(err.code, "MESSAGE_TOO_LARGE");
      assert.ok(!err.message.includes("SECRET"), err.message);
    }
  });

  test("attributes: INVALID_ATTRIBUTES for non-strings, too many, too long", () => {
    const bus = new PubSub({ limits: { maxAttributes: 2, maxAttributeKeyLength: 3, maxAttributeValueLength: 4 } });
    bus.createTopic("a");
    bus.publish("a", "x", { attributes: { abc: "1234", d: "" } });
    bus.publish("a", "x", { attributes: { "𝒜𝒜𝒜": "𝒜𝒜𝒜𝒜" } }); // lengths count code points
    throwsCode(() => bus.publish("a", "x", { attributes: { n: 1 } }), "INVALID_ATTRIBUTES");
    throwsCode(() => bus.publish("a", "x", { attributes: { a: "1", b: "2", c: "3" } }), "INVALID_ATTRIBUTES", "maxAttributes");
    throwsCode(() => bus.publish("a", "x", { attributes: { abcd: "1" } }), "INVALID_ATTRIBUTES", "maxAttributeKeyLength");
    throwsCode(() => bus.publish("a", "x", { attributes: { a: "12345" } }), "INVALID_ATTRIBUTES", "maxAttributeValueLength");
  });

  test("a full subscription with overflow \"reject\" makes publish throw QUEUE_FULL", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const sub = bus.subscribe("a", () => {}, { queueCapacity: 1 });
    sub.pause();
    bus.publish("a", 1);
    throwsCode(() => bus.publish("a", 2), "QUEUE_FULL");
  });
});
