// A dedicated module worker with its own bus bridged to NATS over WebSocket. The page's
// import map does not reach a worker: the package's entries and nats.js by path.
import { PubSub } from "/node_modules/wasm-pubsub/browser.js";
import { natsBridge } from "/node_modules/wasm-pubsub/nats/nats.js";
import { wsconnect } from "/nats-page/nats-core.js";

async function start(server) {
  const bus = new PubSub();
  for (const topic of ["ask", "reply"]) bus.createTopic(topic);
  const nc = await wsconnect({ servers: server, noEcho: true });
  natsBridge(bus, nc, { prefix: "worker", topics: ["ask", "reply"] });
  bus.subscribe("ask", (msg) => {
    bus.publish("reply", { n: msg.data.n, inWorker: typeof WorkerGlobalScope !== "undefined", set: [...msg.data.set] });
  });
  await nc.flush();
}

self.onmessage = (event) => start(event.data).then(() => self.postMessage("ready"), (err) => self.postMessage(String(err?.stack ?? err)));
