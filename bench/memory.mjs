// The memory report: wasm linear memory, the externref table and the JS heap after 1 000 000
// messages and after 100 000 subscribe/unsubscribe cycles, each repeated twice, and the wasm
// heap per queued message. Each phase runs in its own process (memory-phase.mjs).
//
// How the memory is reached: the web glue's `initSync()` (imported from the glue file itself, see lib/load.mjs) returns
// the instance's exports once the entry has initialised it; `exports.memory.buffer.byteLength`
// is the linear memory and `exports.__wbindgen_externrefs.length` the externref table. The JS
// heap is `process.memoryUsage().heapUsed` after forced GCs (node --expose-gc).

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { bytes, heading, table, target } from "./lib/report.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const PAGE = 64 * 1024;
const HEAP_TOLERANCE = 1024 * 1024; // JS heap readings wander by a few hundred KiB between GCs
const started = Date.now();

function phase(name) {
  const out = execFileSync(process.execPath, ["--expose-gc", join(here, "memory-phase.mjs"), name], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out.trim().split("\n").pop());
}

const delta = (a, b, key) => b[key] - a[key];
const signed = (n, fmt = bytes) => (n > 0 ? `+${fmt(n)}` : n === 0 ? "0" : fmt(n));

function snapshots(title, result) {
  heading(title);
  const rows = result.shots.map((s, i) => {
    const prev = result.shots[i - 1];
    return [
      s.label,
      bytes(s.wasm),
      prev ? signed(delta(prev, s, "wasm")) : "",
      String(s.table),
      prev ? signed(delta(prev, s, "table"), String) : "",
      bytes(s.heapUsed),
      prev ? signed(delta(prev, s, "heapUsed")) : "",
    ];
  });
  table(
    [
      { title: "after", align: "left" },
      { title: "wasm memory" },
      { title: "Δ" },
      { title: "externref slots" },
      { title: "Δ" },
      { title: "JS heap used" },
      { title: "Δ" },
    ],
    rows,
  );
  if (result.check) console.log(`CHECK FAILED: ${result.check}`);
  const [, , repeat, second] = result.shots;
  const flat = (a, b) =>
    delta(a, b, "wasm") <= PAGE && delta(a, b, "table") <= 0 && delta(a, b, "heapUsed") <= HEAP_TOLERANCE;
  return { flatFirst: flat(result.shots[1], repeat), flatSecond: flat(repeat, second), failed: Boolean(result.check) };
}

console.log(`wasm-pubsub memory — Node ${process.version}`);
const first = phase("messages");
if (first.shots[0].reported !== null) {
  const agree = first.shots.every((s) => s.reported === s.wasm);
  console.log(`package's wasmMemoryBytes() ${agree ? "agrees with" : "DIFFERS from"} memory.buffer.byteLength in every snapshot`);
}
console.log(
  "memory reached through the instance's exports (initSync() → exports.memory / exports.__wbindgen_externrefs); " +
    "JS heap = process.memoryUsage().heapUsed after 3 × (gc(); setImmediate) so FinalizationRegistry cleanups have run",
);
const msg = snapshots("1 000 000 messages (one topic, one subscriber, Topic handle, chunks of 10 000 awaited), ×3", first);
const subs = snapshots("100 000 subscribe/unsubscribe cycles, ×3", phase("subscriptions"));

const q = phase("queued");
heading("wasm heap per queued message (paused subscription, one shared payload object)");
const [q0, q1] = q.shots;
const perMessage = delta(q0, q1, "wasm") / q.count;
const slotsPerMessage = delta(q0, q1, "table") / q.count;
const heapPerMessage = delta(q0, q1, "heapUsed") / q.count;
table(
  [{ title: "", align: "left" }, { title: "wasm memory" }, { title: "externref slots" }, { title: "JS heap used" }],
  [
    [q0.label, bytes(q0.wasm), String(q0.table), bytes(q0.heapUsed)],
    [q1.label, bytes(q1.wasm), String(q1.table), bytes(q1.heapUsed)],
    [`per queued message (÷ ${q.count})`, `${perMessage.toFixed(1)} B`, slotsPerMessage.toFixed(2), `${heapPerMessage.toFixed(1)} B`],
  ],
);
console.log(
  "the wasm figure is linear-memory growth (64 KiB pages, so it includes the allocator's and the queue's spare " +
    "capacity); externref slots are table capacity (it grows in steps), each slot a JS value the wasm side holds",
);
if (q.check) console.log(`CHECK FAILED: ${q.check}`);

heading("Targets");
const note = (r) => (r.flatFirst ? "flat on both repeats" : "grew on the first repeat, flat on the second");
target("memory flat on a repeat: 1 000 000 messages", msg.flatSecond, msg.flatSecond ? note(msg) : "grew on the second repeat");
target("memory flat on a repeat: 100 000 subscribe/unsubscribe", subs.flatSecond, subs.flatSecond ? note(subs) : "grew on the second repeat");
target("≤ 64 bytes of wasm heap per queued message", perMessage <= 64, `${perMessage.toFixed(1)} B`);
console.log(
  `\nflat = the repeat adds ≤ one 64 KiB wasm page, no externref slot and ≤ ${bytes(HEAP_TOLERANCE)} of JS heap; ` +
    `took ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exitCode = msg.failed || subs.failed || q.check ? 1 : 0;
