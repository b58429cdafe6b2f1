/* @ts-self-types="./node.d.ts" */
// Node (import): compile the .wasm synchronously from disk; Node cannot fetch a file: URL.
import { readFileSync } from "node:fs";
import { __configFromEnv, Bridge, Callbacks, Inbox, initSync, PubSub, Reply, Settler, Subscription, Topic } from "./wasm_pubsub.js";
import { envReader, harden } from "./snippets/front.js";

const wasm = initSync({ module: readFileSync(new URL("./wasm_pubsub_bg.wasm", import.meta.url)) });
harden([PubSub, Topic, Subscription, Bridge, Reply], wasm, [Inbox, Callbacks], Settler);

export { Bridge, PubSub, Subscription, Topic, wasmMemoryBytes } from "./wasm_pubsub.js";
export { PubSubError } from "./snippets/bus.js";
export const configFromEnv = envReader(__configFromEnv);
