// A tab of the shared-subscription test (tests/e2e/shared.test.mjs): a member of the group
// (member.js) that records each job it handles in localStorage, under a key of its own
// (a write a leaving page never loses), and reports it to the test through `record`, a
// Playwright binding, for the timings (a binding called as a page unloads may be lost).
import { PubSub } from "wasm-pubsub";
import { shareSubscriptions } from "wasm-pubsub/shared";
import { attachPageLifecycle, indexedDbStore } from "wasm-pubsub/durable";
import { start } from "./member.js";

const params = new URLSearchParams(location.search);
const tab = params.get("tab");
/** `&durable`: dead letters in IndexedDB and the page lifecycle attached, and a handler that
 * takes 10 ms, so that followers hold and queue copies when a page goes. */
const durable = params.has("durable");
/** `&cache`: the page lifecycle and the coordinator each open their own channel, closed while
 * the page is hidden, so that it can enter the back-forward cache. */
const connect = params.has("cache") ? () => new BroadcastChannel("shared-e2e") : undefined;
const store = durable ? await indexedDbStore("shared-e2e") : undefined;
function record(who, n) {
  localStorage.setItem(`handled.${n}.${who}.${Math.random()}`, "");
  window.record(who, n);
}

const member = start({ PubSub, shareSubscriptions }, tab, record, { config: { deadLetterStore: store }, slowMs: durable ? 10 : 0, connect });
/** The dead letters restored from an earlier page load. */
window.restored = member.bus.deadLetters().length;
if (durable || connect) attachPageLifecycle(member.bus, { store, connect });
Object.assign(window, member, { ready: true });

/** Starts a dedicated worker that joins the group; resolves with its role once it runs. */
window.startWorker = () => new Promise((resolve) => {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onmessage = ({ data }) => {
    if (data.role !== undefined) resolve(data.role);
    else record(data.who, data.n);
  };
  window.worker = worker;
});
