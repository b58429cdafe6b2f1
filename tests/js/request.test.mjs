// Request/reply (issue 13): bus.request(topic, data, options) resolves with the first
// msg.respond(value), locally and across bridges; TIMEOUT, NO_RESPONDERS, CLOSED; a bounded,
// cleaned-up table of pending requests.
import test from "node:test";
import assert from "node:assert/strict";
import { BroadcastChannel } from "node:worker_threads";
import { PubSub } from "wasm-pubsub";
import { collect, FakeClock, rejectsCode, settle } from "./helpers.mjs";
import { sleep } from "./bridge-helpers.mjs";

test("a local request resolves with the first reply; later replies answer false", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const answers = [];
  bus.subscribe("prices.quote", (msg) => answers.push(msg.respond({ total: msg.data.qty * 2 })));
  bus.subscribe("prices.quote", (msg) => answers.push(msg.respond({ total: -1 })));
  assert.deepEqual(await bus.request("prices.quote", { qty: 21 }), { total: 42 });
  await settle();
  assert.deepEqual(answers, [true, false]);
  await bus.close();
});

test("request options carry attributes and an ordering key; a plain message has no respond", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  const seen = [];
  bus.subscribe("q", (msg) => {
    seen.push([msg.attributes.who, msg.orderingKey]);
    msg.respond("ok");
  });
  bus.subscribe("plain", (msg) => seen.push(typeof msg.respond));
  assert.equal(await bus.request("q", 1, { attributes: { who: "me" }, orderingKey: "k", timeoutMs: 500 }), "ok");
  bus.publish("plain", 1);
  await settle();
  assert.deepEqual(seen, [["me", "k"], "undefined"]);
  await rejectsCode(() => bus.request("q", 1, { timeout: 5 }), "INVALID_ARGUMENT", "timeout");
  await rejectsCode(() => bus.request("q", 1, { timeoutMs: -1 }), "INVALID_ARGUMENT", "timeoutMs");
  await bus.close();
});

test("no reply within timeoutMs rejects with TIMEOUT and frees the entry", async () => {
  const clock = new FakeClock();
  const bus = new PubSub({ autoCreateTopics: true, clock, logger: null });
  let late;
  bus.subscribe("slow", (msg) => {
    late = msg;
  });
  const asked = bus.request("slow", 1, { timeoutMs: 250 });
  const rejected = rejectsCode(() => asked, "TIMEOUT", '"slow"', "250 ms");
  await settle();
  await clock.advance(250);
  await rejected;
  assert.equal(late.respond("too late"), false);
  assert.equal(clock.pendingTimers, 0, "no timer left");
  await bus.close();
});

test("a request nothing can take rejects at once with NO_RESPONDERS", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  await rejectsCode(() => bus.request("nobody.home", 1), "NO_RESPONDERS", "nobody.home");
  bus.subscribe("filtered", (msg) => msg.respond(1), { filter: { region: "eu" } });
  await rejectsCode(() => bus.request("filtered", 1, { attributes: { region: "us" } }), "NO_RESPONDERS");
  assert.equal(await bus.request("filtered", 1, { attributes: { region: "eu" } }), 1);
  await bus.close();
});

test("closing the bus rejects pending requests with CLOSED; a closed bus refuses new ones", async () => {
  const bus = new PubSub({ autoCreateTopics: true });
  bus.subscribe("never", () => new Promise(() => {}));
  const asked = bus.request("never", 1, { timeoutMs: 60_000 });
  const closing = bus.close({ drainTimeoutMs: 0 });
  await rejectsCode(() => asked, "CLOSED");
  await closing;
  await rejectsCode(() => bus.request("never", 1), "CLOSED");
});

test("at most 4096 requests wait at once", async () => {
  const clock = new FakeClock();
  const bus = new PubSub({ autoCreateTopics: true, clock, logger: null, delivery: { queueCapacity: 5000, maxDeliveryAttempts: 1 } });
  bus.subscribe("busy", () => {});
  const pending = Array.from({ length: 4096 }, () => bus.request("busy", 1, { timeoutMs: 1000 }).catch((e) => e.code));
  await rejectsCode(() => bus.request("busy", 1), "LIMIT_EXCEEDED", "4096");
  await clock.advance(1000);
  assert.ok((await Promise.all(pending)).every((code) => code === "TIMEOUT"));
  assert.equal(await new Promise((resolve) => {
    bus.subscribe("answered", (msg) => msg.respond("again"));
    bus.request("answered", 1).then(resolve);
  }), "again", "room again once they timed out");
  await bus.close();
});

