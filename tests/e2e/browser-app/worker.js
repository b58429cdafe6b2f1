// worker.js
import { PubSub } from "wasm-pubsub";

const bus = new PubSub({ autoCreateTopics: true });
self.onmessage = (event) => bus.bridge(event.data.port);
// ↑ the README's snippet, verbatim (bridge.test.mjs checks); below, the test's echo.

bus.subscribe("jobs.>", (msg) => {
  bus.publish("done.worker", msg.data);
});
