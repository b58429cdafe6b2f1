/* @ts-self-types="./index.d.ts" */
// wasm-pubsub/shared: one handler per message across tabs and workers. Plain JavaScript on
// the bus's public API, its bridge port and Web Locks: importing "wasm-pubsub" alone never
// loads it.
export { shareSubscriptions } from "./coordinator.js";
