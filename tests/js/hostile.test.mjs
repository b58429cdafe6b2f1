// The Guarantees under attack, against the packed package: stack exhaustion, re-entering
// callbacks, oversized strings, options that are not what they claim, disposed handles.
// Each test reproduces a way the bus used to trap, lose work silently or leak.
import test, { describe } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PubSub, PubSubError, wasmMemoryBytes } from "wasm-pubsub";
import { synchronousPorts } from "./bridge-helpers.mjs";
import { FakeClock, recorder, rejectsCode, settle, throwsCode } from "./helpers.mjs";

const run = promisify(execFile);
const here = fileURLToPath(new URL(".", import.meta.url));

/** wasm's shadow stack pointer, of the instance "wasm-pubsub" runs on: the glue module beside
 * the entry is the one the entry loaded, and `initSync()` hands back its exports. Between
 * tasks no call is inside wasm, so it must read the value it had at start. */
const glue = await import(new URL("./wasm_pubsub.js", import.meta.resolve("wasm-pubsub")));
const stackPointer = glue.initSync().__wbg_stack_pointer;
const STACK_BASE = stackPointer.value;

/** Asserts that no overflow left wasm's stack pointer below its base: each leak shrinks the
 * stack every bus of the page shares, until every call into any of them traps. */
function stackRestored() {
  assert.equal(stackPointer.value, STACK_BASE, "wasm's stack pointer is back at its base");
}

/** Fails the test if anything reaches the process as an uncaught exception or rejection. */
function watchUncaught() {
  const caught = [];
  const record = (error) => caught.push(error);
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);
  return () => {
    process.off("uncaughtException", record);
    process.off("unhandledRejection", record);
    assert.deepEqual(caught.map(String), []);
  };
}

/** Runs `call` from ever deeper recursion until the stack overflows, at every `every`-th
 * level (varying it varies where the overflow lands); returns the depth. */
function exhaustStack(call, every = 1) {
  let depth = 0;
  const walk = () => {
    if (depth++ % every === 0) call();
    walk();
  };
  try {
    walk();
  } catch {
    // The overflow: somewhere between user code and the bus.
  }
  return depth;
}

/** Whether `bus` works (a publish is delivered) or fails every call with PubSubError CLOSED. */
async function worksOrIsHalted(bus, topic) {
  const seen = recorder();
  try {
    bus.subscribe(topic, seen.handler);
    bus.publish(topic, "after");
  } catch (error) {
    assert.ok(error instanceof PubSubError, `${error?.name}: ${error?.message}`);
    assert.equal(error.code, "CLOSED");
    assert.match(error.message, /cut short/);
    for (const call of [() => bus.publish(topic, 1), () => bus.metrics(), () => bus.topics()]) {
      throwsCode(call, "CLOSED", "cut short");
    }
    return "halted";
  }
  await settle();
  assert.deepEqual(seen.data(), ["after"]);
  return "working";
}

/** Publishes, ignoring what it throws (a full queue, the engine's RangeError, CLOSED). */
function publishQuietly(bus, topic, data) {
  try {
    bus.publish(topic, data);
  } catch {
    // Counted by the test through the bus's state afterwards.
  }
}

/** A bus apart from the ones under attack, given one message per round: `untouched(rounds)`
 * checks that it delivered every one. */
function bystander() {
  const bus = new PubSub({ autoCreateTopics: true });
  const seen = recorder();
  bus.subscribe("x", seen.handler);
  return {
    publish: (round) => bus.publish("x", round),
    async untouched(rounds) {
      await settle();
      assert.deepEqual(seen.data(), Array.from({ length: rounds }, (_, i) => i), "the other bus delivered every message");
    },
  };
}

