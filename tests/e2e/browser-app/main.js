import { PubSub } from "wasm-pubsub";

const bus = new PubSub({ autoCreateTopics: true });
// ↑ the README's "Browsers and bundlers" snippet, verbatim (readme.test.mjs checks); below, the round.
window.readmeBus = bus;
import * as wasmPubSub from "wasm-pubsub";
import { round } from "./round.js";

window.wasmPubSub = wasmPubSub;
round(wasmPubSub, "page").then(
  (result) => {
    window.roundResult = result;
    document.getElementById("result").textContent = JSON.stringify(result);
  },
  (err) => {
    window.roundResult = { error: String(err?.stack ?? err) };
    document.getElementById("result").textContent = String(err);
  },
);
