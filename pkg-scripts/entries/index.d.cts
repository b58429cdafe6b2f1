export * from "./wasm_pubsub_node.cjs";
