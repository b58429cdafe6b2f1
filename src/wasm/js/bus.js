// The JavaScript half of the binding: the error class users catch, and the small helpers
// that keep every delivery to one boundary crossing (build the message, call the handler,
// attach the settlement to a thenable) without allocating a Rust closure per message.

/** Marks a PubSubError of any copy of this module (the package ships it as ESM and as CJS). */
const BRAND = Symbol.for("wasm-pubsub.PubSubError");

/**
 * The error every wasm-pubsub call throws or rejects with; `code` is stable. `instanceof`
 * also holds across the package's ES module and CommonJS copies of this class, which a
 * program that both imports and requires the package loads side by side.
 */
export class PubSubError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "PubSubError";
    this.code = code;
  }

  get [BRAND]() {
    return true;
  }

  static [Symbol.hasInstance](value) {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === PubSubError && value instanceof Error && value[BRAND] === true;
  }
}

export function makeError(code, message) {
  return new PubSubError(code, message);
}

/** The attributes of every message published without any (Rust passes `undefined`). */
const EMPTY_ATTRIBUTES = Object.freeze(Object.create(null));

export function nullObject() {
  return Object.create(null);
}

/** Array.isArray that survives a revoked Proxy. */
export function isArray(value) {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** 1 for a plain object (its prototype is `Object.prototype` of any realm, or null), 0 for any
 * other object or value, -1 when asking threw (a Proxy trap). */
export function plainness(value) {
  if (value === null || typeof value !== "object") return 0;
  try {
    const proto = Object.getPrototypeOf(value);
    return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null ? 1 : 0;
  } catch {
    return -1;
  }
}

/** The option names each options shape allows (see `checkKeys`): publish options (read by
 * `readPublishOptions`), then the shapes of `Shape` in convert.rs, by its numbers. */
const SHAPES = [
  ["attributes", "orderingKey"],
  ["drainTimeoutMs"],
  ["signal"],
  ["topic", "subscription", "reason"],
  ["timeoutMs"],
  ["timeoutMs", "attributes", "orderingKey"],
];

/** Checks an options object against shape `shape` of SHAPES: undefined when it is a plain object
 * whose own enumerable keys are all allowed; -1 when it is not a plain object; -2 when reading it
 * threw; else the first unknown key, cut to 65 code units (the error quotes at most 64 code
 * points). */
export function checkKeys(value, shape) {
  const plain = plainness(value);
  if (plain !== 1) return plain === 0 ? -1 : -2;
  try {
    return unknownKey(value, SHAPES[shape])?.slice(0, 65);
  } catch {
    return -2;
  }
}

/** The first own enumerable key of `object` that `allowed` lacks, or undefined; throws what a
 * Proxy trap throws. `for…in` is served from V8's cache of the object's shape (`Reflect.ownKeys`
 * built an array per call: 140 ns of a publish with options or of each batch entry); symbol and
 * non-enumerable keys are never read, and an enumerable key inherited from a polluted
 * `Object.prototype` is not the object's. */
function unknownKey(object, allowed) {
  for (const key in object) {
    if (!allowed.includes(key) && Object.hasOwn(object, key)) return key;
  }
  return undefined;
}

/** The keys a `publishBatch` entry may have. */
const ENTRY_KEYS = ["data", "attributes", "orderingKey"];

/** Copies attributes into a frozen prototype-less object; returns [copy, k1, v1, k2, v2, …]
 * or a string naming what is wrong. Nothing longer than the limits allow is returned, so no
 * oversized string is copied into wasm: at most `maxCount` pairs, keys of at most
 * `2 * maxKey` and values of at most `2 * maxValue` UTF-16 code units (the core then counts
 * code points exactly). Getters run once, here. */
export function readAttributes(source, maxCount, maxKey, maxValue) {
  if (source === undefined) return [EMPTY_ATTRIBUTES];
  if (plainness(source) !== 1) return "attributes must be a plain object of strings";
  const keys = Object.keys(source);
  if (keys.length > maxCount) return `a message may carry at most ${maxCount} attributes (limits.maxAttributes)`;
  const flat = [EMPTY_ATTRIBUTES];
  for (const key of keys) {
    if (key.length > 2 * maxKey) return `an attribute key is longer than limits.maxAttributeKeyLength (${maxKey})`;
    const value = source[key];
    if (typeof value !== "string") return "attribute values must be strings";
    if (value.length > 2 * maxValue) return `an attribute value is longer than limits.maxAttributeValueLength (${maxValue})`;
    flat.push(key, value);
  }
  flat[0] = sameAsLastCopy(flat) ? lastCopy : frozenCopy(flat);
  return flat;
}

// The last attributes copy made, and its pairs: a run of messages published with equal
// attributes shares one copy. Making one costs about 200 ns (V8 keeps an object without a
// prototype in dictionary mode, and freezing it rewrites each property); a copy is frozen and
// has no prototype, so sharing it is as safe as sharing EMPTY_ATTRIBUTES.
let lastCopy = EMPTY_ATTRIBUTES;
let lastPairs = [];

/** Whether `[copy, k1, v1, …]` holds the pairs of the last copy, in its order. */
function sameAsLastCopy(flat) {
  if (flat.length !== lastPairs.length + 1) return false;
  for (let i = 1; i < flat.length; i++) if (flat[i] !== lastPairs[i - 1]) return false;
  return true;
}

/** A frozen prototype-less object of the pairs of `[copy, k1, v1, …]`, kept as the last copy. */
function frozenCopy(flat) {
  const copy = Object.create(null);
  for (let i = 1; i < flat.length; i += 2) copy[flat[i]] = flat[i + 1];
  lastPairs = flat.slice(1);
  lastCopy = Object.freeze(copy);
  return lastCopy;
}

/** Reads publish options `{ attributes?, orderingKey? }` in one call, with `checkKeys`'s and
 * `readAttributes`' rules: `[copy, k1, v1, …, orderingKey, generation]` (`copy` undefined
 * without attributes; `generation` see `optionsGeneration`), every attribute string
 * well-formed; else what is wrong: `checkKeys`' answer (-1, -2 or the unknown key), -3 when
 * reading `attributes` threw, -6 `orderingKey`, -4 when reading the attributes object threw,
 * -5 for an attribute string with a lone surrogate, or `[problem]` for `readAttributes`' own.
 * The property names never cross into wasm, and its strings cross once each. */
export function readPublishOptions(options, maxCount, maxKey, maxValue) {
  const unknown = checkKeys(options, 0);
  if (unknown !== undefined) return unknown;
  let attributes, orderingKey;
  try {
    attributes = options.attributes;
  } catch {
    return -3;
  }
  try {
    orderingKey = options.orderingKey;
  } catch {
    return -6;
  }
  if (attributes === undefined) return [undefined, orderingKey, optionsGeneration(undefined, orderingKey)];
  let read;
  try {
    read = readAttributes(attributes, maxCount, maxKey, maxValue);
  } catch {
    return -4;
  }
  if (typeof read === "string") return [read];
  for (let i = 1; i < read.length; i++) if (!isWellFormed(read[i])) return -5;
  read.push(orderingKey, optionsGeneration(read[0], orderingKey));
  return read;
}

// The attributes copy and ordering key `readPublishOptions` read last, and a number that
// changes whenever they do: options read one after the other with the same number are equal
// (copies are shared only between equal attributes, see `readAttributes`), so a bus may reuse
// the headers it built for that number without reading the strings into wasm again.
let lastCopyRead = null;
let lastKeyRead = null;
let generation = 0;

function optionsGeneration(copy, orderingKey) {
  if (copy !== lastCopyRead || orderingKey !== lastKeyRead) {
    lastCopyRead = copy;
    lastKeyRead = orderingKey;
    generation++;
  }
  return generation;
}

/** Reads a batch in one call. Returns `[true, data, data, …]` when no entry has attributes
 * or an ordering key, else `[false, data, attributes, orderingKey, …]` (three per entry), and
 * writes each data's `measure` to `sizes`; returns a string saying what is wrong (never the
 * text of something a getter threw). Getters run once, here. */
export function readBatch(list, sizes) {
  const n = sizes.length;
  const flat = new Array(3 * n + 1);
  let plain = true;
  for (let i = 0; i < n; i++) {
    const problem = readEntry(list, i, flat, 3 * i + 1);
    if (problem !== undefined) return problem;
    plain &&= flat[3 * i + 2] === undefined && flat[3 * i + 3] === undefined;
    sizes[i] = measure(flat[3 * i + 1]);
  }
  flat[0] = plain;
  if (plain) {
    for (let i = 0; i < n; i++) flat[i + 1] = flat[3 * i + 1];
    flat.length = n + 1;
  }
  return flat;
}

/** Copies entry `i`'s data, attributes and orderingKey to `flat[at..at + 3]`; returns what is
 * wrong with the entry (a misspelt `orderingkey` included, see `unknownKey`), or undefined. A
 * throwing getter or Proxy trap is reported, not rethrown. */
function readEntry(list, i, flat, at) {
  try {
    const entry = list[i];
    if (plainness(entry) !== 1) return `batch entry ${i} must be an object: a plain { data, attributes?, orderingKey? }`;
    if (unknownKey(entry, ENTRY_KEYS) !== undefined) {
      return `batch entry ${i} has an unknown key (allowed: data, attributes, orderingKey)`;
    }
    flat[at] = entry.data;
    flat[at + 1] = entry.attributes;
    flat[at + 2] = entry.orderingKey;
    return undefined;
  } catch {
    return `reading a batch entry threw (entry ${i})`;
  }
}

/** `list.length`, or -1 when reading it throws (a hostile Proxy). */
export function lengthOf(list) {
  try {
    const n = list.length;
    return typeof n === "number" && n >= 0 ? n : -1;
  } catch {
    return -1;
  }
}

/** The ids of a batch: `count` consecutive numbers from `first`. */
export function idRange(first, count) {
  const ids = new Array(count);
  for (let i = 0; i < count; i++) ids[i] = first + i;
  return ids;
}

/** UTF-8 bytes of a string, bytes of binary data, or -1 for values that are not measured. */
export function measure(data) {
  try {
    return measureUnguarded(data);
  } catch {
    return -1;
  }
}

/** A by-name publish in one call: `measure(data) + 1` when `topic === last` (the bus may
 * reuse its last topic), else `-(measure(data) + 2)`. */
export function inspect(topic, last, data) {
  const size = measure(data);
  return topic === last ? size + 1 : -(size + 2);
}

function measureUnguarded(data) {
  if (typeof data === "string") {
    let bytes = data.length;
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c < 0x80) continue;
      if (c < 0x800) { bytes += 1; continue; }
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < data.length) {
        const next = data.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) { bytes += 2; i++; continue; }
      }
      bytes += 2;
    }
    return bytes;
  }
  if (data === null || typeof data !== "object") return -1;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (typeof SharedArrayBuffer !== "undefined" && data instanceof SharedArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return -1;
}

