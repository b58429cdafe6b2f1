// A bridge peer: one bus in this page, with a subscription that records every message it
// sees, and a small API on `window.peer` that the end-to-end test drives: bridge to a
// BroadcastChannel, to a dedicated worker through a MessagePort, publish, read what arrived.
import { PubSub, PubSubError } from "wasm-pubsub";

const name = new URLSearchParams(location.search).get("peer") ?? "page";
const logs = [];
const received = [];
const bus = new PubSub({
  autoCreateTopics: true,
  logger: (record) => logs.push(record),
});
bus.subscribe(">", (msg) => {
  received.push({ topic: msg.topic, data: msg.data, attributes: { ...msg.attributes }, orderingKey: msg.orderingKey });
}, { name: `all-${name}` });

const bridges = new Map();
let worker = null;
let nextRequest = 0;
const pending = new Map();

/** Sends a command to the worker and resolves with its answer. */
function ask(command) {
  const id = ++nextRequest;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, ...command }, command.port ? [command.port] : []);
  });
}

window.peer = {
  name,
  received,
  logs,
  /** Bridges the bus to a new BroadcastChannel NAME (optionally only some topics). */
  channel(channelName, topics) {
    bridges.set(channelName, bus.bridge(new BroadcastChannel(channelName), topics ? { topics } : {}));
  },
  close(channelName) {
    bridges.get(channelName).close();
  },
  publish(topic, data, options) {
    return bus.publish(topic, data, options);
  },
  /** Posts VALUE on channel NAME from a plain BroadcastChannel (no bus): raw input for a peer. */
  postRaw(channelName, value) {
    const channel = new BroadcastChannel(channelName);
    channel.postMessage(value);
    channel.close();
  },
  stats() {
    return Object.fromEntries([...bridges].map(([key, bridge]) => [key, bridge.stats()]));
  },
  metrics: () => bus.metrics(),
  /** Starts the bridge worker and bridges to it through a MessageChannel. */
  async startWorker() {
    worker = new Worker(new URL("./bridge-worker.js", import.meta.url), { type: "module" });
    await new Promise((resolve, reject) => {
      worker.addEventListener("message", function ready(event) {
        if (event.data !== "ready") return;
        worker.removeEventListener("message", ready);
        resolve();
      });
      worker.addEventListener("error", (event) => reject(new Error(`worker error: ${event.message}`)));
    });
    worker.addEventListener("message", (event) => {
      const { id, result, error } = event.data;
      const request = pending.get(id);
      pending.delete(id);
      if (error) request?.reject(new Error(error));
      else request?.resolve(result);
    });
    const { port1, port2 } = new MessageChannel();
    bridges.set("worker", bus.bridge(port1));
    await ask({ command: "bridge", port: port2 });
  },
  workerPublish: (topic, data) => ask({ command: "publish", topic, data }),
  workerReceived: () => ask({ command: "received" }),
  workerStats: () => ask({ command: "stats" }),
  isPubSubError: (err) => err instanceof PubSubError,
};

document.getElementById("peer").textContent = name;
document.getElementById("status").textContent = "ready";
document.body.dataset.ready = "true";
