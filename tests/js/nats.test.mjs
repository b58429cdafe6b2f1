// README "Scaling out with NATS", against a real nats-server (tests/js/nats-server.mjs):
// buses on separate connections exchanging messages, the wire form foreign nats.js clients
// see and send, sends that cannot happen, a slow consumer, queue groups, closing.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, headers as natsHeaders } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { natsBridge } from "wasm-pubsub/nats";
import { startNatsServer, until } from "./nats-server.mjs";


const connections = [];
async function connectTo(server, options = {}) {
  const nc = await connect({ servers: server.url, noEcho: true, reconnectTimeWait: 50, maxReconnectAttempts: -1, ...options });
  connections.push(nc);
  return nc;
}

/** A bus bridged to NATS, recording every message on `>`. */
async function node(server, options = {}, busConfig = { autoCreateTopics: true }) {
  const bus = new PubSub(busConfig);
  const seen = [];
  const logs = [];
  const sendErrors = [];
  bus.subscribe(">", (msg) => { seen.push(msg); }, { queueCapacity: 100_000 });
  const nc = await connectTo(server);
  const bridge = natsBridge(bus, nc, { prefix: "t", createTopics: true, logger: (r) => logs.push(r), onSendError: (e) => sendErrors.push(e), ...options });
  await nc.flush();
  return { bus, seen, logs, sendErrors, nc, bridge };
}

let server;
before(async () => {
  server = await startNatsServer({ maxPayload: 16 * 1024 });
});
after(async () => {
  for (const nc of connections) if (!nc.isClosed()) await nc.close();
  await server?.stop();
});

