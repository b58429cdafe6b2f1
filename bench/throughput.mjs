// The throughput report: every case of every workload (workloads.mjs), each in a fresh Node
// process (run-case.mjs) so no library's JIT state or garbage leaks into another's numbers,
// in rounds that interleave the cases so a burst of background load hits all of them alike.
// Prints per workload a table of medians and the ratios, then the targets (met / MISSED).
//
// Env: BENCH_ROUNDS (3), BENCH_WARMUP (2 cycles per process), BENCH_REPEATS (3 timed runs per
// process), BENCH_MIN_RUN_MS (100: a timed run repeats the publish-and-await cycle until it
// lasts this long, so fast libraries are not timed over a sub-millisecond blip), BENCH_ONLY (workload ids, e.g. "1,3"), BENCH_CPU_PROF (a directory: one round,
// each process under `node --cpu-prof`, then a summary of each wasm-pubsub profile).

import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { heading, median, rate, ratio, table, target } from "./lib/report.mjs";
import { coreDownloadTarget } from "./lib/download.mjs";
import { workloads } from "./workloads.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const env = process.env;
const profileDir = env.BENCH_CPU_PROF;
const rounds = profileDir ? 1 : Number(env.BENCH_ROUNDS ?? 3);
const warmup = Number(env.BENCH_WARMUP ?? 2);
const repeats = Number(env.BENCH_REPEATS ?? 3);
const minRunMs = Number(env.BENCH_MIN_RUN_MS ?? 100);
const only = env.BENCH_ONLY ? env.BENCH_ONLY.split(",").map((s) => s.trim()) : null;
const chosen = workloads.filter((w) => !only || only.includes(w.id));

const results = new Map(); // "id/case" → { items, samples: ns[], ok, error }

function runCase(workload, name) {
  const key = `${workload.id}/${name}`;
  const entry = results.get(key) ?? { items: 0, samples: [], cpu: [], ok: true, error: null };
  results.set(key, entry);
  const flags = ["--expose-gc"];
  if (profileDir) {
    const dir = join(profileDir, `w${workload.id}-${name.replace(/[^\w.-]+/g, "_")}`);
    mkdirSync(dir, { recursive: true });
    flags.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  try {
    const out = execFileSync(process.execPath, [...flags, join(here, "run-case.mjs"), workload.id, name, String(warmup), String(repeats), String(minRunMs)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 1 << 20,
    });
    const parsed = JSON.parse(out.trim().split("\n").pop());
    entry.items = parsed.items;
    entry.samples.push(...parsed.samples);
    entry.cpu.push(...parsed.cpu);
    entry.cycles = parsed.cycles;
    entry.ok &&= parsed.ok;
  } catch (error) {
    entry.error = String(error.stderr || error.message).trim().split("\n").slice(-3).join(" | ");
  }
}

const started = Date.now();
console.log(`wasm-pubsub throughput — Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"})`);
console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(
  `method: each case in its own process; ${warmup} warm-up cycles, then ${repeats} timed runs of ≥ ${minRunMs} ms ` +
    `(whole cycles) per process; ${rounds} round(s) interleaving all cases; full GC before each timed run; ` +
    `median of ${rounds * repeats} runs`,
);
console.log(
  "a cycle = publish every message, then await until the handler has run for every delivery " +
    "(and, for async handlers, until every handler promise has settled); rate = deliveries ÷ time per cycle",
);

for (let r = 1; r <= rounds; r++) {
  process.stderr.write(`round ${r}/${rounds}:`);
  for (const w of chosen) {
    for (const name of Object.keys(w.cases)) {
      process.stderr.write(".");
      runCase(w, name);
    }
  }
  process.stderr.write("\n");
}

/** Median rate of a case (items per second of wall-clock time, or of CPU time), NaN if it failed. */
function rateOf(id, name, clock = "samples") {
  const e = results.get(`${id}/${name}`);
  if (!e || e.error || e.samples.length === 0) return NaN;
  return e.items / (median(e[clock]) / 1e9);
}
const all = [...results.values()].filter((e) => !e.error);
const sumOf = (key) => all.reduce((a, e) => a + e[key].reduce((x, y) => x + y, 0), 0);
const utilisation = sumOf("cpu") / sumOf("samples");

let failures = 0;
for (const w of chosen) {
  heading(w.title);
  console.log(w.note);
  const rows = Object.keys(w.cases).map((name) => {
    const e = results.get(`${w.id}/${name}`);
    if (e.error) {
      failures++;
      return [name, "FAILED", "", "", e.error.slice(0, 120)];
    }
    const rates = e.samples.map((ns) => e.items / (ns / 1e9));
    const ours = w.ours && name !== w.ours ? ratio(rateOf(w.id, w.ours) / rateOf(w.id, name)) : "";
    if (!e.ok) failures++;
    return [
      name,
      rate(rateOf(w.id, name)),
      `${rate(Math.min(...rates))} – ${rate(Math.max(...rates))}`,
      rate(rateOf(w.id, name, "cpu")),
      ours,
      e.ok ? "" : "CHECK FAILED",
    ];
  });
  table(
    [
      { title: "case", align: "left" },
      { title: w.unit + " (median)" },
      { title: "range" },
      { title: "per CPU-second" },
      { title: w.ours ? `${w.ours} ÷ case` : "" },
      { title: "", align: "left" },
    ],
    rows,
  );
}

const r = (id, a, b) => rateOf(id, a) / rateOf(id, b);

/** Nanoseconds of one `Date.now()` here (the median of 5 timings of a million calls). */
function dateNowNs() {
  const times = [];
  let sink = 0;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 1e6; i++) sink += Date.now();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return sink > 0 ? median(times) : NaN;
}

