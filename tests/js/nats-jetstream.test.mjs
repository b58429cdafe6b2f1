// README "Scaling out with NATS" → JetStream: a durable consumer feeding a bus with
// jetstreamSubscribe, settled on JetStream by what the bus's subscriptions did, and messages
// published while no consumer ran surviving a server restart (file storage).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { jetstreamSubscribe, natsBridge, NatsBridgeError, replayJetStreamDeadLetters } from "wasm-pubsub/nats";
import { natsForTests, until } from "./nats-server.mjs";

const nats = natsForTests();
const connections = nats.connections;

async function connectTo() {
  const nc = await connect({ servers: nats.server.url, noEcho: true, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
  connections.push(nc);
  return nc;
}

/** A file-backed stream on `prefix.>` with a durable consumer (explicit acks, 1 s ack wait). */
async function stream(nc, name, prefix) {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name, subjects: [`${prefix}.>`], storage: "file" });
  await jsm.consumers.add(name, { durable_name: "worker", ack_policy: AckPolicy.Explicit, ack_wait: 1e9, max_deliver: 10 });
  return jsm;
}

test("messages a bus bridged to NATS published are stored, then consumed by another bus: acked ones are acked, a dead-lettered one terminated", async () => {
  const nc = await connectTo();
  const jsm = await stream(nc, "QUEUED", "jsq");
  const sender = new PubSub();
  sender.createTopic("orders");
  const bridge = natsBridge(sender, nc, { prefix: "jsq", topics: ["orders"] });
  for (let i = 0; i < 20; i++) sender.publish("orders", { i, big: BigInt(i) }, { attributes: { n: String(i) }, orderingKey: "k" });
  await until(() => bridge.stats().sent === 20, "stored");

  const receiver = new PubSub();
  receiver.createTopic("orders");
  const got = [];
  receiver.subscribe("orders", (msg) => {
    if (msg.data.i === 7) throw new Error("poison");
    got.push([msg.data.i, msg.data.big, msg.attributes.n, msg.orderingKey]);
  }, { maxDeliveryAttempts: 2, retryBackoff: { initialMs: 1, maxMs: 1, multiplier: 1 } });
  const feed = await jetstreamSubscribe(receiver, jetstream(nc), { stream: "QUEUED", consumer: "worker", prefix: "jsq", topics: ["orders"] });
  await until(() => feed.stats().acked + (feed.stats().terminated.DEAD_LETTERED ?? 0) === 20, "all settled");
  assert.deepEqual(got.map(([i]) => i), Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 7));
  assert.deepEqual(got[3], [3, 3n, "3", "k"]);
  assert.deepEqual(feed.stats().terminated, { DEAD_LETTERED: 1 });
  assert.equal(feed.stats().received, 20, "the terminated message is not delivered again");
  assert.deepEqual(receiver.deadLetters().map((d) => d.message.data.i), [7]);
  await nc.flush();
  const info = await retry(async () => {
    const now = await jsm.consumers.info("QUEUED", "worker");
    if (now.num_ack_pending !== 0) throw new Error(`${now.num_ack_pending} acks pending`);
    return now;
  });
  assert.equal(info.num_pending, 0);
  const final = await feed.stop();
  assert.equal(final.inFlight, 0);
  await bridge.close();
  await Promise.all([sender.close(), receiver.close()]);
});

test("a message no subscription takes, or one a full subscription refuses, is nak'ed and delivered again later", async () => {
  const nc = await connectTo();
  await stream(nc, "LATE", "late");
  const publisher = await connectTo();
  publisher.publish("late.jobs", JSON.stringify({ n: 1 }));
  await publisher.flush();
  const bus = new PubSub();
  bus.createTopic("jobs");
  const feed = await jetstreamSubscribe(bus, jetstream(nc), { stream: "LATE", consumer: "worker", prefix: "late", nakDelayMs: 50 });
  await until(() => feed.stats().naked >= 1, "nak'ed while nothing subscribes");
  const got = [];
  bus.subscribe("jobs", (msg) => { got.push(msg.data); });
  await until(() => got.length === 1, "delivered again once a subscription exists", 10_000);
  assert.deepEqual(got, [{ n: 1 }]);
  assert.equal(feed.stats().acked, 1);
  await feed.stop();
  await bus.close();
});