describe("two buses over NATS", () => {
  test("messages cross with their data, attributes, ordering key and origin; the sender counts them sent once confirmed", async () => {
    const a = await node(server);
    const b = await node(server);
    a.bus.createTopic("orders.eu");
    const attributes = { "Content Kind": "ä: ö\r\nnext", "%41": "100%", Upper: " padded ", "ключ": "" };
    const data = { when: new Date(5), big: 2n ** 70n, n: [NaN, -0, Infinity], tags: new Set(["x"]), bytes: new Uint16Array([1, 65535]) };
    const id = a.bus.publish("orders.eu", data, { attributes, orderingKey: "customer 7/ü" });
    await until(() => b.seen.length === 1, "b receives");
    const msg = b.seen[0];
    assert.equal(msg.topic, "orders.eu");
    assert.deepEqual({ ...msg.attributes }, attributes);
    assert.equal(msg.orderingKey, "customer 7/ü");
    assert.equal(msg.data.when.getTime(), 5);
    assert.equal(msg.data.big, 2n ** 70n);
    assert.ok(Number.isNaN(msg.data.n[0]) && Object.is(msg.data.n[1], -0) && msg.data.n[2] === Infinity);
    assert.ok(msg.data.tags.has("x"));
    assert.deepEqual([...msg.data.bytes], [1, 65535]);
    await until(() => a.bridge.stats().sent === 1, "a's send confirmed");
    assert.equal(a.bridge.stats().pending, 0);
    assert.equal(b.bridge.stats().received, 1);
    assert.equal(id, 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(a.seen.length, 1, "the sender's own message is not echoed back into its bus");
    await a.bridge.close();
    await b.bridge.close();
  });

  test("a message that came over NATS carries msg.origin { id, messageId, publishedAt, hops } like any bridged message; a local one has none", async () => {
    const a = await node(server, { topics: ["origin.>"] });
    const b = await node(server, { topics: ["origin.>"] });
    const raw = await connectTo(server);
    const wire = [];
    raw.subscribe("t.origin.>", { callback: (_, m) => wire.push(m.headers.get("Pubsub-Envelope")) });
    await raw.flush();
    const before = Date.now();
    const id = a.bus.publish("origin.x", "hello");
    await until(() => b.seen.length === 1 && wire.length === 1, "b and the raw subscriber receive");
    const [, sender, , hops, publishedAt] = wire[0].split(" ");
    const { origin } = b.seen[0];
    assert.deepEqual({ ...origin }, { id: sender, messageId: id, publishedAt: Number(publishedAt), hops: Number(hops) });
    assert.equal(origin.hops, 1);
    assert.ok(origin.publishedAt >= before && origin.publishedAt <= Date.now());
    assert.equal(a.seen[0].origin, undefined, "the sender's own subscriber saw a local message");
    const foreign = await connectTo(server);
    foreign.publish("t.origin.y", '"from afar"');
    await foreign.flush();
    await until(() => b.seen.length === 2, "the foreign message");
    assert.match(b.seen[1].origin.id, /^nats-[0-9a-f]+$/, "a foreign message gets the receiving bridge's stand-in origin");
    assert.equal(b.seen[1].origin.hops, 1);
    await a.bridge.close();
    await b.bridge.close();
  });

  test("only the bridge's topics are subscribed; other subjects under the prefix and outside it never reach the bus", async () => {
    const a = await node(server, { topics: ["orders.>"] });
    const b = await node(server, { topics: ["orders.>"] });
    a.bus.publish("orders.eu.paid", 1);
    a.bus.publish("audit.x", 2);
    const foreign = await connectTo(server);
    foreign.publish("t.audit.y", "{}");
    foreign.publish("_INBOX.abc", "{}");
    foreign.publish("other.orders.x", "{}");
    await foreign.flush();
    await until(() => b.seen.length >= 1, "b receives");
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(b.seen.map((m) => `${m.topic} ${m.data}`), ["orders.eu.paid 1"]);
    assert.deepEqual(b.bridge.stats().dropped, {});
    await a.bridge.close();
    await b.bridge.close();
  });

  test("an incoming subject that is not a valid topic is counted and dropped; a missing topic is not created unless createTopics", async () => {
    const strict = await node(server, { createTopics: false }, { autoCreateTopics: false });
    strict.bus.createTopic("known");
    const creating = await node(server, { createTopics: true }, { autoCreateTopics: false });
    const foreign = await connectTo(server);
    foreign.publish("t.known", '"a"');
    foreign.publish("t.unknown", '"b"');
    foreign.publish("t.bad$name", '"c"');
    await foreign.flush();
    await until(() => creating.seen.length === 2 && strict.seen.length === 1, "deliveries");
    assert.deepEqual(strict.bus.topics(), ["known"]);
    assert.deepEqual(strict.bridge.stats().dropped, { TOPIC_NOT_FOUND: 1, INVALID_TOPIC_NAME: 1 });
    assert.deepEqual(strict.logs.map((r) => [r.event, r.code]).sort(), [["nats.dropped", "INVALID_TOPIC_NAME"], ["nats.dropped", "TOPIC_NOT_FOUND"]]);
    assert.deepEqual(creating.bus.topics().sort(), ["known", "unknown"]);
    await strict.bridge.close();
    await creating.bridge.close();
  });

  test("a bridge on one topic (no wildcard) drops its messages while the bus lacks the topic, then delivers them on it", async () => {
    const exact = await node(server, { topics: ["orders.paid"], createTopics: false }, { autoCreateTopics: false });
    const foreign = await connectTo(server);
    foreign.publish("t.orders.paid", '"early"');
    await foreign.flush();
    await until(() => exact.bridge.stats().dropped.TOPIC_NOT_FOUND === 1, "the message before the topic dropped");
    exact.bus.createTopic("orders.paid");
    foreign.publish("t.orders.paid", '"late"');
    await foreign.flush();
    await until(() => exact.seen.length === 1, "the message after it delivered");
    assert.deepEqual([exact.seen[0].topic, exact.seen[0].data], ["orders.paid", "late"]);
    await exact.bridge.close();
  });

  test("a NATS queue group gives each message to exactly one bus of the group", async () => {
    const sender = await node(server, { topics: ["jobs"] });
    const workers = [await node(server, { topics: ["jobs"], queue: "w" }), await node(server, { topics: ["jobs"], queue: "w" })];
    for (let i = 0; i < 200; i++) sender.bus.publish("jobs", i);
    await until(() => workers[0].seen.length + workers[1].seen.length === 200, "200 jobs handled");
    const all = [...workers[0].seen, ...workers[1].seen].map((m) => m.data).sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 200 }, (_, i) => i));
    assert.ok(workers[0].seen.length > 0 && workers[1].seen.length > 0, "both workers got some");
    for (const n of [sender, ...workers]) await n.bridge.close();
  });
});