export function buildMessage(id, topic, sequence, publishedAt, attributes, orderingKey, origin, reply, data, attempt) {
  const message = { id, topic, sequence, publishedAt, attributes: attributes ?? EMPTY_ATTRIBUTES, data, attempt };
  if (orderingKey !== undefined) message.orderingKey = orderingKey;
  if (origin !== undefined) message.origin = origin;
  if (reply !== undefined) message.respond = (value) => reply.respond(value);
  return message;
}

/** The most UTF-16 code units of a thrown value's text that cross into wasm: twice the 1024
 * code points a dead letter keeps, so the core can cut it exactly. */
const MAX_ERROR_UNITS = 2048;

/** The text a dead letter keeps of a thrown value: its message, or String(value), cut before it
 * is copied into wasm (a 30 MB message would grow wasm memory for good). */
export function errorText(value) {
  try {
    const text = value instanceof Error ? String(value.message) : String(value);
    return text.length > MAX_ERROR_UNITS ? text.slice(0, MAX_ERROR_UNITS) : text;
  } catch {
    return "unprintable error";
  }
}

/** The most UTF-16 code units of a thrown error's stack that cross into wasm: twice the 4096
 * code points a dead letter keeps. */
const MAX_STACK_UNITS = 8192;

/** A thrown error's stack, cut before it is copied into wasm; undefined when it has none. */
export function errorStack(value) {
  try {
    const stack = value instanceof Error ? value.stack : undefined;
    return typeof stack === "string" ? stack.slice(0, MAX_STACK_UNITS) : undefined;
  } catch {
    return undefined;
  }
}