test("messages published while no consumer runs survive a server restart and are delivered once it runs", async () => {
  const nc = await connectTo();
  await stream(nc, "DURABLE", "dur");
  const sender = new PubSub();
  sender.createTopic("events");
  const bridge = natsBridge(sender, nc, { prefix: "dur", topics: ["events"] });
  for (let i = 0; i < 30; i++) sender.publish("events", i);
  await until(() => bridge.stats().sent === 30, "stored");
  const back = reconnected(nc);
  await nats.server.kill();
  await nats.server.start();
  await back;
  await nc.flush();
  const receiver = new PubSub();
  receiver.createTopic("events");
  const got = [];
  receiver.subscribe("events", (msg) => { got.push(msg.data); });
  const js = jetstream(nc);
  const feed = await retry(() => jetstreamSubscribe(receiver, js, { stream: "DURABLE", consumer: "worker", prefix: "dur" }));
  await until(() => got.length === 30, "all 30 after the restart", 20_000);
  assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => i));
  await feed.stop();
  await bridge.close();
});

/** Resolves on the connection's next "reconnect" status. */
async function reconnected(nc) {
  for await (const status of nc.status()) if (status.type === "reconnect") return;
}

/** Retries `fn` for up to 5 s (a stream's leader needs a moment after a restart). */
async function retry(fn) {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i > 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test("a dead letter is copied to <deadLetterPrefix>.<subscription>.<topic> before the message is terminated, survives a server restart (file storage) and is replayed from there", async () => {
  const nc = await connectTo();
  const jsm = await stream(nc, "DLQSRC", "jsd");
  await jsm.streams.add({ name: "DLQSRC_DEAD", subjects: ["jsd-dlq.>"], storage: "file" });
  const sender = new PubSub();
  sender.createTopic("orders.eu");
  const bridge = natsBridge(sender, nc, { prefix: "jsd", topics: ["orders.>"] });
  for (let i = 0; i < 6; i++) sender.publish("orders.eu", { i, at: new Date(1e12 + i) }, { attributes: { region: "eu west" }, orderingKey: "o 1" });
  await until(() => bridge.stats().sent === 6, "stored");

  const receiver = new PubSub({ logger: null });
  receiver.createTopic("orders.eu");
  receiver.subscribe("orders.eu", (msg) => {
    if (msg.data.i % 3 === 1) throw new Error(`poison ${msg.data.i}`);
  }, { name: "billing.v2-eu", maxDeliveryAttempts: 2, retryBackoff: { initialMs: 1, maxMs: 1, multiplier: 1 } });
  const feed = await jetstreamSubscribe(receiver, jetstream(nc), { stream: "DLQSRC", consumer: "worker", prefix: "jsd", topics: ["orders.>"], deadLetterPrefix: "jsd-dlq" });
  await until(() => feed.stats().acked + (feed.stats().terminated.DEAD_LETTERED ?? 0) === 6, "all settled");
  assert.equal(feed.stats().deadLettersCopied, 2);
  assert.deepEqual(feed.stats().terminated, { DEAD_LETTERED: 2 });
  await feed.stop();
  await receiver.close();

  // A subscription name is one subject token: its dots are percent-encoded.
  const first = await jsm.streams.getMessage("DLQSRC_DEAD", { seq: 1 });
  assert.equal(first.subject, "jsd-dlq.billing%2Ev2-eu.orders.eu");
  const header = (name) => first.header.get(name);
  assert.equal(header("Pubsub-Dead-Reason"), "MAX_ATTEMPTS");
  assert.equal(header("Pubsub-Dead-Attempts"), "2");
  assert.equal(header("Pubsub-Dead-Subscription"), "billing.v2-eu");
  assert.equal(header("Pubsub-Dead-Error-Code"), "HANDLER_ERROR");
  assert.equal(header("Pubsub-Dead-Error"), "poison%201");
  assert.equal(header("Pubsub-Dead-Stream"), "DLQSRC");
  assert.match(header("Pubsub-Dead-Stream-Seq"), /^\d+$/);
  assert.equal(header("Pubsub-Attr-region"), "eu%20west");
  assert.match(header("Pubsub-Envelope"), /^1 \S+ 2 1 \d+ o%201$/, "the original sender's origin and id (2: the second published)");

  const back = reconnected(nc);
  await nats.server.kill();
  await nats.server.start();
  await back;
  const replaying = new PubSub();
  replaying.createTopic("orders.eu");
  const replayed = [];
  replaying.subscribe("orders.eu", (msg) => { replayed.push([msg.data.i, msg.data.at, msg.attributes.region, msg.orderingKey]); }, { name: "billing.v2-eu" });
  const js = jetstream(nc);
  const report = await retry(() => replayJetStreamDeadLetters(replaying, js, { stream: "DLQSRC_DEAD", deadLetterPrefix: "jsd-dlq", subscription: "billing.v2-eu" }));
  assert.deepEqual(report, { replayed: 2, acked: 2, deleted: 2, deadLettered: 0, kept: 0, refused: 0 });
  assert.deepEqual(replayed, [[1, new Date(1e12 + 1), "eu west", "o 1"], [4, new Date(1e12 + 4), "eu west", "o 1"]]);
  assert.equal((await jsm.streams.info("DLQSRC_DEAD")).state.messages, 0, "replayed letters leave the stream");
  await bridge.close();
  await Promise.all([sender.close(), replaying.close()]);
});

test("a letter dead-lettered again on replay stays in the stream; filters select by subscription, topic and reason", async () => {
  const nc = await connectTo();
  const jsm = await stream(nc, "RPSRC", "rp");
  await jsm.streams.add({ name: "RPSRC_DEAD", subjects: ["rp-dlq.>"] });
  const publisher = await connectTo();
  for (const n of [1, 2]) publisher.publish("rp.jobs", JSON.stringify({ n }));
  await publisher.flush();
  const bus = new PubSub({ logger: null });
  bus.createTopic("jobs");
  const quick = { maxDeliveryAttempts: 1 };
  bus.subscribe("jobs", () => { throw new Error("no"); }, { name: "a", ...quick });
  const feed = await jetstreamSubscribe(bus, jetstream(nc), { stream: "RPSRC", consumer: "worker", prefix: "rp", deadLetterPrefix: "rp-dlq" });
  await until(() => feed.stats().terminated.DEAD_LETTERED === 2, "both dead-lettered");
  await feed.stop();
  const js = jetstream(nc);
  assert.deepEqual(await replayJetStreamDeadLetters(bus, js, { stream: "RPSRC_DEAD", deadLetterPrefix: "rp-dlq", subscription: "other" }), { replayed: 0, acked: 0, deleted: 0, deadLettered: 0, kept: 0, refused: 0 });
  assert.deepEqual(await replayJetStreamDeadLetters(bus, js, { stream: "RPSRC_DEAD", deadLetterPrefix: "rp-dlq", reason: "OVERFLOW" }), { replayed: 0, acked: 0, deleted: 0, deadLettered: 0, kept: 0, refused: 0 });
  const again = await replayJetStreamDeadLetters(bus, js, { stream: "RPSRC_DEAD", deadLetterPrefix: "rp-dlq", topic: "jobs", limit: 1 });
  assert.deepEqual(again, { replayed: 1, acked: 0, deleted: 0, deadLettered: 1, kept: 1, refused: 0 });
  assert.equal((await jsm.streams.info("RPSRC_DEAD")).state.messages, 2);
  await bus.close();
});

test("a dead letter the stream does not confirm (no stream on the dead-letter subjects) naks the message instead of terminating it", async () => {
  const nc = await connectTo();
  await stream(nc, "NODLQ", "nodlq");
  const publisher = await connectTo();
  publisher.publish("nodlq.jobs", JSON.stringify({ n: 1 }));
  await publisher.flush();
  const bus = new PubSub({ logger: null });
  bus.createTopic("jobs");
  bus.subscribe("jobs", () => { throw new Error("no"); }, { maxDeliveryAttempts: 1 });
  const records = [];
  const feed = await jetstreamSubscribe(bus, jetstream(nc), { stream: "NODLQ", consumer: "worker", prefix: "nodlq", deadLetterPrefix: "nowhere", nakDelayMs: 10_000, logger: (r) => records.push(r) });
  await until(() => feed.stats().naked === 1, "nak'ed");
  assert.deepEqual(feed.stats().terminated, {});
  assert.deepEqual(records, [{ level: "warn", event: "nats.deadLetterCopyFailed", code: "NAK", topic: "jobs" }]);
  await feed.stop();
  await bus.close();
});

test("the feed's bound is clamped to the consumer's max_ack_pending; a consumer without explicit acks is refused", async () => {
  const nc = await connectTo();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "BOUND", subjects: ["bound.>"] });
  await jsm.consumers.add("BOUND", { durable_name: "small", ack_policy: AckPolicy.Explicit, max_ack_pending: 4 });
  await jsm.consumers.add("BOUND", { durable_name: "noack", ack_policy: AckPolicy.None });
  const publisher = await connectTo();
  for (let n = 0; n < 40; n++) publisher.publish("bound.jobs", JSON.stringify(n));
  await publisher.flush();
  const bus = new PubSub();
  bus.createTopic("jobs");
  let running = 0, most = 0;
  const got = [];
  bus.subscribe("jobs", async (msg) => {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 2));
    running--;
    got.push(msg.data);
  }, { maxInFlight: 64, queueCapacity: 4 });
  const js = jetstream(nc);
  const feed = await jetstreamSubscribe(bus, js, { stream: "BOUND", consumer: "small", prefix: "bound", maxInFlight: 16 });
  assert.equal(feed.stats().maxInFlight, 4);
  await until(() => feed.stats().acked === 40, "all acked");
  assert.ok(most <= 4, `at most max_ack_pending in the bus (${most})`);
  assert.equal(feed.stats().naked, 0, "a queue of max_ack_pending never overflows");
  assert.deepEqual(got, Array.from({ length: 40 }, (_, n) => n).sort((a, b) => got.indexOf(a) - got.indexOf(b)));
  await feed.stop();
  await assert.rejects(jetstreamSubscribe(bus, js, { stream: "BOUND", consumer: "noack", prefix: "bound" }), (e) => e.code === "INVALID_ARGUMENT" && /explicit/.test(e.message));
  await bus.close();
});

