// The README's "Surviving the browser" recipe, as a page the Chromium test drives: `?save=`
// picks what the handler does (fail: throws, hang: never settles, ok: records the ids it
// handled, off: no subscription, so restored letters stay put); `?raw` also opens a bridge
// directly, on the channel "app-raw", which the lifecycle does not close while hidden.
import { PubSub } from "wasm-pubsub";
import { attachPageLifecycle, indexedDbStore } from "wasm-pubsub/durable";

const mode = new URLSearchParams(location.search).get("save") ?? "ok";
window.handled = [];
async function save(msg) {
  if (mode === "fail") throw new Error(`gateway down for ${msg.id}`);
  if (mode === "hang") return new Promise(() => {});
  window.handled.push([msg.id, msg.attempt]);
}

const store = await indexedDbStore("app");
const bus = new PubSub({ deadLetterStore: store, autoCreateTopics: true });
bus.configure({ delivery: { maxDeliveryAttempts: 2, retryBackoff: { initialMs: 1 }, circuitBreaker: { failureThreshold: 1000 } } });
const lifecycle = attachPageLifecycle(bus, { store, connect: () => new BroadcastChannel("app") });
if (new URLSearchParams(location.search).has("raw")) bus.bridge(new BroadcastChannel("app-raw"));

// Letters from earlier page loads are back, with their ids and attempts:
for (const dl of bus.deadLetters()) console.log(dl.reason, dl.message.id, dl.attempts);
window.restored = bus.deadLetters();

if (mode !== "off") {
  // A subscription of the same name picks them up:
  bus.subscribe("orders.eu", save, { name: "saver" });
  window.replayed = bus.replayDeadLetters({ subscription: "saver" });
}

Object.assign(window, { bus, store, lifecycle, ready: true });
