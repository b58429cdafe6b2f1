// wasm-pubsub/shared in workerd, which has no Web Locks: a shared subscription handles every
// copy itself, and health() says why (tests/e2e/workerd.test.mjs serves it bundled, as
// wrangler does).
import { PubSub } from "wasm-pubsub";
import { shareSubscriptions } from "wasm-pubsub/shared";

export default {
  async fetch() {
    const bus = new PubSub({ autoCreateTopics: true });
    shareSubscriptions(bus);
    const handled = [];
    bus.subscribe("jobs", (msg) => handled.push(msg.data), { shared: "workers" });
    bus.publish("jobs", 1);
    bus.publish("jobs", 2);
    await bus.drain({ timeoutMs: 1000 });
    const { shared } = bus.health();
    await bus.close();
    return Response.json({ handled, shared, locks: typeof globalThis.navigator?.locks });
  },
};
