// Exports wasm's shadow stack pointer, in place: two functions that read and write it,
// `__wbg_stack_pointer_get` and `__wbg_stack_pointer_set`, and the global itself as
// `__wbg_stack_pointer` (tests read it):
//   node pkg-scripts/export-stack-pointer.mjs FILE.wasm
// An exception thrown through wasm (a stack overflow inside a call) skips the code that would
// restore this global; the package's JavaScript front (snippets/front.js, `harden`) reads it before
// each call and puts it back after such an exception, so no other bus is disturbed. It calls
// the functions: a call into wasm costs a quarter of the WebAssembly.Global accessor.
import { readFileSync, writeFileSync } from "node:fs";
import binaryen from "binaryen";

const [file] = process.argv.slice(2);
// The features rustc's wasm output uses, as WASM_OPT_FLAGS in lib.sh; no others, so the
// binary written back loads wherever the one read did.
const F = binaryen.Features;
const features = F.MVP | F.BulkMemory | F.NontrappingFPToInt | F.SignExt | F.MutableGlobals | F.ReferenceTypes | F.Multivalue;
binaryen.setFeatures?.(features);
const module = binaryen.readBinary(readFileSync(file));
module.setFeatures(features);
const name = "__stack_pointer";
const global = module.getGlobal(name);
if (!global) throw new Error(`${file} has no global named ${name}: is its name section stripped?`);
const info = binaryen.getGlobalInfo(global);
if (!info.mutable || info.type !== binaryen.i32) throw new Error(`${name} in ${file} is not a mutable i32`);
if (!module.getExport("__wbg_stack_pointer")) module.addGlobalExport(name, "__wbg_stack_pointer");
if (!module.getExport("__wbg_stack_pointer_get")) {
  module.addFunction("__wbg_stack_pointer_get", binaryen.none, binaryen.i32, [], module.global.get(name, binaryen.i32));
  module.addFunctionExport("__wbg_stack_pointer_get", "__wbg_stack_pointer_get");
}
if (!module.getExport("__wbg_stack_pointer_set")) {
  module.addFunction("__wbg_stack_pointer_set", binaryen.i32, binaryen.none, [], module.global.set(name, module.local.get(0, binaryen.i32)));
  module.addFunctionExport("__wbg_stack_pointer_set", "__wbg_stack_pointer_set");
}
writeFileSync(file, module.emitBinary());
module.dispose();