describe("stack exhaustion", () => {
  test("a user recursion that overflows inside a bus call leaves the bus working or halted, and other buses untouched", async () => {
    const done = watchUncaught();
    const other = bystander();
    const outcomes = new Set();
    for (let round = 0; round < 40; round++) {
      const bus = new PubSub({ autoCreateTopics: true });
      bus.createTopic("t");
      exhaustStack(() => bus.subscribe("t", () => {}).unsubscribe());
      outcomes.add(await worksOrIsHalted(bus, "t"));
      other.publish(round);
    }
    await other.untouched(40);
    const fresh = new PubSub({ autoCreateTopics: true });
    const late = recorder();
    fresh.subscribe("y", late.handler);
    for (let i = 0; i < 1000; i++) fresh.publish("y", i);
    await settle();
    assert.equal(late.messages.length, 1000, "a new bus works after 40 overflows: wasm's stack pointer was restored each time");
    stackRestored();
    done();
  });

  test("a user recursion that overflows inside publish, at every depth: each bus works or is halted, wasm's stack pointer is back at its base", async () => {
    const done = watchUncaught();
    const other = bystander();
    for (let round = 0; round < 40; round++) {
      const bus = new PubSub({ autoCreateTopics: true });
      exhaustStack(() => publishQuietly(bus, "t", { round, items: [1, 2, 3] }), 1 + (round % 7));
      await worksOrIsHalted(bus, "t");
      stackRestored();
      other.publish(round);
    }
    await other.untouched(40);
    done();
  });

  test("a handler whose recursion overflows inside a call to its own bus: no trap, no uncaught error, the bus works or is halted", async () => {
    const done = watchUncaught();
    const other = bystander();
    const outcomes = new Set();
    for (let round = 0; round < 20; round++) {
      const bus = new PubSub({ autoCreateTopics: true });
      bus.subscribe("t", () => {
        exhaustStack(() => publishQuietly(bus, "u", round), 1 + (round % 5));
      });
      bus.subscribe("u", () => {});
      bus.publish("t", 1);
      bus.publish("t", 2);
      await settle();
      outcomes.add(await worksOrIsHalted(bus, "v"));
      other.publish(round);
    }
    await other.untouched(20);
    assert.ok(outcomes.has("halted"), "some overflow was cut short inside the bus");
    stackRestored();
    done();
  });

  test("a bus fed by a port that delivers synchronously, overflowing inside its receive, is halted; the sender is not", async () => {
    const done = watchUncaught();
    const outcomes = new Set();
    for (let round = 0; round < 20; round++) {
      const [sender, receiver] = [new PubSub({ autoCreateTopics: true }), new PubSub({ autoCreateTopics: true })];
      receiver.subscribe("t", () => {});
      const { receiving, sending } = synchronousPorts();
      receiver.bridge(receiving);
      sender.bridge(sending);
      exhaustStack(() => publishQuietly(sender, "t", round), 1 + (round % 7));
      await settle();
      outcomes.add(await worksOrIsHalted(receiver, "v"));
      await worksOrIsHalted(sender, "w");
    }
    assert.ok(outcomes.has("halted"), "some overflow was cut short inside the receiving bus");
    stackRestored();
    done();
  });

  test("a thenable or a clock calling back into the bus from ever deeper recursion: no trap, no uncaught error, the bus works or is halted", async () => {
    const done = watchUncaught();
    const outcomes = new Set();
    for (let round = 0; round < 40; round++) {
      const stride = 1 + (round % 7);
      const settles = new PubSub({ autoCreateTopics: true, logger: () => {}, delivery: { ackTimeoutMs: 5, maxDeliveryAttempts: 1 } });
      settles.subscribe("t", () => ({ then: (ok) => exhaustStack(ok, stride) }));
      let armed = 0;
      const clock = { now: () => Date.now(), setTimeout: (fire) => (armed++ < 3 && exhaustStack(fire, stride), armed), clearTimeout() {} };
      const fires = new PubSub({ autoCreateTopics: true, clock, logger: () => {}, delivery: { ackTimeoutMs: 5 } });
      fires.subscribe("t", () => new Promise(() => {}));
      for (let i = 0; i < 3; i++) [settles, fires].forEach((bus) => bus.publish("t", i));
      await settle();
      outcomes.add(await worksOrIsHalted(settles, "v"));
      outcomes.add(await worksOrIsHalted(fires, "v"));
    }
    assert.ok(outcomes.has("working"));
    stackRestored();
    done();
  });

  test("a settlement called from ever deeper recursion (a thenable's kept callbacks): wasm's stack pointer is back at its base", async () => {
    const done = watchUncaught();
    const other = bystander();
    for (let round = 0; round < 30; round++) {
      const kept = [];
      const bus = new PubSub({ autoCreateTopics: true, logger: () => {}, delivery: { maxInFlight: 4, ackTimeoutMs: 50 } });
      bus.subscribe("t", () => ({ then: (ok, fail) => kept.push(round % 2 ? ok : () => fail(new Error("no"))) }));
      for (let i = 0; i < 8; i++) bus.publish("t", i);
      await settle();
      let next = 0;
      exhaustStack(() => kept[next++ % kept.length](), 1 + (round % 7));
      await worksOrIsHalted(bus, "v");
      stackRestored();
      bus.dispose();
      other.publish(round);
    }
    await other.untouched(30);
    done();
  });

  test("a settlement cut short while it held the bus's state halts the bus at the next call, cleanly: dispose() does not throw, no call traps", async () => {
    const done = watchUncaught();
    let halted = 0;
    for (let round = 0; round < 300; round++) {
      const kept = [];
      const bus = new PubSub({ autoCreateTopics: true, logger: () => {} });
      bus.subscribe("t", () => ({ then: (ok) => kept.push(ok) }));
      bus.publish("t", 1);
      await settle();
      exhaustStack(() => kept[0](), 1 + (round % 5));
      await settle();
      const after = round % 2 ? () => bus.metrics() : () => bus.dispose();
      try {
        after();
      } catch (error) {
        assert.equal(error.code, "CLOSED");
        assert.doesNotMatch(error.message, /RuntimeError/, "the bus found its state held and halted, without a panic inside wasm");
        halted++;
      }
      assert.doesNotThrow(() => bus.dispose());
      stackRestored();
    }
    assert.ok(halted < 150, "most rounds leave the bus working");
    done();
  });

  test("a halted bus rejects its pending requests and clears its timers: a process with nothing else to do exits at once", async () => {
    // `__halt` is what the front calls on a bus cut short; it is called directly here, where a
    // stack overflow would land inside the bus only now and then.
    const script = `
      import { PubSub } from "wasm-pubsub";
      const bus = new PubSub({ autoCreateTopics: true, delivery: { ackTimeoutMs: 60000 } });
      bus.subscribe("t", () => new Promise(() => {}));
      bus.subscribe("ask", () => new Promise(() => {}));
      bus.publish("t", 1);
      const asked = bus.request("ask", 1, { timeoutMs: 60000 }).catch((error) => error.code);
      await new Promise((resolve) => setTimeout(resolve, 20));
      bus.__halt();
      console.log(await asked);`;
    const started = Date.now();
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: here, timeout: 50_000 });
    assert.equal(stdout.trim(), "CLOSED");
    assert.ok(Date.now() - started < 30_000, `the process took ${Date.now() - started} ms to exit, as long as its 60 s timers`);
  });

  test("a Proxy whose getPrototypeOf trap re-enters publish ends with the nesting limit, not a trap", async () => {
    const done = watchUncaught();
    const other = new PubSub({ autoCreateTopics: true });
    const bus = new PubSub({ autoCreateTopics: true });
    let traps = 0;
    const evil = new Proxy({}, {
      getPrototypeOf() {
        traps++;
        bus.publish("t", evil);
        return Object.prototype;
      },
    });
    bus.publish("t", evil);
    assert.ok(traps > 0 && traps < 10_000, `the re-entry was cut early (${traps} trap calls)`);
    assert.equal(await worksOrIsHalted(bus, "t"), "working");
    assert.equal(await worksOrIsHalted(other, "u"), "working");
    assert.doesNotThrow(() => new PubSub());
    stackRestored();
    done();
  });

  test("a clock whose now() publishes recurses through the bus only to the nesting limit", async () => {
    let depth = 0;
    let bus;
    const clock = new FakeClock();
    const now = clock.now.bind(clock);
    clock.now = () => {
      depth++;
      if (bus !== undefined && depth < 1000) bus.publish("t", depth);
      return now();
    };
    bus = new PubSub({ clock, autoCreateTopics: true });
    const seen = recorder();
    bus.subscribe("t", seen.handler);
    depth = 0;
    bus.publish("t", "outer");
    assert.ok(depth > 1 && depth <= 40, `now() ran ${depth} times`);
    clock.now = now;
    await settle();
    assert.ok(seen.messages.length >= 1, "the outer publish and the nested ones within the limit were delivered");
    assert.equal(await worksOrIsHalted(bus, "t"), "working");
  });
});

