/* @ts-self-types="./index.d.ts" */
// wasm-pubsub/durable: a bus that survives the browser — dead letters in IndexedDB and a bus
// that follows its page's lifecycle. Plain JavaScript on the bus's public API (and its
// `deadLetterStore` config key): importing "wasm-pubsub" alone never loads it.
export { indexedDbStore } from "./idb-store.js";
export { attachPageLifecycle } from "./page-lifecycle.js";
