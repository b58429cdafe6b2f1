// The size report: raw, gzip and brotli sizes of what pkg/ ships — the core download a browser
// fetches for `import { PubSub } from "wasm-pubsub"`, what Node's require loads, and each
// separate entry of package.json's "exports" (wasm-pubsub/nats, /durable, /shared: not part of
// the core download) — the same for opt-level variants (rustc opt-level × wasm-opt level,
// built by pkg-scripts/size), their speed on workloads 1 and 3, a recommendation, where the
// bytes go, and the target: the core download ≤ 72 KiB gzipped (lib/download.mjs, which
// bench/throughput.mjs reports too).
//   node size.mjs PKG_DIR [LABEL=DIR ...]
// A variant DIR is wasm-bindgen `--target web` output whose .wasm went through wasm-opt; a
// LABEL looks like "3/-O3" (rustc opt-level / wasm-opt flag). BENCH_ROUNDS (2) sets how
// many interleaved rounds the speed check runs.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

import { coreDownloadTarget, coreFiles, separateEntries } from "./lib/download.mjs";
import { bytes, heading, median, rate, ratio, table } from "./lib/report.mjs";
import { breakdown, owner } from "./wasm-breakdown.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const [pkgDir, ...variantArgs] = process.argv.slice(2);
const started = Date.now();

const gzip = (buf) => gzipSync(buf, { level: 9 }).length;
const brotli = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const measure = (file) => {
  const buf = readFileSync(file);
  return { raw: buf.length, gzip: gzip(buf), brotli: brotli(buf) };
};

/** The binding's JS snippet (PubSubError etc.), wherever wasm-bindgen put it. */
function snippet(dir) {
  const root = join(dir, "snippets");
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  return existsSync(root) ? walk(root).filter((f) => f.endsWith(".js")) : [];
}

/** The files a Node `require` loads, or those of a variant (.wasm, web glue, snippets), and their sizes. */
function files(dir, flavour) {
  const list = [["wasm_pubsub_bg.wasm", join(dir, "wasm_pubsub_bg.wasm")]];
  if (flavour === "variant") list.push(["wasm_pubsub.js (web glue)", join(dir, "wasm_pubsub.js")]);
  if (flavour === "node") list.push(["wasm_pubsub_node.cjs (nodejs glue)", join(dir, "wasm_pubsub_node.cjs")]);
  for (const s of snippet(dir)) list.push([`${s.slice(dir.length + 1)} (snippet)`, s]);
  if (flavour === "node") list.push(["node.cjs (entry)", join(dir, "node.cjs")]);
  return list.filter(([, f]) => existsSync(f)).map(([label, f]) => ({ label, ...measure(f) }));
}

/** Paths in `dir` and their sizes. */
const measured = (dir, paths) => paths.map((path) => ({ label: path, ...measure(join(dir, path)) }));

const sum = (list, key) => list.reduce((a, f) => a + f[key], 0);

/** A table of files' raw, gzip and brotli sizes and their total. */
function sizeTable(list, totalLabel = "total") {
  table(
    [{ title: "file", align: "left" }, { title: "raw" }, { title: "gzip" }, { title: "brotli" }],
    [
      ...list.map((f) => [f.label, bytes(f.raw), bytes(f.gzip), bytes(f.brotli)]),
      [totalLabel, bytes(sum(list, "raw")), bytes(sum(list, "gzip")), bytes(sum(list, "brotli"))],
    ],
  );
}

console.log(`wasm-pubsub size — ${pkgDir}/ as built (gzip -9, brotli q11; 1 KiB = 1024 B)`);
heading('What a browser loads (import { PubSub } from "wasm-pubsub" → browser.js): the core download');
sizeTable(measured(pkgDir, coreFiles(pkgDir)));
heading("What Node's require loads (node.cjs)");
sizeTable(files(pkgDir, "node"));
for (const entry of separateEntries(pkgDir)) {
  heading(`The ${entry.name} entry (import "${entry.name}")`);
  console.log("a separate download, loaded only by an import of this entry: not part of the core download");
  sizeTable(measured(pkgDir, entry.files), "total (each file compressed alone)");
}

// ---- opt-level variants ----------------------------------------------------------------

const variants = variantArgs.map((arg) => {
  const [label, dir] = arg.split("=");
  const list = files(dir, "variant");
  return { label, dir, wasm: list[0], total: sum(list, "gzip"), glue: sum(list, "gzip") - list[0].gzip, speed: { w1: [], w3: [] } };
});

