// API.md "Construction" and "Errors": new PubSub(config), config validation, PubSubError.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as api from "wasm-pubsub";
import { PubSub, PubSubError } from "wasm-pubsub";
import { FakeClock, throwsCode } from "./helpers.mjs";

describe("the package", () => {
  test("exports the classes PubSub, Topic, Subscription and PubSubError", () => {
    for (const name of ["PubSub", "Topic", "Subscription", "PubSubError"]) {
      assert.equal(typeof api[name], "function", name);
    }
  });

  test("PubSubError extends Error", () => {
    assert.ok(PubSubError.prototype instanceof Error);
  });
});

describe("new PubSub(config)", () => {
  test("works without a config, with undefined and with an empty object", () => {
    assert.ok(new PubSub() instanceof PubSub);
    assert.ok(new PubSub(undefined) instanceof PubSub);
    assert.ok(new PubSub({}) instanceof PubSub);
  });

  test("accepts every documented key", () => {
    const clock = new FakeClock();
    const bus = new PubSub({
      autoCreateTopics: true,
      limits: {
        maxTopics: 10,
        maxSubscriptionsPerTopic: 10,
        maxTopicNameLength: 100,
        maxMessageBytes: 1024,
        maxAttributes: 4,
        maxAttributeKeyLength: 16,
        maxAttributeValueLength: 64,
        maxBatchSize: 10,
        maxDeadLetters: 0,
      },
      delivery: {
        maxInFlight: 4,
        ackTimeoutMs: 0,
        maxDeliveryAttempts: 3,
        retryBackoff: { initialMs: 10, maxMs: 1000, multiplier: 1.5 },
        circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 500, halfOpenMaxCalls: 2 },
        queueCapacity: 100,
        overflow: "deadLetterOldest",
      },
      clock,
      onDeadLetter: () => {},
      logger: () => {},
    });
    assert.ok(bus instanceof PubSub);
  });

  test("accepts the bounds: counts 1 and 2**31-1, milliseconds 0, multiplier 1", () => {
    new PubSub({ limits: { maxTopics: 1, maxBatchSize: 2 ** 31 - 1 } });
    new PubSub({ delivery: { ackTimeoutMs: 0, retryBackoff: { initialMs: 0, maxMs: 2 ** 31 - 1 } } });
    new PubSub({ delivery: { retryBackoff: { multiplier: 1 } } });
  });

  test("merges a partial nested object with the defaults", () => {
    new PubSub({ delivery: { retryBackoff: { maxMs: 500 } } });
    new PubSub({ delivery: { circuitBreaker: { failureThreshold: 2 } } });
    new PubSub({ limits: { maxTopics: 3 } });
  });

  test("reads only now, setTimeout and clearTimeout of the clock, ignoring its other properties", () => {
    const clock = new FakeClock();
    clock.colour = "blue";
    assert.ok(new PubSub({ clock }) instanceof PubSub);
  });
});

describe("config rejection: INVALID_CONFIG naming the key", () => {
  const cases = [
    ["an unknown key", { bogus: 1 }, "bogus"],
    ["an unknown nested key", { limits: { bogus: 1 } }, "bogus"],
    ["an unknown key in delivery", { delivery: { maxInflight: 2 } }, "maxInflight"],
    ["a boolean of the wrong type", { autoCreateTopics: "yes" }, "autoCreateTopics"],
    ["a count given as a string", { limits: { maxTopics: "10" } }, "maxTopics"],
    ["a nested object of the wrong type", { limits: 5 }, "limits"],
    ["NaN", { limits: { maxTopics: NaN } }, "maxTopics"],
    ["Infinity", { limits: { maxMessageBytes: Infinity } }, "maxMessageBytes"],
    ["a non-integer count (1.5)", { limits: { maxTopics: 1.5 } }, "maxTopics"],
    ["a negative count (-1)", { limits: { maxAttributes: -1 } }, "maxAttributes"],
    ["a count of 0", { delivery: { maxInFlight: 0 } }, "maxInFlight"],
    ["a count of 2**31", { limits: { maxBatchSize: 2 ** 31 } }, "maxBatchSize"],
    ["negative milliseconds", { delivery: { ackTimeoutMs: -1 } }, "ackTimeoutMs"],
    ["milliseconds of 2**31", { delivery: { ackTimeoutMs: 2 ** 31 } }, "ackTimeoutMs"],
    ["non-integer milliseconds", { delivery: { retryBackoff: { initialMs: 1.5 } } }, "initialMs"],
    ["a multiplier below 1", { delivery: { retryBackoff: { multiplier: 0.5 } } }, "multiplier"],
    ["a multiplier of NaN", { delivery: { retryBackoff: { multiplier: NaN } } }, "multiplier"],
    ["an infinite multiplier", { delivery: { retryBackoff: { multiplier: Infinity } } }, "multiplier"],
    ["a negative maxDeadLetters", { limits: { maxDeadLetters: -1 } }, "maxDeadLetters"],
    ["an unknown overflow policy", { delivery: { overflow: "drop" } }, "overflow"],
    ["an onDeadLetter that is not a function", { onDeadLetter: "log" }, "onDeadLetter"],
    ["a logger that is not a function", { logger: 42 }, "logger"],
    ["a clock that is not an object", { clock: 5 }, "clock"],
  ];
  for (const [what, config, key] of cases) {
    test(`rejects ${what}`, () => {
      throwsCode(() => new PubSub(config), "INVALID_CONFIG", key);
    });
  }
});

describe("PubSubError", () => {
  test("is what the bus throws: instanceof PubSubError and Error, name, code, message", () => {
    let caught;
    try {
      new PubSub().createTopic("no spaces allowed");
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof PubSubError);
    assert.ok(caught instanceof Error);
    assert.equal(caught.name, "PubSubError");
    assert.equal(caught.code, "INVALID_TOPIC_NAME");
    assert.equal(typeof caught.message, "string");
    assert.ok(caught.message.length > 0);
    assert.equal(typeof caught.stack, "string");
  });

  test("messages quote user strings cut to 64 code points, with control characters escaped", () => {
    const bus = new PubSub();
    const long = "x".repeat(200);
    bus.createTopic(long);
    throwsCode(() => bus.createTopic(long), "TOPIC_EXISTS");
    try {
      bus.createTopic(long);
    } catch (err) {
      assert.ok(!err.message.includes("x".repeat(65)), err.message);
    }
    try {
      bus.createTopic("bad\nname\u0000\u202e");
      assert.fail("should throw");
    } catch (err) {
      assert.equal(err.code, "INVALID_TOPIC_NAME");
      assert.doesNotMatch(err.message, /[\n\u0000\u202e]/);
    }
  });
});