describe("foreign nats.js clients", () => {
  test("a plain subscriber reads JSON data and escaped headers: one envelope header, Nats-Msg-Id origin:id", async () => {
    const a = await node(server);
    const foreign = await connectTo(server);
    const received = [];
    foreign.subscribe("t.>", { callback: (_, m) => received.push(m) });
    await foreign.flush();
    a.bus.publish("prices.eu", { price: 1.5, tags: ["a"] }, { attributes: { "Max Age": "1 h: x" } });
    a.bus.publish("blobs", new Uint8Array([0, 1, 255]));
    await until(() => received.length === 2, "the foreign subscriber receives");
    const [json, bytes] = received;
    assert.equal(json.subject, "t.prices.eu");
    assert.deepEqual(json.json(), { price: 1.5, tags: ["a"] });
    assert.equal(json.headers.get("Content-Type"), "application/json");
    assert.equal(json.headers.get("Pubsub-Attr-%4Dax%20%41ge"), "1%20h:%20x");
    assert.match(json.headers.get("Pubsub-Envelope"), /^1 [0-9a-f]{24} 1 1 \d+$/);
    const origin = json.headers.get("Pubsub-Envelope").split(" ")[1];
    assert.equal(json.headers.get("Nats-Msg-Id"), `${origin}:1`);
    assert.equal(json.headers.keys().filter((k) => k.startsWith("Pubsub-") && !k.startsWith("Pubsub-Attr-")).length, 1);
    assert.deepEqual([...bytes.data], [0, 1, 255]);
    assert.equal(bytes.headers.get("Content-Type"), "application/octet-stream");
    await a.bridge.close();
  });

  test("a plain publisher's JSON, text and bytes, with attribute headers, arrive on the bus; undecodable payloads are counted", async () => {
    const a = await node(server);
    const foreign = await connectTo(server);
    const h = natsHeaders();
    h.set("Pubsub-Attr-region", "eu%20west");
    foreign.publish("t.in", JSON.stringify({ n: 1 }), { headers: h });
    const text = natsHeaders();
    text.set("Content-Type", "text/plain");
    foreign.publish("t.in", "just text", { headers: text });
    const raw = natsHeaders();
    raw.set("Content-Type", "application/octet-stream");
    foreign.publish("t.in", new Uint8Array([9, 8]), { headers: raw });
    foreign.publish("t.in", "{broken");
    await foreign.flush();
    await until(() => a.seen.length === 3, "three messages");
    assert.deepEqual(a.seen[0].data, { n: 1 });
    assert.deepEqual({ ...a.seen[0].attributes }, { region: "eu west" });
    assert.equal(a.seen[1].data, "just text");
    assert.deepEqual([...a.seen[2].data], [9, 8]);
    await until(() => a.bridge.stats().dropped.CODEC_ERROR === 1, "the broken payload counted");
    await a.bridge.close();
  });
});

