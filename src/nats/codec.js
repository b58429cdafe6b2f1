// The default codec of the NATS bridge: message data as JSON on the wire, with the values
// JSON cannot hold (undefined, NaN, ±Infinity, -0, BigInt, Date, Map, Set, RegExp,
// ArrayBuffer, typed arrays, DataView) written as tagged objects `{ "$type": NAME, value }`.
// Plain JSON data stays plain JSON, so a foreign NATS client reads and writes it as it is. A
// plain object that has a "$type" key of its own is wrapped as `{ "$type": "object", value }`,
// so no data can pass for a tag. Raw bytes (a Uint8Array) travel as the bytes themselves,
// marked `Content-Type: application/octet-stream`.
//
// What structured clone keeps and this does not: shared and circular references (a cycle is
// refused with CODEC_ERROR, a shared object arrives as two copies), class instances (they
// arrive as plain objects, as clone makes them), Error and Blob objects (refused).

/** The Content-Type of tagged JSON. */
export const JSON_TYPE = "application/json";
/** The Content-Type of raw bytes. */
export const BYTES_TYPE = "application/octet-stream";
/** The Content-Type of plain text (read as a string; this codec never writes it). */
export const TEXT_TYPE = "text/plain";

/** The deepest nesting the codec writes or reads. */
const MAX_DEPTH = 256;

const TYPED_ARRAYS = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** An error the codec throws: `code` is "CODEC_ERROR". */
export class CodecError extends Error {
  constructor(message) {
    super(message);
    this.name = "CodecError";
    this.code = "CODEC_ERROR";
  }
}

/**
 * The default codec: `encode(data)` → bytes, `decode(bytes, contentType)` → data, and
 * `contentType(data)`, the Content-Type header the bridge sends with `encode(data)`.
 *
 * ```js
 * const bytes = taggedJson.encode(new Map([[1n, -0]]));
 * taggedJson.decode(bytes); // Map { 1n => -0 }
 * ```
 */
export const taggedJson = Object.freeze({
  contentType(data) {
    return isPlainBytes(data) ? BYTES_TYPE : JSON_TYPE;
  },
  encode(data) {
    if (isPlainBytes(data)) return data;
    return encoder.encode(jsonText(data));
  },
  decode(bytes, contentType) {
    const type = (contentType ?? JSON_TYPE).split(";")[0].trim().toLowerCase();
    if (type === BYTES_TYPE) return new Uint8Array(bytes);
    const text = decodeText(bytes);
    if (type === TEXT_TYPE) return text;
    return fromJsonText(text);
  },
});

/** The data of tagged JSON text (what `taggedJson.decode` does after UTF-8). */
export function fromJsonText(text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CodecError("the payload is not JSON");
  }
  return text.includes('"$type"') ? fromTagged(parsed, 0) : parsed;
}

/**
 * The JSON text `taggedJson.encode` writes for data that is not bytes (the bridge encodes it
 * together with the header block, in one call).
 */
export function jsonText(data) {
  return JSON.stringify(isPlainJson(data, 0) ? data : toTagged(data, 0, new Set()));
}

/** A Uint8Array itself (not a subclass such as Node's Buffer, which travels as itself too). */
function isPlainBytes(data) {
  return data instanceof Uint8Array;
}

function decodeText(bytes) {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new CodecError("the payload is not UTF-8");
  }
}

/**
 * Whether JSON.stringify writes `value` exactly as it is (the fast path): strings, booleans,
 * null, finite numbers but -0, arrays of such, and plain objects of such without a "$type" key.
 */
function isPlainJson(value, depth) {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object":
      return value === null || (depth < 32 && isPlainJsonObject(value, depth + 1));
    default:
      return false;
  }
}

function isPlainJsonObject(object, depth) {
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) if (!(i in object) || !isPlainJson(object[i], depth)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.hasOwn(object, "$type") || Object.hasOwn(object, "toJSON")) return false;
  for (const key in object) if (!Object.hasOwn(object, key) || !isPlainJson(object[key], depth)) return false;
  return true;
}

