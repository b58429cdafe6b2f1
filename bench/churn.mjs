// The churn report: what one subscribe and one unsubscribe cost as the number of live
// subscriptions grows. For 1 000 and 100 000 live subscriptions, all on one topic or spread
// round-robin over 1 000 topics (`limits.maxSubscriptionsPerTopic` raised to allow it), each
// case in its own Node process (churn-case.mjs):
//   fill   subscribing up to the live count, per subscribe
//   churn  CHURN_OPS (100 000) rounds of one subscribe plus one unsubscribe of the oldest
//          live subscription, so the live count stays put, per round (subscribe + unsubscribe)
//   drain  unsubscribing them all, oldest first, per unsubscribe
// The cost must not grow with the live count. Figures only: nothing here fails the build.
//
// Env: CHURN_OPS (rounds of the churn phase, default 100 000), CHURN_CASES (e.g. "1000x1,100000x1000").

import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { heading, table } from "./lib/report.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const ops = Number(process.env.CHURN_OPS ?? 100_000);
const all = [[1_000, 1], [100_000, 1], [1_000, 1_000], [100_000, 1_000]];
const only = process.env.CHURN_CASES?.split(",").map((c) => c.trim());
const cases = all.filter(([live, topics]) => !only || only.includes(`${live}x${topics}`));

const micros = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(2)} µs`);

function runCase(live, topics) {
  const out = execFileSync(process.execPath, ["--expose-gc", join(here, "churn-case.mjs"), String(live), String(topics), String(ops)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out.trim().split("\n").pop());
}

console.log(`wasm-pubsub subscribe/unsubscribe churn — Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`);
heading(`time per operation (${ops} churn rounds per case)`);
const rows = [];
for (const [live, topics] of cases) {
  const r = runCase(live, topics);
  rows.push([live.toLocaleString("en"), String(topics), micros(r.fillNs), micros(r.churnNs), micros(r.drainNs), String(r.ok)]);
}
table(
  [
    { title: "live", align: "right" },
    { title: "topics", align: "right" },
    { title: "fill /subscribe", align: "right" },
    { title: "churn /sub+unsub", align: "right" },
    { title: "drain /unsubscribe", align: "right" },
    { title: "routing ok", align: "left" },
  ],
  rows,
);
