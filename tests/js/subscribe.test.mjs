// API.md "Subscribing": handlers (sync and async, awaited), patterns, options, the
// Subscription (state, pause, resume, unsubscribe), re-entrant handlers.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PubSub, Subscription } from "wasm-pubsub";
import { deferred, FakeClock, recorder, settle, throwsCode } from "./helpers.mjs";

describe("handlers", () => {
  test("a sync handler receives each message once, in order", async () => {
    const bus = new PubSub({ clock: new FakeClock() });
    bus.createTopic("a");
    const seen = recorder();
    bus.subscribe("a", seen.handler);
    for (let i = 1; i <= 5; i++) bus.publish("a", i);
    await settle();
    assert.deepEqual(seen.data(), [1, 2, 3, 4, 5]);
    assert.ok(seen.messages.every((m) => m.attempt === 1));
  });

  test("an async handler is awaited: with maxInFlight 1 the next message waits for its promise", async () => {
    const clock = new FakeClock();
    const bus = new PubSub({ clock });
    bus.createTopic("a");
    const started = [];
    const pending = [];
    bus.subscribe("a", (msg) => {
      started.push(msg.data);
      const d = deferred();
      pending.push(d);
      return d.promise;
    });
    bus.publish("a", "first");
    bus.publish("a", "second");
    await settle();
    assert.deepEqual(started, ["first"]);
    await clock.advance(1000);
    assert.deepEqual(started, ["first"], "still held back while the first promise is pending");
    pending[0].resolve();
    await settle();
    assert.deepEqual(started, ["first", "second"], "delivered once the first promise fulfilled");
    pending[1].resolve();
    await clock.advance(60_000);
    assert.deepEqual(started, ["first", "second"], "acked messages are not delivered again");
  });

  test("with maxInFlight 2 two async handler calls run at once", async () => {
    const bus = new PubSub({ clock: new FakeClock() });
    bus.createTopic("a");
    const started = [];
    bus.subscribe("a", (msg) => {
      started.push(msg.data);
      return new Promise(() => {});
    }, { maxInFlight: 2 });
    for (const n of [1, 2, 3]) bus.publish("a", n);
    await settle();
    assert.deepEqual(started, [1, 2]);
  });

  test("subscribe rejects a handler that is not a function with INVALID_ARGUMENT", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    throwsCode(() => bus.subscribe("a", "handler"), "INVALID_ARGUMENT");
    throwsCode(() => bus.subscribe("a"), "INVALID_ARGUMENT");
  });

  test("subscribe rejects bad options with INVALID_ARGUMENT naming them", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    throwsCode(() => bus.subscribe("a", () => {}, { maxInFlight: 0 }), "INVALID_ARGUMENT", "maxInFlight");
    throwsCode(() => bus.subscribe("a", () => {}, { maxInFlight: 1.5 }), "INVALID_ARGUMENT", "maxInFlight");
    throwsCode(() => bus.subscribe("a", () => {}, { queueCapacity: -1 }), "INVALID_ARGUMENT", "queueCapacity");
    throwsCode(() => bus.subscribe("a", () => {}, { ackTimeoutMs: NaN }), "INVALID_ARGUMENT", "ackTimeoutMs");
    throwsCode(() => bus.subscribe("a", () => {}, { overflow: "drop" }), "INVALID_ARGUMENT", "overflow");
    throwsCode(() => bus.subscribe("a", () => {}, { name: 5 }), "INVALID_ARGUMENT", "name");
  });

  test("a handler may publish from inside itself, to its own topic and to another", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    bus.createTopic("b");
    const seenA = [];
    const seenB = recorder();
    bus.subscribe("a", (msg) => {
      seenA.push(msg.data);
      if (msg.data < 3) bus.publish("a", msg.data + 1);
      bus.publish("b", `from ${msg.data}`);
    });
    bus.subscribe("b", seenB.handler);
    bus.publish("a", 1);
    await settle();
    assert.deepEqual(seenA, [1, 2, 3]);
    assert.deepEqual(seenB.data(), ["from 1", "from 2", "from 3"]);
  });

  test("a handler may subscribe, unsubscribe, create and delete topics from inside itself", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const late = recorder();
    let sub;
    sub = bus.subscribe("a", (msg) => {
      bus.createTopic(`t${msg.data}`);
      bus.deleteTopic(`t${msg.data}`);
      bus.subscribe("a", late.handler);
      sub.unsubscribe();
    });
    bus.publish("a", 1);
    await settle();
    assert.equal(sub.state, "closed");
    bus.publish("a", 2);
    await settle();
    assert.deepEqual(late.data(), [2]);
  });
});

