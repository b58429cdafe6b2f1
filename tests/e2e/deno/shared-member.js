// One member of the group "workers" (see shared.js): a bus on the channel "deno-shared-jobs",
// bridged, coordinated, and subscribed as "workers", recording the jobs it handles.
import { PubSub } from "wasm-pubsub";
import { shareSubscriptions } from "wasm-pubsub/shared";

export function join() {
  const bus = new PubSub({ autoCreateTopics: true });
  const channel = new BroadcastChannel("deno-shared-jobs");
  bus.bridge(channel);
  shareSubscriptions(bus, channel, { heartbeatMs: 50, failoverMs: 400 });
  const handled = [];
  const subscription = bus.subscribe("jobs", (msg) => void handled.push(msg.data), { shared: "workers" });
  return { bus, handled, subscription };
}
