// Shared helpers for the JS tests. They import "wasm-pubsub" by name: pkg-scripts/test runs
// these files inside a fresh project that installed the packed package.
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { PubSubError } from "wasm-pubsub";

v8.setFlagsFromString("--expose-gc");
/** The garbage collector: `globalThis.gc` under `--expose-gc` (how pkg-scripts/test runs these
 * files), else the same function taken from a fresh context after setting the flag. */
export const gc = globalThis.gc ?? vm.runInNewContext("gc");

/** Runs the garbage collector until finalizers (which free wasm-side handles) have run. */
export async function collect(rounds = 5) {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * An injected clock whose time moves only when a test calls `advance`. Its methods use
 * private fields, so a bus that calls them other than as methods of the clock fails loudly.
 */
export class FakeClock {
  #now;
  #timers = new Map();
  #nextHandle = 1;

  constructor(now = 1_000_000) {
    this.#now = now;
  }

  now() {
    return this.#now;
  }

  setTimeout(fn, ms) {
    const handle = this.#nextHandle++;
    this.#timers.set(handle, { at: this.#now + Math.max(0, Number(ms) || 0), fn });
    return handle;
  }

  clearTimeout(handle) {
    this.#timers.delete(handle);
  }

  /** Timers scheduled and not yet fired or cleared. */
  get pendingTimers() {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order and settling after each. */
  async advance(ms) {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const due = [...this.#timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = end;
    await settle();
  }
}

/** Lets every queued microtask (and the microtasks they queue) run; fires no timer of the bus. */
export async function settle() {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise with its resolve and reject functions. */
export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A handler that records each message it receives (in `messages`) and acks it. */
export function recorder() {
  const messages = [];
  const handler = (msg) => {
    messages.push(msg);
  };
  return { handler, messages, data: () => messages.map((m) => m.data) };
}

/** Asserts that `err` is a PubSubError with `code` whose message mentions each of `mentions`. */
export function assertPubSubError(err, code, ...mentions) {
  assert.ok(err instanceof PubSubError, `expected a PubSubError, got ${err?.name}: ${err?.message}`);
  assert.ok(err instanceof Error, "a PubSubError is an Error");
  assert.equal(err.name, "PubSubError");
  assert.equal(err.code, code, `code of: ${err.message}`);
  assert.equal(typeof err.message, "string");
  for (const text of mentions) {
    assert.ok(err.message.includes(text), `message ${JSON.stringify(err.message)} should name ${text}`);
  }
  return true;
}

/** Asserts that `fn()` throws a PubSubError with `code` mentioning each of `mentions`. */
export function throwsCode(fn, code, ...mentions) {
  assert.throws(fn, (err) => assertPubSubError(err, code, ...mentions));
}

/** Asserts that `fn()` returns a promise that rejects with a PubSubError with `code`. */
export async function rejectsCode(fn, code, ...mentions) {
  await assert.rejects(fn, (err) => assertPubSubError(err, code, ...mentions));
}