describe("patterns", () => {
  async function deliveredTopics(pattern, topics) {
    const bus = new PubSub();
    for (const t of topics) bus.createTopic(t);
    const seen = recorder();
    bus.subscribe(pattern, seen.handler);
    for (const t of topics) bus.publish(t, t);
    await settle();
    return seen.data();
  }
  const topics = ["orders", "orders.eu", "orders.us", "orders.eu.paid", "invoices.eu"];

  test("`*` matches exactly one level", async () => {
    assert.deepEqual(await deliveredTopics("orders.*", topics), ["orders.eu", "orders.us"]);
    assert.deepEqual(await deliveredTopics("*.eu", topics), ["orders.eu", "invoices.eu"]);
    assert.deepEqual(await deliveredTopics("orders.*.paid", topics), ["orders.eu.paid"]);
  });

  test("`>` matches one or more trailing levels", async () => {
    assert.deepEqual(await deliveredTopics("orders.>", topics), ["orders.eu", "orders.us", "orders.eu.paid"]);
  });

  test("`>` alone matches every topic", async () => {
    assert.deepEqual(await deliveredTopics(">", topics), topics);
  });

  test("a pattern subscription sees topics created later", async () => {
    const bus = new PubSub();
    const seen = recorder();
    bus.subscribe("orders.*", seen.handler);
    bus.createTopic("orders.eu");
    bus.publish("orders.eu", "late");
    await settle();
    assert.deepEqual(seen.data(), ["late"]);
  });

  test("bad patterns throw INVALID_TOPIC_NAME", () => {
    const bus = new PubSub();
    for (const pattern of ["orders.>.eu", "orders.*x", "orders.e*", ">.orders", "orders..*", "", "orders.>>"]) {
      throwsCode(() => bus.subscribe(pattern, () => {}), "INVALID_TOPIC_NAME");
    }
  });

  test("a plain name needs the topic to exist: TOPIC_NOT_FOUND", () => {
    throwsCode(() => new PubSub().subscribe("orders", () => {}), "TOPIC_NOT_FOUND", "orders");
  });

  test("maxSubscriptionsPerTopic counts per topic-or-pattern string: LIMIT_EXCEEDED", () => {
    const bus = new PubSub({ limits: { maxSubscriptionsPerTopic: 1 } });
    bus.createTopic("a");
    bus.subscribe("a", () => {});
    bus.subscribe("*", () => {});
    throwsCode(() => bus.subscribe("a", () => {}), "LIMIT_EXCEEDED", "maxSubscriptionsPerTopic");
    throwsCode(() => bus.subscribe("*", () => {}), "LIMIT_EXCEEDED");
  });
});

describe("Subscription", () => {
  test("has a generated unique name, its topic or pattern, state and breakerState", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const one = bus.subscribe("a", () => {});
    const two = bus.subscribe("a", () => {});
    const three = bus.subscribe("a.>", () => {});
    assert.ok(one instanceof Subscription);
    for (const sub of [one, two, three]) {
      assert.equal(typeof sub.name, "string");
      assert.ok(sub.name.length > 0);
      assert.equal(sub.state, "active");
      assert.equal(sub.breakerState, "closed");
    }
    assert.equal(new Set([one.name, two.name, three.name]).size, 3);
    assert.equal(one.topic, "a");
    assert.equal(three.topic, "a.>");
  });

  test("a given name is kept; a duplicate throws SUBSCRIPTION_EXISTS, on any topic", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    bus.createTopic("b");
    assert.equal(bus.subscribe("a", () => {}, { name: "billing" }).name, "billing");
    throwsCode(() => bus.subscribe("a", () => {}, { name: "billing" }), "SUBSCRIPTION_EXISTS", "billing");
    throwsCode(() => bus.subscribe("b", () => {}, { name: "billing" }), "SUBSCRIPTION_EXISTS", "billing");
  });

  test("subscription names follow the topic name rules", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    throwsCode(() => bus.subscribe("a", () => {}, { name: "no spaces" }), "INVALID_TOPIC_NAME");
    throwsCode(() => bus.subscribe("a", () => {}, { name: "" }), "INVALID_TOPIC_NAME");
  });

  test("a name is free again after unsubscribe", () => {
    const bus = new PubSub();
    bus.createTopic("a");
    bus.subscribe("a", () => {}, { name: "billing" }).unsubscribe();
    assert.equal(bus.subscribe("a", () => {}, { name: "billing" }).name, "billing");
  });

  test("pause holds deliveries back; resume delivers them in order", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    const sub = bus.subscribe("a", seen.handler);
    sub.pause();
    assert.equal(sub.state, "paused");
    bus.publish("a", 1);
    bus.publish("a", 2);
    await settle();
    assert.deepEqual(seen.data(), []);
    sub.resume();
    assert.equal(sub.state, "active");
    await settle();
    assert.deepEqual(seen.data(), [1, 2]);
  });

  test("pause and resume are idempotent", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    const sub = bus.subscribe("a", seen.handler);
    sub.resume();
    sub.pause();
    sub.pause();
    assert.equal(sub.state, "paused");
    sub.resume();
    sub.resume();
    bus.publish("a", 1);
    await settle();
    assert.deepEqual(seen.data(), [1]);
  });

  test("unsubscribe closes it: queued messages are discarded, nothing more is delivered", async () => {
    const bus = new PubSub();
    bus.createTopic("a");
    const seen = recorder();
    const sub = bus.subscribe("a", seen.handler);
    bus.publish("a", "queued");
    sub.unsubscribe();
    assert.equal(sub.state, "closed");
    bus.publish("a", "after");
    await settle();
    assert.deepEqual(seen.data(), []);
    sub.unsubscribe();
    assert.equal(sub.state, "closed");
  });

  test("a subscription on a Topic handle is the same kind of Subscription", async () => {
    const bus = new PubSub();
    const seen = recorder();
    const sub = bus.createTopic("a").subscribe(seen.handler, { name: "s" });
    assert.ok(sub instanceof Subscription);
    throwsCode(() => bus.subscribe("a", () => {}, { name: "s" }), "SUBSCRIPTION_EXISTS");
    bus.publish("a", 1);
    await settle();
    assert.deepEqual(seen.data(), [1]);
  });
});
