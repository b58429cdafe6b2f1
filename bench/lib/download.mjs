// What a browser downloads for `import { PubSub } from "wasm-pubsub"`: the package's browser
// entry, every module it imports (followed statically), and the .wasm it fetches — each
// gzipped at level 9, as a server would send them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, normalize } from "node:path";
import { gzipSync } from "node:zlib";

/** { total, parts }: the gzipped bytes of the core download, and each file's share as text. */
export function coreDownload() {
  const root = dirname(createRequire(import.meta.url).resolve("wasm-pubsub/package.json"));
  const files = new Set();
  const visit = (file) => {
    if (files.has(file)) return;
    files.add(file);
    const code = readFileSync(join(root, file), "utf8");
    for (const [, spec] of code.matchAll(/(?:from|import)\s*["'](\.{1,2}\/[^"']+)["']/g)) visit(normalize(join(dirname(file), spec)));
  };
  visit("browser.js");
  files.add("wasm_pubsub_bg.wasm");
  const sizes = [...files].map((file) => [file, gzipSync(readFileSync(join(root, file)), { level: 9 }).length]);
  const total = sizes.reduce((sum, [, size]) => sum + size, 0);
  const parts = sizes.map(([file, size]) => `${file} ${(size / 1024).toFixed(1)}`).join(", ");
  return { total, parts };
}
