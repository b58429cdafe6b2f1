// The `require` entry's declarations (node.cjs): the package's public values, by name (the
// glue also exports classes for the binding's own use, which are not API), and every public type.
export { Bridge, configFromEnv, PubSub, PubSubError, Subscription, Topic, wasmMemoryBytes } from "./wasm_pubsub_node.cjs";
export type * from "./wasm_pubsub_node.cjs";