function isThenable(value) {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  try {
    return typeof value.then === "function";
  } catch {
    return false;
  }
}

/** The text and stack of what the last `deliver` call caught, until `takeThrown` and
 * `takeThrownStack` read them. */
let thrown = "";
let thrownStack;

/** The text of what the last `deliver` call caught (read once, right after it returned 2). */
export function takeThrown() {
  const text = thrown;
  thrown = "";
  return text;
}

/** The stack of what the last `deliver` call caught, if it had one (read once, after `takeThrown`). */
export function takeThrownStack() {
  const stack = thrownStack;
  thrownStack = undefined;
  return stack;
}

/** Keeps what a `deliver` call caught for `takeThrown` and `takeThrownStack`. */
function keepThrown(error) {
  thrown = errorText(error);
  thrownStack = errorStack(error);
  return 2;
}

/**
 * Calls a handler with a freshly built message. Returns 0 when it returned (ack), 1 when it
 * returned a thenable (settled later through `settler.settle(sub, delivery, errorTextOrUndefined, stackOrUndefined)`), or
 * 2 when it threw (the text waits in `takeThrown`). A number keeps the answer off the heap.
 */
export function deliver(handler, settler, sub, delivery, id, topic, sequence, publishedAt, attributes, orderingKey, origin, reply, data, attempt) {
  const message = buildMessage(id, topic, sequence, publishedAt, attributes, orderingKey, origin, reply, data, attempt);
  let result;
  try {
    result = handler(message);
  } catch (error) {
    return keepThrown(error);
  }
  if (!isThenable(result)) return 0;
  const ok = () => settler.settle(sub, delivery, undefined, undefined);
  const failed = (error) => settler.settle(sub, delivery, errorText(error), errorStack(error));
  try {
    result.then(ok, failed);
  } catch (error) {
    return keepThrown(error);
  }
  return 1;
}

