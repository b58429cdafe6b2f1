// bus → NATS → bus against plain nats.js, on the same two connections, in the same run,
// through a nats-server of its own (tests/js/nats-server.mjs):
//   throughput  N small messages ({ i, text: 100 chars }) from one connection to the other:
//               bus.publish + natsBridge on both ends vs nc.publish(JSON) + a subscription
//               callback that JSON-parses; timed from the first publish to the last receipt
//   round trip  one message out and its answer back, one at a time: bus "ping" answered by a
//               bus handler publishing "pong" vs nc.request answered by msg.respond
//   bridge alone  the same bus → bus.bridge → bus path through an in-process port (no NATS, no
//               codec): what the core's bridge costs per message by itself. Sender and receiver
//               share one thread, so bus-over-NATS cannot beat 1 / (1/plain + 1/bridge-alone):
//               printed as the ceiling ratio the JS entry works under.
//   wire format   plain nats.js again, each message carrying the header block natsBridge sends
//               (taken from a message it sent, encoded once: no encoding cost at all), the
//               subscriber parsing only the JSON body: what the wire format itself costs. With
//               the bridge alone, 1 / (1/that + 1/bridge-alone) is the most any NATS entry
//               sending this format can reach, however fast its own code.
// Prints medians and ratios against the targets (throughput ≥ 0.6× plain nats.js, round-trip
// p50 ≤ 1.3× nc.request). Exits 0 when a target is missed, non-zero when a case fails.
// Env: NATS_BENCH_MESSAGES (20000), NATS_BENCH_ROUNDS (5), NATS_BENCH_PINGS (2000).
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { natsBridge } from "wasm-pubsub/nats";
import { startNatsServer } from "../tests/js/nats-server.mjs";

const N = Number(process.env.NATS_BENCH_MESSAGES ?? 20000);
const ROUNDS = Number(process.env.NATS_BENCH_ROUNDS ?? 5);
const PINGS = Number(process.env.NATS_BENCH_PINGS ?? 2000);
const TEXT = "x".repeat(100);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

/** Resolves once `count()` reaches `n`, polling on the event loop. */
function reach(count, n, what) {
  const deadline = Date.now() + 60_000;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (count() >= n) return resolve();
      if (Date.now() > deadline) return reject(new Error(`${what}: ${count()} of ${n}`));
      setImmediate(poll);
    };
    poll();
  });
}

/** Messages per second, plain nats.js; with `block` (bytes), that as every message's header
 * block. */
async function plainThroughput(ncA, ncB, round, block = undefined) {
  let got = 0;
  const subject = `plain.${block === undefined ? "tp" : "wire"}.${round}`;
  const options = block === undefined ? undefined : { headers: { encode: () => block } };
  const sub = ncB.subscribe(subject, { callback: (_, m) => { if (m.json().i >= 0) got++; } });
  await ncB.flush();
  const start = performance.now();
  for (let i = 0; i < N; i++) ncA.publish(subject, JSON.stringify({ i, text: TEXT }), options);
  await reach(() => got, N, block === undefined ? "plain nats.js" : "plain nats.js with the bridge's headers");
  const seconds = (performance.now() - start) / 1000;
  sub.unsubscribe();
  return N / seconds;
}

/** The header block natsBridge sends with a message, as bytes: one message of the bus's
 * published through a bridge and caught on its subject by a plain subscription. */
async function bridgeHeaderBlock(ncA, ncB) {
  const bus = new PubSub();
  bus.createTopic("wire");
  const caught = new Promise((resolve) => {
    const sub = ncB.subscribe("bus.wire", { callback: (_, m) => { sub.unsubscribe(); resolve(m.headers.encode()); } });
  });
  await ncB.flush();
  const bridge = natsBridge(bus, ncA, { prefix: "bus", topics: ["wire"] });
  bus.publish("wire", { i: 0, text: TEXT });
  const bytes = await caught;
  await bridge.close();
  await bus.close();
  return bytes;
}

/** Messages per second, bus → natsBridge → natsBridge → bus. */
async function busThroughput(ncA, ncB, round) {
  const topic = `tp${round}`;
  const [a, b] = [new PubSub(), new PubSub()];
  a.createTopic(topic);
  b.createTopic(topic);
  let got = 0;
  b.subscribe(topic, (msg) => { if (msg.data.i >= 0) got++; }, { queueCapacity: N });
  const bridges = [natsBridge(a, ncA, { prefix: "bus", topics: [topic] }), natsBridge(b, ncB, { prefix: "bus", topics: [topic] })];
  await ncB.flush();
  const start = performance.now();
  for (let i = 0; i < N; i++) a.publish(topic, { i, text: TEXT });
  await reach(() => got, N, "wasm-pubsub over NATS");
  const seconds = (performance.now() - start) / 1000;
  const failed = bridges[0].stats().failed;
  if (Object.keys(failed).length > 0) throw new Error(`sends failed: ${JSON.stringify(failed)}`);
  for (const bridge of bridges) await bridge.close();
  await Promise.all([a.close(), b.close()]);
  return N / seconds;
}

