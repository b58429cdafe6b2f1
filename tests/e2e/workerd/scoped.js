// A Worker whose bus lives at module scope, built while workerd loads the Worker (where
// random values and timers are forbidden) and serving every request after that.
import { PubSub } from "wasm-pubsub";

const bus = new PubSub({ autoCreateTopics: true });
const paths = [];
bus.subscribe("requests.>", (msg) => {
  paths.push(msg.data.path);
});

export default {
  async fetch(request) {
    bus.publish("requests.in", { path: new URL(request.url).pathname });
    await new Promise((resolve) => setTimeout(resolve, 1));
    return Response.json({ paths, metrics: bus.metrics().published });
  },
};