test("a JetStream consumer killed (SIGKILL) mid-stream is resumed by another on the same durable: nothing lost, and the only duplicates are messages the killed one had in flight", async (t) => {
  const nc = await connectTo();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "KILLED", subjects: ["killed.>"], storage: "file" });
  await jsm.consumers.add("KILLED", { durable_name: "worker", ack_policy: AckPolicy.Explicit, ack_wait: 1e9, max_ack_pending: 8 });
  const N = 300;
  const sender = new PubSub();
  sender.createTopic("jobs");
  const bridge = natsBridge(sender, nc, { prefix: "killed", topics: ["jobs"] });
  for (let n = 0; n < N; n++) sender.publish("jobs", { n });
  await until(() => bridge.stats().sent === N, "stored");

  const child = spawn(process.execPath, [fileURLToPath(new URL("./nats-js-worker.mjs", import.meta.url)), nats.server.url, "KILLED", "worker", "killed"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk) => { out += chunk; });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(signal)));
  const lines = (word) => [...out.matchAll(new RegExp(`^${word} (\\d+)$`, "gm"))].map((m) => Number(m[1]));
  await until(() => lines("done").length >= 60, "the child is mid-stream", 20_000);
  process.kill(child.pid, "SIGKILL");
  assert.equal(await exited, "SIGKILL");
  const started = new Set(lines("start"));
  const done = new Set(lines("done"));
  assert.ok(done.size < N, `killed mid-stream (${done.size} of ${N} done)`);
  const inFlight = [...started].filter((n) => !done.has(n));

  const bus = new PubSub();
  bus.createTopic("jobs");
  const handled = [];
  bus.subscribe("jobs", (msg) => { handled.push(msg.data.n); }, { maxInFlight: 8 });
  const feed = await jetstreamSubscribe(bus, jetstream(nc), { stream: "KILLED", consumer: "worker", prefix: "killed", topics: ["jobs"], maxInFlight: 8 });
  await until(() => new Set([...done, ...handled]).size === N, "every message handled by one or the other", 20_000);
  await until(() => feed.stats().inFlight === 0, "settled");
  assert.equal(new Set(handled).size, handled.length, "the resuming consumer handles each message once");
  const duplicates = handled.filter((n) => started.has(n));
  for (const n of inFlight) assert.ok(handled.includes(n), `message ${n}, in flight at the kill, delivered again`);
  for (const n of duplicates) assert.ok(started.has(n), "a duplicate is a message the killed consumer had taken");
  // In flight at the kill: in the handler (inFlight) or handled with its ack not yet on the
  // wire: never more than the consumer's max_ack_pending (8) outstanding at once.
  assert.ok(duplicates.length <= 8, `${duplicates.length} duplicates (${duplicates}), at most max_ack_pending`);
  t.diagnostic(`killed after ${done.size} done, ${inFlight.length} in its handler; ${duplicates.length} delivered again`);
  await retry(async () => {
    const now = await jsm.consumers.info("KILLED", "worker");
    if (now.num_ack_pending !== 0 || now.num_pending !== 0) throw new Error("not all acked yet");
  });
  await feed.stop();
  await bridge.close();
  await Promise.all([sender.close(), bus.close()]);
});