/** Messages per second, bus → bus.bridge → in-process port → bus.bridge → bus (no NATS). */
async function bridgeAloneThroughput(round) {
  const topic = `alone${round}`;
  const [a, b] = [new PubSub(), new PubSub()];
  a.createTopic(topic);
  b.createTopic(topic);
  let got = 0;
  b.subscribe(topic, (msg) => { if (msg.data.i >= 0) got++; }, { queueCapacity: N });
  const listeners = new Set();
  const bridges = [
    b.bridge({ postMessage() {}, addEventListener: (_, listener) => listeners.add(listener), removeEventListener: (_, listener) => listeners.delete(listener) }),
    a.bridge({ postMessage: (frame) => { for (const listener of listeners) listener({ data: frame }); }, addEventListener() {}, removeEventListener() {} }),
  ];
  const start = performance.now();
  for (let i = 0; i < N; i++) a.publish(topic, { i, text: TEXT });
  await reach(() => got, N, "the bridge alone");
  const seconds = (performance.now() - start) / 1000;
  for (const bridge of bridges) bridge.close();
  await Promise.all([a.close(), b.close()]);
  return N / seconds;
}

/** Round-trip times (ms), nc.request answered by msg.respond. */
async function plainRoundTrips(ncA, ncB) {
  const sub = ncB.subscribe("plain.rt", { callback: (_, m) => m.respond(JSON.stringify({ n: m.json().n })) });
  await ncB.flush();
  const times = [];
  for (let n = 0; n < PINGS; n++) {
    const start = performance.now();
    const reply = await ncA.request("plain.rt", JSON.stringify({ n, text: TEXT }), { timeout: 5000 });
    if (reply.json().n !== n) throw new Error("plain round trip: wrong reply");
    times.push(performance.now() - start);
  }
  sub.unsubscribe();
  return times;
}

/** Round-trip times (ms), bus "ping" → handler on the other bus → "pong". */
async function busRoundTrips(ncA, ncB) {
  const [a, b] = [new PubSub(), new PubSub()];
  for (const bus of [a, b]) for (const topic of ["ping", "pong"]) bus.createTopic(topic);
  b.subscribe("ping", (msg) => { b.publish("pong", { n: msg.data.n }); });
  let waiting = null;
  a.subscribe("pong", (msg) => waiting?.(msg.data.n));
  const bridges = [natsBridge(a, ncA, { prefix: "bus", topics: ["ping", "pong"] }), natsBridge(b, ncB, { prefix: "bus", topics: ["ping", "pong"] })];
  await Promise.all([ncA.flush(), ncB.flush()]);
  const times = [];
  for (let n = 0; n < PINGS; n++) {
    const start = performance.now();
    const answered = new Promise((resolve) => { waiting = resolve; });
    a.publish("ping", { n, text: TEXT });
    if ((await answered) !== n) throw new Error("bus round trip: wrong reply");
    times.push(performance.now() - start);
  }
  for (const bridge of bridges) await bridge.close();
  await Promise.all([a.close(), b.close()]);
  return times;
}

/** One line: both figures, their ratio, and the target when there is one (met / MISSED). */
function report(name, ours, plain, target, higherIsBetter) {
  const r = ours / plain;
  const met = higherIsBetter ? r >= target : r <= target;
  const verdict = target === undefined ? "" : `  target ${higherIsBetter ? "≥" : "≤"} ${target}×  ${met ? "met" : "MISSED"}`;
  console.log(`${name.padEnd(34)} ${ours.toFixed(3).padStart(12)} ${plain.toFixed(3).padStart(12)} ${r.toFixed(2).padStart(7)}×${verdict}`);
}

async function main() {
  const server = await startNatsServer();
  const options = { servers: server.url, noEcho: true };
  const [ncA, ncB] = [await connect(options), await connect(options)];
  try {
    const plain = [], bus = [], alone = [], wire = [];
    const block = await bridgeHeaderBlock(ncA, ncB);
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await plainThroughput(ncA, ncB, round));
      bus.push(await busThroughput(ncA, ncB, round));
      alone.push(await bridgeAloneThroughput(round));
      wire.push(await plainThroughput(ncA, ncB, round, block));
    }
    const plainRt = await plainRoundTrips(ncA, ncB);
    const busRt = await busRoundTrips(ncA, ncB);
    console.log(`\nNATS bridge: ${N} messages × ${ROUNDS} rounds, ${PINGS} round trips; nats-server ${server.url}`);
    console.log(`${"case".padEnd(34)} ${"wasm-pubsub".padStart(12)} ${"nats.js".padStart(12)} ${"ratio".padStart(8)}`);
    report("throughput (msg/s, median)", median(bus), median(plain), 0.6, true);
    report("bridge alone, no NATS (msg/s)", median(alone), median(plain));
    const ceiling = 1 / (1 / median(plain) + 1 / median(alone));
    report("ceiling: plain + bridge alone", ceiling, median(plain));
    report(`plain, bridge headers (${block.length} B)`, median(wire), median(plain));
    const wireCeiling = 1 / (1 / median(wire) + 1 / median(alone));
    report("ceiling: that + bridge alone", wireCeiling, median(plain));
    report("round trip p50 (ms)", percentile(busRt, 0.5), percentile(plainRt, 0.5), 1.3, false);
    report("round trip p99 (ms)", percentile(busRt, 0.99), percentile(plainRt, 0.99));
  } finally {
    await ncA.close();
    await ncB.close();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
