// README "Scaling out with NATS" → JetStream: a durable consumer feeding a bus with
// jetstreamSubscribe, settled on JetStream by what the bus's subscriptions did, and messages
// published while no consumer ran surviving a server restart (file storage).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { jetstreamSubscribe, natsBridge, NatsBridgeError } from "wasm-pubsub/nats";
import { startNatsServer, until } from "./nats-server.mjs";

let server;
const connections = [];
before(async () => {
  server = await startNatsServer();
});
after(async () => {
  for (const nc of connections) if (!nc.isClosed()) await nc.close();
  await server?.stop();
});

async function connectTo() {
  const nc = await connect({ servers: server.url, noEcho: true, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
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
  await server.kill();
  await server.start();
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

test("bad options are refused with INVALID_ARGUMENT", async () => {
  const bus = new PubSub();
  const js = jetstream(await connectTo());
  for (const options of [undefined, { stream: "S", consumer: "c" }, { stream: "", consumer: "c", prefix: "p" }, { stream: "S", consumer: "c", prefix: "p", maxInFlight: 0 }, { stream: "S", consumer: "c", prefix: "p", oops: 1 }]) {
    await assert.rejects(jetstreamSubscribe(bus, js, options), (e) => e instanceof NatsBridgeError && e.code === "INVALID_ARGUMENT", JSON.stringify(options));
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
  feed.stats();       // { received, acked, naked, terminated: { DEAD_LETTERED: … }, inFlight }
  await feed.stop();  // stops pulling, waits for what is in the bus to settle
  await bridge.close();
});
