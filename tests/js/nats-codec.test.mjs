// wasm-pubsub/nats without a server: the tagged-JSON codec, the bridge's argument checks,
// and what it does with a connection that misbehaves (a fake one), through the package's
// public entry (the wire form is checked against a real server in nats.test.mjs).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { taggedJson, CodecError, natsBridge, NatsBridgeError } from "wasm-pubsub/nats";
import { PubSub } from "wasm-pubsub";

const roundTrip = (value) => taggedJson.decode(taggedJson.encode(value), taggedJson.contentType(value));

describe("taggedJson round-trips what structured clone carries", () => {
  test("numbers, NaN, ±Infinity and -0; strings, booleans, null, undefined, BigInt", () => {
    for (const value of [0, 1.5, -7, NaN, Infinity, -Infinity, -0, "", "héllo 🌍", true, false, null, undefined, 123n, -(2n ** 100n)]) {
      assert.ok(Object.is(roundTrip(value), value), `${String(value)} came back as ${String(roundTrip(value))}`);
    }
  });

  test("arrays, plain objects (a '$type' or '__proto__' key of their own included), nested", () => {
    const value = { a: [1, undefined, NaN, { b: -0 }], $type: "Map", nested: { $type: "x", value: 1 } };
    Object.defineProperty(value, "__proto__", { value: { evil: true }, enumerable: true });
    const back = roundTrip(value);
    assert.deepEqual(Object.keys(back), Object.keys(value));
    assert.equal(back.$type, "Map");
    assert.deepEqual(back.nested, { $type: "x", value: 1 });
    assert.ok(Object.is(back.a[3].b, -0));
    assert.equal(back.a[1], undefined);
    assert.equal(Object.getPrototypeOf(back), Object.prototype, "an own __proto__ key does not set the prototype");
    assert.deepEqual(Object.getOwnPropertyDescriptor(back, "__proto__").value, { evil: true });
  });

  test("Date (invalid too), Map, Set, RegExp", () => {
    const date = roundTrip(new Date(1_700_000_000_123));
    assert.ok(date instanceof Date && date.getTime() === 1_700_000_000_123);
    assert.ok(Number.isNaN(roundTrip(new Date(NaN)).getTime()));
    const map = roundTrip(new Map([[1n, new Set(["x", 2n])], [{ k: 1 }, [NaN]]]));
    assert.ok(map instanceof Map);
    const [[k1, v1], [k2, v2]] = [...map];
    assert.equal(k1, 1n);
    assert.ok(v1 instanceof Set && v1.has("x") && v1.has(2n));
    assert.deepEqual(k2, { k: 1 });
    assert.ok(Number.isNaN(v2[0]));
    assert.deepEqual(String(roundTrip(/a+b/giu)), "/a+b/giu");
  });

  test("ArrayBuffer, every typed array (with an offset), DataView; a Uint8Array as raw bytes", () => {
    const buffer = new Uint8Array([1, 2, 3, 250]).buffer;
    assert.deepEqual(new Uint8Array(roundTrip(buffer)), new Uint8Array([1, 2, 3, 250]));
    const big = new ArrayBuffer(64);
    new Uint8Array(big).forEach((_, i, a) => { a[i] = i * 7; });
    for (const Type of [Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array]) {
      const view = new Type(big, 8, 2);
      const back = roundTrip({ view }).view;
      assert.ok(back instanceof Type, Type.name);
      assert.deepEqual([...back], [...view]);
    }
    const dv = roundTrip(new DataView(big, 4, 4));
    assert.ok(dv instanceof DataView && dv.byteLength === 4 && dv.getUint8(0) === 28);
    const bytes = new Uint8Array([0, 255, 10]);
    assert.equal(taggedJson.contentType(bytes), "application/octet-stream");
    assert.deepEqual(taggedJson.encode(bytes), bytes, "raw bytes are the payload itself");
    assert.deepEqual(roundTrip(bytes), bytes);
  });

  test("plain JSON stays plain JSON on the wire; text/plain is read as a string", () => {
    const text = new TextDecoder().decode(taggedJson.encode({ a: [1, "x", true, null] }));
    assert.equal(text, '{"a":[1,"x",true,null]}');
    assert.equal(taggedJson.decode(new TextEncoder().encode("plain words"), "text/plain; charset=utf-8"), "plain words");
  });

  test("what cannot be carried is refused with CODEC_ERROR: cycles, functions, symbols, errors, bad payloads", () => {
    const cycle = {};
    cycle.self = cycle;
    for (const value of [cycle, () => 1, Symbol("s"), new Error("x"), { deep: Array.from({ length: 1 }, () => nest(300)) }]) {
      assert.throws(() => taggedJson.encode(value), (e) => e instanceof CodecError && e.code === "CODEC_ERROR");
    }
    for (const text of ["{not json", '{"$type":"number","value":"7"}', '{"$type":"Nope","value":""}', '{"$type":"Int32Array","value":"AAA="}']) {
      assert.throws(() => taggedJson.decode(new TextEncoder().encode(text)), CodecError, text);
    }
    assert.throws(() => taggedJson.decode(new Uint8Array([0xff, 0xfe])), CodecError, "not UTF-8");
  });
});