test("bad options are refused with INVALID_ARGUMENT", async () => {
  const bus = new PubSub();
  const js = jetstream(await connectTo());
  for (const options of [undefined, { stream: "S", consumer: "c" }, { stream: "", consumer: "c", prefix: "p" }, { stream: "S", consumer: "c", prefix: "p", maxInFlight: 0 }, { stream: "S", consumer: "c", prefix: "p", oops: 1 }, { stream: "S", consumer: "c", prefix: "p", deadLetterPrefix: "p.dlq" }, { stream: "S", consumer: "c", prefix: "p", deadLetterPrefix: "p" }, { stream: "S", consumer: "c", prefix: "p", topics: ["dlq.*.>"], deadLetterPrefix: "p.dlq" }, { stream: "S", consumer: "c", prefix: "p", deadLetterPrefix: "d.*" }, { stream: "S", consumer: "c", prefix: "p", deadLetterPrefix: "d", codec: { decode: JSON.parse } }]) {
    await assert.rejects(jetstreamSubscribe(bus, js, options), (e) => e instanceof NatsBridgeError && e.code === "INVALID_ARGUMENT", JSON.stringify(options));
  }
  for (const options of [undefined, { stream: "S" }, { stream: "S", deadLetterPrefix: "d", topic: "a.>.b" }, { stream: "S", deadLetterPrefix: "d", limit: 0 }, { stream: "S", deadLetterPrefix: "d", subscription: "" }, { stream: "S", deadLetterPrefix: "d", x: 1 }]) {
    await assert.rejects(replayJetStreamDeadLetters(bus, js, options), (e) => e instanceof NatsBridgeError && e.code === "INVALID_ARGUMENT", JSON.stringify(options));
  }
});

