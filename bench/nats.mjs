// bus → NATS → bus against plain nats.js, on the same two connections, in the same run,
// through a nats-server of its own (tests/js/nats-server.mjs). Each round runs every case once,
// in turn, so a round's figures share the machine's state; the first WARMUP rounds only warm
// the JIT (the bus's path, being longer, warms more slowly than plain nats.js) and are not counted:
//   throughput  N small messages ({ i, text: 100 chars }) from one connection to the other:
//               bus.publish + natsBridge on both ends vs nc.publish(JSON) + a subscription
//               callback that JSON-parses; timed from the first publish to the last receipt
//   round trip  one message out and its answer back, one at a time: bus "ping" answered by a
//               bus handler publishing "pong" vs nc.request answered by msg.respond; PINGS of
//               each per round, the counted rounds' times pooled
//   bridge alone  the same bus → bus.bridge → bus path through an in-process port (no NATS, no
//               codec): what the core's bridge costs per message by itself. Sender and receiver
//               share one thread, so bus-over-NATS cannot beat 1 / (1/plain + 1/bridge-alone).
//   wire format   plain nats.js again, each message carrying the header block the issue requires,
//               at its least (Nats-Msg-Id and the envelope header, taken from a message
//               natsBridge sent, without its Content-Type line and without the origin and id
//               that Nats-Msg-Id holds already; encoded once: no encoding cost), the subscriber
//               parsing only the JSON body.
//               With the bridge alone, 1 / (1/that + 1/bridge-alone) is the most any NATS entry
//               sending this format can reach, however fast its own code.
//   stripped port  bus → bus.bridge → NATS → bus.bridge → bus through the least port the wire
//               format allows (`strippedPort`: headers and JSON written and read, none of the
//               issue's guarantees kept): what an entry reaches that does nothing else.
//   entry budget  per round, the time per message the 0.6× target leaves for the NATS entry's
//               own work (plain / 0.6 − wire format − bridge alone, in ns), against the entry's
//               own work as measured (bus over NATS − wire format − bridge alone) and the least
//               such work can be: writing the envelope's header lines for a message and reading
//               them back, as strings (a minimal writer and reader timed here, `minimalHeaderWork`).
// Prints medians and ratios against the targets (throughput ≥ 0.6× plain nats.js, round-trip
// p50 ≤ 1.3× nc.request). Exits 0 when a target is missed, non-zero when a case fails.
// Env: NATS_BENCH_MESSAGES (50000), NATS_BENCH_ROUNDS (9), NATS_BENCH_WARMUP (2),
// NATS_BENCH_PINGS (500 round trips per round and side).
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { natsBridge } from "wasm-pubsub/nats";
import { startNatsServer } from "../tests/js/nats-server.mjs";

const N = Number(process.env.NATS_BENCH_MESSAGES ?? 50000);
const ROUNDS = Number(process.env.NATS_BENCH_ROUNDS ?? 9);
const WARMUP = Number(process.env.NATS_BENCH_WARMUP ?? 2);
const PINGS = Number(process.env.NATS_BENCH_PINGS ?? 500);
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
  await reach(() => got, N, block === undefined ? "plain nats.js" : "plain nats.js with the least header block");
  const seconds = (performance.now() - start) / 1000;
  sub.unsubscribe();
  return N / seconds;
}

/**
 * The header block the wire format requires, at its least, as bytes: one message of
 * the bus's published through a bridge and caught on its subject by a plain subscription, its
 * Content-Type line left out and its envelope header without the origin and id that
 * Nats-Msg-Id holds already.
 */
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
  const text = new TextDecoder().decode(bytes)
    .replace(/Content-Type: [^\r]*\r\n/i, "")
    .replace(/(Pubsub-Envelope: 1) \S+ \S+ /, "$1 ");
  return new TextEncoder().encode(text);
}

/**
 * Nanoseconds per message of the least header work a NATS entry does: the envelope's header
 * lines written for a message as a string, and read back (origin, id, hops and publishedAt
 * found with indexOf, nothing checked). String work only: the UTF-8 encoding and decoding,
 * which an entry can do in the payload's own calls, are left out.
 */
function minimalHeaderWork(messages = 200_000) {
  const origin = "81e1d001902ec049c8138818";
  const start = performance.now();
  let sum = 0;
  for (let i = 1; i <= messages; i++) {
    const read = `NATS/1.0\r\nNats-Msg-Id: ${origin}:${i}\r\nPubsub-Envelope: 1 1 ${1796035820393 + i}\r\n\r\n`;
    const afterOrigin = read.indexOf(":", 23);
    const afterId = read.indexOf("\r", afterOrigin + 1);
    const afterHops = read.indexOf(" ", afterId + 21);
    const end = read.indexOf("\r", afterHops + 1);
    const id = Number(read.slice(afterOrigin + 1, afterId));
    const hops = Number(read.slice(afterId + 21, afterHops));
    const publishedAt = Number(read.slice(afterHops + 1, end));
    sum += id + hops + publishedAt - 1796035820393 - read.slice(23, afterOrigin).length;
  }
  const ns = ((performance.now() - start) / messages) * 1e6;
  if (sum !== messages * (messages + 1) + messages - messages * origin.length) throw new Error("minimal header work: misread");
  return ns;
}

