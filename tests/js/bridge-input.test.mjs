// What arrives on a bridge is untrusted: forged and oversized frames are rejected, counted and
// logged without copying their strings into wasm memory and without hiding a genuine message.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PubSub, wasmMemoryBytes } from "wasm-pubsub";
import { frame, quiet, synchronousPorts, uncaught, until } from "./bridge-helpers.mjs";

/** A bus bridged to port1 of a fresh channel, recording deliveries and `bridge.*` logs. */
function listeningBus() {
  const logs = [];
  const seen = [];
  const bus = new PubSub({ autoCreateTopics: true, logger: (r) => r.event.startsWith("bridge.") && logs.push(r) });
  bus.subscribe(">", (msg) => seen.push(msg));
  const { port1, port2 } = new MessageChannel();
  const bridge = bus.bridge(port1);
  return { bus, bridge, port: port2, seen, logs, close: async () => (await bus.close(), port1.close()) };
}

const huge = "x".repeat(30_000_000);

describe("frames arriving on a bridge", () => {
  test("forged frames are rejected and counted, and do not use up the (origin, id) of a genuine one", async () => {
    const peer = listeningBus();
    const errors = uncaught();
    const forged = [
      frame({ topic: "a..b" }),
      frame({ topic: 7 }),
      frame({ id: "1" }),
      frame({ id: 0 }),
      frame({ origin: 5 }),
      frame({ origin: "" }),
      frame({ hops: "x" }),
      frame({ hops: 33 }),
      frame({ hops: 1e9 }),
      frame({ attributes: { a: 1 } }),
      frame({ attributes: ["x"] }),
      frame({ attributes: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])) }),
      frame({ orderingKey: 5 }),
      frame({ orderingKey: "" }),
      frame({ "wasm-pubsub": 2 }),
      null,
      "text",
    ];
    for (const bad of forged) peer.port.postMessage(bad);
    peer.port.postMessage(frame({ data: "genuine" }));
    try {
      await until(() => peer.seen.length === 1, "the genuine frame");
      const stats = await quiet(() => peer.bridge.stats());
      assert.equal(peer.seen[0].data, "genuine");
      assert.equal(stats.rejected, forged.length);
      assert.equal(stats.received, 1);
      assert.equal(peer.logs.filter((r) => r.event === "bridge.rejected").length, forged.length);
      assert.deepEqual(new Set(peer.logs.map((r) => r.level)), new Set(["warn"]));
      assert.deepEqual(errors.stop(), []);
    } finally {
      errors.stop();
      await peer.close();
    }
  });

  test("a 30M-character topic, attribute key or value, ordering key, origin or data is rejected without growing wasm memory", async () => {
    const peer = listeningBus();
    const oversized = [
      frame({ id: 1, topic: huge }),
      frame({ id: 2, attributes: { k: huge } }),
      frame({ id: 3, attributes: { [huge]: "v" } }),
      frame({ id: 4, orderingKey: huge }),
      frame({ id: 5, origin: huge }),
      frame({ id: 6, data: huge }),
    ];
    try {
      peer.port.postMessage(frame({ id: 1000, data: "warm-up" }));
      await until(() => peer.seen.length === 1, "a first delivery");
      const before = wasmMemoryBytes();
      for (const big of oversized) peer.port.postMessage(big);
      await until(() => peer.bridge.stats().rejected === oversized.length, "every oversized frame rejected", 20000);
      const after = wasmMemoryBytes();
      assert.ok(after - before <= 256 * 1024, `wasm memory grew by ${after - before} bytes`);
      assert.deepEqual(peer.logs.map((r) => r.code), ["INVALID_TOPIC_NAME", "INVALID_ATTRIBUTES", "INVALID_ATTRIBUTES", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "MESSAGE_TOO_LARGE"]);
    } finally {
      await peer.close();
    }
  });

  test("a frame past the hop limit is rejected; one at the limit is accepted", async () => {
    const peer = listeningBus();
    try {
      peer.port.postMessage(frame({ id: 1, hops: 33, data: "too far" }));
      peer.port.postMessage(frame({ id: 2, hops: 32, data: "at the limit" }));
      peer.port.postMessage(frame({ id: 3, hops: undefined, data: "no hops: one" }));
      await until(() => peer.seen.length === 2, "two deliveries");
      assert.deepEqual(peer.seen.map((m) => m.data), ["at the limit", "no hops: one"]);
      assert.equal(peer.logs[0].code, "LIMIT_EXCEEDED");
    } finally {
      await peer.close();
    }
  });

  test("ids below an origin's window are dropped as possible repeats and counted as duplicates", async () => {
    const peer = listeningBus();
    try {
      for (const id of [5, 5, 20_000, 19_999, 5, 11_000]) peer.port.postMessage(frame({ id, data: id }));
      const stats = await quiet(() => peer.bridge.stats());
      assert.deepEqual(peer.seen.map((m) => m.data), [5, 20_000, 19_999]);
      assert.deepEqual(stats, { sent: 0, received: 3, rejected: 0, sendErrors: 0, duplicates: 3 });
    } finally {
      await peer.close();
    }
  });

  test("a 129th origin evicts the least recently used one, logged as bridge.originEvicted", async () => {
    const peer = listeningBus();
    try {
      for (let n = 0; n < 129; n++) peer.port.postMessage(frame({ origin: `origin-${n}`, data: n }));
      peer.port.postMessage(frame({ origin: "origin-0", data: "forgotten, so new again" }));
      peer.port.postMessage(frame({ origin: "origin-128", data: "remembered: a repeat" }));
      const stats = await quiet(() => peer.bridge.stats());
      assert.deepEqual([stats.received, stats.duplicates], [130, 1]);
      assert.deepEqual(peer.logs.map((r) => [r.event, r.code]), [["bridge.originEvicted", "LIMIT_EXCEEDED"], ["bridge.originEvicted", "LIMIT_EXCEEDED"]]);
    } finally {
      await peer.close();
    }
  });
});