/** A JSON-safe tree for `value`. */
function toTagged(value, depth, path) {
  if (depth > MAX_DEPTH) throw new CodecError(`data nested deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return taggedNumber(value);
    case "undefined":
      return { $type: "undefined" };
    case "bigint":
      return { $type: "bigint", value: value.toString() };
    case "object":
      return value === null ? null : taggedObject(value, depth, path);
    default:
      throw new CodecError(`a ${typeof value} cannot be encoded`);
  }
}

function taggedNumber(n) {
  if (Number.isFinite(n) && !Object.is(n, -0)) return n;
  return { $type: "number", value: Object.is(n, -0) ? "-0" : String(n) };
}

/** Objects: a cycle is refused; `path` holds the objects being written above this one. */
function taggedObject(object, depth, path) {
  if (path.has(object)) throw new CodecError("circular data cannot be encoded");
  path.add(object);
  try {
    return taggedKind(object, depth + 1, path);
  } finally {
    path.delete(object);
  }
}

function taggedKind(object, depth, path) {
  const binary = taggedBinary(object);
  if (binary !== undefined) return binary;
  if (Array.isArray(object)) return Array.from(object, (v) => toTagged(v, depth, path));
  if (object instanceof Date) return { $type: "Date", value: taggedNumber(object.getTime()) };
  if (object instanceof RegExp) return { $type: "RegExp", value: [object.source, object.flags] };
  if (object instanceof Map) {
    return { $type: "Map", value: Array.from(object, ([k, v]) => [toTagged(k, depth, path), toTagged(v, depth, path)]) };
  }
  if (object instanceof Set) return { $type: "Set", value: Array.from(object, (v) => toTagged(v, depth, path)) };
  if (object instanceof Error || typeof Blob !== "undefined" && object instanceof Blob) {
    throw new CodecError(`a ${object.constructor.name} cannot be encoded`);
  }
  return taggedPlain(object, depth, path);
}

/** ArrayBuffer, typed arrays and DataView, as base64 of their bytes; undefined otherwise. */
function taggedBinary(object) {
  if (object instanceof ArrayBuffer) return { $type: "ArrayBuffer", value: toBase64(new Uint8Array(object)) };
  if (!ArrayBuffer.isView(object)) return undefined;
  const bytes = new Uint8Array(object.buffer, object.byteOffset, object.byteLength);
  const name = object instanceof DataView ? "DataView" : typedArrayName(object);
  return { $type: name, value: toBase64(bytes) };
}

function typedArrayName(view) {
  for (const [name, type] of Object.entries(TYPED_ARRAYS)) if (view instanceof type) return name;
  throw new CodecError("an unknown typed array cannot be encoded");
}

function taggedPlain(object, depth, path) {
  const out = {};
  for (const key of Object.keys(object)) setOwn(out, key, toTagged(object[key], depth, path));
  return Object.hasOwn(object, "$type") ? { $type: "object", value: out } : out;
}

/** The data a JSON-parsed tree stands for. */
function fromTagged(tree, depth) {
  if (depth > MAX_DEPTH) throw new CodecError(`data nested deeper than ${MAX_DEPTH} levels`);
  if (tree === null || typeof tree !== "object") return tree;
  if (Array.isArray(tree)) return tree.map((v) => fromTagged(v, depth + 1));
  if (Object.hasOwn(tree, "$type")) return fromTag(tree, depth + 1);
  const out = {};
  for (const key of Object.keys(tree)) setOwn(out, key, fromTagged(tree[key], depth + 1));
  return out;
}

function fromTag(tag, depth) {
  const { $type: type, value } = tag;
  switch (type) {
    case "undefined": return undefined;
    case "number": return untagNumber(value);
    case "bigint": return untagBigInt(value);
    case "Date": return new Date(fromTagged(value, depth));
    case "RegExp": return untagRegExp(value);
    case "Map": return new Map(pairsOf(value).map(([k, v]) => [fromTagged(k, depth), fromTagged(v, depth)]));
    case "Set": return new Set(arrayOf(value).map((v) => fromTagged(v, depth)));
    case "object": return plainOf(value, depth);
    default: return untagBinary(type, value);
  }
}

function untagNumber(text) {
  const numbers = { NaN, Infinity, "-Infinity": -Infinity, "-0": -0 };
  if (!Object.hasOwn(numbers, text)) throw new CodecError("a bad number tag");
  return numbers[text];
}

function untagBigInt(text) {
  if (typeof text !== "string" || !/^-?\d{1,10000}$/.test(text)) throw new CodecError("a bad bigint tag");
  return BigInt(text);
}

function untagRegExp(value) {
  const [source, flags] = arrayOf(value);
  try {
    return new RegExp(source, flags);
  } catch {
    throw new CodecError("a bad RegExp tag");
  }
}

function untagBinary(type, value) {
  if (typeof value !== "string") throw new CodecError(`a bad ${String(type).slice(0, 32)} tag`);
  const bytes = fromBase64(value);
  if (type === "ArrayBuffer") return bytes.buffer;
  if (type === "DataView") return new DataView(bytes.buffer);
  const Type = Object.hasOwn(TYPED_ARRAYS, type) ? TYPED_ARRAYS[type] : undefined;
  if (Type === undefined) throw new CodecError(`an unknown tag "${String(type).slice(0, 32)}"`);
  if (bytes.byteLength % Type.BYTES_PER_ELEMENT !== 0) throw new CodecError(`a bad ${type} tag`);
  return new Type(bytes.buffer);
}

function arrayOf(value) {
  if (!Array.isArray(value)) throw new CodecError("a tag's value must be an array");
  return value;
}

function pairsOf(value) {
  const pairs = arrayOf(value);
  if (!pairs.every((p) => Array.isArray(p) && p.length === 2)) throw new CodecError("a Map tag holds [key, value] pairs");
  return pairs;
}

function plainOf(value, depth) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new CodecError("a bad object tag");
  const out = {};
  for (const key of Object.keys(value)) setOwn(out, key, fromTagged(value[key], depth));
  return out;
}

/** Sets an own property, "__proto__" included (an assignment would set the prototype). */
function setOwn(object, key, value) {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Base64 of bytes, in chunks (String.fromCharCode takes a bounded argument list). */
export function toBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The bytes of base64 text (in a fresh, exactly sized buffer). */
export function fromBase64(text) {
  let binary;
  try {
    binary = atob(text);
  } catch {
    throw new CodecError("bad base64");
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