describe("re-entrant callbacks", () => {
  test("a signal whose removeEventListener calls the bus during unsubscribe()", async () => {
    const bus = new PubSub({ autoCreateTopics: true });
    const published = [];
    const target = new EventTarget();
    const signal = {
      aborted: false,
      addEventListener: (type, fn) => target.addEventListener(type, fn),
      removeEventListener: (type, fn) => {
        target.removeEventListener(type, fn);
        published.push(bus.publish("side", "from removeEventListener"));
        bus.subscribe("side", () => {}).unsubscribe();
      },
    };
    const sub = bus.subscribe("t", () => {}, { signal });
    assert.equal(sub.unsubscribe(), true);
    await settle();
    assert.equal(published.length, 1, "the listener was removed, after the bus released its state");
    assert.equal(await worksOrIsHalted(bus, "t"), "working");
  });

  test("a subscription made with an already aborted signal keeps its name", () => {
    const bus = new PubSub({ autoCreateTopics: true });
    const sub = bus.subscribe("t", () => {}, { name: "audit", signal: AbortSignal.abort() });
    assert.equal(sub.name, "audit");
    assert.equal(sub.state, "closed");
  });
});

describe("strings are checked before they are copied into wasm", () => {
  const huge = "x".repeat(20_000_000);

  /** Runs `call`, expecting `code`, and checks wasm memory did not grow by a copy of `huge`. */
  function refusedWithoutCopy(call, code) {
    const before = wasmMemoryBytes();
    throwsCode(call, code);
    assert.ok(wasmMemoryBytes() - before < 1 << 20, `wasm memory grew by ${wasmMemoryBytes() - before} bytes`);
  }

  test("attributes, ordering keys, names, filters, config keys and replay filters", async () => {
    const bus = new PubSub({ autoCreateTopics: true });
    const attributes = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, huge]));
    refusedWithoutCopy(() => bus.publish("t", 1, { attributes }), "INVALID_ATTRIBUTES");
    refusedWithoutCopy(() => bus.publish("t", 1, { attributes: { [huge]: "v" } }), "INVALID_ATTRIBUTES");
    refusedWithoutCopy(() => bus.publish("t", 1, { orderingKey: huge }), "INVALID_ARGUMENT");
    refusedWithoutCopy(() => bus.publishBatch("t", [{ data: 1, orderingKey: huge }]), "INVALID_ARGUMENT");
    refusedWithoutCopy(() => bus.subscribe("t", () => {}, { name: huge }), "INVALID_TOPIC_NAME");
    refusedWithoutCopy(() => bus.subscribe("t", () => {}, { filter: { region: huge } }), "INVALID_ARGUMENT");
    refusedWithoutCopy(() => bus.subscribe("t", () => {}, { [huge]: 1 }), "INVALID_ARGUMENT");
    refusedWithoutCopy(() => bus.createTopic(huge), "INVALID_TOPIC_NAME");
    refusedWithoutCopy(() => new PubSub({ [huge]: 1 }), "INVALID_CONFIG");
    refusedWithoutCopy(() => bus.replayDeadLetters({ topic: huge }), "INVALID_ARGUMENT");
    const before = wasmMemoryBytes();
    assert.equal(bus.topic(huge), undefined);
    assert.ok(wasmMemoryBytes() - before < 1 << 20);
  });

  test("a handler's huge error message is cut before it is copied", async () => {
    const clock = new FakeClock();
    const bus = new PubSub({ clock, autoCreateTopics: true, delivery: { maxDeliveryAttempts: 1 } });
    bus.subscribe("t", () => {
      throw new Error(huge + huge);
    });
    const before = wasmMemoryBytes();
    bus.publish("t", 1);
    await clock.advance(0);
    const [letter] = bus.deadLetters();
    assert.equal([...letter.error.message].length, 1024);
    assert.ok(wasmMemoryBytes() - before < 1 << 20, `wasm memory grew by ${wasmMemoryBytes() - before} bytes`);
  });

  test("a thrown string never becomes an error message verbatim", () => {
    const bus = new PubSub({ autoCreateTopics: true });
    const spoof = `\u202E${"\u0007".repeat(16)}${"z".repeat(500)}`;
    let reads = 0;
    const list = new Proxy([{ data: 1 }], {
      get(target, key) {
        if (key === "length" && reads++ > 0) throw spoof;
        return target[key];
      },
    });
    for (const call of [() => bus.publishBatch("t", list), () => bus.publishBatch("t", [{ get data() { throw spoof; } }])]) {
      try {
        call();
      } catch (error) {
        assert.ok(error instanceof PubSubError, String(error));
        assert.ok(!error.message.includes("\u202E") && error.message.length < 200, error.message);
      }
    }
  });
});

