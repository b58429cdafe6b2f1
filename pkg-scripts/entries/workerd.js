/* @ts-self-types="./workerd.d.ts" */
// Cloudflare workerd: it refuses to compile wasm from bytes at run time, so the .wasm is
// imported as a module, which workerd compiles when it loads the Worker.
import wasm from "./wasm_pubsub_bg.wasm";
import { __configFromEnv, Bridge, Callbacks, Inbox, initSync, PubSub, Reply, Settler, Subscription, Topic } from "./wasm_pubsub.js";
import { envReader, harden } from "./snippets/front.js";

const exports = initSync({ module: wasm });
harden([PubSub, Topic, Subscription, Bridge, Reply], exports, [Inbox, Callbacks], Settler);

export { Bridge, PubSub, Subscription, Topic, wasmMemoryBytes } from "./wasm_pubsub.js";
export { PubSubError } from "./snippets/bus.js";
export const configFromEnv = envReader(__configFromEnv);
