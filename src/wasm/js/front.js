// The package's JavaScript front, applied by every entry file (`harden`): guarded methods,
// disposal, and `bus.stream`. It is copied into the package beside the binding's snippets by
// pkg-scripts/build (wasm-bindgen does not emit it: no Rust code imports it).
import { PubSubError, measure } from "./bus.js";

// ---------------------------------------------------------------------------------------
// The front: every method of the package's classes goes through `guarded`. It bounds how
// deeply calls into wasm-pubsub may nest (a handler, getter, logger or clock re-entering the
// bus recursively ends with LIMIT_EXCEEDED long before the stack does), and it contains what a
// stack overflow thrown through wasm leaves behind: such an exception skips the Rust code that
// would have restored wasm's shadow stack pointer and released the bus's state. The front puts
// the pointer back (so other buses never notice) and halts that bus (every later call throws
// CLOSED, and none of its timers, settlements or queued work runs again).

/** How deeply calls into wasm-pubsub may nest. */
export const MAX_NESTING = 32;
let nesting = 0;
/** Set when a call went past MAX_NESTING: until the outermost call returns, every nested
 * call fails at once, so a re-entering callback that calls the bus several times per level
 * cannot make the work grow exponentially with the depth. */
let tripped = false;
/** Handles whose bus must halt, when halting them right away ran out of stack: several, since
 * a call cut short on one bus may be followed by one on another before any halt succeeds (a
 * port that delivers synchronously). Written by assignment into preallocated slots; past
 * MAX_PENDING_HALTS the others halt on their next call, cut short then by their own state. */
const MAX_PENDING_HALTS = 64;
const pendingHalts = new Array(MAX_PENDING_HALTS).fill(undefined);
let haltsPending = 0;

/** wasm's shadow stack pointer, read and written through the two functions
 * pkg-scripts/export-stack-pointer.mjs adds to the module: a call into wasm costs a quarter of
 * what the WebAssembly.Global's accessor does, and every guarded call reads it. */
let readPointer;
let writePointer;

/** Guards the methods and accessors of `classes` (see above) and makes `free()` and
 * `Symbol.dispose` mean `dispose()` (unsubscribe, close), and `Symbol.asyncDispose` on a class
 * with `close()` await it; guards the methods of the `internal` classes, which JavaScript calls
 * on a bus's behalf (see `guardInternal`), and the `settler` class's `settle` (see
 * `guardSettle`). Called by every entry file with its instance's exports (`wasm`): the ESM
 * and CommonJS entries each have an instance, and a front module, of their own, and entries
 * that share a front share its glue, so its instance too. */
export function harden(classes, wasm, internal = [], settler = undefined) {
  const read = wasm.__wbg_stack_pointer_get;
  const write = wasm.__wbg_stack_pointer_set;
  if (typeof read !== "function" || typeof write !== "function") {
    throw new Error("wasm-pubsub: the .wasm does not export its stack pointer (pkg-scripts/export-stack-pointer.mjs)");
  }
  readPointer = read;
  writePointer = write;
  for (const C of classes) guardClass(C.prototype);
  for (const C of internal) guardInternal(C.prototype);
  if (settler !== undefined) guardSettle(settler.prototype);
}

function guardClass(proto) {
  const plain = takeInternal(proto, "__publishPlain");
  const data = takeInternal(proto, "__publishData");
  const refusal = takeInternal(proto, "__takeRefusal");
  const publish = plain ? plainPublish(plain, refusal) : data && dataPublish(data, refusal);
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key === "constructor" || key === "free" || key === "__halt") continue;
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    const wrap = (key === "publish" && publish) || HOT[key] || guarded;
    if (typeof descriptor.value === "function") descriptor.value = wrap(descriptor.value);
    else if (descriptor.get) descriptor.get = guarded(descriptor.get);
    else continue;
    Object.defineProperty(proto, key, descriptor);
  }
  if (typeof proto.once === "function") {
    installStream(proto);
    installShared(proto);
    installEnding(proto);
  }
  proto.free = function free() {
    this.dispose();
  };
  if (Symbol.dispose) proto[Symbol.dispose] = proto.free;
  if (Symbol.asyncDispose && typeof proto.close === "function") {
    proto[Symbol.asyncDispose] = async function asyncDispose() {
      const closing = this.close();
      this.dispose();
      await closing;
    };
  }
}

