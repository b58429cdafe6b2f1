// README "Scaling out with NATS": its Node example runs as written (the server address
// replaced by a test server's) in a process of its own, from the package's own README; and
// the overflow policy "deadLetterOldest" it describes for received messages.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { natsBridge } from "wasm-pubsub/nats";
import { startNatsServer, until } from "./nats-server.mjs";

let server;
before(async () => {
  server = await startNatsServer();
});
after(() => server?.stop());

/** The first ```js block of the README's section `heading`. */
function example(heading) {
  const packageJson = createRequire(import.meta.url).resolve("wasm-pubsub/package.json");
  const readme = readFileSync(join(dirname(packageJson), "README.md"), "utf8");
  const section = readme.slice(readme.indexOf(`## ${heading}\n`));
  return section.match(/```js\n([\s\S]*?)```/)[1];
}

test("the README's Node example runs as written and its bus gets its message", async () => {
  const code = example("Scaling out with NATS");
  assert.ok(code.includes("127.0.0.1:4222"));
  const file = join(dirname(fileURLToPath(import.meta.url)), "readme-nats-example.mjs");
  writeFileSync(file, code.replace("127.0.0.1:4222", server.url));
  try {
    const output = await new Promise((resolve, reject) => {
      execFile(process.execPath, [file], { timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)));
    });
    assert.equal(output.trim(), "1250n eu west");
  } finally {
    rmSync(file, { force: true });
  }
});

test("with overflow deadLetterOldest, a full subscription takes every received message and dead-letters its oldest", async () => {
  const nc = [await connect({ servers: server.url, noEcho: true }), await connect({ servers: server.url, noEcho: true })];
  const [sender, receiver] = [new PubSub(), new PubSub()];
  sender.createTopic("q");
  receiver.createTopic("q");
  const sub = receiver.subscribe("q", () => {}, { queueCapacity: 10, overflow: "deadLetterOldest" });
  sub.pause();
  const bridges = [natsBridge(sender, nc[0], { prefix: "dl", topics: ["q"] }), natsBridge(receiver, nc[1], { prefix: "dl", topics: ["q"] })];
  await nc[1].flush();
  for (let i = 0; i < 30; i++) sender.publish("q", i);
  await until(() => bridges[1].stats().received === 30, "30 received");
  assert.equal(bridges[1].stats().held, 0);
  assert.deepEqual(bridges[1].stats().dropped, {});
  assert.deepEqual(receiver.deadLetters().map((d) => [d.message.data, d.reason]), Array.from({ length: 20 }, (_, i) => [i, "OVERFLOW"]));
  for (const bridge of bridges) await bridge.close();
  for (const c of nc) await c.close();
});