// The objects the API hands out, built here so that their keys are written once instead of
// being strings decoded from wasm memory on every call (objects.rs passes the values).

/** A dead letter: `error` only with a `code`, its `stack` only when given. */
export function deadLetterObject(message, subscription, reason, code, text, stack, attempts, deadLetteredAt) {
  const letter = { message, subscription, reason };
  if (code !== undefined) letter.error = stack === undefined ? { code, message: text } : { code, message: text, stack };
  letter.attempts = attempts;
  letter.deadLetteredAt = deadLetteredAt;
  return letter;
}

/** A log record: the optional fields only when given. */
export function logRecordObject(level, event, topic, subscription, messageId, code, message) {
  const record = { level, event };
  if (topic !== undefined) record.topic = topic;
  if (subscription !== undefined) record.subscription = subscription;
  if (messageId !== undefined) record.messageId = messageId;
  if (code !== undefined) record.code = code;
  if (message !== undefined) record.message = message;
  return record;
}

/** What `health()` returns. */
export function healthObject(status, openBreakers, saturatedSubscriptions, deadLetters, clockErrors) {
  return { status, openBreakers, saturatedSubscriptions, deadLetters, clockErrors };
}

/** `metrics()`' counts, in the order the binding writes them (objects.rs, `metrics`). */
const METRIC_COUNTS = ["published", "unrouted", "routed", "rejected", "delivered", "acked", "failed", "retried",
  "deadLettered", "deadLettersEvicted", "deadLetterCallbackErrors", "discarded", "queued", "inFlight", "topics",
  "subscriptions", "clockErrors"];
const BREAKER_STATES = ["closed", "open", "halfOpen"];

/** The object `metrics()` returns: `numbers` holds the
 * counts of METRIC_COUNTS, then p50, p90, p99 and max, then for each subscription its queued,
 * inFlight, acked, failed and deadLettered counts and its breaker state (an index of
 * BREAKER_STATES); `names` holds each subscription's name and topic. (Made in wasm, each key
 * was a string decoded from wasm memory: 29 µs a call.) */
export function metricsObject(numbers, names) {
  const metrics = {};
  let at = 0;
  for (const key of METRIC_COUNTS) metrics[key] = numbers[at++];
  metrics.latencyMs = { p50: numbers[at], p90: numbers[at + 1], p99: numbers[at + 2], max: numbers[at + 3] };
  at += 4;
  const per = Object.create(null);
  for (let i = 0; i < names.length; i += 2, at += 6) {
    per[names[i]] = {
      topic: names[i + 1],
      queued: numbers[at],
      inFlight: numbers[at + 1],
      acked: numbers[at + 2],
      failed: numbers[at + 3],
      deadLettered: numbers[at + 4],
      breakerState: BREAKER_STATES[numbers[at + 5]],
    };
  }
  metrics.perSubscription = per;
  return metrics;
}

