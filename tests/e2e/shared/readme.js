// The README's "One consumer per message across tabs" example, as written, between the
// job it runs (recorded in localStorage) and what the test reads.
import { PubSub } from "wasm-pubsub";
import { shareSubscriptions } from "wasm-pubsub/shared";

const runJob = (job) => localStorage.setItem(`handled.${job.n}.${Math.random()}`, "");

const bus = new PubSub({ autoCreateTopics: true });
const channel = new BroadcastChannel("app");
bus.bridge(channel);
const shared = shareSubscriptions(bus, channel);

// In every tab: one of them runs each job, whichever tab published it.
bus.subscribe("jobs", (msg) => runJob(msg.data), { shared: "workers" });
bus.publish("jobs", { n: 1 });

bus.health().shared; // [{ name: "workers", role: "leader", epoch: 1, holding: 0 }]
shared.stats(); // { sent, sendErrors, received, rejected, groups: { workers: { role, handled, settledByLeader, takenOver, … } } }

Object.assign(window, { bus, shared, ready: true });
