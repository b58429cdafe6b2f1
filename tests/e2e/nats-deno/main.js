// Deno: a bus bridged to NATS over WebSocket (nats.js wsconnect, Deno's own WebSocket) that
// answers every "ask" with a "reply" and exits on "stop". Server: Deno.args[0].
import { wsconnect } from "@nats-io/nats-core";
import { PubSub } from "wasm-pubsub";
import { natsBridge } from "wasm-pubsub/nats";

const bus = new PubSub();
for (const topic of ["ask", "reply", "stop"]) bus.createTopic(topic);
const nc = await wsconnect({ servers: Deno.args[0], noEcho: true });
const bridge = natsBridge(bus, nc, { prefix: "deno", topics: ["ask", "reply", "stop"] });
bus.subscribe("ask", (msg) => {
  bus.publish("reply", { n: msg.data.n, big: msg.data.big * 2n, runtime: "deno" }, { attributes: { echo: msg.attributes.note } });
});
bus.subscribe("stop", async () => {
  const final = await bridge.close();
  await nc.close();
  await bus.close();
  console.log(JSON.stringify(final));
  Deno.exit(Object.keys(final.failed).length === 0 ? 0 : 1);
});
await nc.flush();
console.log("ready");
