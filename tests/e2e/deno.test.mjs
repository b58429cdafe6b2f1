// The packed package in Deno (npm `deno`): `deno run` a script that imports "wasm-pubsub" from
// the project's node_modules, with no permission but reading the package, and no network.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { BIN, app, expectedRound, run, workspace } from "./harness.mjs";
import { readmeBlock } from "./readme.mjs";

let dir, denoDir;

before(() => {
  dir = workspace("deno");
  denoDir = mkdtempSync(join(tmpdir(), "wasm-pubsub-deno-"));
});

after(() => rmSync(denoDir, { recursive: true, force: true }));

const deno = (args) => run(join(BIN, "deno"), args, {
  cwd: app(),
  env: { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  timeoutMs: 60_000,
});

test("deno run imports the package through its deno condition and answers a round", async () => {
  const { code, stdout, stderr } = await deno(["run", "--no-prompt", "--allow-read=node_modules/wasm-pubsub", "--deny-net", join(dir, "main.js")]);
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  const { entry, deno: version, ...result } = JSON.parse(stdout.trim().split("\n").at(-1));
  assert.deepEqual(result, expectedRound("deno"));
  assert.match(entry, /\/node_modules\/wasm-pubsub\/deno\.js$/);
  assert.match(version, /^2\./);
});

test("without read permission the import fails with Deno's permission error, not a crash", async () => {
  const { code, stderr } = await deno(["run", "--no-prompt", join(dir, "main.js")]);
  assert.notEqual(code, 0);
  assert.match(stderr, /NotCapable|PermissionDenied|Requires read access/);
});

test("the README's Deno snippet runs as written, with the permission it names", async () => {
  const snippet = readmeBlock("// main.js — deno run");
  const [, command] = snippet.match(/^\/\/ main\.js — (deno run .*) main\.js$/m);
  writeFileSync(join(app(), "main.js"), snippet);
  const { code, stdout, stderr } = await deno([...command.split(" ").slice(1), "--no-prompt", "main.js"]);
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.equal(stdout, "hello from Deno\n");
});

test("configFromEnv reads Deno.env.toObject() into a config the bus takes", async () => {
  writeFileSync(join(app(), "env.js"), `import { configFromEnv, PubSub } from "wasm-pubsub";
const config = configFromEnv(Deno.env.toObject());
const bus = new PubSub(config);
bus.publish("created.on.first.use", 1);
console.log(JSON.stringify({ config, topics: bus.topics() }));
`);
  const { code, stdout, stderr } = await run(join(BIN, "deno"), ["run", "--no-prompt", "--allow-read=node_modules/wasm-pubsub", "--allow-env", "env.js"], {
    cwd: app(),
    env: { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", PUBSUB_AUTO_CREATE_TOPICS: "true", PUBSUB_DELIVERY_MAX_IN_FLIGHT: "4" },
    timeoutMs: 60_000,
  });
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.deepEqual(JSON.parse(stdout), { config: { autoCreateTopics: true, delivery: { maxInFlight: 4 } }, topics: ["created.on.first.use"] });
});

test("wasm-pubsub/shared: Deno's Web Locks elect one leader across a worker, which handles each job once, and the follower takes over when it leaves", async () => {
  const files = ["node_modules/wasm-pubsub", join(dir, "shared-worker.js"), join(dir, "shared-member.js")].join(",");
  const { code, stdout, stderr } = await deno(["run", "--no-prompt", `--allow-read=${files}`, "--deny-net", join(dir, "shared.js")]);
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  const { roles, first, second } = JSON.parse(stdout.trim().split("\n").at(-1));
  assert.deepEqual(Object.values(roles).sort(), ["follower", "leader"]);
  const [leader, follower] = roles.main === "leader" ? ["main", "worker"] : ["worker", "main"];
  assert.deepEqual(first, { [leader]: 20, [follower]: 0 });
  assert.deepEqual(second, { [leader]: 0, [follower]: 10 });
});
