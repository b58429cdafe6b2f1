/* @ts-self-types="./browser.d.ts" */
// Browsers, web workers and bundlers. Vite, webpack 5 and Parcel see
// `new URL(..., import.meta.url)` and ship the .wasm as an asset.
// A page fetches and compiles the .wasm asynchronously (a top-level `await`). A worker reads
// and compiles it synchronously instead (a synchronous XMLHttpRequest, allowed in workers),
// so the module finishes evaluating in the task that loaded it: a worker's `onmessage` set
// after `import` is in place before the first message is dispatched. With an `await`
// pending, Chromium dispatches messages posted meanwhile to no listener, and they are lost.
import init, { __configFromEnv, Bridge, Callbacks, Inbox, initSync, PubSub, Reply, Settler, Subscription, Topic } from "./wasm_pubsub.js";
import { envReader, harden } from "./snippets/front.js";

const url = new URL("./wasm_pubsub_bg.wasm", import.meta.url);
const wasm = inWorker() ? initSync({ module: readSync(url) }) : await init({ module_or_path: url });
harden([PubSub, Topic, Subscription, Bridge, Reply], wasm, [Inbox, Callbacks], Settler);

function inWorker() {
  return typeof WorkerGlobalScope === "function" && typeof XMLHttpRequest === "function";
}

function readSync(url) {
  const request = new XMLHttpRequest();
  request.open("GET", url, false);
  request.responseType = "arraybuffer";
  request.send();
  if (request.status !== 200 && request.status !== 0) throw new Error(`wasm-pubsub: GET ${url} answered ${request.status}`);
  return request.response;
}

export { Bridge, PubSub, Subscription, Topic, wasmMemoryBytes } from "./wasm_pubsub.js";
export { PubSubError } from "./snippets/bus.js";
export const configFromEnv = envReader(__configFromEnv);