describe("the default codec's one-pass read (headers and payload decoded together) agrees with the codec", () => {
  test("non-ASCII header bytes, invalid UTF-8 under headers, a real U+FFFD, an envelope with an ordering key, text and bytes", async () => {
    const a = await node(server);
    const foreign = await connectTo(server);
    const send = (payload, pairs) => {
      const h = natsHeaders();
      for (const [k, v] of pairs) h.set(k, v);
      foreign.publish("t.fast", payload, { headers: h });
    };
    send(JSON.stringify({ n: 1 }), [["Pubsub-Attr-city", "Zürich"]]);
    send(new Uint8Array([0x22, 0xff, 0x22]), [["Content-Type", "application/json"]]);
    send(JSON.stringify({ n: "\uFFFD" }), [["Pubsub-Attr-k", "v"]]);
    send(JSON.stringify({ n: 4 }), [["Pubsub-Envelope", "1 far%20away 9 2 1700000000000 key%201"]]);
    send(new Uint8Array([0xff, 0x00]), [["Content-Type", "application/octet-stream"]]);
    send("ü text", [["Content-Type", "text/plain"]]);
    send(new Uint8Array([0xc3]), [["Content-Type", "text/plain"]]);
    send(JSON.stringify({ n: 5 }), [["Pubsub-Envelope", "2 bad"]]);
    await foreign.flush();
    await until(() => a.seen.length === 5 && (a.bridge.stats().dropped.CODEC_ERROR ?? 0) === 2 && a.bridge.stats().dropped.INVALID_ATTRIBUTES === 1, "five delivered, three dropped");
    assert.deepEqual(a.seen[0].data, { n: 1 });
    assert.equal(a.seen[0].attributes.city, "Zürich", "a raw UTF-8 header value, as nats.js reads it");
    assert.deepEqual(a.seen[1].data, { n: "\uFFFD" });
    assert.deepEqual([a.seen[2].data, a.seen[2].orderingKey, a.seen[2].origin.id, a.seen[2].origin.messageId, a.seen[2].origin.hops], [{ n: 4 }, "key 1", "far away", 9, 2]);
    assert.deepEqual([...a.seen[3].data], [0xff, 0x00]);
    assert.equal(a.seen[4].data, "ü text");
    await a.bridge.close();
  });
});

describe("the header block this library writes, read in place, reads as any other block", () => {
  test("an ordering key, blanks around the envelope, a number only Number() reads, a malformed envelope", async () => {
    const a = await node(server);
    const foreign = await connectTo(server);
    const encoder = new TextEncoder();
    const sendOwn = (envelope, n) => {
      const block = `NATS/1.0\r\nPubsub-Envelope: ${envelope}\r\nNats-Msg-Id: x:${n}\r\nContent-Type: application/json\r\n\r\n`;
      foreign.publish("t.own", JSON.stringify({ n }), { headers: { encode: () => encoder.encode(block) } });
    };
    sendOwn("1 far%20off 3 2 1700000000000 k%20y", 1);
    sendOwn(" 1 lead 4 1 1700000000001", 2);
    sendOwn("1 tail 5 1 1700000000002 ", 3);
    sendOwn("1 sci 6e0 1 1700000000003", 4);
    sendOwn("1 nbsp 7 1 1700000000004 key\u00a0", 5);
    sendOwn("2 bad", 6);
    await foreign.flush();
    await until(() => a.seen.length === 5 && a.bridge.stats().dropped.INVALID_ATTRIBUTES === 1, "five delivered, the malformed one dropped");
    const read = a.seen.map((m) => [m.data.n, m.origin.id, m.origin.messageId, m.origin.hops, m.origin.publishedAt, m.orderingKey]);
    assert.deepEqual(read, [
      [1, "far off", 3, 2, 1700000000000, "k y"],
      [2, "lead", 4, 1, 1700000000001, undefined],
      [3, "tail", 5, 1, 1700000000002, undefined],
      [4, "sci", 6, 1, 1700000000003, undefined],
      [5, "nbsp", 7, 1, 1700000000004, "key"],
    ]);
    await a.bridge.close();
  });
});

describe("codecs and JetStream", () => {
  test("a pluggable codec { encode, decode } carries the data both ways", async () => {
    const codec = {
      encode: (data) => new TextEncoder().encode(`v1:${JSON.stringify(data)}`),
      decode: (bytes) => JSON.parse(new TextDecoder().decode(bytes).slice(3)),
    };
    const a = await node(server, { codec });
    const b = await node(server, { codec });
    const foreign = await connectTo(server);
    const raw = [];
    foreign.subscribe("t.custom", { callback: (_, m) => raw.push(m.string()) });
    await foreign.flush();
    a.bus.publish("custom", { x: [1, 2] });
    await until(() => b.seen.length === 1 && raw.length === 1, "b and the foreign client receive");
    assert.deepEqual(b.seen[0].data, { x: [1, 2] });
    assert.equal(raw[0], 'v1:{"x":[1,2]}');
    await a.bridge.close();
    await b.bridge.close();
  });

  test("a JetStream stream on the bridge's subjects stores each message once: a re-send with the same Nats-Msg-Id is dropped", async () => {
    const admin = await connectTo(server);
    const api = async (subject, body) => (await admin.request(subject, JSON.stringify(body), { timeout: 5000 })).json();
    const created = await api("$JS.API.STREAM.CREATE.PUBSUB", { name: "PUBSUB", subjects: ["js.>"], storage: "memory", duplicate_window: 60e9 });
    assert.equal(created.error, undefined, JSON.stringify(created.error));
    const captured = [];
    admin.subscribe("js.>", { callback: (_, m) => captured.push(m) });
    await admin.flush();
    const a = await node(server, { prefix: "js" });
    for (let i = 0; i < 5; i++) a.bus.publish("orders", i);
    await until(() => captured.length === 5 && a.bridge.stats().sent === 5, "five stored and confirmed");
    for (const m of captured) admin.publish(m.subject, m.data, { headers: m.headers });
    await admin.flush();
    const info = await api("$JS.API.STREAM.INFO.PUBSUB", {});
    assert.equal(info.state.messages, 5, "the re-sends were de-duplicated by Nats-Msg-Id");
    await a.bridge.close();
  });
});

