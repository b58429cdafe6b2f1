// Summarises V8 .cpuprofile files (from `node --cpu-prof`): the functions with the most self
// time, and the share of time spent in wasm code, in the wasm-bindgen glue, in the binding's
// JS snippet, in the benchmark itself and in V8/GC.
//   node profile-summary.mjs FILE.cpuprofile [TOP] [FOCUS]
// With FOCUS (a substring of a function name), the inclusive list covers only the samples
// whose stack holds such a function: where the time under it goes.

import { readFileSync } from "node:fs";

const [file, topArg = "25", focus] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
}

const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = new Set(["(idle)", "(program)"]);
const keyOf = (frame) => `${frame.functionName || "(anonymous)"}  ${frame.url.split("/").slice(-1)[0]}`;
const perFunction = new Map();
const perArea = new Map();

function area(frame) {
  const { url, functionName } = frame;
  if (url.startsWith("wasm://") || /^\$?(func\d+|wasm-function)/.test(functionName)) return "wasm code";
  if (url.includes("/snippets/")) return "binding JS snippet (bus.js)";
  if (/wasm_pubsub(_node)?\.(c?js)$/.test(url)) return "wasm-bindgen glue";
  if (url.includes("/bench/")) return "benchmark + handler";
  if (url.includes("node_modules")) return "peer library";
  if (functionName === "(garbage collector)") return "GC";
  if (idle.has(functionName)) return "idle/program";
  return "V8/Node internals";
}

for (const [id, us] of self) {
  const frame = byId.get(id).callFrame;
  const key = keyOf(frame);
  perFunction.set(key, (perFunction.get(key) ?? 0) + us);
  const a = area(frame);
  perArea.set(a, (perArea.get(a) ?? 0) + us);
}

// Inclusive time: each sample counts once for every distinct function on its stack.
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const seen = new Set();
  for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) seen.add(keyOf(byId.get(id).callFrame));
  if (focus && ![...seen].some((k) => k.includes(focus))) continue;
  for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + (dt[i] ?? 0));
}

const pct = (us) => `${((100 * us) / total).toFixed(1)}%`.padStart(6);
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
console.log("\nby area:");
for (const [a, us] of [...perArea].sort((x, y) => y[1] - x[1])) console.log(`  ${pct(us)}  ${a}`);
console.log(`\ntop ${topArg} functions by self time:`);
for (const [k, us] of [...perFunction].sort((x, y) => y[1] - x[1]).slice(0, Number(topArg))) {
  console.log(`  ${pct(us)}  ${k}`);
}
console.log(`\ntop ${topArg} functions by inclusive time (self + callees)${focus ? ` under "${focus}"` : ""}:`);
for (const [k, us] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, Number(topArg))) {
  console.log(`  ${pct(us)}  ${k}`);
}
