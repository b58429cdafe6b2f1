// A Cloudflare Worker that imports the package by name, as a bundler resolving the `workerd`
// export condition would, and answers every request with one publish/subscribe round.
import * as wasmPubSub from "wasm-pubsub";
import { round } from "./round.js";

export default {
  async fetch(request) {
    const where = new URL(request.url).searchParams.get("where") ?? "workerd";
    return Response.json(await round(wasmPubSub, where));
  },
  // `workerd test` runs this export; a throw fails it.
  async test() {
    const result = await round(wasmPubSub, "workerd-test");
    if (result.acked !== 4 || result.code !== "INVALID_TOPIC_NAME") throw new Error(JSON.stringify(result));
  },
};