describe("sends that cannot happen are never counted as sent", () => {
  test("a message over the server's max_payload fails with MESSAGE_TOO_LARGE, logged and reported; the next one is sent", async () => {
    const a = await node(server);
    const b = await node(server);
    assert.equal(a.nc.info.max_payload, 16 * 1024);
    a.bus.publish("big", "x".repeat(20 * 1024));
    a.bus.publish("big", "small");
    await until(() => b.seen.length === 1, "the small one arrives");
    assert.equal(b.seen[0].data, "small");
    await until(() => a.bridge.stats().sent === 1, "one confirmed");
    assert.deepEqual(a.bridge.stats().failed, { MESSAGE_TOO_LARGE: 1 });
    assert.deepEqual(a.logs, [{ level: "warn", event: "nats.sendFailed", code: "MESSAGE_TOO_LARGE", topic: "big", messageId: 1 }]);
    assert.equal(a.sendErrors.length, 1);
    assert.equal(a.sendErrors[0].data.length, 20 * 1024, "the unsent message is handed back");
    await a.bridge.close();
    await b.bridge.close();
  });

  test("a full outbox refuses with QUEUE_FULL; data the codec cannot write fails with CODEC_ERROR", async () => {
    const a = await node(server, { maxOutboxMessages: 5 });
    for (let i = 0; i < 8; i++) a.bus.publish("burst", i);
    a.bus.publish("burst", () => "a function");
    assert.deepEqual(a.bridge.stats().failed, { QUEUE_FULL: 3, CODEC_ERROR: 1 });
    await until(() => a.bridge.stats().sent === 5, "the five that fit are confirmed");
    assert.equal(a.bridge.stats().pending, 0);
    await a.bridge.close();
  });

  test("close() lets the outbox drain, then later publishes are not carried", async () => {
    const a = await node(server);
    const b = await node(server);
    for (let i = 0; i < 100; i++) a.bus.publish("drain", i);
    const final = await a.bridge.close();
    assert.equal(final.sent, 100);
    assert.equal(final.pending, 0);
    a.bus.publish("drain", "after");
    await until(() => b.seen.length === 100, "all 100 arrive");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(b.seen.length, 100);
    await b.bridge.close();
  });

  test("a bus that closes closes its NATS bridge: what arrives afterwards is dropped and counted (CLOSED)", async () => {
    const a = await node(server);
    const b = await node(server);
    a.bus.publish("before", 1);
    await until(() => b.seen.length === 1, "the first arrives");
    await b.bus.close();
    a.bus.publish("after", 2);
    await until(() => b.bridge.stats().dropped.CLOSED === 1, "the late one counted");
    assert.equal(b.bridge.stats().received, 1);
    a.bus.publish("after", 3);
    await a.bridge.close();
    assert.equal(b.bridge.stats().dropped.CLOSED, 1, "its NATS subscriptions ended");
  });

  test("every unsent message is a dead letter on the bridge (SEND_FAILED with its code), bounded, filtered, replayed with its id, purged", async () => {
    const a = await node(server, { maxOutboxMessages: 2, maxDeadLetters: 3 });
    const b = await node(server);
    const before = Date.now();
    a.bus.publish("big", "x".repeat(20 * 1024), { attributes: { k: "v" }, orderingKey: "o" });
    for (let i = 0; i < 4; i++) a.bus.publish("burst", i);
    const letters = a.bridge.deadLetters();
    assert.deepEqual(letters.map((l) => [l.reason, l.code, l.message.topic, l.message.id]), [
      ["SEND_FAILED", "MESSAGE_TOO_LARGE", "big", 1], ["SEND_FAILED", "QUEUE_FULL", "burst", 4], ["SEND_FAILED", "QUEUE_FULL", "burst", 5],
    ]);
    assert.deepEqual(letters[0].message.attributes, { k: "v" });
    assert.equal(letters[0].message.orderingKey, "o");
    await until(() => a.bridge.stats().sent === 2, "the two that fit are confirmed");
    a.bus.publish("burst", () => "a function");
    const stats = a.bridge.stats();
    assert.deepEqual(stats.failed, { MESSAGE_TOO_LARGE: 1, QUEUE_FULL: 2, CODEC_ERROR: 1 });
    assert.equal(stats.deadLetters, 3, "bounded by maxDeadLetters");
    assert.equal(stats.deadLettersEvicted, 1, "the oldest evicted");
    const kept = a.bridge.deadLetters();
    assert.deepEqual(kept.map((l) => [l.code, l.message.id]), [["QUEUE_FULL", 4], ["QUEUE_FULL", 5], ["CODEC_ERROR", 6]]);
    assert.ok(kept.every((l) => l.deadLetteredAt >= before && l.reason === "SEND_FAILED" && l.message.hops === 1 && typeof l.message.origin === "string"));
    assert.equal(kept[0].message.data, 2);
    assert.equal(a.bridge.replayDeadLetters({ code: "QUEUE_FULL" }), 2, "the outbox has room again");
    await until(() => b.seen.filter((m) => m.topic === "burst").length === 4, "the replayed ones arrive");
    assert.deepEqual(b.seen.filter((m) => m.topic === "burst").map((m) => m.data), [0, 1, 2, 3]);
    assert.deepEqual(b.seen.filter((m) => m.topic === "burst").map((m) => m.origin.messageId), [2, 3, 4, 5], "with their original ids");
    assert.deepEqual(a.bridge.deadLetters().map((l) => l.code), ["CODEC_ERROR"]);
    assert.equal(a.bridge.replayDeadLetters((l) => l.message.topic === "burst"), 1);
    assert.deepEqual(a.bridge.deadLetters().map((l) => l.code), ["CODEC_ERROR"], "failing again makes it a dead letter again");
    assert.equal(a.bridge.purgeDeadLetters(), 1);
    assert.deepEqual(a.bridge.deadLetters(), []);
    assert.throws(() => a.bridge.replayDeadLetters({ nope: 1 }), (e) => e.code === "INVALID_ARGUMENT");
    await a.bridge.close();
    await b.bridge.close();
  });

  test("the README's dead-letter lines, as written", async () => {
    const a = await node(server, { maxOutboxMessages: 1 });
    const bridge = a.bridge;
    for (let i = 0; i < 3; i++) a.bus.publish("readme", i);
    assert.deepEqual(bridge.deadLetters().map((l) => [l.reason, l.code, l.message.data]), [["SEND_FAILED", "QUEUE_FULL", 1], ["SEND_FAILED", "QUEUE_FULL", 2]]);
    bridge.deadLetters();                             // [{ message: { topic, id, origin, publishedAt, hops, data, attributes }, reason: "SEND_FAILED", code: "QUEUE_FULL", deadLetteredAt }]
    await until(() => bridge.stats().pending === 0, "the outbox has room");
    assert.equal(bridge.replayDeadLetters({ code: "QUEUE_FULL" }), 2);
    bridge.replayDeadLetters({ code: "QUEUE_FULL" }); // queued again (or failing again: a dead letter again); returns how many
    assert.equal(bridge.purgeDeadLetters(), 1, "one of the two found the outbox full again");
    bridge.purgeDeadLetters();                        // empties the store; returns how many
    await bridge.close();
  });

  test("maxDeadLetters 0 keeps no dead letter; the count and the log stay", async () => {
    const a = await node(server, { maxOutboxMessages: 1, maxDeadLetters: 0 });
    for (let i = 0; i < 3; i++) a.bus.publish("burst", i);
    assert.deepEqual(a.bridge.stats().failed, { QUEUE_FULL: 2 });
    assert.deepEqual(a.bridge.deadLetters(), []);
    assert.equal(a.logs.length, 2);
    await a.bridge.close();
  });

  test("publishing on a closed connection fails with CLOSED, a dead letter", async () => {
    const a = await node(server);
    await a.nc.close();
    a.bus.publish("late", 1);
    assert.deepEqual(a.bridge.stats().failed, { CLOSED: 1 });
    assert.equal(a.bridge.stats().sent, 0);
    assert.deepEqual(a.bridge.deadLetters().map((l) => [l.reason, l.code, l.message.data]), [["SEND_FAILED", "CLOSED", 1]]);
  });
});