/** Calls a user callback; returns undefined, a thenable it returned, or the error text. */
export function callHook(hook, argument) {
  try {
    const result = hook(argument);
    return isThenable(result) ? Promise.resolve(result) : undefined;
  } catch (error) {
    return errorText(error);
  }
}

/** The default logger prints at most this many lines a second; the rest are counted. */
const CONSOLE_LINES_PER_SECOND = 10;
let consoleWindow = 0;
let consoleLines = 0;
let consoleSuppressed = 0;

/** The default logger's line for a warning or an error: event, names, ids and code only (never
 * data, attribute values or a handler's error text), at most CONSOLE_LINES_PER_SECOND a second. */
export function consoleLine(level, event, topic, subscription, messageId, code) {
  const now = Date.now();
  if (now - consoleWindow >= 1000) {
    if (consoleSuppressed > 0) console.warn(`wasm-pubsub: ${consoleSuppressed} more log lines suppressed (pass a logger to see every record, or logger: null for none)`);
    consoleWindow = now;
    consoleLines = 0;
    consoleSuppressed = 0;
  }
  if (++consoleLines > CONSOLE_LINES_PER_SECOND) {
    consoleSuppressed++;
    return;
  }
  let line = `wasm-pubsub ${level}: ${event}`;
  if (subscription) line += ` subscription=${JSON.stringify(subscription)}`;
  if (topic) line += ` topic=${JSON.stringify(topic)}`;
  if (messageId >= 0) line += ` message=${messageId}`;
  if (code) line += ` code=${code}`;
  (level === "error" ? console.error : console.warn)(line);
}

/** Calls a callback whose failures are only to be survived (the logger). */
export function callQuietly(hook, argument) {
  try {
    const result = hook(argument);
    if (isThenable(result)) Promise.resolve(result).catch(() => {});
  } catch {
    // A throwing logger must not break the bus.
  }
}

/** `target.now()` as a finite number, or NaN when it throws or answers something else. */
export function callNow(target, now) {
  try {
    const value = Reflect.apply(now, target, []);
    return typeof value === "number" ? value : NaN;
  } catch {
    return NaN;
  }
}

/** The `this` a clock method is called with: the clock itself, except for the host's own
 * timer functions and `performance.now`, which throw "Illegal invocation" on any other. */
export function methodThis(target, fn) {
  const global = globalThis;
  if (fn === global.setTimeout || fn === global.clearTimeout) return global;
  if (typeof performance !== "undefined" && fn === performance.now) return performance;
  return target;
}

/** Arms timer `id`: `setTimeout(() => callbacks.fire(id), ms)` called as a method of `clock`.
 * Returns the handle; throws what setTimeout threw. */
export function armTimer(clock, setTimeout, callbacks, id, ms) {
  return Reflect.apply(setTimeout, clock, [() => callbacks.fire(id), ms]);
}

/** Listens for `abort` on `signal` with `() => callbacks.fire(id)`; returns the listener, or
 * undefined when adding it threw. */
export function watchAbort(signal, callbacks, id) {
  const listener = () => callbacks.fire(id);
  try {
    signal.addEventListener("abort", listener);
    return listener;
  } catch {
    return undefined;
  }
}

/** Removes an abort listener in a microtask: the signal's own `removeEventListener` may be
 * user code that calls the bus, and this runs while the bus updates its state. */
export function unwatchAbort(signal, listener) {
  if (listener === undefined) return;
  queueMicrotask(() => {
    try {
      signal.removeEventListener("abort", listener);
    } catch {
      // A signal that cannot remove its listener keeps an inert one: firing it does nothing.
    }
  });
}

/** Whether a string has no lone surrogate (one call, not one per code unit). */
export function isWellFormed(text) {
  return typeof text.isWellFormed === "function" ? text.isWellFormed() : !/\p{Cs}/u.test(text);
}

/** Calls `fn` with `this` bound, turning a throw into undefined plus a flag. */
export function callMethod(target, fn, args) {
  try {
    return { ok: true, value: Reflect.apply(fn, target, args) };
  } catch (error) {
    return { ok: false, value: errorText(error) };
  }
}
