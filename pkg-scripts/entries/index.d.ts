export * from "./wasm_pubsub.js";
