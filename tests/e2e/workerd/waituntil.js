// The README's waitUntil pattern (every line of its snippet is here; readme.test.mjs checks):
// a bus at module scope whose slow handler outlives the response; `ctx.waitUntil(bus.drain())`
// lets the Worker answer at once while the drain settles the message, and the bus stays open.
import { PubSub } from "wasm-pubsub";

const bus = new PubSub({ autoCreateTopics: true }); // at module scope: it lives across requests
bus.subscribe("orders.>", async (msg) => save(msg.data));

export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/stats") return stats();
    bus.publish("orders.new", { id: new URL(request.url).searchParams.get("id") });
    ctx.waitUntil(bus.drain({ timeoutMs: 5000 })); // answer now; the drain settles the order after
    return Response.json({ accepted: true });
  },
};

const saved = [];

/** A slow write. */
async function save(order) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  saved.push(order.id);
}

function stats() {
  return Response.json({ saved, acked: bus.metrics().acked, status: bus.health().status });
}