describe("options must be what they claim", () => {
  test("a Map as filter, limits or attributes is refused, not read as empty", () => {
    const bus = new PubSub({ autoCreateTopics: true });
    throwsCode(() => bus.subscribe("t", () => {}, { filter: new Map([["tenant", "a"]]) }), "INVALID_ARGUMENT", "filter");
    throwsCode(() => new PubSub({ limits: new Map([["maxTopics", 1]]) }), "INVALID_CONFIG", "limits");
    throwsCode(() => bus.publish("t", 1, { attributes: new Map([["k", "v"]]) }), "INVALID_ATTRIBUTES");
  });

  test("unknown keys are refused with INVALID_ARGUMENT naming the key", async () => {
    const bus = new PubSub({ autoCreateTopics: true });
    throwsCode(() => bus.publish("t", 1, { orderingkey: "k" }), "INVALID_ARGUMENT", "orderingkey");
    throwsCode(() => bus.publish("t", 1, new Map()), "INVALID_ARGUMENT", "plain object");
    throwsCode(() => bus.publishBatch("t", [{ data: 1, orderingkey: "k" }]), "INVALID_ARGUMENT", "unknown key");
    throwsCode(() => bus.replayDeadLetters({ subscriptions: "x" }), "INVALID_ARGUMENT", "subscriptions");
    await rejectsCode(() => bus.close({ drainTimeout: 10 }), "INVALID_ARGUMENT", "drainTimeout");
    await rejectsCode(() => bus.once("t", { predicate: () => true }), "INVALID_ARGUMENT", "predicate");
    await rejectsCode(() => bus.once("t", () => true), "INVALID_ARGUMENT", "plain object");
    assert.equal(bus.metrics().rejected, 3, "refused publishes count in rejected");
  });

  test("publish options: each way they can be wrong has its own code and words, on the bus and a topic handle; a symbol key is never read", async () => {
    const bus = new PubSub({ autoCreateTopics: true, limits: { maxAttributes: 2 } });
    const topic = bus.createTopic("t");
    const getter = (key) => Object.defineProperty({}, key, { enumerable: true, get() { throw new Error("no"); } });
    const cases = [
      [[1, 2], "INVALID_ARGUMENT", "options must be a plain object"],
      [{ orderingkey: "k" }, "INVALID_ARGUMENT", 'unknown key "orderingkey" in options'],
      [getter("attributes"), "INVALID_ARGUMENT", "reading attributes threw"],
      [getter("orderingKey"), "INVALID_ARGUMENT", "reading orderingKey threw"],
      [{ attributes: getter("k") }, "INVALID_ARGUMENT", "reading options.attributes threw"],
      [{ attributes: { k: "\ud800" } }, "INVALID_ATTRIBUTES", "lone surrogates"],
      [{ attributes: { k: 1 } }, "INVALID_ATTRIBUTES", "attribute values must be strings"],
      [{ attributes: { a: "1", b: "2", c: "3" } }, "INVALID_ATTRIBUTES", "limits.maxAttributes"],
      [{ orderingKey: 7 }, "INVALID_ARGUMENT", "options.orderingKey"],
      [{ orderingKey: "k".repeat(1025) }, "INVALID_ARGUMENT", "options.orderingKey is longer than 1024"],
    ];
    for (const [options, code, words] of cases) {
      throwsCode(() => bus.publish("t", 1, options), code, words);
      throwsCode(() => topic.publish(1, options), code, words);
    }
    assert.equal(bus.metrics().rejected, 2 * cases.length);
    const seen = [];
    bus.subscribe("t", (msg) => seen.push([msg.attributes.k, msg.orderingKey]));
    bus.publish("t", 1, { attributes: { k: "v" }, orderingKey: "o", [Symbol("tag")]: "never read" });
    await settle();
    assert.deepEqual(seen, [["v", "o"]]);
  });
});