// `bus.stream(topicOrPattern, options)`: an async iterator over a subscription. Its handler
// holds each message until the loop asks for the next one, then acks it; the subscription's
// queue (queueCapacity, overflow) bounds what waits, and ackTimeoutMs bounds the loop's body.
// Ending the loop (break, return, throw), aborting `options.signal` or closing or disposing
// the bus unsubscribes: the message in hand is acked, the ones not yet handed out are discarded
// (counted in metrics().discarded), never lost silently.

/** The open streams of each bus, ended when it closes. */
const openStreams = new WeakMap();

function installStream(proto) {
  proto.stream = function stream(topicOrPattern, options) {
    return new MessageStream(this, topicOrPattern, options);
  };
}

/** `close()` and `dispose()` both end the bus: first each shared subscription hands its
 * copies to its group, then the bus ends, then its open streams end. */
function installEnding(proto) {
  const { close, dispose } = proto;
  proto.close = function closeAndEnd(options) {
    this[SHARED]?.busClosing();
    const closing = close.call(this, options);
    endStreams(this);
    return closing;
  };
  proto.dispose = function disposeAndEnd() {
    this[SHARED]?.busClosing();
    dispose.call(this);
    endStreams(this);
  };
}

function endStreams(bus) {
  for (const stream of openStreams.get(bus) ?? []) stream.end();
}

class MessageStream {
  #bus;
  #subscription;
  #waiting = [];
  #inHand;
  #wake;
  #ended = false;

