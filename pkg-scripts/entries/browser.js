/* @ts-self-types="./browser.d.ts" */
// Browsers, web workers and bundlers: fetch and compile the .wasm asynchronously. Vite,
// webpack 5 and Parcel see `new URL(..., import.meta.url)` and ship the .wasm as an asset.
import init, { Bridge, PubSub, Subscription, Topic } from "./wasm_pubsub.js";
import { harden } from "@SNIPPET@";

const wasm = await init({ module_or_path: new URL("./wasm_pubsub_bg.wasm", import.meta.url) });
harden([PubSub, Topic, Subscription, Bridge], wasm.__wbg_stack_pointer);

export * from "./wasm_pubsub.js";
export { PubSubError } from "@SNIPPET@";
