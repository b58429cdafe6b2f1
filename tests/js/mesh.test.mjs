// "Once per bus, no echo, no loops" (README "Cross-tab messaging") for bursts longer than any
// fixed memory and for topologies of 16 buses: triangles, full meshes, rings, stars and one
// shared BroadcastChannel.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { countingBus, quiet } from "./bridge-helpers.mjs";

/** Two in-memory ports that deliver synchronously, inside `postMessage`: a bus receives
 * while the one that posted is still publishing. */
function syncChannel() {
  const port = () => ({
    listeners: new Set(),
    postMessage(data) {
      for (const listener of this.peer.listeners) listener({ data: structuredClone(data) });
    },
    addEventListener(type, listener) {
      this.listeners.add(listener);
    },
    removeEventListener(type, listener) {
      this.listeners.delete(listener);
    },
    close() {},
  });
  const [port1, port2] = [port(), port()];
  [port1.peer, port2.peer] = [port2, port1];
  return { port1, port2 };
}

/** `n` counting buses and the ports that link them, per `edges` ([i, j] pairs). */
function topology(n, edges, channel = () => new MessageChannel()) {
  const buses = Array.from({ length: n }, () => countingBus({ delivery: { queueCapacity: 20_000 } }));
  const ports = [];
  for (const [i, j] of edges) {
    const { port1, port2 } = channel();
    buses[i].bus.bridge(port1);
    buses[j].bus.bridge(port2);
    ports.push(port1);
  }
  return { buses, ports };
}

async function closeAll({ buses, ports }) {
  for (const { bus } of buses) await bus.close();
  for (const port of ports) port.close();
}

const fullMesh = (n) => Array.from({ length: n }, (_, i) => Array.from({ length: n - i - 1 }, (_, k) => [i, i + k + 1])).flat();
const ring = (n) => Array.from({ length: n }, (_, i) => [i, (i + 1) % n]);
const star = (n) => Array.from({ length: n - 1 }, (_, i) => [0, i + 1]);

/** Publishes `count` messages from each of `from` (data: "bus/n"), waits for the traffic to
 * stop (or for a bus to see more than it should), and checks each bus saw each message once. */
async function exactlyOnce(net, count, from = net.buses.map((_, i) => i)) {
  for (const i of from) {
    for (let n = 0; n < count; n++) net.buses[i].bus.publish("burst", `${i}/${n}`);
  }
  const expected = count * from.length;
  const totals = await quiet(() => net.buses.map(({ seen }) => seen.total), 300, 20000);
  assert.deepEqual(totals, net.buses.map(() => expected), "deliveries per bus");
  for (const { seen } of net.buses) {
    assert.equal(seen.counts.size, expected);
    assert.ok([...seen.counts.values()].every((n) => n === 1), "no message twice");
  }
}

describe("bridged topologies deliver each message exactly once on each bus", () => {
  test("a triangle of MessageChannels with a burst of 10 001", async () => {
    const net = topology(3, ring(3));
    try {
      await exactlyOnce(net, 10_001, [0]);
    } finally {
      await closeAll(net);
    }
  });

  test("a full mesh of 4 with a burst of 12 000 terminates", async () => {
    const net = topology(4, fullMesh(4));
    try {
      await exactlyOnce(net, 12_000, [0]);
    } finally {
      await closeAll(net);
    }
  });

  for (const [name, edges] of [["ring", ring(16)], ["full mesh", fullMesh(16)], ["star", star(16)]]) {
    test(`16 buses in a ${name}, 20 messages from each`, async () => {
      const net = topology(16, edges);
      try {
        await exactlyOnce(net, 20);
      } finally {
        await closeAll(net);
      }
    });
  }

  test("a full mesh of 6 over ports that deliver synchronously, re-entering each bus", async () => {
    const net = topology(6, fullMesh(6), syncChannel);
    try {
      await exactlyOnce(net, 50);
    } finally {
      await closeAll(net);
    }
  });

  test("16 buses on one BroadcastChannel, 50 messages from each", async () => {
    const buses = Array.from({ length: 16 }, () => countingBus());
    const ports = buses.map(({ bus }) => {
      const channel = new BroadcastChannel("mesh-test");
      bus.bridge(channel);
      return channel;
    });
    const net = { buses, ports };
    try {
      await exactlyOnce(net, 50);
    } finally {
      await closeAll(net);
    }
  });
});