/** A bus bridged to a port that hands each frame to the bridge's listener at once, inside
 * `deliver(frame)`: frames can arrive while the bus is still receiving another. */
function synchronousBus(config = {}, bridgeOptions) {
  const logs = [];
  const seen = [];
  const bus = new PubSub({ autoCreateTopics: true, logger: (r) => r.event.startsWith("bridge.") && logs.push(r), ...config });
  const { receiving, deliver } = synchronousPorts();
  const bridge = bus.bridge(receiving, bridgeOptions);
  bus.subscribe(">", (msg) => seen.push(msg));
  return { bus, bridge, deliver, seen, logs };
}

/** What a delivery says of its topic, origin and data. */
const described = (msg) => [msg.topic, msg.origin.id, msg.data];

describe("frames repeating the last frame's topic and origin", () => {
  test("frames that alternate topics and origins each arrive on their own topic, from their own origin", async () => {
    const peer = synchronousBus();
    const steps = [["a", "p"], ["a", "p"], ["b", "p"], ["b", "q"], ["a", "q"], ["a", "p"], ["b", "p"], ["b", "p"]];
    steps.forEach(([topic, origin], n) => peer.deliver(frame({ topic, origin, id: n + 1, data: n })));
    try {
      await until(() => peer.seen.length === steps.length, "every frame");
      assert.deepEqual(peer.seen.map(described), steps.map(([topic, origin], n) => [topic, origin, n]));
    } finally {
      await peer.bus.close();
    }
  });

  test("a frame received while the inbox is receiving another does not change the topic or origin of the next", async () => {
    let nest = () => {};
    const peer = synchronousBus({ logger: (r) => r.event === "topic.created" && nest(r.topic) });
    nest = (topic) => topic === "a" && peer.deliver(frame({ topic: "b", origin: "q", id: 1, data: "nested" }));
    try {
      peer.deliver(frame({ topic: "a", origin: "p", id: 1, data: "outer" }));
      peer.deliver(frame({ topic: "a", origin: "p", id: 2, data: "next" }));
      await until(() => peer.seen.length === 3, "three deliveries");
      assert.deepEqual(peer.seen.map(described), [["b", "q", "nested"], ["a", "p", "outer"], ["a", "p", "next"]]);
    } finally {
      await peer.bus.close();
    }
  });

  test("a frame received while the data of another is measured (a Proxy's trap) does not take that one's topic or origin", async () => {
    const peer = synchronousBus();
    let nested = false;
    const data = new Proxy({}, {
      getPrototypeOf() {
        if (!nested) {
          nested = true;
          peer.deliver(frame({ topic: "c", origin: "q", id: 1, data: "nested" }));
        }
        return Object.prototype;
      },
    });
    try {
      peer.deliver(frame({ topic: "a", origin: "p", id: 1, data: "first" }));
      peer.deliver(frame({ topic: "a", origin: "p", id: 2, data }));
      await until(() => peer.seen.length === 3, "three deliveries");
      assert.deepEqual(peer.seen.map((msg) => [msg.topic, msg.origin.id, msg.data === data ? "proxy" : msg.data]), [
        ["a", "p", "first"],
        ["c", "q", "nested"],
        ["a", "p", "proxy"],
      ]);
    } finally {
      await peer.bus.close();
    }
  });

  test("a rejected or filtered frame between two on the same topic changes nothing for the second", async () => {
    const peer = synchronousBus({}, { topics: ["a", "c.*"] });
    try {
      peer.deliver(frame({ topic: "a", id: 1, data: 1 }));
      peer.deliver(frame({ topic: "b", id: 2, data: "not carried" }));
      peer.deliver(frame({ topic: "a", id: 3, data: 3 }));
      peer.deliver(frame({ topic: "x\uD800", id: 4, data: "lone surrogate" }));
      peer.deliver(frame({ topic: "a", id: 5, data: 5 }));
      peer.deliver(frame({ topic: "c..d", id: 6, data: "not carried either" }));
      peer.deliver(frame({ topic: "a", id: 3, data: "repeat" }));
      peer.deliver(frame({ topic: "c.d", id: 7, data: 7 }));
      peer.deliver(frame({ topic: "a", id: 8, data: 8 }));
      await until(() => peer.seen.length === 5, "five deliveries");
      assert.deepEqual(peer.seen.map((m) => [m.topic, m.data]), [["a", 1], ["a", 3], ["a", 5], ["c.d", 7], ["a", 8]]);
      assert.deepEqual(peer.logs.map((r) => r.code), ["INVALID_TOPIC_NAME"]);
      assert.deepEqual(peer.bridge.stats(), { sent: 0, received: 5, rejected: 1, sendErrors: 0, duplicates: 1 });
    } finally {
      await peer.bus.close();
    }
  });

  test("a topic the bus accepted before is rejected once a smaller maxTopicNameLength is configured", async () => {
    const peer = synchronousBus();
    try {
      peer.deliver(frame({ topic: "abcdef", id: 1, data: 1 }));
      peer.bus.configure({ limits: { maxTopicNameLength: 4 } });
      peer.deliver(frame({ topic: "abcdef", id: 2, data: "too long now" }));
      peer.deliver(frame({ topic: "abc", id: 3, data: 3 }));
      await until(() => peer.seen.length === 2, "two deliveries");
      assert.deepEqual(peer.seen.map((m) => [m.topic, m.data]), [["abcdef", 1], ["abc", 3]]);
      assert.deepEqual(peer.logs.map((r) => r.code), ["INVALID_TOPIC_NAME"]);
    } finally {
      await peer.bus.close();
    }
  });
});
