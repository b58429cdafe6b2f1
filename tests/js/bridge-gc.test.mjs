// The bridge's ownership rule (README "Cross-tab messaging"): an open bridge keeps its bus
// alive, as an event listener keeps its function, until bridge.close() or bus.close(); no
// dropped reference ever leaves a listener behind that throws.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PubSub } from "wasm-pubsub";
import { frame, quiet, sleep, uncaught, until } from "./bridge-helpers.mjs";
import { collect } from "./helpers.mjs";

/** Bridges a bus made here to `port` and returns only what its subscriber records (and the
 * bridge when `keepBridge`): nothing else references the bus. */
function bridgedBus(port, keepBridge = false) {
  const seen = [];
  const bus = new PubSub({ autoCreateTopics: true });
  bus.subscribe(">", (msg) => {
    seen.push(msg.data);
  });
  const bridge = bus.bridge(port);
  return { seen, bridge: keepBridge ? bridge : undefined };
}

/** A port that has no removeEventListener: its listeners are called by `dispatch`. */
function bareport() {
  const listeners = [];
  return {
    listeners,
    postMessage() {},
    addEventListener(type, listener) {
      if (type === "message") listeners.push(listener);
    },
    dispatch(data) {
      for (const listener of listeners) listener({ data });
    },
  };
}

/** Collects until `registry` saw `token` finalized or `rounds` passed. */
async function finalized(tokens, token, rounds = 20) {
  for (let i = 0; i < rounds && !tokens.includes(token); i++) await collect(2);
  return tokens.includes(token);
}

describe("bridge ownership", () => {
  test("a bridged bus nobody references keeps delivering after GC, over a MessagePort and a BroadcastChannel", async () => {
    const errors = uncaught();
    const { port1, port2 } = new MessageChannel();
    const [sender, receiver] = [new BroadcastChannel("gc-test"), new BroadcastChannel("gc-test")];
    const onPort = bridgedBus(port1);
    const onChannel = bridgedBus(receiver);
    try {
      await collect();
      for (let id = 1; id <= 3; id++) {
        port2.postMessage(frame({ id, data: id }));
        sender.postMessage(frame({ id, data: id }));
      }
      await until(() => onPort.seen.length === 3 && onChannel.seen.length === 3, "3 messages on each bus");
      await collect();
      port2.postMessage(frame({ id: 4, data: 4 }));
      await until(() => onPort.seen.length === 4, "a 4th message after another GC");
      assert.deepEqual(onPort.seen, [1, 2, 3, 4]);
      assert.deepEqual(onChannel.seen, [1, 2, 3]);
      assert.deepEqual(errors.stop(), []);
    } finally {
      errors.stop();
      port1.close();
      sender.close();
      receiver.close();
    }
  });

  test("keeping only the Bridge works; after close() the bus is freed and the port listener gone", async () => {
    const errors = uncaught();
    const { port1, port2 } = new MessageChannel();
    const tokens = [];
    const registry = new FinalizationRegistry((token) => tokens.push(token));
    let kept = bridgedBus(port1, true);
    const seen = kept.seen;
    try {
      await collect();
      port2.postMessage(frame({ id: 1, data: "one" }));
      await until(() => seen.length === 1, "delivery through a bus only its bridge references");
      assert.equal(kept.bridge.stats().received, 1);
      assert.equal(await finalized(tokens, "seen", 3), false, "the open bridge keeps the bus");
      kept.bridge.close();
      assert.equal(port1.listenerCount("message"), 0, "the listener was removed");
      registry.register(kept.bridge, "bridge");
      kept = undefined;
      port2.postMessage(frame({ id: 2, data: "two" }));
      await quiet(() => seen.length);
      assert.deepEqual(seen, ["one"], "a closed bridge delivers nothing");
      assert.ok(await finalized(tokens, "bridge"), "the Bridge handle was collected");
      assert.deepEqual(errors.stop(), []);
    } finally {
      errors.stop();
      port1.close();
    }
  });

  test("after close the bus's own objects are released: its handler can be collected", async () => {
    const { port1 } = new MessageChannel();
    const tokens = [];
    const registry = new FinalizationRegistry((token) => tokens.push(token));
    let bridge = (() => {
      const bus = new PubSub();
      const handler = () => {};
      registry.register(handler, "handler");
      bus.subscribe(">", handler);
      return bus.bridge(port1);
    })();
    assert.equal(await finalized(tokens, "handler", 3), false, "held while the bridge is open");
    bridge.close();
    bridge = undefined;
    assert.ok(await finalized(tokens, "handler"), "the bus and its subscription were freed");
    port1.close();
  });

  test("a port without removeEventListener: after bridge.close() or bus.close() its listener is inert", async () => {
    for (const closing of ["bridge", "bus"]) {
      const port = bareport();
      const bus = new PubSub({ autoCreateTopics: true });
      const seen = [];
      bus.subscribe(">", (msg) => seen.push(msg.data));
      const bridge = bus.bridge(port);
      port.dispatch(frame({ id: 1, data: "before" }));
      await sleep(0);
      if (closing === "bridge") bridge.close();
      else await bus.close();
      await collect();
      assert.doesNotThrow(() => port.dispatch(frame({ id: 2, data: "after" })), closing);
      await sleep(10);
      assert.deepEqual(seen, ["before"], closing);
      assert.deepEqual(bridge.stats(), { sent: 0, received: 1, rejected: 0, sendErrors: 0, duplicates: 0 }, closing);
      if (closing === "bridge") await bus.close();
    }
  });

  test("a bus closed while nothing references it stops listening and can be collected", async () => {
    const { port1, port2 } = new MessageChannel();
    const tokens = [];
    const registry = new FinalizationRegistry((token) => tokens.push(token));
    let close = (() => {
      const bus = new PubSub({ autoCreateTopics: true });
      const handler = () => {};
      registry.register(handler, "handler");
      bus.subscribe(">", handler);
      bus.bridge(port1);
      return () => bus.close();
    })();
    await close();
    close = undefined;
    assert.equal(port1.listenerCount("message"), 0);
    port2.postMessage(frame());
    await sleep(10);
    assert.ok(await finalized(tokens, "handler"), "the closed bus was freed");
    port1.close();
  });
});
