// `tsc --strict --noEmit` against the packed package's declarations, with skipLibCheck off so
// the shipped .d.ts files are checked too, by two compilers: the current TypeScript (npm
// `typescript`) and the oldest one the declarations support, 5.4 (`typescript-5.4`):
//   api.ts, typed.ts, exports.ts every class, method, option and type of the API; a typed
//                                consumer (a topic map, generic messages, no casts); the value
//                                exports, exactly; plus wrong uses that must fail
//                                (@ts-expect-error), as a bundler project (moduleResolution
//                                bundler, lib esnext + dom)
//   the same, lib es2022 + dom   the declarations need no lib newer than the user's target
//   node-import.mts / .cts       a Node project (module nodenext, @types/node, no DOM lib):
//                                the import and the require declarations, Node's own ports
//   nats.ts, nats-node.mts       wasm-pubsub/nats with real nats.js connections (wsconnect in a
//                                bundler project, transport-node's connect in a Node one), by
//                                the current compiler only: nats.js's own declarations need
//                                TypeScript ≥ 5.7 (they use the generic Uint8Array)
// Then what the declarations promise is held against the package: every value they export
// exists at run time, and LogRecord's events are every event the Rust sources log.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { app, ROOT, run, workspace } from "./harness.mjs";

/** The compilers, by package (both bins are called `tsc`, so node_modules/.bin cannot tell). */
const COMPILERS = [
  { name: "typescript", version: /^Version [7-9]\./ },
  { name: "typescript-5.4", version: /^Version 5\.4\./ },
];
const PROJECTS = [
  ["tsconfig.json", "the whole public API and a typed consumer type-check under tsc --strict, and wrong uses are caught"],
  ["tsconfig.es2022.json", "the declarations compile with lib es2022 + dom, no newer lib needed"],
  ["tsconfig.node.json", "a Node project (nodenext, @types/node, no DOM lib) type-checks import and require"],
];

/** wasm-pubsub/nats against nats.js's declarations (the project installed nats.js beside the package). */
const NATS_PROJECTS = [
  ["tsconfig.nats.json", "wasm-pubsub/nats type-checks with a real wsconnect connection in a bundler project"],
  ["tsconfig.nats-node.json", "wasm-pubsub/nats type-checks with a real transport-node connection in a Node project"],
];

/** The values the package exports (tests/e2e/types/exports.ts pins the declared ones). */
const PUBLIC = ["Bridge", "configFromEnv", "PubSub", "PubSubError", "Subscription", "Topic", "wasmMemoryBytes"];
/** What the entries export at run time without declaring it: nothing (explicit export lists). */
const UNDECLARED = [];

let dir;

before(() => {
  dir = workspace("types");
  // @types/node comes from the dev tooling, not from the user project.
  const path = join(dir, "tsconfig.node.json");
  const config = JSON.parse(readFileSync(path, "utf8"));
  config.compilerOptions.typeRoots = [join(ROOT, "node_modules", "@types")];
  writeFileSync(path, JSON.stringify(config, null, 2));
});

const tsc = (compiler, ...args) =>
  run(process.execPath, [join(ROOT, "node_modules", compiler, "bin", "tsc"), ...args], { cwd: dir, timeoutMs: 120_000 });

for (const { name, version } of COMPILERS) {
  test(`${name} is the TypeScript it should be`, async () => {
    const { code, stdout } = await tsc(name, "--version");
    assert.equal(code, 0);
    assert.match(stdout.trim(), version);
  });
  for (const [project, what] of name === "typescript" ? [...PROJECTS, ...NATS_PROJECTS] : PROJECTS) {
    test(`${name}: ${what}`, async () => {
      const { code, stdout, stderr } = await tsc(name, "-p", project, "--pretty", "false");
      assert.equal(code, 0, `tsc found errors:\n${stdout}${stderr}`);
    });
  }
}

/** The export names of the installed package, loaded as `import` or `require` does. */
async function runtimeExports(how) {
  const load = how === "import"
    ? "import('wasm-pubsub').then((m) => console.log(JSON.stringify(Object.keys(m))))"
    : "console.log(JSON.stringify(Object.keys(require('wasm-pubsub'))))";
  const { code, stdout, stderr } = await run(process.execPath, ["--input-type=commonjs", "-e", load], { cwd: app() });
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout);
}

for (const how of ["import", "require"]) {
  test(`every value the declarations export is there at run time (${how}), and nothing else but the known internals`, async () => {
    const names = await runtimeExports(how);
    for (const name of PUBLIC) assert.ok(names.includes(name), `${name} is declared but not exported`);
    const extra = names.filter((name) => !PUBLIC.includes(name));
    assert.deepEqual(extra.filter((name) => !UNDECLARED.includes(name)), [], "exported but not declared");
  });
}

/** The string literals of non-comment Rust source lines that name a log event. */
function loggedEvents() {
  const events = new Set();
  const files = readdirSync(join(ROOT, "src"), { recursive: true }).filter((f) => f.endsWith(".rs"));
  const call = /(?:LogRecord::new\([^,()]+,\s*|\(Level::\w+,\s*|\blog(?:_message)?\(&[^,]+,\s*)"([^"]+)"/g;
  for (const file of files) {
    const code = readFileSync(join(ROOT, "src", file), "utf8").split("\n")
      .filter((line) => !line.trimStart().startsWith("//")).join("\n");
    for (const [, event] of code.matchAll(call)) events.add(event);
  }
  return [...events].sort();
}

test("LogRecord's event union is every event the Rust sources log", () => {
  const dts = readFileSync(join(app(), "node_modules", "wasm-pubsub", "wasm_pubsub.d.ts"), "utf8");
  const body = dts.match(/export interface LogEventCodes \{([^}]*)\}/);
  assert.ok(body, "the declarations have no LogEventCodes interface");
  const declared = [...body[1].matchAll(/^\s*"([^"]+)":/gm)].map((m) => m[1]).sort();
  const logged = loggedEvents();
  assert.ok(logged.length >= 15, `found only ${logged.length} logged events: the pattern needs updating`);
  assert.deepEqual(declared, logged);
});
