import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "../tests/js/nats-server.mjs";
const N = 20000, TEXT = "x".repeat(100);
function reach(count, n) { return new Promise((res) => { const poll = () => count() >= n ? res() : setImmediate(poll); poll(); }); }
const server = await startNatsServer();
const options = { servers: server.url, noEcho: true };
const [ncA, ncB] = [await connect(options), await connect(options)];
const te = new TextEncoder();
const block = (n) => { const s = "NATS/1.0\r\nX-Pad: " + "y".repeat(n) + "\r\n\r\n"; const b = te.encode(s); return { encode: () => b }; };
const variants = { none: undefined, h70: block(50), h140: block(120), h200: block(180) };
const res = {};
for (let round = 0; round < 8; round++) for (const [name, headers] of Object.entries(variants)) {
  let got = 0;
  const subject = `p.${name}.${round}`;
  const sub = ncB.subscribe(subject, { callback: (_, m) => { if (m.json().i >= 0) got++; } });
  await ncB.flush();
  const t = performance.now();
  for (let i = 0; i < N; i++) ncA.publish(subject, JSON.stringify({ i, text: TEXT }), headers ? { headers } : undefined);
  await reach(() => got, N);
  (res[name] ??= []).push(N / (performance.now() - t) * 1000);
  sub.unsubscribe();
}
for (const [k, v] of Object.entries(res)) console.log(k, Math.round(v.sort((a, b) => a - b)[4]));
await ncA.close(); await ncB.close(); await server.stop();