describe("once", () => {
  test("aborted by its signal: ABORTED while the bus stays healthy", async () => {
    const bus = new PubSub({ autoCreateTopics: true });
    const controller = new AbortController();
    const next = bus.once("t", { signal: controller.signal });
    controller.abort();
    await rejectsCode(() => next, "ABORTED");
    assert.equal(bus.health().status, "healthy");
  });

  test("its topic deleted: TOPIC_NOT_FOUND; the bus closed: CLOSED", async () => {
    const bus = new PubSub({ autoCreateTopics: true });
    bus.createTopic("t");
    const next = bus.once("t");
    bus.deleteTopic("t");
    await rejectsCode(() => next, "TOPIC_NOT_FOUND", "does not exist");
    const last = bus.once("u.>");
    bus.close();
    await rejectsCode(() => last, "CLOSED");
  });
});

describe("dispose", () => {
  test("Symbol.dispose and free() on a Subscription unsubscribe it; the handle then throws CLOSED", async () => {
    const bus = new PubSub({ autoCreateTopics: true });
    const a = recorder();
    const b = recorder();
    const first = bus.subscribe("t", a.handler);
    const second = bus.subscribe("t", b.handler);
    first[Symbol.dispose]();
    second.free();
    bus.publish("t", 1);
    await settle();
    assert.deepEqual([a.messages.length, b.messages.length], [0, 0]);
    assert.equal(bus.metrics().subscriptions, 0);
    for (const call of [() => first.name, () => first.pause(), () => second.unsubscribe(), () => second.state]) {
      throwsCode(call, "CLOSED", "disposed");
    }
  });

  test("disposing a bus closes it: a failing handler is not retried; a Topic handle's dispose leaves the topic", async () => {
    const clock = new FakeClock();
    const bus = new PubSub({ clock, autoCreateTopics: true });
    let calls = 0;
    bus.subscribe("t", () => {
      calls++;
      throw new Error("down");
    });
    const topic = bus.createTopic("u");
    topic[Symbol.dispose]();
    throwsCode(() => topic.publish(1), "CLOSED", "disposed");
    assert.equal(bus.topic("u").name, "u");
    bus.publish("t", 1);
    bus[Symbol.dispose]();
    await clock.advance(60_000);
    assert.equal(calls, 1, "no retry after dispose");
    throwsCode(() => bus.publish("t", 2), "CLOSED", "disposed");
    const report = await bus.close();
    assert.deepEqual(report, { drained: 0, deadLettered: 1 });
  });
});

