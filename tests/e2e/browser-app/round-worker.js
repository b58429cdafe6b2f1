// A dedicated module worker: imports the package (the import instantiates the wasm), says
// "ready", and answers "go" with one round.
import * as wasmPubSub from "wasm-pubsub";
import { round } from "./round.js";

self.addEventListener("message", async () => {
  try {
    self.postMessage({ ...(await round(wasmPubSub, "worker")), inWorker: typeof document === "undefined" });
  } catch (err) {
    self.postMessage({ error: String(err?.stack ?? err) });
  }
});
self.postMessage("ready");
