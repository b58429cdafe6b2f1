// A second process for nats-process.test.mjs: a bus bridged to NATS (url: argv[2]) that
// answers every "ping" with a "pong" carrying { n, data } and exits on "stop".
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { natsBridge } from "wasm-pubsub/nats";

const bus = new PubSub();
for (const topic of ["ping", "pong", "stop"]) bus.createTopic(topic);
const nc = await connect({ servers: process.argv[2], noEcho: true });
const bridge = natsBridge(bus, nc, { prefix: "proc", topics: ["ping", "pong", "stop"] });
bus.subscribe("ping", (msg) => {
  bus.publish("pong", { n: msg.data.n, data: msg.data.data, pid: process.pid }, { attributes: { ...msg.attributes } });
});
bus.subscribe("stop", async () => {
  const final = await bridge.close();
  await nc.close();
  await bus.close();
  process.stdout.write(JSON.stringify(final) + "\n");
  process.exit(final.failed && Object.keys(final.failed).length ? 1 : 0);
});
await nc.flush();
process.stdout.write("ready\n");