  constructor(bus, topicOrPattern, options) {
    const hold = (message) => new Promise((ack, fail) => {
      this.#waiting.push({ message, ack, fail });
      this.#wake?.();
    });
    this.#subscription = bus.subscribe(topicOrPattern, hold, options);
    this.#bus = bus;
    const signal = options?.signal;
    if (signal?.aborted) this.end();
    else signal?.addEventListener?.("abort", () => this.end(), { once: true });
    if (!openStreams.has(bus)) openStreams.set(bus, new Set());
    openStreams.get(bus).add(this);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** Acks the message in hand and waits for the next one. */
  async next() {
    this.#inHand?.ack();
    this.#inHand = undefined;
    while (this.#waiting.length === 0 && !this.#ended) {
      await new Promise((resolve) => { this.#wake = resolve; });
      this.#wake = undefined;
    }
    if (this.#ended) return { done: true, value: undefined };
    this.#inHand = this.#waiting.shift();
    return { done: false, value: this.#inHand.message };
  }

  async return() {
    this.end();
    return { done: true, value: undefined };
  }

  /** Unsubscribes, acks the message in hand and discards those not handed out. */
  end() {
    if (this.#ended) return;
    this.#ended = true;
    openStreams.get(this.#bus)?.delete(this);
    try {
      this.#subscription.unsubscribe();
    } catch {
      // A closed or disposed bus: its subscription has ended already.
    }
    this.#inHand?.ack();
    this.#inHand = undefined;
    for (const held of this.#waiting.splice(0)) held.fail(new PubSubError("ABORTED", "the stream ended before this message was read"));
    this.#wake?.();
  }
}

// `subscribe(topic, handler, { shared: "name" })`: one handler per message across the buses
// that share a port, chosen by wasm-pubsub/shared (a separate entry, so none of it is in the
// core download). That entry puts its coordinator on the bus under this symbol; the front
// hands it shared subscriptions, adds its state to `health()`, and tells it first when the
// bus closes (a member hands its copies to the group rather than dead-letter them).

/** Where `shareSubscriptions(bus, port)` keeps its coordinator on the bus. */
const SHARED = Symbol.for("wasm-pubsub.shared");

function installShared(proto) {
  const subscribe = proto.subscribe;
  proto.subscribe = function subscribeMaybeShared(topicOrPattern, handler, options) {
    const shared = sharedOption(options);
    if (shared === undefined) return subscribe.call(this, topicOrPattern, handler, options);
    const coordinator = this[SHARED];
    if (coordinator === undefined) {
      throw new PubSubError("INVALID_ARGUMENT", 'options.shared needs shareSubscriptions(bus, port) from "wasm-pubsub/shared" first');
    }
    const { shared: _, ...rest } = options;
    return coordinator.subscribe(shared, (h, o) => subscribe.call(this, topicOrPattern, h, o), handler, rest);
  };
  const health = proto.health;
  proto.health = function healthWithShared() {
    const report = health.call(this);
    const coordinator = this[SHARED];
    if (coordinator !== undefined) report.shared = coordinator.health();
    return report;
  };
}

/** `options.shared`, or undefined when absent or unreadable (`subscribe` then reads the
 * options itself and says what is wrong with them). */
function sharedOption(options) {
  try {
    return options !== null && typeof options === "object" ? options.shared : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a guarded call: wasm's stack pointer now, to put back if the call is cut short. The
 * depth is counted last, once nothing that may fail is left: a guarded call that starts counts
 * itself out in its `finally`, with the statement inline (a call there may fail at the stack's
 * limit and leave the depth counted for good). */
function enter() {
  if (haltsPending > 0) haltPending();
  if (nesting > 0 && (tripped || nesting >= MAX_NESTING)) throw tooDeep();
  const pointer = readPointer();
  nesting++;
  return pointer;
}

// Each guarded method is its own closure of one of the function literals below. V8 shares type
// feedback among the closures of one literal, so the publishing methods, the hot path, get
// literals of their own: with one shared literal their `method.call` would see every method
// of every class and stay megamorphic (measured: -10% publish, -18% awaited delivery). On an
// exception that is not a PubSubError, `pendingHalts` is written first, by assignment, before
// any call (at the stack's limit a call may fail where an assignment cannot), then the stack
// pointer is put back, which the unwound frames left room for.

function guarded(method) {
  return function guardedCall(a, b, c) {
    const pointer = enter();
    try {
      return method.call(this, a, b, c);
    } catch (error) {
      if (error?.constructor === PubSubError) throw error;
      if (haltsPending < MAX_PENDING_HALTS) pendingHalts[haltsPending++] = this;
      writePointer(pointer);
      throw cutShort(error);
    } finally {
      if (--nesting === 0) tripped = false;
    }
  };
}

const HOT = {
  publishBatch: (method) =>
    function publishBatch(a, b) {
      const pointer = enter();
      try {
        return method.call(this, a, b);
      } catch (error) {
        if (error?.constructor === PubSubError) throw error;
        if (haltsPending < MAX_PENDING_HALTS) pendingHalts[haltsPending++] = this;
        writePointer(pointer);
        throw cutShort(error);
      } finally {
        if (--nesting === 0) tripped = false;
      }
    },
};

/** Removes an internal method from the prototype, so that only the front calls it: unguarded,
 * a call cut short by a stack overflow would leave its bus half-changed and running. */
function takeInternal(proto, key) {
  const method = proto[key];
  delete proto[key];
  return method;
}

// `bus.publish(topic, data)` without options, the hottest call: the payload is measured here and
// the bus is told whether the topic is the one its last accepted plain publish named, so the
// call into wasm passes no option and makes no call back out; it answers a number (NaN when
// refused, the error then taken with `__takeRefusal`) instead of a `Result`'s array. The last
// accepted plain publish is remembered by its bus's wasm pointer (no reference that would keep
// a bus alive) and its topic; it is read after `measure`, which may run a Proxy's traps that
// publish too, and a refusal, or a plain publish made while the call ran, forgets it.

function plainPublish(publishPlain, takeRefusal) {
  /** The wasm pointer of the bus of the last accepted plain publish (0: none) and its topic,
   * kept per `harden`, so per wasm instance, whose pointers they are. */
  let plainBus = 0;
  let plainTopic;
  /** Plain publishes begun: one begun inside another (a bridge's port or a logger publishing
   * while it runs) has changed the topic its bus remembers, so the outer one is not recorded. */
  let plainCalls = 0;
  return (method) =>
    function publish(a, b, c) {
      const pointer = enter();
      try {
        if (c !== undefined) return method.call(this, a, b, c);
        const size = measure(b);
        const bus = this.__wbg_ptr;
        const call = ++plainCalls;
        const id = publishPlain.call(this, a, b, size, bus === plainBus && a === plainTopic && bus !== 0);
        plainBus = call === plainCalls && id === id ? bus : 0;
        plainTopic = a;
        if (id === id) return id;
        throw takeRefusal.call(this);
      } catch (error) {
        if (error?.constructor === PubSubError) throw error;
        if (haltsPending < MAX_PENDING_HALTS) pendingHalts[haltsPending++] = this;
        writePointer(pointer);
        throw cutShort(error);
      } finally {
        if (--nesting === 0) tripped = false;
      }
    };
}

/** `topic.publish(data)` without options: as `bus.publish` above, with the topic the handle's. */
function dataPublish(publishData, takeRefusal) {
  return (method) =>
    function publish(a, b) {
      const pointer = enter();
      try {
        if (b !== undefined) return method.call(this, a, b);
        const id = publishData.call(this, a, measure(a));
        if (id === id) return id;
        throw takeRefusal.call(this);
      } catch (error) {
        if (error?.constructor === PubSubError) throw error;
        if (haltsPending < MAX_PENDING_HALTS) pendingHalts[haltsPending++] = this;
        writePointer(pointer);
        throw cutShort(error);
      } finally {
        if (--nesting === 0) tripped = false;
      }
    };
}

// The calls JavaScript makes on a bus's behalf — a port's frame (`Inbox`), a timer or an abort
// (`Callbacks`) — go through the front too: such a call may run at the bottom of a deep
// recursion (a port that delivers synchronously, a clock that calls back at once), or find its
// bus's state held by a call cut short before. They have no caller to tell, so one cut short
// halts its bus, which says so on the next call into it, and returns (a frame's `receive`
// takes eleven arguments, the most of these methods). A promise's settlement (`Settler`) has
// a lighter guard, to keep the awaited delivery's path short: it returns at once when it finds
// its bus's state held, and one cut short inside it leaves that state held, so its bus halts on
// the next guarded call into it; the guard only puts wasm's stack pointer back (a reaction
// called at the bottom of a recursion, by a thenable or by code that kept it, may run out of
// stack inside wasm like any call).

function guardInternal(proto) {
  for (const key of Object.getOwnPropertyNames(proto)) {
    const method = Object.getOwnPropertyDescriptor(proto, key).value;
    if (key === "constructor" || key === "free" || key === "__halt" || typeof method !== "function") continue;
    proto[key] = onBehalf(method);
  }
}

function onBehalf(method) {
  return function onBehalfCall(a, b, c, d, e, f, g, h, i, j, k) {
    const pointer = enter();
    try {
      return method.call(this, a, b, c, d, e, f, g, h, i, j, k);
    } catch (error) {
      if (error?.constructor === PubSubError) throw error;
      if (haltsPending < MAX_PENDING_HALTS) pendingHalts[haltsPending++] = this;
      writePointer(pointer);
      haltPending();
    } finally {
      if (--nesting === 0) tripped = false;
    }
  };
}

function guardSettle(proto) {
  const settle = proto.settle;
  proto.settle = function settleGuarded(sub, delivery, error, stack) {
    const pointer = readPointer();
    try {
      settle.call(this, sub, delivery, error, stack);
    } catch {
      writePointer(pointer);
    }
  };
}

function tooDeep() {
  tripped = true;
  return new PubSubError(
    "LIMIT_EXCEEDED",
    `calls into wasm-pubsub nested more than ${MAX_NESTING} deep (a handler, getter, logger or clock calling the bus recursively)`,
  );
}

/** Halts the buses `pendingHalts` names after an exception was thrown through wasm (see above),
 * and says what happened. */
function cutShort(error) {
  haltPending();
  return new PubSubError(
    "CLOSED",
    `the bus stopped: a call into it was cut short by ${describe(error)}, so its state can no longer be trusted; create a new bus`,
  );
}

/** Halts the buses of `pendingHalts`, the latest first; at the stack's limit this fails too,
 * and the next call into any bus tries again before it does anything else. A halt is a call
 * into wasm like any other: one cut short puts the stack pointer back as a guarded call does
 * (each one left behind shrank the stack every bus shares, until every call trapped). */
function haltPending() {
  while (haltsPending > 0) {
    const pointer = readPointer();
    try {
      pendingHalts[haltsPending - 1].__halt();
    } catch {
      writePointer(pointer);
      return;
    }
    pendingHalts[--haltsPending] = undefined;
  }
}

/** The engine's own words for a stack overflow or a wasm trap; nothing of user text. */
function describe(error) {
  const trap = typeof WebAssembly === "object" && error instanceof WebAssembly.RuntimeError;
  if (!(error instanceof RangeError) && !trap) return "an exception";
  return `${trap ? "RuntimeError" : "RangeError"}: ${String(error.message).slice(0, 80)}`;
}

// ---------------------------------------------------------------------------------------
// `configFromEnv(env, { prefix })`: the variables of `env` whose names start with the prefix,
// checked here (strings, bounded) so that nothing unbounded is copied into wasm, then read by
// the core, which refuses an unknown name or a malformed value naming the variable.

/** Longest prefix, variable name and value accepted, in UTF-16 code units. */
const MAX_PREFIX = 64;
const MAX_NAME = 192;
const MAX_VALUE = 256;
/** More variables under one prefix than the config has settings (21) cannot all be settings. */
const MAX_VARIABLES = 32;

/** `configFromEnv` over the binding's reader `parse(pairs, prefix)`. */
export function envReader(parse) {
  return function configFromEnv(env, options) {
    const prefix = envPrefix(options);
    if (env === null || typeof env !== "object") {
      throw new PubSubError("INVALID_ARGUMENT", "env must be an object of strings: process.env, Deno.env.toObject() or a Worker's env");
    }
    return parse(envPairs(env, prefix), prefix);
  };
}

function envPrefix(options) {
  if (options === undefined) return "PUBSUB_";
  if (options === null || typeof options !== "object" || Object.keys(options).some((key) => key !== "prefix")) {
    throw new PubSubError("INVALID_ARGUMENT", "options must be { prefix?: string }");
  }
  const { prefix = "PUBSUB_" } = options;
  if (typeof prefix !== "string" || prefix.length === 0 || prefix.length > MAX_PREFIX) {
    throw new PubSubError("INVALID_ARGUMENT", `options.prefix must be a string of 1 to ${MAX_PREFIX} characters`);
  }
  return prefix;
}

/** `[name1, value1, …]` of the variables under `prefix`. */
function envPairs(env, prefix) {
  const pairs = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith(prefix)) continue;
    const value = env[name];
    if (pairs.length === 2 * MAX_VARIABLES) {
      throw new PubSubError("INVALID_CONFIG", `more than ${MAX_VARIABLES} variables start with ${prefix}: they cannot all be wasm-pubsub settings`);
    }
    if (name.length > MAX_NAME) throw new PubSubError("INVALID_CONFIG", `${name.slice(0, 64)}… is not a wasm-pubsub setting`);
    if (typeof value !== "string") throw new PubSubError("INVALID_CONFIG", `${name} must be a string, not ${typeof value}`);
    if (value.length > MAX_VALUE) throw new PubSubError("INVALID_CONFIG", `${name} is longer than ${MAX_VALUE} characters`);
    pairs.push(name, value);
  }
  return pairs;
}