test("across a bridge: a request is answered by a handler on the other bus", async () => {
  const { port1, port2 } = new MessageChannel();
  const asking = new PubSub({ autoCreateTopics: true });
  const answering = new PubSub({ autoCreateTopics: true });
  asking.bridge(port1);
  answering.bridge(port2);
  answering.subscribe("prices.quote", (msg) => msg.respond({ total: 42, from: msg.origin.id.length > 0 }));
  assert.deepEqual(await asking.request("prices.quote", { sku: "A-1" }, { timeoutMs: 2000 }), { total: 42, from: true });
  await asking.close();
  await answering.close();
  port1.close();
});

test("across two hops the reply retraces the request's way: a ↔ b ↔ c", async () => {
  const ab = new MessageChannel();
  const bc = new MessageChannel();
  const [a, b, c] = [0, 1, 2].map(() => new PubSub({ autoCreateTopics: true }));
  a.bridge(ab.port1);
  b.bridge(ab.port2);
  b.bridge(bc.port1);
  c.bridge(bc.port2);
  c.subscribe("far", (msg) => msg.respond(`hops ${msg.origin.hops}`));
  assert.equal(await a.request("far", 1, { timeoutMs: 2000 }), "hops 2");
  for (const bus of [a, b, c]) await bus.close();
  ab.port1.close();
  bc.port1.close();
});

test("on one channel shared by three buses the request is answered once and nothing loops", async () => {
  const name = `request-${Math.random()}`;
  const channels = [0, 1, 2].map(() => new BroadcastChannel(name));
  const buses = channels.map((channel) => {
    const bus = new PubSub({ autoCreateTopics: true });
    return { bus, bridge: bus.bridge(channel) };
  });
  let handled = 0;
  buses[1].bus.subscribe("who", (msg) => {
    handled++;
    msg.respond("one");
  });
  buses[2].bus.subscribe("who", (msg) => {
    handled++;
    msg.respond("two");
  });
  const reply = await buses[0].bus.request("who", 1, { timeoutMs: 2000 });
  assert.ok(reply === "one" || reply === "two");
  await sleep(100);
  assert.equal(handled, 2);
  const sent = buses.map(({ bridge }) => bridge.stats().sent);
  await sleep(100);
  assert.deepEqual(buses.map(({ bridge }) => bridge.stats().sent), sent, "no reply frame circulates");
  for (const { bus } of buses) await bus.close();
  for (const channel of channels) channel.close();
});

test("a reply meant for another bus never settles this bus's own request of the same inbox number", async () => {
  const name = `stray-${Math.random()}`;
  const channels = [0, 1, 2].map(() => new BroadcastChannel(name));
  const [asker, answerer, bystander] = [0, 1, 2].map(() => new PubSub({ autoCreateTopics: true, logger: null }));
  asker.bridge(channels[0]);
  answerer.bridge(channels[1]);
  // The bystander's bridge does not carry "who": it never takes the request in, yet the
  // answer's reply frame, broadcast on the channel, reaches it.
  bystander.bridge(channels[2], { topics: ["elsewhere"] });
  answerer.subscribe("who", (msg) => msg.respond("for the asker"));
  try {
    const own = bystander.request("elsewhere", 1, { timeoutMs: 400 }).then((v) => v, (e) => e.code);
    assert.equal(await asker.request("who", 1, { timeoutMs: 2000 }), "for the asker");
    assert.equal(await own, "TIMEOUT", "the bystander's request 1 was not resolved by the asker's reply 1");
  } finally {
    for (const bus of [asker, answerer, bystander]) await bus.close();
    for (const channel of channels) channel.close();
  }
});

test("a request whose bus lost its last reference still settles", async () => {
  let asked;
  (() => {
    const bus = new PubSub({ autoCreateTopics: true, logger: null });
    bus.subscribe("gc", (msg) => setTimeout(() => msg.respond("kept"), 30));
    asked = bus.request("gc", 1, { timeoutMs: 2000 });
  })();
  await collect();
  assert.equal(await asked, "kept");
});
