// Loads wasm-pubsub the way a user gets it, and finds the instance's linear memory.
//
// By default this imports "wasm-pubsub" as installed in bench/node_modules from the packed
// pkg/ tarball, so Node resolves the package's own `exports` ("node" → "import" → node.js,
// which compiles the .wasm with initSync). With WASM_PUBSUB_DIR set it loads a wasm-bindgen
// `--target web` output directory instead (the size report's opt-level variants).
//
// The memory: the web glue's `initSync()` returns the instance's exports once it has run, so a
// second call, which the entry re-exports, hands them back without instantiating again;
// `exports.memory` is the `WebAssembly.Memory` and `exports.__wbindgen_externrefs` the table
// that holds every JS value the wasm side keeps (a leaked JsValue grows it). If an entry
// stopped re-exporting initSync, importing the glue file by its absolute URL gives the very
// module instance the entry used. The package's own `wasmMemoryBytes()`, where it exists,
// is read too, as a cross-check.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** { PubSub, memory: WebAssembly.Memory, table: WebAssembly.Table?, wasmMemoryBytes?, from } */
export async function loadPubSub() {
  const variant = process.env.WASM_PUBSUB_DIR;
  if (variant) {
    const glue = await import(pathToFileURL(join(variant, "wasm_pubsub.js")).href);
    const exports = glue.initSync({ module: readFileSync(join(variant, "wasm_pubsub_bg.wasm")) });
    return { PubSub: glue.PubSub, ...parts(exports), wasmMemoryBytes: glue.wasmMemoryBytes, from: variant };
  }
  const pkg = await import("wasm-pubsub");
  const exports = await instanceExports(pkg);
  return { PubSub: pkg.PubSub, ...parts(exports), wasmMemoryBytes: pkg.wasmMemoryBytes, from: "wasm-pubsub (installed tarball)" };
}

const parts = (exports) => ({ memory: exports.memory, table: exports.__wbindgen_externrefs });

async function instanceExports(pkg) {
  if (typeof pkg.initSync === "function") return pkg.initSync();
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve("wasm-pubsub/package.json"));
  const glue = await import(pathToFileURL(join(dir, "wasm_pubsub.js")).href);
  return glue.initSync();
}
