// Where a .wasm's bytes go: code size per crate/module (from the `name` section, so give it
// a module that still has names — wasm-bindgen's output before `wasm-opt --strip-debug`, or
// after `wasm-opt -g`), plus the data segments and the other sections.
//   node wasm-breakdown.mjs FILE.wasm [TOP]
// Exported as `breakdown(bytes)` for size.mjs.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

function reader(buf) {
  let pos = 0;
  const r = {
    get pos() { return pos; },
    set pos(p) { pos = p; },
    byte: () => buf[pos++],
    u32() {
      let result = 0;
      let shift = 0;
      for (;;) {
        const b = buf[pos++];
        result |= (b & 0x7f) << shift;
        if (!(b & 0x80)) return result >>> 0;
        shift += 7;
      }
    },
    name() {
      const len = r.u32();
      const s = new TextDecoder().decode(buf.subarray(pos, pos + len));
      pos += len;
      return s;
    },
  };
  return r;
}

const SECTION = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount"];

/** { sections: [{ name, size }], functions: [{ name, size }], imports } */
export function breakdown(buf) {
  const r = reader(buf);
  r.pos = 8;
  const sections = [];
  let bodies = [];
  let imports = 0;
  const names = new Map();
  while (r.pos < buf.length) {
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    let label = SECTION[id] ?? `section ${id}`;
    if (id === 0) {
      label = `custom "${r.name()}"`;
      if (label === 'custom "name"') readNames(r, start + size, names);
    } else if (id === 2) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) { r.u32(); imports++; }
        else if (kind === 1) { r.byte(); limits(r); }
        else if (kind === 2) limits(r);
        else { r.byte(); r.byte(); }
      }
    } else if (id === 10) {
      const count = r.u32();
      bodies = [];
      for (let i = 0; i < count; i++) {
        const len = r.u32();
        bodies.push(len);
        r.pos += len;
      }
    }
    sections.push({ name: label, size: size + 1 + lebLength(size) });
    r.pos = start + size;
  }
  const functions = bodies.map((size, i) => ({ name: names.get(imports + i) ?? `func[${imports + i}]`, size }));
  return { sections, functions };
}

function limits(r) {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
}

function lebLength(n) {
  let len = 1;
  while (n >= 0x80) { n >>>= 7; len++; }
  return len;
}

function readNames(r, end, names) {
  while (r.pos < end) {
    const sub = r.byte();
    const size = r.u32();
    const next = r.pos + size;
    if (sub === 1) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const index = r.u32();
        names.set(index, r.name());
      }
    }
    r.pos = next;
  }
}

/** The crate or module a (demangled) Rust symbol belongs to, at a useful depth. */
export function owner(name) {
  let n = name.replace(/^<|^_</, "").replace(/\[[0-9a-f]+\]/g, "");
  if (/^(__wbg_|__wbindgen|wasm_bindgen__|__externref)/.test(n)) return "wasm-bindgen glue shims";
  if (/externref shim|multivalue shim/.test(n)) return "wasm-bindgen glue shims";
  if (n.startsWith("func[")) return "(unnamed)";
  n = n.replace(/^impl /, "");
  const parts = n.split("::");
  const crate = parts[0].replace(/^&(mut )?/, "").replace(/ as .*/, "");
  if (crate === "wasm_pubsub") return `wasm_pubsub::${parts[1]?.replace(/ as .*| for .*|<.*/, "") ?? ""}`;
  if (crate === "core" || crate === "alloc" || crate === "std") return `${crate}::${parts[1]?.replace(/<.*| as .*/, "") ?? ""}`;
  return crate;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top = "30"] = process.argv.slice(2);
  const { sections, functions } = breakdown(readFileSync(file));
  const total = sections.reduce((a, s) => a + s.size, 0);
  console.log(`${file}: ${total} bytes`);
  for (const s of sections.sort((a, b) => b.size - a.size)) console.log(`  ${String(s.size).padStart(8)}  ${s.name}`);
  const groups = new Map();
  for (const f of functions) groups.set(owner(f.name), (groups.get(owner(f.name)) ?? 0) + f.size);
  console.log(`\ncode by crate/module (top ${top}):`);
  for (const [g, size] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    console.log(`  ${String(size).padStart(8)}  ${g}`);
  }
  console.log(`\nlargest functions (top ${top}):`);
  for (const f of functions.sort((a, b) => b.size - a.size).slice(0, Number(top))) {
    console.log(`  ${String(f.size).padStart(8)}  ${f.name.slice(0, 140)}`);
  }
}
