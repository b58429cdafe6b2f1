/* @ts-self-types="./deno.d.ts" */
// Deno: compile the .wasm synchronously from disk.
import { initSync } from "./wasm_pubsub.js";

initSync({ module: Deno.readFileSync(new URL("./wasm_pubsub_bg.wasm", import.meta.url)) });

export * from "./wasm_pubsub.js";
export { PubSubError } from "@SNIPPET@";
