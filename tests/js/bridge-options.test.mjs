// bridge()'s options are untrusted input: a topics list is bounded (256) and read without
// running for long, a throwing getter or trap, an unknown key or an options object that is
// not a plain object throw INVALID_ARGUMENT.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PubSub } from "wasm-pubsub";
import { throwsCode } from "./helpers.mjs";

describe("bridge options", () => {
  const { port1 } = new MessageChannel();
  const bus = new PubSub();
  const revoked = Proxy.revocable([], {});
  revoked.revoke();
  const throwing = (key) => new Proxy(["a"], { get: (target, k) => (k === key ? assert.fail("trap") : Reflect.get(target, k)) });
  const hostile = {
    "a length getter that throws": throwing("length"),
    "an element getter that throws": throwing("0"),
    "a revoked Proxy": revoked.proxy,
    "a length of 1e9": new Proxy([], { get: (target, k) => (k === "length" ? 1e9 : "a") }),
    "257 topics": Array.from({ length: 257 }, (_, i) => `t${i}`),
    "a number in the list": ["a", 5],
    "a string": "a",
  };

  for (const [name, topics] of Object.entries(hostile)) {
    test(`topics as ${name} is INVALID_ARGUMENT`, () => {
      const started = Date.now();
      throwsCode(() => bus.bridge(port1, { topics }), "INVALID_ARGUMENT", "topics");
      assert.ok(Date.now() - started < 1000);
    });
  }

  test("256 topics are accepted", () => {
    bus.bridge(port1, { topics: Array.from({ length: 256 }, (_, i) => `t${i}.>`) }).close();
  });

  test("an unknown key, a Map, a throwing getter or ownKeys trap is INVALID_ARGUMENT", () => {
    throwsCode(() => bus.bridge(port1, { topic: ["a"] }), "INVALID_ARGUMENT", "\"topic\"");
    throwsCode(() => bus.bridge(port1, new Map([["topics", ["a"]]])), "INVALID_ARGUMENT", "options");
    throwsCode(() => bus.bridge(port1, "topics"), "INVALID_ARGUMENT", "options");
    throwsCode(() => bus.bridge(port1, { get topics() { throw new Error("getter"); } }), "INVALID_ARGUMENT", "topics");
    throwsCode(() => bus.bridge(port1, new Proxy({}, { ownKeys: () => assert.fail("trap") })), "INVALID_ARGUMENT", "options");
    bus.bridge(port1, Object.assign(Object.create(null), { topics: ["a"] })).close();
    bus.bridge(port1, {}).close();
    port1.close();
  });
});
