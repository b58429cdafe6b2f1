// worker.js — the page's import map does not reach it: import the package by its path
import { PubSub } from "/node_modules/wasm-pubsub/browser.js";
// ↑ the README's snippet, verbatim (browser.test.mjs checks); below, the round it answers.
import * as wasmPubSub from "/node_modules/wasm-pubsub/browser.js";
import { round } from "./round.js";

self.postMessage(await round(wasmPubSub, `worker ${typeof PubSub}`));
