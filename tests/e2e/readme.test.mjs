// Every code block of README.md, as written: each is run here (JavaScript in Node from the
// installed package, TypeScript through tsc --strict), or it belongs to a runtime another test
// runs it in (a browser page, a worker, workerd, Deno) and is found verbatim there; shell
// commands name scripts that exist. A block no rule claims fails the test, so a new snippet
// cannot go untested.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { BIN, ROOT, app, run } from "./harness.mjs";
import { readmeBlocks } from "./readme.mjs";

/** Blocks run in Node: `prelude` and `epilogue` are the test's scaffolding around the block. */
const NODE = [
  { has: "console.log(await bus.close()); // delivers what is queued first", stdout: ["orders.eu { total: 42 }", "{ drained: 1, deadLettered: 0 }"] },
  { has: "console.log(await bus.drain({ timeoutMs: 5000 })); // settled, and the bus stays open",
    stdout: ["{ drained: 1, deadLettered: 0 }\n{ drained: 1, deadLettered: 0 }"] },
  { has: "sub.update({ maxInFlight: 8, queueCapacity: 100", stdout: ["{ deadLettered: 0, overCapacity: 0 }"] },
  { has: "const config = configFromEnv(env);", epilogue: "console.log(JSON.stringify(config));",
    stdout: ['{"delivery":{"maxDeliveryAttempts":3,"overflow":"deadLetterOldest"}}'] },
  { has: "await save(msg.data);              // fulfil = ack", prelude: "const save = async () => {};", stdout: ["TOPIC_NOT_FOUND"] },
  { has: 'import { PubSub, PubSubError } from "wasm-pubsub";\n', exact: true },
  { has: 'const quote = await bus.request("prices.quote"', stdout: ["{ sku: 'A-1', total: 42 }"] },
  { has: 'const { PubSub, PubSubError } = require("wasm-pubsub");', commonjs: true },
  { has: 'const channel = new BroadcastChannel("my-app");', prelude: "const renderCart = () => {};", epilogue: "channel.close();" },
  { has: 'for await (const msg of bus.stream("orders.>"', stdout: ["saved 1"],
    prelude: `import { PubSub } from "wasm-pubsub";
const bus = new PubSub({ autoCreateTopics: true });
const save = async (data) => console.log("saved", data);
setTimeout(() => {
  bus.publish("orders.eu", 1);
  setTimeout(() => bus.close(), 50);
}, 10);` },
  { has: "// A clock you move by hand", stdout: ["dead letter MAX_ATTEMPTS 3 gateway down (attempt 3)", "open", "closed 1"],
    stderr: /^(wasm-pubsub warn: (handler\.failed|deadLetter|breaker\.opened) .*\n)+$/ },
];

/** Blocks another test runs in the runtime they name: every line of the block is in `file`. */
const ELSEWHERE = [
  { has: 'import { PubSub } from "wasm-pubsub";\n\nconst bus = new PubSub({ autoCreateTopics: true });\n', exact: true, file: "tests/e2e/browser-app/main.js" },
  { has: '<script type="importmap">', file: "tests/e2e/nobundler/index.html" },
  { has: "// worker.js — the page's import map does not reach it", file: "tests/e2e/nobundler/worker.js" },
  { has: "// The page — a dedicated worker with its own bus", file: "tests/e2e/browser-app/readme-page.js" },
  { has: "self.onmessage = (event) => bus.bridge(event.data.port);", file: "tests/e2e/browser-app/worker.js" },
  { has: "export default {\n  async fetch(request) {", runner: "tests/e2e/workerd.test.mjs" },
  { has: "modules = [", runner: "tests/e2e/workerd.test.mjs" },
  { has: "ctx.waitUntil(bus.drain({ timeoutMs: 5000 }));", file: "tests/e2e/workerd/waituntil.js" },
  { has: "// main.js — deno run", runner: "tests/e2e/deno.test.mjs" },
  { has: "// Node, over TCP: npm install wasm-pubsub @nats-io/transport-node", runner: "tests/js/nats-readme.test.mjs" },
  { has: 'const nc = await wsconnect({ servers: "ws://127.0.0.1:8080", noEcho: true });', runner: "tests/e2e/nats.test.mjs" },
  { has: "answering.subscribe(\"prices.quote\"", file: "tests/js/nats-request.test.mjs" },
  { has: "const feed = await jetstreamSubscribe(bus, jetstream(nc), {", file: "tests/js/nats-jetstream.test.mjs" },
  { has: "const billing = await jetstreamSubscribe(bus, jetstream(nc), {", file: "tests/js/nats-jetstream.test.mjs" },
  { has: 'bridge.replayDeadLetters({ code: "QUEUE_FULL" });', file: "tests/js/nats.test.mjs" },
  { has: 'import { attachPageLifecycle, indexedDbStore } from "wasm-pubsub/durable";', file: "tests/e2e/durable/app.js" },
  { has: 'import { shareSubscriptions } from "wasm-pubsub/shared";', file: "tests/e2e/shared/readme.js" },
];

