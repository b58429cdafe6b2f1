// API.md "Cross-tab and cross-context bridge", in Node: buses bridged through a MessageChannel,
// a BroadcastChannel, and a worker_threads Worker with its own copy of the module.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Worker } from "node:worker_threads";
import { PubSub } from "wasm-pubsub";

/** Waits for `fn()` to be truthy (real time: ports deliver on the event loop). */
async function until(fn, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A bus with autoCreateTopics and a `>` subscription recording "topic data". */
function recordingBus() {
  const bus = new PubSub({ autoCreateTopics: true });
  const seen = [];
  bus.subscribe(">", (msg) => {
    seen.push(`${msg.topic} ${JSON.stringify(msg.data)}`);
  });
  return { bus, seen };
}

describe("bridge", () => {
  test("two buses over a MessageChannel: both ways, once each, no echo", async () => {
    const left = recordingBus();
    const right = recordingBus();
    const { port1, port2 } = new MessageChannel();
    const a = left.bus.bridge(port1);
    const b = right.bus.bridge(port2);
    left.bus.publish("chat.room", { from: "left" }, { attributes: { lang: "en" } });
    right.bus.publish("chat.room", { from: "right" });
    await until(() => left.seen.length === 2 && right.seen.length === 2, "2 messages on each side");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const both = ['chat.room {"from":"left"}', 'chat.room {"from":"right"}'];
    assert.deepEqual(left.seen.sort(), both);
    assert.deepEqual(right.seen.sort(), both);
    assert.deepEqual(a.stats(), { sent: 1, received: 1, rejected: 0, sendErrors: 0, duplicates: 0 });
    assert.deepEqual(b.stats(), { sent: 1, received: 1, rejected: 0, sendErrors: 0, duplicates: 0 });
    await left.bus.close();
    await right.bus.close();
    port1.close();
  });

  test("three buses on one BroadcastChannel plus a MessageChannel triangle deliver exactly once", async () => {
    const buses = [recordingBus(), recordingBus(), recordingBus()];
    const channels = buses.map(() => new BroadcastChannel("wasm-pubsub-node-test"));
    buses.forEach(({ bus }, i) => bus.bridge(channels[i]));
    const ports = [];
    for (const [i, j] of [[0, 1], [1, 2], [2, 0]]) {
      const { port1, port2 } = new MessageChannel();
      buses[i].bus.bridge(port1);
      buses[j].bus.bridge(port2);
      ports.push(port1, port2);
    }
    buses.forEach(({ bus }, i) => bus.publish(`mesh.n${i}`, i));
    await until(() => buses.every(({ seen }) => seen.length >= 3), "3 messages on every bus");
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const { seen } of buses) assert.deepEqual(seen.sort(), ["mesh.n0 0", "mesh.n1 1", "mesh.n2 2"]);
    for (const { bus } of buses) await bus.close();
    for (const channel of channels) channel.close();
    for (const port of ports) port.close();
  });

  test("a worker_threads Worker with its own bus, bridged through a transferred port", async () => {
    const page = recordingBus();
    const { port1, port2 } = new MessageChannel();
    page.bus.bridge(port1);
    const worker = new Worker(`
      const { parentPort, workerData } = require("node:worker_threads");
      const { PubSub } = require("wasm-pubsub");
      const bus = new PubSub({ autoCreateTopics: true });
      bus.subscribe("to-worker.>", (msg) => bus.publish("from-worker.echo", "got " + msg.data));
      bus.bridge(workerData.port);
      parentPort.postMessage("ready");
    `, { eval: true, workerData: { port: port2 }, transferList: [port2] });
    try {
      await new Promise((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      page.bus.publish("to-worker.ping", "ping");
      await until(() => page.seen.includes('from-worker.echo "got ping"'), "the worker's answer");
      assert.deepEqual(page.seen, ['to-worker.ping "ping"', 'from-worker.echo "got ping"']);
    } finally {
      await page.bus.close();
      await worker.terminate();
      port1.close();
    }
  });

  test("malformed input is counted in rejected and logged, never thrown", async () => {
    const records = [];
    const bus = new PubSub({ autoCreateTopics: true, logger: (r) => records.push(r) });
    const { port1, port2 } = new MessageChannel();
    const bridge = bus.bridge(port1);
    for (const bad of [null, "text", { "wasm-pubsub": 1, origin: "x", id: 1, topic: "a..b", data: 1, attributes: {}, publishedAt: 0 }]) {
      port2.postMessage(bad);
    }
    await until(() => bridge.stats().rejected === 3, "3 rejections");
    assert.equal(records.filter((r) => r.event === "bridge.rejected").length, 3);
    assert.deepEqual(bus.topics(), []);
    await bus.close();
    port2.close();
  });
});
