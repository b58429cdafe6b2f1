// Runs one case of one workload in this process and prints its timings as JSON:
//   node --expose-gc run-case.mjs WORKLOAD CASE WARMUP REPEATS [MIN_RUN_MS]
// One cycle publishes the workload's messages and awaits their delivery. The warm-up
// cycles also calibrate how many cycles a timed run holds so that it lasts at least
// MIN_RUN_MS (default 100 ms): fast libraries are timed over many cycles, not over a
// sub-millisecond blip, while every library handles the same number of messages per cycle.
// Each timed run starts with a full GC (when --expose-gc is on), so garbage from the
// previous run is not collected inside this one. Prints per timed run the wall-clock time
// (`samples`) and the process's CPU time (`cpu`, all threads), both in ns per cycle: on a
// busy machine the CPU time is the steadier of the two.

import { loadPubSub } from "./lib/load.mjs";
import { workloads } from "./workloads.mjs";

const [id, name, warmupArg = "2", repeatsArg = "3", minRunArg = "100"] = process.argv.slice(2);
const workload = workloads.find((w) => w.id === id);
const make = workload?.cases[name];
if (!make) {
  console.error(`no case "${name}" in workload ${id}`);
  process.exit(2);
}
const lib = await loadPubSub();
const bench = make(lib);
const ctx = bench.setup();
const gc = globalThis.gc ?? (() => {});
const minRunNs = Number(minRunArg) * 1e6;

let lastCpuNs = 0;
async function timed(cycles) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let c = 0; c < cycles; c++) await bench.run(ctx);
  const wall = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  lastCpuNs = (used.user + used.system) * 1000;
  return wall;
}

let cycleNs = Infinity;
for (let i = 0; i < Math.max(1, Number(warmupArg)); i++) cycleNs = Math.min(cycleNs, await timed(1));
const cycles = Math.max(1, Math.ceil(minRunNs / cycleNs));
await timed(cycles); // one more warm-up at the calibrated length

const samples = [];
const cpu = [];
for (let i = 0; i < Number(repeatsArg); i++) {
  gc();
  samples.push((await timed(cycles)) / cycles);
  cpu.push(lastCpuNs / cycles);
}
const ok = bench.check ? bench.check(ctx) : true;
// Exit at once: a bus with async handlers keeps its 30 s ack-deadline timer armed after the
// last delivery, which would hold this process open until it fires.
process.stdout.write(`${JSON.stringify({ items: bench.items, cycles, samples, cpu, ok })}\n`, () => process.exit(0));