test("the README's JetStream lines, as written: a bridged publish reaches the durable consumer's bus and is acked", async () => {
  const nc = await connectTo();
  const bus = new PubSub();
  bus.createTopic("orders.created");
  const billed = [];
  bus.subscribe("orders.created", (msg) => { billed.push(msg.data.total); });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "ORDERS", subjects: ["shop.orders.>"] });
  await jsm.consumers.add("ORDERS", { durable_name: "billing", ack_policy: AckPolicy.Explicit });

  const feed = await jetstreamSubscribe(bus, jetstream(nc), {
    stream: "ORDERS", consumer: "billing", prefix: "shop", topics: ["orders.>"], maxInFlight: 16,
  });
  const shop = new PubSub();
  shop.createTopic("orders.created");
  const bridge = natsBridge(shop, await connectTo(), { prefix: "shop", topics: ["orders.>"] });
  shop.publish("orders.created", { total: 1250n });
  await until(() => feed.stats().acked === 1, "the order acked on JetStream");
  assert.deepEqual(billed, [1250n]);
  feed.stats();       // { received, acked, naked, terminated: { DEAD_LETTERED: … }, deadLettersCopied, inFlight, maxInFlight }
  await feed.stop();  // stops pulling, waits for what is in the bus to settle

  // The dead-letter lines: a subscription "billing" that fails an order until it is fixed.
  let fixed = false;
  const charged = [];
  bus.subscribe("orders.created", (msg) => {
    if (!fixed) throw new Error("card declined");
    charged.push(msg.data.total);
  }, { name: "billing", maxDeliveryAttempts: 1 });
  await jsm.streams.add({ name: "ORDERS_DLQ", subjects: ["shop-dlq.>"], storage: "file" });
  const billing = await jetstreamSubscribe(bus, jetstream(nc), { stream: "ORDERS", consumer: "billing", prefix: "shop", deadLetterPrefix: "shop-dlq" });
  shop.publish("orders.created", { total: 13n });
  await until(() => billing.stats().terminated.DEAD_LETTERED === 1, "dead-lettered, copied, terminated");
  assert.equal(billing.stats().deadLettersCopied, 1);
  await billing.stop();
  fixed = true;
  // later, in this process or another, after a fix:
  const report = await replayJetStreamDeadLetters(bus, jetstream(nc), { stream: "ORDERS_DLQ", deadLetterPrefix: "shop-dlq", subscription: "billing" });
  // { replayed, acked, deleted, deadLettered, kept, refused }
  assert.deepEqual(report, { replayed: 1, acked: 1, deleted: 1, deadLettered: 0, kept: 0, refused: 0 });
  assert.deepEqual(charged, [13n]);
  await bridge.close();
});
