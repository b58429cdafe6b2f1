// Writes the npm manifest of the built package: `node package-json.mjs OUT_DIR < cargo-metadata.json`.
// Name, version, description, license, repository and keywords come from Cargo.toml; the
// entry files are the ones pkg-scripts/build copies from pkg-scripts/entries/.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [outDir] = process.argv.slice(2);
const metadata = JSON.parse(readFileSync(0, "utf8"));
const crate = metadata.packages.find((p) => p.name === "wasm-pubsub");

const entries = ["browser", "node", "deno", "workerd"];
const manifest = {
  name: crate.name,
  version: crate.version,
  description: crate.description,
  license: crate.license,
  ...(crate.repository && { repository: { type: "git", url: crate.repository } }),
  keywords: crate.keywords,
  type: "module",
  // The tests run Node 20.20, with require(esm) both on and off (off as in Node 20.0–20.18):
  // `require` loads CommonJS only (the snippets' .cjs copies).
  engines: { node: ">=20" },
  // Conditions are tried in order: `types` first, `workerd` before `browser`/`node` (workerd
  // also matches them), `default` last. Deno matches `deno`; bundlers for the web `browser`.
  exports: {
    ".": {
      types: { require: "./node.d.cts", default: "./browser.d.ts" },
      workerd: "./workerd.js",
      deno: "./deno.js",
      node: { import: "./node.js", require: "./node.cjs" },
      browser: "./browser.js",
      default: "./browser.js",
    },
    // The NATS bridge: its own ES module, never loaded by "." (nats.js is an optional peer).
    "./nats": { types: "./nats/nats.d.ts", default: "./nats/nats.js" },
    "./durable": { types: "./durable/index.d.ts", default: "./durable/index.js" },
    "./shared": { types: "./shared/index.d.ts", default: "./shared/index.js" },
    "./wasm_pubsub_bg.wasm": "./wasm_pubsub_bg.wasm",
    "./package.json": "./package.json",
  },
  // wasm-pubsub/nats takes a nats.js connection (and a JetStream client) from the user: both optional.
  peerDependencies: { "@nats-io/nats-core": "^3.0.0", "@nats-io/jetstream": "^3.0.0" },
  peerDependenciesMeta: { "@nats-io/nats-core": { optional: true }, "@nats-io/jetstream": { optional: true } },
  main: "./node.cjs",
  module: "./browser.js",
  types: "./browser.d.ts",
  // The entry files instantiate the wasm module when imported: keep them. Everything else
  // (glue, snippets, their CommonJS copies) only defines classes and functions.
  sideEffects: [...entries.map((e) => `./${e}.js`), "./node.cjs"],
  files: [
    "wasm_pubsub_bg.wasm",
    "wasm_pubsub.js",
    "wasm_pubsub.d.ts",
    "wasm_pubsub_node.cjs",
    "wasm_pubsub_node.d.cts",
    "snippets/",
    "nats/",
    ...entries.flatMap((e) => [`${e}.js`, `${e}.d.ts`]),
    "node.cjs",
    "node.d.cts",
    "durable/",
    "shared/",
  ],
};

for (const [key, value] of Object.entries(manifest)) {
  if (value == null || (Array.isArray(value) && value.length === 0)) delete manifest[key];
}

writeFileSync(join(outDir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