let dir;

before(() => {
  dir = join(app(), "readme");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
});

const claims = (rule, block) => (rule.exact ? block.code === rule.has : block.code.includes(rule.has));

test("every README code block is claimed by exactly one rule, and every rule by one block", () => {
  const rules = [...NODE, ...ELSEWHERE];
  for (const block of readmeBlocks()) {
    if (block.lang === "sh" || block.lang === "ts") continue;
    const owners = rules.filter((rule) => claims(rule, block));
    assert.equal(owners.length, 1, `README line ${block.line} (${block.lang}) should be claimed once, is claimed ${owners.length} times:\n${block.code}`);
  }
  for (const rule of rules) {
    assert.equal(readmeBlocks().filter((block) => claims(rule, block)).length, 1, `one README block for ${JSON.stringify(rule.has)}`);
  }
});

for (const rule of NODE) {
  test(`README, in Node: ${rule.has.split("\n")[0].slice(0, 70)}`, async () => {
    const block = readmeBlocks().find((b) => claims(rule, b));
    const file = join(dir, `block-${block.line}.${rule.commonjs ? "cjs" : "mjs"}`);
    writeFileSync(file, [rule.prelude, block.code, rule.epilogue].filter(Boolean).join("\n"));
    const { code, stdout, stderr } = await run(process.execPath, [file], { cwd: dir, timeoutMs: 30_000 });
    assert.equal(code, 0, `README line ${block.line} failed:\n${stdout}\n${stderr}`);
    if (rule.stderr) assert.match(stderr, rule.stderr, "the default logger's console lines");
    else assert.equal(stderr, "", `README line ${block.line} wrote to stderr`);
    for (const expected of rule.stdout ?? []) assert.ok(stdout.includes(expected), `README line ${block.line} should print ${expected}; printed:\n${stdout}`);
  });
}

for (const rule of ELSEWHERE) {
  test(`README, in its runtime: ${rule.has.split("\n")[0].slice(0, 70)}`, () => {
    const block = readmeBlocks().find((b) => claims(rule, b));
    if (rule.runner) {
      const runner = readFileSync(join(ROOT, rule.runner), "utf8");
      assert.ok(runner.includes("readmeBlock(") || runner.includes("README"), `${rule.runner} runs README blocks`);
      return;
    }
    const fixture = readFileSync(join(ROOT, rule.file), "utf8");
    for (const line of block.code.split("\n").filter((l) => l.trim())) {
      const held = fixture.includes(line) || importsAll(fixture, line);
      assert.ok(held, `${rule.file} should hold README line ${block.line}'s ${JSON.stringify(line)}`);
    }
  });
}

/** Whether `line` is `import { a, b } from "m";` and `fixture` imports each of a, b from "m" too. */
function importsAll(fixture, line) {
  const parsed = line.match(/^import \{ ([^}]+) \} from ("[^"]+");$/);
  if (!parsed) return false;
  const imported = [...fixture.matchAll(new RegExp(`^import \\{([^}]+)\\} from ${parsed[2]};$`, "gm"))]
    .flatMap((m) => m[1].split(",").map((name) => name.trim()));
  return parsed[1].split(",").every((name) => imported.includes(name.trim()));
}

test("the README's TypeScript compiles under tsc --strict, failing exactly on the lines it marks as errors", async () => {
  const blocks = readmeBlocks().filter((b) => b.lang === "ts");
  assert.ok(blocks.length > 0);
  const prelude = [
    "export {};",
    "declare function save(order: unknown): Promise<void>;",
    "declare function renderCart(cart: { sku: string; qty: number }): void;",
    "declare function log(entry: Audit): void;",
    "interface Audit { who: string }",
  ];
  for (const block of blocks) {
    const file = join(dir, `block-${block.line}.ts`);
    writeFileSync(file, `${prelude.join(" ")}\n${block.code}`);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "esnext", moduleResolution: "bundler", lib: ["es2022", "dom"], types: [] },
      files: [file],
    }));
    const { stdout } = await run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir, "--pretty", "false"], { cwd: dir, timeoutMs: 120_000 });
    const failing = [...stdout.matchAll(/\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1]) - 1);
    const marked = block.code.split("\n").flatMap((line, i) => (/\/\/ error\b/.test(line) ? [i + 1] : []));
    assert.deepEqual([...new Set(failing)], marked, `README line ${block.line}: tsc errors on block lines ${failing} (marked: ${marked}):\n${stdout}`);
  }
});

test("the README's shell commands name scripts that exist", () => {
  for (const block of readmeBlocks().filter((b) => b.lang === "sh")) {
    for (const line of block.code.split("\n").filter((l) => l.trim())) {
      const command = line.replace(/^\w+=\S+ /, "").split(/\s+/)[0];
      const known = ["npm", "cargo"].includes(command) || existsSync(join(ROOT, command));
      assert.ok(known, `README line ${block.line}: ${command} is neither npm, cargo nor a script of the repository`);
    }
  }
  assert.ok(existsSync(join(BIN, "tsc")));
});