describe("smaller", () => {
  test("publishes refused through a Topic handle count in rejected", () => {
    const bus = new PubSub();
    const topic = bus.createTopic("t");
    bus.deleteTopic("t");
    throwsCode(() => topic.publish(1), "TOPIC_NOT_FOUND");
    throwsCode(() => topic.publishBatch([{ data: 1 }, { data: 2 }]), "TOPIC_NOT_FOUND");
    assert.equal(bus.metrics().rejected, 3);
  });

  test("a throwing getter on config.clock is INVALID_ARGUMENT (user code threw)", () => {
    const clock = { get now() { throw new Error("no"); }, setTimeout() {}, clearTimeout() {} };
    throwsCode(() => new PubSub({ clock }), "INVALID_ARGUMENT", "clock.now");
  });
});

describe("a failing clock", () => {
  test("a setTimeout that throws once is counted, logged, shown in health and retried: a hanging handler still times out", async () => {
    const clock = new FakeClock();
    let failNext = true;
    const flaky = {
      now: () => clock.now(),
      setTimeout: (fn, ms) => {
        if (failNext) {
          failNext = false;
          throw new Error("no timers today");
        }
        return clock.setTimeout(fn, ms);
      },
      clearTimeout: (handle) => clock.clearTimeout(handle),
    };
    const records = [];
    const bus = new PubSub({ clock: flaky, autoCreateTopics: true, logger: (r) => records.push(r) });
    bus.subscribe("t", () => new Promise(() => {}), { ackTimeoutMs: 100, maxDeliveryAttempts: 1 });
    bus.publish("t", 1);
    await settle();
    assert.ok(records.some((r) => r.event === "clock.failed" && r.code === "CLOCK_ERROR"));
    const health = bus.health();
    assert.equal(health.clockErrors, 1);
    assert.equal(bus.metrics().clockErrors, 1);
    await clock.advance(100);
    assert.equal(bus.metrics().deadLettered, 1, "the ack timeout was armed again and fired");
  });

  test("the host's own timer functions passed as a clock work (no silent Illegal invocation)", async () => {
    const bus = new PubSub({ clock: { now: Date.now, setTimeout, clearTimeout }, autoCreateTopics: true });
    bus.subscribe("t", () => new Promise(() => {}), { ackTimeoutMs: 5, maxDeliveryAttempts: 1 });
    bus.publish("t", 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(bus.metrics().deadLettered, 1);
    assert.equal(bus.health().clockErrors, 0);
  });
});
