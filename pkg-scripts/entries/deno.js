/* @ts-self-types="./deno.d.ts" */
// Deno: compile the .wasm synchronously from disk.
import { __configFromEnv, Bridge, Callbacks, Inbox, initSync, PubSub, Reply, Settler, Subscription, Topic } from "./wasm_pubsub.js";
import { envReader, harden } from "./snippets/front.js";

const wasm = initSync({ module: Deno.readFileSync(new URL("./wasm_pubsub_bg.wasm", import.meta.url)) });
harden([PubSub, Topic, Subscription, Bridge, Reply], wasm, [Inbox, Callbacks], Settler);

export { Bridge, PubSub, Subscription, Topic, wasmMemoryBytes } from "./wasm_pubsub.js";
export { PubSubError } from "./snippets/bus.js";
export const configFromEnv = envReader(__configFromEnv);
