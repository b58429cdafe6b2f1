// README "Scaling out with NATS" → request/reply: bridge.request on one bus, bridge.respond
// from a handler on another, over a real nats-server; TIMEOUT and NO_RESPONDERS.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { natsBridge, NatsBridgeError, REPLY_ATTRIBUTE } from "wasm-pubsub/nats";
import { natsForTests } from "./nats-server.mjs";

const nats = natsForTests();
const connections = nats.connections;

async function bridged(topics) {
  const nc = await connect({ servers: nats.server.url, noEcho: true });
  connections.push(nc);
  const bus = new PubSub();
  for (const topic of topics) bus.createTopic(topic);
  const bridge = natsBridge(bus, nc, { prefix: "rr", topics });
  await nc.flush();
  return { bus, bridge, nc };
}

test("a request is answered by a handler on another bus, data through the codec both ways", async () => {
  const asker = await bridged(["prices.quote"]);
  const answerer = await bridged(["prices.quote"]);
  const seen = [];
  answerer.bus.subscribe("prices.quote", (msg) => {
    seen.push({ ...msg.attributes });
    answerer.bridge.respond(msg, { sku: msg.data.sku, total: msg.data.qty * 2n, at: new Date(7) });
  });
  const reply = await asker.bridge.request("prices.quote", { sku: "A-1", qty: 21n }, { timeoutMs: 2000, attributes: { who: "me" } });
  assert.deepEqual(reply, { sku: "A-1", total: 42n, at: new Date(7) });
  assert.equal(seen[0].who, "me");
  assert.match(seen[0][REPLY_ATTRIBUTE], /^_INBOX\./);
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => asker.bridge.request("prices.quote", { sku: `S${i}`, qty: BigInt(i) })));
  assert.deepEqual(replies.map((r) => r.total), Array.from({ length: 50 }, (_, i) => BigInt(i) * 2n));
  await asker.bridge.close();
  await answerer.bridge.close();
});

test("no subscriber on the subject: NO_RESPONDERS; a subscriber that never answers: TIMEOUT; bad arguments: INVALID_ARGUMENT", async () => {
  const asker = await bridged(["nobody", "silent"]);
  await assert.rejects(asker.bridge.request("nobody", 1, { timeoutMs: 1000 }), (e) => e instanceof NatsBridgeError && e.code === "NO_RESPONDERS");
  const silent = await bridged(["silent"]);
  silent.bus.subscribe("silent", () => {});
  const started = Date.now();
  await assert.rejects(asker.bridge.request("silent", 1, { timeoutMs: 200 }), (e) => e instanceof NatsBridgeError && e.code === "TIMEOUT");
  assert.ok(Date.now() - started < 2000);
  await assert.rejects(asker.bridge.request("bad..topic", 1), (e) => e.code === "INVALID_ARGUMENT");
  await assert.rejects(asker.bridge.request("silent", 1, { timeoutMs: 0 }), (e) => e.code === "INVALID_ARGUMENT");
  await assert.rejects(asker.bridge.request("silent", () => 1), (e) => e.code === "CODEC_ERROR");
  assert.throws(() => asker.bridge.respond({ attributes: {} }, 1), (e) => e.code === "INVALID_ARGUMENT");
  await asker.bridge.close();
  await silent.bridge.close();
  await assert.rejects(asker.bridge.request("silent", 1), (e) => e.code === "CLOSED");
});

test("the README's request/reply lines, as written", async () => {
  const { bus: answering, bridge: answeringBridge } = await bridged(["prices.quote"]);
  const { bridge: askingBridge } = await bridged(["prices.quote"]);
  const price = (order) => (order.sku === "A-1" ? 42 : 0);
  answering.subscribe("prices.quote", (msg) => answeringBridge.respond(msg, { total: price(msg.data) }));
  const { total } = await askingBridge.request("prices.quote", { sku: "A-1" }, { timeoutMs: 1000 });
  assert.equal(total, 42);
});

test("bus.request over NATS: another bus answers with msg.respond, data through the codec both ways", async () => {
  const asker = await bridged(["bus.quote"]);
  const answerer = await bridged(["bus.quote"]);
  answerer.bus.subscribe("bus.quote", (msg) => msg.respond({ total: msg.data.qty * 2n, at: new Date(3) }));
  assert.deepEqual(await asker.bus.request("bus.quote", { qty: 21n }, { timeoutMs: 2000 }), { total: 42n, at: new Date(3) });
});

test("bus.request reaches a foreign nats.js responder, and a foreign nc.request reaches msg.respond", async () => {
  const { bus, nc } = await bridged(["bus.quote", "stock.level"]);
  const foreign = await connect({ servers: nats.server.url });
  connections.push(foreign);
  const sub = foreign.subscribe("rr.bus.quote", { callback: (_, msg) => msg.respond(JSON.stringify({ total: 7 })) });
  await foreign.flush();
  assert.deepEqual(await bus.request("bus.quote", { sku: "A-1" }, { timeoutMs: 2000 }), { total: 7 });
  sub.unsubscribe();
  bus.subscribe("stock.level", (msg) => msg.respond({ sku: msg.data.sku, level: 3 }));
  await nc.flush();
  const reply = await foreign.request("rr.stock.level", JSON.stringify({ sku: "B-2" }), { timeout: 2000 });
  assert.deepEqual(JSON.parse(new TextDecoder().decode(reply.data)), { sku: "B-2", level: 3 });
});

test("a bus.request over NATS that nobody answers ends in the asker's TIMEOUT, and the bridge logs no responders", async () => {
  const records = [];
  const nc = await connect({ servers: nats.server.url, noEcho: true });
  connections.push(nc);
  const bus = new PubSub({ logger: null });
  bus.createTopic("nobody");
  natsBridge(bus, nc, { prefix: "rr", topics: ["nobody"], logger: (r) => records.push(r) });
  await nc.flush();
  await assert.rejects(bus.request("nobody", 1, { timeoutMs: 300 }), (e) => e.code === "TIMEOUT");
  assert.ok(records.some((r) => r.event === "nats.noResponders" && r.code === "NO_RESPONDERS"), JSON.stringify(records));
});
