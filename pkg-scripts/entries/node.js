/* @ts-self-types="./node.d.ts" */
// Node (import): compile the .wasm synchronously from disk; Node cannot fetch a file: URL.
import { readFileSync } from "node:fs";
import { initSync } from "./wasm_pubsub.js";

initSync({ module: readFileSync(new URL("./wasm_pubsub_bg.wasm", import.meta.url)) });

export * from "./wasm_pubsub.js";
export { PubSubError } from "@SNIPPET@";
