// Error messages that say what to do, as a newcomer meets them (issue 12).
import test from "node:test";
import { PubSub } from "wasm-pubsub";
import { throwsCode } from "./helpers.mjs";

test("a missing topic names createTopic and autoCreateTopics", () => {
  const bus = new PubSub();
  throwsCode(() => bus.publish("orders", 1), "TOPIC_NOT_FOUND", 'createTopic("orders")', "autoCreateTopics: true");
});

test("publishing to a pattern says patterns are for subscribing; '#' suggests '>'", () => {
  const bus = new PubSub({ autoCreateTopics: true });
  throwsCode(() => bus.publish("orders.*", 1), "INVALID_TOPIC_NAME", "patterns", "for subscribing");
  throwsCode(() => bus.subscribe("orders.#", () => {}), "INVALID_TOPIC_NAME", "'>'");
});

test("a delivery key at the top of the config names where it belongs", () => {
  throwsCode(() => new PubSub({ maxInFlight: 4 }), "INVALID_CONFIG", "delivery: { maxInFlight");
  throwsCode(() => new PubSub({ maxTopics: 4 }), "INVALID_CONFIG", "limits: { maxTopics");
});

test("QUEUE_FULL names the overflow option", () => {
  const bus = new PubSub({ autoCreateTopics: true });
  bus.subscribe("t", () => new Promise(() => {}), { queueCapacity: 1 });
  bus.publish("t", 1);
  throwsCode(() => bus.publish("t", 2), "QUEUE_FULL", "queueCapacity", 'overflow: "deadLetterOldest"');
});
