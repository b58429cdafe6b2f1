// The worker of shared.js: its own bus in the group "workers"; answers "report" with its role
// and what it handled, and "leave" by ending its subscription.
import { PubSub } from "wasm-pubsub";
import { shareSubscriptions } from "wasm-pubsub/shared";

const bus = new PubSub({ autoCreateTopics: true });
const channel = new BroadcastChannel("deno-shared-jobs");
bus.bridge(channel);
shareSubscriptions(bus, channel, { heartbeatMs: 50, failoverMs: 400 });
const handled = [];
const subscription = bus.subscribe("jobs", (msg) => void handled.push(msg.data), { shared: "workers" });

self.onmessage = (event) => {
  if (event.data === "leave") subscription.unsubscribe();
  self.postMessage({ role: bus.health().shared[0]?.role ?? "gone", handled });
};