describe("backpressure on the receiving side", () => {
  test("a slow subscriber with queueCapacity 100 and overflow reject gets all 3000 messages, in order: the rest wait, visible in health()", async () => {
    const sender = await node(server, { topics: ["slow"] });
    const bus = new PubSub({ autoCreateTopics: true });
    const got = [];
    let saturatedSeen = false;
    bus.subscribe("slow", async (msg) => {
      got.push(msg.data);
      saturatedSeen ||= bus.health().saturatedSubscriptions.includes("slow-sub");
      if (got.length % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }, { queueCapacity: 100, name: "slow-sub" });
    const nc = await connectTo(server);
    const bridge = natsBridge(bus, nc, { prefix: "t", topics: ["slow"] });
    await nc.flush();
    let heldMax = 0;
    for (let i = 0; i < 3000; i++) sender.bus.publish("slow", i);
    await until(() => {
      heldMax = Math.max(heldMax, bridge.stats().held);
      return got.length === 3000;
    }, "3000 delivered", 30_000);
    assert.deepEqual(got, Array.from({ length: 3000 }, (_, i) => i), "none dropped, order kept");
    assert.ok(saturatedSeen, "health() showed the saturated subscription");
    assert.ok(heldMax > 0, "frames were held");
    assert.deepEqual(bridge.stats().dropped, {});
    assert.equal(bridge.stats().received, 3000);
    assert.equal(bridge.stats().rejected, 0, "a refusal for room is not a rejection: the message waited");
    assert.equal(bridge.stats().duplicates, 0, "frames offered again to find the refused ones are not duplicates");
    assert.equal(bus.metrics().deadLettered, 0);
    await bridge.close();
    await sender.bridge.close();
  });

  test("past maxHeldMessages, frames are dropped and counted under QUEUE_FULL", async () => {
    const sender = await node(server, { topics: ["stuck"] });
    const bus = new PubSub({ autoCreateTopics: true });
    const sub = bus.subscribe("stuck", () => {}, { queueCapacity: 10 });
    sub.pause();
    const nc = await connectTo(server);
    const logs = [];
    const bridge = natsBridge(bus, nc, { prefix: "t", topics: ["stuck"], maxHeldMessages: 20, logger: (r) => logs.push(r) });
    await nc.flush();
    for (let i = 0; i < 50; i++) sender.bus.publish("stuck", i);
    await until(() => (bridge.stats().dropped.QUEUE_FULL ?? 0) === 20, "20 dropped");
    assert.equal(bridge.stats().held, 20);
    assert.equal(bridge.stats().received, 10);
    assert.equal(bridge.stats().rejected, 0);
    assert.ok(logs.some((r) => r.event === "nats.dropped" && r.code === "QUEUE_FULL"));
    sub.resume();
    const delivered = [];
    bus.subscribe("stuck", (m) => { delivered.push(m.data); });
    await until(() => bridge.stats().held === 0, "held frames handed over");
    assert.equal(bridge.stats().received, 30);
    assert.equal(bridge.stats().rejected, 0);
    await bridge.close();
    await sender.bridge.close();
  });
});
