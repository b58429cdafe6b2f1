// The page — a dedicated worker with its own bus, through a MessageChannel:
import { PubSub } from "wasm-pubsub";

const bus = new PubSub({ autoCreateTopics: true });
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const { port1, port2 } = new MessageChannel();
bus.bridge(port1);
worker.postMessage({ port: port2 }, [port2]);
bus.publish("jobs.start", { n: 1 }); // reaches the worker's bus, still loading or not
// ↑ the README's snippet, verbatim (bridge.test.mjs checks); below, what the test reads.

window.echoes = [];
bus.subscribe("done.>", (msg) => {
  window.echoes.push({ topic: msg.topic, data: msg.data, at: performance.now() });
});
bus.publish("jobs.start", { n: 2 });
