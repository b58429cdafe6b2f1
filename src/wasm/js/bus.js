// The JavaScript half of the binding: the error class users catch, and the small helpers
// that keep every delivery to one boundary crossing (build the message, call the handler,
// attach the settlement to a thenable) without allocating a Rust closure per message.

/** The error every wasm-pubsub call throws or rejects with; `code` is stable. */
export class PubSubError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "PubSubError";
    this.code = code;
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

/** Copies attributes into a frozen prototype-less object; returns [copy, k1, v1, k2, v2, …]
 * or a string naming what is wrong. Getters run once, here. */
export function readAttributes(source) {
  if (source === undefined) return [EMPTY_ATTRIBUTES];
  if (source === null || typeof source !== "object" || Array.isArray(source)) {
    return "attributes must be an object of strings";
  }
  const copy = Object.create(null);
  const flat = [copy];
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (typeof value !== "string") return "attribute values must be strings";
    copy[key] = value;
    flat.push(key, value);
  }
  Object.freeze(copy);
  return flat;
}

/** Reads a batch in one call. Returns `[true, data, data, …]` when no entry has attributes
 * or an ordering key, else `[false, data, attributes, orderingKey, …]` (three per entry), and
 * writes each data's `measure` to `sizes`; throws a string saying what is wrong. Getters run
 * once, here. */
export function readBatch(list, sizes) {
  const n = list.length;
  if (n !== sizes.length) throw "the batch changed while it was read";
  const flat = new Array(3 * n + 1);
  let plain = true;
  for (let i = 0; i < n; i++) {
    if (!readEntry(list, i, flat, 3 * i + 1)) {
      throw "each batch entry must be an object { data, attributes?, orderingKey? }";
    }
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

/** Copies entry `i`'s data, attributes and orderingKey to `flat[at..at + 3]`; false when the
 * entry is not an object. A throwing getter or Proxy trap becomes a thrown string. */
function readEntry(list, i, flat, at) {
  try {
    const entry = list[i];
    if (entry === null || typeof entry !== "object") return false;
    flat[at] = entry.data;
    flat[at + 1] = entry.attributes;
    flat[at + 2] = entry.orderingKey;
    return true;
  } catch {
    throw "reading a batch entry threw";
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

export function buildMessage(id, topic, sequence, publishedAt, attributes, orderingKey, data, attempt) {
  const message = { id, topic, sequence, publishedAt, attributes: attributes ?? EMPTY_ATTRIBUTES, data, attempt };
  if (orderingKey !== undefined) message.orderingKey = orderingKey;
  return message;
}

/** The text a dead letter keeps of a thrown value: its message, or String(value). */
export function errorText(value) {
  try {
    if (value instanceof Error) return String(value.message);
    return String(value);
  } catch {
    return "unprintable error";
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

/** The text of what the last `deliver` call caught, until `takeThrown` reads it. */
let thrown = "";

/** The text of what the last `deliver` call caught (read once, right after it returned 2). */
export function takeThrown() {
  const text = thrown;
  thrown = "";
  return text;
}

/**
 * Calls a handler with a freshly built message. Returns 0 when it returned (ack), 1 when it
 * returned a thenable (settled later through `settler.settle(sub, delivery, errorOrUndefined)`), or
 * 2 when it threw (the text waits in `takeThrown`). A number keeps the answer off the heap.
 */
export function deliver(handler, settler, sub, delivery, id, topic, sequence, publishedAt, attributes, orderingKey, data, attempt) {
  const message = buildMessage(id, topic, sequence, publishedAt, attributes, orderingKey, data, attempt);
  let result;
  try {
    result = handler(message);
  } catch (error) {
    thrown = errorText(error);
    return 2;
  }
  if (!isThenable(result)) return 0;
  const ok = () => settler.settle(sub, delivery, undefined);
  const failed = (error) => settler.settle(sub, delivery, errorText(error));
  try {
    result.then(ok, failed);
  } catch (error) {
    thrown = errorText(error);
    return 2;
  }
  return 1;
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
