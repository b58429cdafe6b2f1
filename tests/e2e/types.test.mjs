// `tsc --strict --noEmit` (npm `typescript`) against the packed package's declarations, with
// skipLibCheck off so the shipped .d.ts files are checked too:
//   api.ts                       every class, method, option and type of the API, plus wrong
//                                uses that must fail (@ts-expect-error), as a bundler project
//                                (moduleResolution bundler, lib esnext + dom)
//   the same, lib es2022 + dom   the declarations need no lib newer than the user's target
//   node-import.mts / .cts       a Node project (module nodenext, @types/node, no DOM lib):
//                                the import and the require declarations
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { BIN, ROOT, run, workspace } from "./harness.mjs";

let dir;

before(() => {
  dir = workspace("types");
  // @types/node comes from the dev tooling, not from the user project.
  const path = join(dir, "tsconfig.node.json");
  const config = JSON.parse(readFileSync(path, "utf8"));
  config.compilerOptions.typeRoots = [join(ROOT, "node_modules", "@types")];
  writeFileSync(path, JSON.stringify(config, null, 2));
});

const tsc = (project) => run(join(BIN, "tsc"), ["-p", project, "--pretty", "false"], { cwd: dir, timeoutMs: 120_000 });

test("the whole public API type-checks under tsc --strict, and wrong uses are caught", async () => {
  const { code, stdout, stderr } = await tsc("tsconfig.json");
  assert.equal(code, 0, `tsc found errors:\n${stdout}${stderr}`);
});

test("the declarations compile with lib es2022 + dom, no newer lib needed", async () => {
  const { code, stdout, stderr } = await tsc("tsconfig.es2022.json");
  assert.equal(code, 0, `tsc found errors:\n${stdout}${stderr}`);
});

test("a Node project (nodenext, @types/node, no DOM lib) type-checks import and require", async () => {
  const { code, stdout, stderr } = await tsc("tsconfig.node.json");
  assert.equal(code, 0, `tsc found errors:\n${stdout}${stderr}`);
});
