import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { natsBridge } from "wasm-pubsub/nats";
import { startNatsServer } from "../tests/js/nats-server.mjs";
const N = 20000, TEXT = "x".repeat(100);
function reach(count, n) { return new Promise((res) => { const poll = () => count() >= n ? res() : setImmediate(poll); poll(); }); }
const server = await startNatsServer();
const options = { servers: server.url, noEcho: true };
const [ncA, ncB] = [await connect(options), await connect(options)];
const MODE = process.env.MODE ?? "bus";
for (let round = 0; round < 12; round++) {
  const topic = `tp${round}`;
  let got = 0; let t;
  if (MODE === "bus") {
  const [a, b] = [new PubSub(), new PubSub()];
  a.createTopic(topic); b.createTopic(topic);
  b.subscribe(topic, (msg) => { if (msg.data.i >= 0) got++; }, { queueCapacity: N });
  const bridges = [natsBridge(a, ncA, { prefix: "bus", topics: [topic] }), natsBridge(b, ncB, { prefix: "bus", topics: [topic] })];
  await ncB.flush();
  t = performance.now();
  for (let i = 0; i < N; i++) a.publish(topic, { i, text: TEXT });
  await reach(() => got, N);
  t = performance.now() - t;
  for (const bridge of bridges) await bridge.close();
  await Promise.all([a.close(), b.close()]);
  } else {
  const subject = `plain.tp.${round}`;
  const sub = ncB.subscribe(subject, { callback: (_, m) => { if (m.json().i >= 0) got++; } });
  await ncB.flush();
  t = performance.now();
  for (let i = 0; i < N; i++) ncA.publish(subject, JSON.stringify({ i, text: TEXT }));
  await reach(() => got, N);
  t = performance.now() - t;
  sub.unsubscribe();
  }
  console.log(MODE, round, Math.round(N / t * 1000));
}
await ncA.close(); await ncB.close(); await server.stop();
