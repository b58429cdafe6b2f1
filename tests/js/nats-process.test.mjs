// README "Scaling out with NATS": two Node processes (child_process) exchanging messages
// over a real nats-server, and a server restart in the middle of a stream, asserting the
// delivery guarantee the README states for core NATS.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { natsBridge } from "wasm-pubsub/nats";
import { natsForTests, until } from "./nats-server.mjs";

const nats = natsForTests();
const connections = nats.connections;

async function connectTo(options = {}) {
  const nc = await connect({ servers: nats.server.url, noEcho: true, reconnectTimeWait: 50, maxReconnectAttempts: -1, ...options });
  connections.push(nc);
  return nc;
}

test("two Node processes exchange 300 messages with data and attributes intact", async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./nats-peer.mjs", import.meta.url)), nats.server.url], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk) => { out += chunk; });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    await until(() => out.includes("ready"), "the child is ready", 20_000);
    const bus = new PubSub();
    for (const topic of ["ping", "pong", "stop"]) bus.createTopic(topic);
    const pongs = [];
    bus.subscribe("pong", (msg) => { pongs.push(msg); });
    const nc = await connectTo();
    const bridge = natsBridge(bus, nc, { prefix: "proc", topics: ["ping", "pong", "stop"] });
    await nc.flush();
    for (let n = 0; n < 300; n++) bus.publish("ping", { n, data: n % 2 ? new Map([[n, -0]]) : [NaN, 10n ** 20n] }, { attributes: { "from host": "parent ✓" } });
    await until(() => pongs.length === 300, "300 pongs", 20_000);
    assert.deepEqual(pongs.map((m) => m.data.n), Array.from({ length: 300 }, (_, n) => n));
    assert.ok(pongs.every((m) => m.data.pid === child.pid), "answered by the other process");
    assert.ok(Object.is(pongs[1].data.data.get(1), -0));
    assert.equal(pongs[0].data.data[1], 10n ** 20n);
    assert.equal(pongs[7].attributes["from host"], "parent ✓");
    bus.publish("stop", null);
    assert.equal(await exited, 0, "the child's bridge failed no send");
    assert.equal(JSON.parse(out.split("\n")[1]).sent, 300);
    await bridge.close();
  } finally {
    if (child.exitCode === null) process.kill(child.pid, "SIGTERM");
  }
});

/** Resolves on the connection's next "reconnect" status. */
async function reconnected(nc) {
  for await (const status of nc.status()) if (status.type === "reconnect") return;
}

test("a server restart mid-stream: nothing is counted sent that the server did not take, every send is confirmed after the restart, the receiver sees no duplicate and no reordering, and everything published once both sides are back arrives (at-most-once only across the outage)", async () => {
  const sender = new PubSub();
  const receiver = new PubSub();
  sender.createTopic("stream");
  receiver.createTopic("stream");
  const got = [];
  receiver.subscribe("stream", (msg) => { got.push(msg.data); });
  const [ncA, ncB] = [await connectTo(), await connectTo()];
  const a = natsBridge(sender, ncA, { prefix: "r", topics: ["stream"] });
  const b = natsBridge(receiver, ncB, { prefix: "r", topics: ["stream"] });
  await ncB.flush();
  let n = 0;
  let bothBack;
  const timer = setInterval(() => { for (let i = 0; i < 5; i++) sender.publish("stream", n++); }, 2);
  try {
    await until(() => got.length >= 200, "200 before the restart");
    const backA = reconnected(ncA);
    const backB = reconnected(ncB);
    await nats.server.kill();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(a.stats().pending > 0, "messages wait in the outbox while the server is down");
    await nats.server.start();
    await Promise.all([backA, backB]);
    await ncB.flush();
    bothBack = n;
    await until(() => n >= bothBack + 500, "500 more after the restart");
  } finally {
    clearInterval(timer);
  }
  await until(() => a.stats().pending === 0, "the outbox drains", 20_000);
  const published = n;
  const stats = a.stats();
  assert.deepEqual(stats.failed, {}, "no send failed");
  assert.equal(stats.sent, published, "every message was confirmed by a server");
  assert.ok(stats.resent > 0, "the unconfirmed ones were published again");
  await until(() => got.at(-1) === published - 1, "the last message arrives");
  for (let i = 1; i < got.length; i++) assert.ok(got[i] > got[i - 1], `in order, no duplicate at ${i}`);
  const missing = new Set(Array.from({ length: published }, (_, i) => i));
  for (const v of got) missing.delete(v);
  for (let i = bothBack; i < published; i++) assert.ok(!missing.has(i), `${i}, published after both reconnected, arrived`);
  console.log(`restart: published ${published}, received ${got.length}, lost ${missing.size}, resent ${stats.resent}, receiver duplicates ${b.stats().duplicates}`);
  await a.close();
  await b.close();
});