/**
 * Messages per second from one bus to another (a fresh pair with `topic`), joined by
 * `link(a, b)`, which returns `{ ready, close }`: what to wait for before timing, and how to
 * undo the link (it throws when the link failed to carry something).
 */
async function busToBus(topic, what, link) {
  const [a, b] = [new PubSub(), new PubSub()];
  a.createTopic(topic);
  b.createTopic(topic);
  let got = 0;
  b.subscribe(topic, (msg) => { if (msg.data.i >= 0) got++; }, { queueCapacity: N });
  const linked = link(a, b);
  await linked.ready;
  const start = performance.now();
  for (let i = 0; i < N; i++) a.publish(topic, { i, text: TEXT });
  await reach(() => got, N, what);
  const seconds = (performance.now() - start) / 1000;
  await linked.close();
  await Promise.all([a.close(), b.close()]);
  return N / seconds;
}

/** Messages per second, bus → natsBridge → natsBridge → bus. */
function busThroughput(ncA, ncB, round) {
  const topic = `tp${round}`;
  return busToBus(topic, "wasm-pubsub over NATS", (a, b) => {
    const bridges = [natsBridge(a, ncA, { prefix: "bus", topics: [topic] }), natsBridge(b, ncB, { prefix: "bus", topics: [topic] })];
    const close = async () => {
      const failed = bridges[0].stats().failed;
      if (Object.keys(failed).length > 0) throw new Error(`sends failed: ${JSON.stringify(failed)}`);
      for (const bridge of bridges) await bridge.close();
    };
    return { ready: ncB.flush(), close };
  });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The least a NATS port for `bus.bridge` can do with the wire format, as a floor for
 * the entry (not a product: it keeps none of the guarantees — no outbox, no
 * confirmation, no backpressure, no dead letters, no attributes, no codec tags, nothing
 * checked). Its `subscription` is the NATS one, to unsubscribe once its bridge is closed. Sending writes the envelope and Nats-Msg-Id lines and the JSON into one buffer and
 * publishes; receiving decodes a message once, reads the envelope with indexOf, parses the
 * JSON and hands the frame to the bus's bridge.
 */
function strippedPort(connection, subject, topic) {
  const listeners = new Set();
  const subscription = connection.subscribe(subject, {
    callback: (_, m) => {
      const all = decoder.decode(m._rdata);
      const afterOrigin = all.indexOf(" ", 29);
      const afterId = all.indexOf(" ", afterOrigin + 1);
      const afterHops = all.indexOf(" ", afterId + 1);
      const end = all.indexOf("\r", afterHops + 1);
      const frame = {
        "wasm-pubsub": 1, origin: all.slice(29, afterOrigin), id: Number(all.slice(afterOrigin + 1, afterId)),
        hops: Number(all.slice(afterId + 1, afterHops)), publishedAt: Number(all.slice(afterHops + 1, end)),
        topic, data: JSON.parse(all.slice(m._msg.hdr)),
      };
      for (const listener of listeners) listener({ data: frame });
    },
  });
  let slab = new Uint8Array(64 * 1024);
  let used = 0;
  return {
    postMessage(frame) {
      const block = `NATS/1.0\r\nPubsub-Envelope: 1 ${frame.origin} ${frame.id} ${frame.hops} ${frame.publishedAt}\r\nNats-Msg-Id: ${frame.origin}:${frame.id}\r\n\r\n`;
      const text = block + JSON.stringify(frame.data);
      if (slab.length - used < text.length * 3) [slab, used] = [new Uint8Array(64 * 1024), 0];
      const start = used;
      used += encoder.encodeInto(text, slab.subarray(start)).written;
      const headers = slab.subarray(start, start + block.length);
      connection.publish(subject, slab.subarray(start + block.length, used), { headers: { encode: () => headers } });
    },
    addEventListener: (_, listener) => listeners.add(listener),
    removeEventListener: (_, listener) => listeners.delete(listener),
    subscription,
  };
}

/** Messages per second, bus → bus.bridge → stripped port → NATS → stripped port → bus.bridge → bus. */
function strippedThroughput(ncA, ncB, round) {
  const topic = `stripped${round}`;
  return busToBus(topic, "the stripped port", (a, b) => {
    const ports = [strippedPort(ncB, `stripped.${topic}`, topic), strippedPort(ncA, `stripped.${topic}`, topic)];
    const bridges = [b.bridge(ports[0]), a.bridge(ports[1])];
    const close = async () => {
      bridges.forEach((bridge) => bridge.close());
      ports.forEach((port) => port.subscription.unsubscribe());
    };
    return { ready: Promise.all([ncA.flush(), ncB.flush()]), close };
  });
}

/** Messages per second, bus → bus.bridge → in-process port → bus.bridge → bus (no NATS). */
function bridgeAloneThroughput(round) {
  return busToBus(`alone${round}`, "the bridge alone", (a, b) => {
    const listeners = new Set();
    const bridges = [
      b.bridge({ postMessage() {}, addEventListener: (_, listener) => listeners.add(listener), removeEventListener: (_, listener) => listeners.delete(listener) }),
      a.bridge({ postMessage: (frame) => { for (const listener of listeners) listener({ data: frame }); }, addEventListener() {}, removeEventListener() {} }),
    ];
    return { ready: undefined, close: async () => bridges.forEach((bridge) => bridge.close()) };
  });
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

/** Nanoseconds per message of a throughput in messages per second. */
const nsPer = (rate) => 1e9 / rate;

/** "median (lowest–highest)" of per-round figures, rounded to `digits`. */
function spread(xs, digits) {
  const sorted = [...xs].sort((a, b) => a - b);
  return `${median(xs).toFixed(digits)} (${sorted[0].toFixed(digits)}–${sorted.at(-1).toFixed(digits)})`;
}

/**
 * Per counted round: the throughput ratio, the ceiling the bridge alone and the wire format
 * leave, and the entry's budget against its measured own work (ns per message; see the top).
 */
function perRound(rounds, headerWorkNs) {
  const ratio = rounds.map((r) => r.bus / r.plain);
  const floor = rounds.map((r) => nsPer(r.wire) + nsPer(r.alone));
  const ceiling = rounds.map((r, i) => nsPer(r.plain) / floor[i]);
  const budget = rounds.map((r, i) => nsPer(r.plain) / 0.6 - floor[i]);
  const own = rounds.map((r, i) => nsPer(r.bus) - floor[i]);
  console.log(`\nper round (${rounds.length} counted after ${WARMUP} warm-up rounds): median (lowest–highest)`);
  console.log(`  throughput ratio                 ${spread(ratio, 2)}×`);
  console.log(`  stripped port's ratio            ${spread(rounds.map((r) => r.stripped / r.plain), 2)}×`);
  console.log(`  ceiling: wire format + bridge    ${spread(ceiling, 2)}×`);
  console.log(`  entry budget at 0.6× (ns/msg)    ${spread(budget, 0)}`);
  console.log(`  entry's own work (ns/msg)        ${spread(own, 0)}`);
  console.log(`  least header work (ns/msg)       ${headerWorkNs.toFixed(0)}  (rounds whose budget it exceeds: ${budget.filter((b) => b < headerWorkNs).length} of ${budget.length})`);
}

async function main() {
  const server = await startNatsServer();
  const options = { servers: server.url, noEcho: true };
  const [ncA, ncB] = [await connect(options), await connect(options)];
  try {
    const rounds = [];
    const [plainRt, busRt] = [[], []];
    const block = await bridgeHeaderBlock(ncA, ncB);
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const plain = await plainThroughput(ncA, ncB, round);
      const bus = await busThroughput(ncA, ncB, round);
      const alone = await bridgeAloneThroughput(round);
      const wire = await plainThroughput(ncA, ncB, round, block);
      const stripped = await strippedThroughput(ncA, ncB, round);
      const plainTimes = await plainRoundTrips(ncA, ncB);
      const busTimes = await busRoundTrips(ncA, ncB);
      if (round < WARMUP) continue;
      rounds.push({ plain, bus, alone, wire, stripped });
      plainRt.push(...plainTimes);
      busRt.push(...busTimes);
    }
    const headerWork = median([1, 2, 3, 4, 5].map(() => minimalHeaderWork()));
    const of = (key) => median(rounds.map((r) => r[key]));
    console.log(`\nNATS bridge: ${N} messages × ${ROUNDS} rounds (+${WARMUP} warm-up), ${PINGS * ROUNDS} round trips each; nats-server ${server.url}`);
    console.log(`${"case".padEnd(34)} ${"wasm-pubsub".padStart(12)} ${"nats.js".padStart(12)} ${"ratio".padStart(8)}`);
    report("throughput (msg/s, median)", of("bus"), of("plain"), 0.6, true);
    report("bridge alone, no NATS (msg/s)", of("alone"), of("plain"));
    report("ceiling: plain + bridge alone", 1 / (1 / of("plain") + 1 / of("alone")), of("plain"));
    report(`plain, required headers (${block.length} B)`, of("wire"), of("plain"));
    report("ceiling: that + bridge alone", 1 / (1 / of("wire") + 1 / of("alone")), of("plain"));
    report("stripped port (no guarantees)", of("stripped"), of("plain"));
    report("round trip p50 (ms)", percentile(busRt, 0.5), percentile(plainRt, 0.5), 1.3, false);
    report("round trip p99 (ms)", percentile(busRt, 0.99), percentile(plainRt, 0.99));
    perRound(rounds, headerWork);
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