if (variants.length) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  process.stderr.write(`speed check of ${variants.length} variants, ${rounds} rounds:`);
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      for (const [key, w, name] of [["w1", "1", "wasm-pubsub"], ["w3", "3", "wasm-pubsub maxInFlight 1"]]) {
        process.stderr.write(".");
        const out = execFileSync(process.execPath, ["--expose-gc", join(here, "run-case.mjs"), w, name, "2", "3", "100"], {
          encoding: "utf8",
          env: { ...process.env, WASM_PUBSUB_DIR: v.dir },
          stdio: ["ignore", "pipe", "inherit"],
        });
        const res = JSON.parse(out.trim().split("\n").pop());
        v.speed[key].push(...res.cpu.map((ns) => res.items / (ns / 1e9)));
      }
    }
  }
  process.stderr.write("\n");
  for (const v of variants) {
    v.w1 = median(v.speed.w1);
    v.w3 = median(v.speed.w3);
  }
  heading("Release profile variants (rustc opt-level / wasm-opt level; lto, codegen-units 1, panic abort as in Cargo.toml)");
  console.log(
    "speed: median deliveries per CPU-second (process CPU time, steadier than wall-clock time on a shared machine) " +
      "of workload 1 (sync handler) and workload 3 (async, maxInFlight 1), in interleaved rounds",
  );
  const best = (key) => Math.max(...variants.map((v) => v[key]));
  const smallest = Math.min(...variants.map((v) => v.total));
  table(
    [
      { title: "opt-level / wasm-opt", align: "left" },
      { title: ".wasm raw" },
      { title: ".wasm gzip" },
      { title: "glue gzip" },
      { title: "total gzip" },
      { title: "vs smallest" },
      { title: "workload 1" },
      { title: "workload 3" },
      { title: "w1 vs fastest" },
    ],
    variants.map((v) => [
      v.label,
      bytes(v.wasm.raw),
      bytes(v.wasm.gzip),
      bytes(v.glue),
      bytes(v.total),
      `+${(((v.total - smallest) / smallest) * 100).toFixed(1)}%`,
      rate(v.w1),
      rate(v.w3),
      ratio(v.w1 / best("w1")),
    ]),
  );
  // The smallest variant that keeps within 10% of the fastest on both workloads, else the
  // fastest: speed differences below ~10% are within this machine's run-to-run noise.
  const near = variants.filter((v) => v.w1 >= 0.9 * best("w1") && v.w3 >= 0.9 * best("w3"));
  const pick = (near.length ? near : variants).reduce((a, b) => (b.total < a.total ? b : a));
  const small = variants.reduce((a, b) => (b.total < a.total ? b : a));
  const fast = variants.reduce((a, b) => (b.w1 > a.w1 ? b : a));
  console.log(`\nsmallest: ${small.label} (${bytes(small.total)}); fastest on workload 1: ${fast.label} (${rate(fast.w1)})`);
  console.log(
    `recommended: ${pick.label} — the smallest within 10% of the fastest on both workloads ` +
      `(${bytes(pick.total)} gzip, ${ratio(pick.w1 / best("w1"))} of the fastest on workload 1)`,
  );

  // Where the bytes go, in the recommended variant (names come from its wasm-bindgen output).
  const named = join(pick.dir, "..", "bindgen", "wasm_pubsub_bg.wasm");
  if (existsSync(named)) {
    const { sections, functions } = breakdown(readFileSync(named));
    heading(`Where the bytes go (${pick.label} before wasm-opt, by crate/module; raw bytes)`);
    const groups = new Map();
    for (const f of functions) groups.set(owner(f.name), (groups.get(owner(f.name)) ?? 0) + f.size);
    const data = sections.find((s) => s.name === "data")?.size ?? 0;
    const rows = [...groups].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([g, size]) => [g, bytes(size)]);
    rows.push(["data segments (string literals, tables)", bytes(data)]);
    table([{ title: "code of", align: "left" }, { title: "raw" }], rows);
  }
}

heading("Target");
coreDownloadTarget(pkgDir);
console.log(`\ntook ${((Date.now() - started) / 1000).toFixed(0)} s (this report; the variant builds are timed by pkg-scripts/size)`);
