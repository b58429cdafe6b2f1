/* @ts-self-types="./browser.d.ts" */
// Browsers, web workers and bundlers: fetch and compile the .wasm asynchronously. Vite,
// webpack 5 and Parcel see `new URL(..., import.meta.url)` and ship the .wasm as an asset.
import init from "./wasm_pubsub.js";

await init({ module_or_path: new URL("./wasm_pubsub_bg.wasm", import.meta.url) });

export * from "./wasm_pubsub.js";
export { PubSubError } from "@SNIPPET@";
