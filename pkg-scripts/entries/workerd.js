/* @ts-self-types="./workerd.d.ts" */
// Cloudflare workerd: it refuses to compile wasm from bytes at run time, so the .wasm is
// imported as a module, which workerd compiles when it loads the Worker.
import wasm from "./wasm_pubsub_bg.wasm";
import { initSync } from "./wasm_pubsub.js";

initSync({ module: wasm });

export * from "./wasm_pubsub.js";
export { PubSubError } from "@SNIPPET@";
