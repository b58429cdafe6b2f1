// What a browser downloads, per entry of the package. The core download is what
// `import { PubSub } from "wasm-pubsub"` fetches: the package's browser entry, every module it
// imports (followed statically) and the .wasm it fetches — each gzipped at level 9, as a
// server would send them — against a budget of 72 KiB. The other entries of package.json's
// "exports" (wasm-pubsub/nats, /durable, /shared) are separate downloads: their own modules,
// followed inside their own folder (what they import from the core is counted there).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, normalize, relative } from "node:path";
import { gzipSync } from "node:zlib";

import { bytes, target } from "./report.mjs";

const CORE_BUDGET = 72 * 1024;

/** The directory of wasm-pubsub as installed in bench/node_modules (from the packed tarball). */
const installed = () => dirname(createRequire(import.meta.url).resolve("wasm-pubsub/package.json"));

/** `entry` and every module it imports relatively that lies in `folder`, as paths in `root`. */
function modules(root, entry, folder = ".") {
  const found = new Set();
  const visit = (file) => {
    if (found.has(file) || relative(folder, file).startsWith("..")) return;
    found.add(file);
    const code = readFileSync(join(root, file), "utf8");
    for (const [, spec] of code.matchAll(/(?:from|import)\s*["'](\.{1,2}\/[^"']+)["']/g)) visit(normalize(join(dirname(file), spec)));
  };
  visit(entry);
  return [...found];
}

/** The files of the core download, as paths in `root`. */
export function coreFiles(root) {
  return [...modules(root, "browser.js"), "wasm_pubsub_bg.wasm"];
}

/** The JavaScript files an "exports" value points to (every condition but the types). */
function scripts(value) {
  if (typeof value === "string") return value.endsWith(".js") ? [normalize(value)] : [];
  return Object.entries(value).flatMap(([condition, v]) => (condition === "types" ? [] : scripts(v)));
}

/** [{ name: "wasm-pubsub/nats", files }]: each entry of "exports" but ".", with its files as paths in `root`. */
export function separateEntries(root) {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  return Object.entries(manifest.exports)
    .filter(([subpath]) => subpath !== ".")
    .map(([subpath, value]) => {
      const files = new Set(scripts(value).flatMap((entry) => modules(root, entry, dirname(entry))));
      return { name: manifest.name + subpath.slice(1), files: [...files] };
    })
    .filter((entry) => entry.files.length);
}

/** { total, parts }: the gzipped bytes of the core download, and each file's share as text. */
function coreDownload(root) {
  const sizes = coreFiles(root).map((file) => [file, gzipSync(readFileSync(join(root, file)), { level: 9 }).length]);
  const total = sizes.reduce((sum, [, size]) => sum + size, 0);
  const parts = sizes.map(([file, size]) => `${file} ${(size / 1024).toFixed(1)}`).join(", ");
  return { total, parts };
}

/** Prints the core download's target line (met / MISSED) and returns whether it is met. */
export function coreDownloadTarget(root = installed()) {
  const core = coreDownload(root);
  return target(`the core download (import { PubSub } in a browser) ≤ ${CORE_BUDGET / 1024} KiB gzipped`, core.total <= CORE_BUDGET, `${bytes(core.total)}: ${core.parts}`);
}
