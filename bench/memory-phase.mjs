// One phase of the memory report, in a fresh process so that its wasm linear memory starts
// from the module's initial size and growth is not hidden by free space an earlier phase
// left behind. Prints JSON snapshots. Run with --expose-gc:
//   node --expose-gc memory-phase.mjs messages|subscriptions|queued
//
// A snapshot is taken after two full GCs with a macrotask between them, so that
// FinalizationRegistry callbacks (which free the Rust side of dropped Subscription/Topic
// handles) have run: { wasm: memory.buffer.byteLength, table: externref table slots,
// heapUsed, external } (bytes; external includes the wasm memory's ArrayBuffer).

import { loadPubSub } from "./lib/load.mjs";

const MESSAGES = 1_000_000;
const CHUNK = 10_000; // ≤ the default queueCapacity: publish a chunk, await its delivery
const CYCLES = 100_000;
const QUEUED = 100_000;
const ROUNDS = 3; // the first round, a repeat, and a second repeat that must add nothing
const ordinal = ["", "first round", "repeat", "second repeat"];

const phase = process.argv[2];
const lib = await loadPubSub();
const gc = globalThis.gc ?? (() => { throw new Error("run with --expose-gc"); });
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function snapshot(label) {
  for (let i = 0; i < 3; i++) {
    gc();
    await tick();
  }
  const { heapUsed, external } = process.memoryUsage();
  const wasm = lib.memory.buffer.byteLength;
  const reported = typeof lib.wasmMemoryBytes === "function" ? lib.wasmMemoryBytes() : null;
  return { label, wasm, reported, table: lib.table?.length ?? null, heapUsed, external };
}

async function messages() {
  const bus = new lib.PubSub();
  const topic = bus.createTopic("orders");
  let count = 0;
  let target = 0;
  let resolve = () => {};
  bus.subscribe("orders", () => { if (++count === target) resolve(); });
  const round = async () => {
    for (let sent = 0; sent < MESSAGES; sent += CHUNK) {
      count = 0;
      target = CHUNK;
      const done = new Promise((r) => { resolve = r; });
      for (let i = 0; i < CHUNK; i++) topic.publish({ n: sent + i });
      await done;
    }
  };
  const shots = [await snapshot("start")];
  for (let r = 1; r <= ROUNDS; r++) {
    await round();
    shots.push(await snapshot(`${ordinal[r]}: ${MESSAGES.toLocaleString("en")} messages`));
  }
  const acked = bus.metrics().acked;
  return { shots, check: acked === ROUNDS * MESSAGES ? null : `acked ${acked}, expected ${ROUNDS * MESSAGES}` };
}

async function subscriptions() {
  const bus = new lib.PubSub();
  bus.createTopic("orders");
  const handler = () => {};
  const round = () => {
    for (let i = 0; i < CYCLES; i++) bus.subscribe("orders", handler).unsubscribe();
  };
  const shots = [await snapshot("start")];
  for (let r = 1; r <= ROUNDS; r++) {
    round();
    shots.push(await snapshot(`${ordinal[r]}: ${CYCLES.toLocaleString("en")} subscribe/unsubscribe`));
  }
  const live = bus.metrics().subscriptions;
  return { shots, check: live === 0 ? null : `${live} subscriptions still live` };
}

async function queued() {
  const bus = new lib.PubSub();
  const topic = bus.createTopic("orders");
  const sub = topic.subscribe(() => {}, { queueCapacity: QUEUED });
  sub.pause();
  const payload = { shared: true }; // one object for every message: the payload is not counted
  topic.publish(payload); // the first message allocates the queue and the topic's state
  const shots = [await snapshot("1 message queued on a paused subscription")];
  for (let i = 1; i < QUEUED; i++) topic.publish(payload);
  shots.push(await snapshot(`${QUEUED.toLocaleString("en")} messages queued`));
  const queuedNow = bus.metrics().queued;
  return { shots, count: QUEUED - 1, check: queuedNow === QUEUED ? null : `queued ${queuedNow}` };
}

const phases = { messages, subscriptions, queued };
if (!phases[phase]) {
  console.error(`unknown phase "${phase}"`);
  process.exit(2);
}
const result = await phases[phase]();
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)); // no armed timer may hold the process
