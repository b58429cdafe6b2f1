// A tab of the shared-subscription test (tests/e2e/shared.test.mjs): a member of the group
// (member.js) that records each job it handles in localStorage, under a key of its own
// (a write a leaving page never loses), and reports it to the test through `record`, a
// Playwright binding, for the timings (a binding called as a page unloads may be lost).
import { PubSub } from "wasm-pubsub";
import { shareSubscriptions } from "wasm-pubsub/shared";
import { start } from "./member.js";

const tab = new URLSearchParams(location.search).get("tab");
function record(who, n) {
  localStorage.setItem(`handled.${n}.${who}.${Math.random()}`, "");
  window.record(who, n);
}

Object.assign(window, start({ PubSub, shareSubscriptions }, tab, record), { ready: true });

/** Starts a dedicated worker that joins the group; resolves with its role once it runs. */
window.startWorker = () => new Promise((resolve) => {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onmessage = ({ data }) => {
    if (data.role !== undefined) resolve(data.role);
    else record(data.who, data.n);
  };
  window.worker = worker;
});