/** Workload 1 per message, with the two clock readings the contract keeps (both brokers pay
 * them) apart: what is left for the rest at 0.9× the reference, and what it takes now. */
function clockBudget(oursNs, referenceNs) {
  const clock = 2 * dateNowNs();
  const budget = referenceNs / 0.9 - clock;
  return `workload 1 per message: wasm-pubsub ${oursNs.toFixed(0)} ns, the reference ${referenceNs.toFixed(0)} ns, ` +
    `two Date.now() ${clock.toFixed(0)} ns in each; 0.9× leaves ${budget.toFixed(0)} ns for all the rest, which takes ${(oursNs - clock).toFixed(0)} ns now`;
}
const has = (id) => chosen.some((w) => w.id === id);
heading("Ratios and targets");
const lines = [];
if (has("3")) {
  console.log(`workload 3: maxInFlight 16 ÷ maxInFlight 1 = ${ratio(r("3", "wasm-pubsub maxInFlight 16", "wasm-pubsub maxInFlight 1"))}; ` +
    `maxInFlight 16 ÷ emittery Promise.all = ${ratio(r("3", "wasm-pubsub maxInFlight 16", "emittery emit all, await Promise.all"))}`);
}
if (has("4")) {
  console.log(`workload 4: publishBatch ÷ publish = ${ratio(r("4", "publishBatch ×1000, 1 subscriber", "publish ×1, 1 subscriber"))} end to end ` +
    "(the same delivery work follows both, so this ratio falls as delivery gets faster)");
}
if (has("5")) {
  console.log(`workload 5: Topic handle ÷ by name = ${ratio(r("5", "topic.publish(data), 1 subscriber", "bus.publish(name, data), 1 subscriber"))} end to end, ` +
    `${ratio(r("5", "topic.publish(data), no subscriber (publish only)", "bus.publish(name, data), no subscriber (publish only)"))} publish only`);
}
console.log(
  `CPU time ÷ wall-clock time over all timed runs: ${utilisation.toFixed(2)}` +
    (utilisation < 0.85
      ? " — the machine was busy: wall-clock rates are pessimistic; 'per CPU-second' shows the work rate"
      : ""),
);
console.log("targets (this machine, Node 20, this run; medians of wall-clock rates):");
if (has("1")) {
  const w1 = rateOf("1", "wasm-pubsub");
  lines.push(target("workload 1 ≥ 5 million deliveries/s", w1 >= 5e6, rate(w1)));
  const vsReference = r("1", "wasm-pubsub", "same-envelope JS reference");
  lines.push(target("workload 1 ≥ 0.9× the same-envelope JS reference", vsReference >= 0.9, ratio(vsReference)));
  console.log(`workload 1: wasm-pubsub ÷ mitt = ${ratio(r("1", "wasm-pubsub", "mitt"))} (no target: mitt builds no envelope)`);
  console.log(clockBudget(1e9 / w1, 1e9 / rateOf("1", "same-envelope JS reference")));
}
if (has("3")) {
  const vsEmittery = r("3", "wasm-pubsub maxInFlight 1", "emittery await emit (one at a time)");
  lines.push(target("workload 3 maxInFlight 1 ≥ 3.5× emittery (await emit)", vsEmittery >= 3.5, ratio(vsEmittery)));
}
if (has("4")) {
  const batch = r("4", "publishBatch ×1000, no subscriber (publish only)", "publish ×1, no subscriber (publish only)");
  lines.push(target("workload 4 publishBatch ≥ 1.5× single publishes (publishing)", batch >= 1.5, ratio(batch)));
}
lines.push(coreDownloadTarget());
console.log(`\n${lines.filter(Boolean).length} of ${lines.length} targets met; load average at end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}; took ${((Date.now() - started) / 1000).toFixed(0)} s`);

if (profileDir) {
  heading(`CPU profiles in ${profileDir}`);
  for (const dir of readdirSync(profileDir).filter((d) => d.includes("wasm-pubsub") || /^w[45]-/.test(d))) {
    for (const file of readdirSync(join(profileDir, dir)).filter((f) => f.endsWith(".cpuprofile"))) {
      console.log(execFileSync(process.execPath, [join(here, "profile-summary.mjs"), join(profileDir, dir, file), "20"], { encoding: "utf8" }));
    }
  }
}
process.exitCode = failures ? 1 : 0;