function nest(depth) {
  let value = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe("natsBridge checks its arguments", () => {
  const fakeConnection = { publish() {}, subscribe() { return { unsubscribe() {} }; }, flush: async () => {}, closed: () => new Promise(() => {}), isClosed: () => false, status: () => [] };

  test("a prefix with wildcards or blanks, unknown options, a bad codec, bad limits: INVALID_ARGUMENT", () => {
    const bus = new PubSub();
    for (const options of [undefined, {}, { prefix: "a.*" }, { prefix: "a b" }, { prefix: "a..b" }, { prefix: "a", topics: [] },
      { prefix: "a", typo: 1 }, { prefix: "a", codec: {} }, { prefix: "a", maxOutboxMessages: 0 }, { prefix: "a", queue: "a b" }]) {
      assert.throws(() => natsBridge(bus, fakeConnection, options), (e) => e instanceof NatsBridgeError && e.code === "INVALID_ARGUMENT", JSON.stringify(options));
    }
    assert.throws(() => natsBridge(bus, {}, { prefix: "a" }), NatsBridgeError);
    assert.throws(() => natsBridge(bus, { ...fakeConnection, isClosed: () => true }, { prefix: "a" }), (e) => e.code === "CLOSED");
  });
});

describe("natsBridge with a connection that refuses a publish", () => {
  test("a publish nats.js refuses as over max_payload (a server reached after a reconnect may allow less) fails that message alone", async () => {
    const published = [];
    const connection = {
      info: undefined,
      publish(subject, payload) {
        if (payload.length > 100) throw new Error("'payload' max_payload size exceeded");
        published.push(subject);
      },
      subscribe() { return { unsubscribe() {} }; },
      flush: async () => {},
      closed: () => new Promise(() => {}),
      isClosed: () => false,
      status: () => [],
    };
    const bus = new PubSub();
    bus.createTopic("t");
    const codes = [];
    const bridge = natsBridge(bus, connection, { prefix: "p", onSendError: (e) => codes.push(e.code) });
    bus.publish("t", "x".repeat(200));
    bus.publish("t", "small");
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(codes, ["MESSAGE_TOO_LARGE"]);
    assert.deepEqual(published, ["p.t"]);
    assert.deepEqual(bridge.stats().failed, { MESSAGE_TOO_LARGE: 1 });
    assert.equal(bridge.stats().sent, 1);
    assert.equal(bridge.stats().pending, 0);
    await assert.rejects(bridge.close({ drainTimeoutMs: -1 }), (e) => e instanceof NatsBridgeError && e.code === "INVALID_ARGUMENT");
    await bridge.close();
  });
});
