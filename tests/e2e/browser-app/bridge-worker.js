// A dedicated module worker with its own bus, bridged to the page through the MessagePort
// the page transfers; the page drives it with { id, command } messages.
import { PubSub } from "wasm-pubsub";

const bus = new PubSub({ autoCreateTopics: true });
const received = [];
bus.subscribe(">", (msg) => {
  received.push({ topic: msg.topic, data: msg.data });
}, { name: "all-worker" });
let bridge = null;

const commands = {
  bridge: ({ port }) => {
    bridge = bus.bridge(port);
    return true;
  },
  publish: ({ topic, data }) => bus.publish(topic, data),
  received: () => received,
  stats: () => bridge.stats(),
};

self.addEventListener("message", (event) => {
  const { id, command } = event.data;
  try {
    self.postMessage({ id, result: commands[command](event.data) });
  } catch (err) {
    self.postMessage({ id, error: `${err.name}: ${err.message}` });
  }
});
self.postMessage("ready");
