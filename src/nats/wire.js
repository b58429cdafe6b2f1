// The NATS wire form of a bridged message: subject = prefix + "." + topic, the data in the
// payload (see codec.js), and everything else in headers:
//
//   Pubsub-Envelope: 1 <origin> <id> <hops> <publishedAt>[ <orderingKey>]
//   Pubsub-Attr-<key>: <value>          one per attribute
//   Nats-Msg-Id: <origin>:<id>          so a JetStream stream de-duplicates re-sends
//   Content-Type: <the codec's type>    when the codec names one
//
// Escaping is reversible: a header name keeps only [a-z0-9_.-] of an attribute key and
// percent-encodes the UTF-8 bytes of every other character (capitals too, so a client that
// changes the case of header names changes nothing); a value keeps printable ASCII but "%"
// and percent-encodes the rest (spaces, line breaks, ':' stays, non-ASCII). Both decode
// with decodeURIComponent.

/** The envelope header's name. */
export const ENVELOPE = "Pubsub-Envelope";
/** The prefix of an attribute's header name. */
export const ATTRIBUTE = "Pubsub-Attr-";
const ENVELOPE_LOWER = ENVELOPE.toLowerCase();
const ATTRIBUTE_LOWER = ATTRIBUTE.toLowerCase();
const VERSION = "1";

const encoder = new TextEncoder();

/** Percent-encodes every character outside `keep` (a one-character test). */
function escapeWith(text, keep) {
  let out = "";
  for (const char of text) {
    if (keep(char)) out += char;
    else for (const byte of encoder.encode(char)) out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

const NAME_SAFE = /^[a-z0-9_.-]*$/;
const VALUE_SAFE = /^[\x21-\x24\x26-\x7e]*$/;

/** An attribute key as the tail of a header name. */
export function escapeName(key) {
  return NAME_SAFE.test(key) ? key : escapeWith(key, (c) => NAME_SAFE.test(c));
}

/** A string as a header value (no spaces, so the envelope can split on them). */
export function escapeValue(value) {
  return VALUE_SAFE.test(value) ? value : escapeWith(value, (c) => c > " " && c <= "~" && c !== "%");
}

/** The text an escaped name or value stands for, or null when it is malformed. */
export function unescape(text) {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** The subject of a topic, or of a bridge pattern (`*`, `>` are NATS wildcards too). */
export function subjectOf(prefix, topic) {
  return `${prefix}.${topic}`;
}

/** A topic name's shape (API.md "Topics"; the bus checks its length). */
export const TOPIC = /^[\p{L}\p{M}\p{N}_-]+(\.[\p{L}\p{M}\p{N}_-]+)*$/u;

/** A bridge's topic or pattern as the one topic its subscription's messages are on, or
 * undefined when it is a pattern (or not a topic name: each message's subject is checked). */
export function exactTopic(pattern) {
  return TOPIC.test(pattern) ? pattern : undefined;
}

/** The topic of a subject under `prefix`, or null when it is not one. */
export function topicOf(prefix, subject) {
  const head = prefix + ".";
  const topic = subject.startsWith(head) ? subject.slice(head.length) : "";
  return TOPIC.test(topic) ? topic : null;
}

/** Whether a topic matches a pattern (`*` one level, `>` one or more trailing levels). */
export function matches(pattern, topic) {
  const want = pattern.split(".");
  const have = topic.split(".");
  for (let i = 0; i < want.length; i++) {
    if (want[i] === ">") return have.length > i;
    if (i >= have.length || (want[i] !== "*" && want[i] !== have[i])) return false;
  }
  return want.length === have.length;
}

/** Whether a prefix is one or more NATS tokens with no wildcard or whitespace. */
export function validPrefix(prefix) {
  return typeof prefix === "string" && prefix.length > 0 && prefix.length <= 255
    && prefix.split(".").every((t) => t.length > 0 && t !== "*" && t !== ">" && !/[\s*>]/.test(t));
}

/** The last origin written, escaped, with the header block's constant start and the
 * Nats-Msg-Id prefix for it: a bridge mostly sends its own bus's messages. */
let lastOrigin = { origin: null, escaped: "", start: "", msgId: "" };

function originParts(origin) {
  if (lastOrigin.origin !== origin) {
    const escaped = escapeValue(origin);
    lastOrigin = { origin, escaped, start: `NATS/1.0\r\n${ENVELOPE}: ${VERSION} ${escaped} `, msgId: `${escaped}:` };
  }
  return lastOrigin;
}

/**
 * The NATS header block of a frame, as nats.js's `publish(…, { headers })` takes it (an
 * object whose `encode()` returns the `NATS/1.0` block: the NATS protocol's header format).
 */
export function headerBlock(frame, contentType) {
  return new HeaderBlock(encoder.encode(headerLines(frame, contentType, undefined) + "\r\n"));
}

/**
 * The header block of a frame and the payload `text` after it, encoded in one call: `{ bytes,
 * start, end, headerLength }`, the message being `bytes[start, end)` and its first
 * `headerLength` bytes the header block (ASCII: every name and value is escaped, so its
 * length in characters is its length in bytes). Offsets, not views: a message waiting for
 * the server's confirmation holds numbers, and the views nats.js takes are made as it is
 * published (`publishable`) and dropped after; held views cost the garbage collector about
 * 0.3 µs per message in a burst.
 */
export function headerBlockAnd(frame, contentType, text) {
  const block = headerLines(frame, contentType, undefined) + "\r\n";
  const message = block + text;
  if (message.length > SLAB_TEXT) {
    const bytes = encoder.encode(message);
    return { bytes, start: 0, end: bytes.length, headerLength: block.length };
  }
  if (slab.length - slabUsed < message.length * 3) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const start = slabUsed;
  slabUsed += encoder.encodeInto(message, slab.subarray(start)).written;
  return { bytes: slab, start, end: slabUsed, headerLength: block.length };
}

/**
 * `{ payload, headers }` as nats.js publishes them, of a message from `headerBlockAnd` (its
 * `bytes`, `start`, `end`, `headerLength`) or of one that has them already.
 */
export function publishable(message) {
  if (message.bytes === undefined) return message;
  const { bytes, start, end, headerLength } = message;
  return { headers: new HeaderBlock(bytes.subarray(start, start + headerLength)), payload: bytes.subarray(start + headerLength, end) };
}

/**
 * Bytes of the slab `headerBlockAnd` writes messages into, and the longest message it takes
 * (longer ones get their own buffer): `encode` allocates a buffer per call, which cost more
 * than the rest of the frame's encoding. A slab is never written over: it is dropped once
 * full, and freed when the last message in it is (the outbox releases messages in order).
 */
const SLAB_BYTES = 64 * 1024;
const SLAB_TEXT = 4096;
let slab = new Uint8Array(0);
let slabUsed = 0;

const JSON_CONTENT_TYPE = "application/json";
const JSON_TYPE_LINE = `Content-Type: ${JSON_CONTENT_TYPE}\r\n`;

/**
 * The header lines of a frame (see `headerBlock`), `msgId` as its Nats-Msg-Id (by default
 * `<origin>:<id>`).
 */
function headerLines(frame, contentType, msgId) {
  const origin = originParts(frame.origin);
  const id = `${frame.id}`;
  let block = `${origin.start}${id} ${frame.hops} ${frame.publishedAt}`;
  if (frame.orderingKey !== undefined) block += ` ${escapeValue(frame.orderingKey)}`;
  block += `\r\nNats-Msg-Id: ${msgId ?? origin.msgId + id}\r\n`;
  if (contentType === JSON_CONTENT_TYPE) block += JSON_TYPE_LINE;
  else if (contentType) block += `Content-Type: ${escapeValue(contentType)}\r\n`;
  const attributes = frame.attributes;
  for (const key in attributes) {
    if (Object.hasOwn(attributes, key)) block += `${ATTRIBUTE}${escapeName(key)}: ${escapeValue(attributes[key])}\r\n`;
  }
  return block;
}

/** The prefix of a dead letter's own headers (reason, attempts, error, …). */
export const DEAD = "Pubsub-Dead-";
const DEAD_LOWER = DEAD.toLowerCase();
/** The longest error text a dead letter's headers carry (code points). */
const MAX_ERROR_TEXT = 1024;

/**
 * The header block of a dead letter's copy: the message's own headers (envelope,
 * attributes, Content-Type) and `Pubsub-Dead-<field>` for each of `dead`'s fields
 * (`reason`, `attempts`, `subscription`, `at`, `errorCode`, `error`, `stream`, `streamSeq`);
 * its Nats-Msg-Id names the letter (subscription, message, time), so a retried copy is
 * stored once.
 */
export function deadLetterBlock(frame, contentType, dead) {
  const msgId = `dlq:${escapeValue(dead.subscription)}:${originParts(frame.origin).escaped}:${frame.id}:${dead.at}`;
  let block = headerLines(frame, contentType, msgId);
  for (const [field, value] of Object.entries(dead)) {
    if (value === undefined) continue;
    const text = field === "error" ? [...String(value)].slice(0, MAX_ERROR_TEXT).join("") : String(value);
    block += `${DEAD}${field[0].toUpperCase()}${field.slice(1).replace(/[A-Z]/g, (c) => "-" + c)}: ${escapeValue(text)}\r\n`;
  }
  return new HeaderBlock(encoder.encode(block + "\r\n"));
}

/** A dead letter's `Pubsub-Dead-…` headers as `{ reason, attempts, subscription, … }` (numbers as numbers). */
export function readDeadHeaders(headers) {
  const dead = {};
  if (!headers) return dead;
  for (const name of headers.keys()) {
    const lower = name.toLowerCase();
    if (!lower.startsWith(DEAD_LOWER)) continue;
    const field = lower.slice(DEAD_LOWER.length).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const text = unescape(headers.get(name)) ?? "";
    dead[field] = ["attempts", "at", "streamSeq"].includes(field) && /^\d+$/.test(text) ? Number(text) : text;
  }
  return dead;
}

/**
 * A string as one NATS subject token: whitespace, ".", "*", ">", "%" and control characters
 * percent-encoded (UTF-8), so any subscription name makes one token and reads back with
 * decodeURIComponent.
 */
export function escapeToken(text) {
  return /^[^\s.*>%\x00-\x1f\x7f]+$/u.test(text) ? text : escapeWith(text, (c) => !/^[\s.*>%\x00-\x1f\x7f]$/u.test(c));
}

/** The header block of a reply: only its Content-Type, when the codec names one. */
export function replyBlock(contentType) {
  const block = contentType ? `NATS/1.0\r\nContent-Type: ${escapeValue(contentType)}\r\n\r\n` : "NATS/1.0\r\n\r\n";
  return new HeaderBlock(encoder.encode(block));
}

/** Encoded headers, as nats.js's `publish` reads them (`encode()`). */
class HeaderBlock {
  constructor(bytes) {
    this.bytes = bytes;
  }

  encode() {
    return this.bytes;
  }
}

/**
 * What a received message's headers say: `{ envelope, attributes, contentType }` —
 * `envelope` is `{ origin, id, hops, publishedAt, orderingKey? }` or null for a message
 * without one (a foreign publisher's); `attributes` a plain object. Returns a string (the
 * problem) when a header of ours is malformed.
 */
export function readHeaders(headers) {
  const found = { envelope: null, attributes: Object.create(null), contentType: undefined };
  if (!headers) return found;
  for (const name of headers.keys()) {
    const problem = readHeader(found, name, headers.get(name));
    if (problem !== undefined) return problem;
  }
  return found;
}

const textDecoder = new TextDecoder();

/**
 * `readHeaders` of a raw `NATS/1.0` header block (the bytes nats.js received), read without
 * building nats.js's header object: the same result, the first value of a repeated name as
 * `headers.get` gives it. Undefined for a block with a status (`NATS/1.0 503 …`): read that
 * one with nats.js.
 */
export function readHeaderBytes(bytes) {
  return readHeaderText(textDecoder.decode(bytes));
}

/** `readHeaderBytes` of the block already decoded (UTF-8, replacing what is not). */
export function readHeaderText(text) {
  const own = readOwnBlock(text);
  if (own !== undefined) return own;
  let end = text.indexOf("\r\n");
  if (end < 0) end = text.length;
  if (end !== 8 || !text.startsWith("NATS/1.0")) return undefined;
  const found = { envelope: null, attributes: Object.create(null), contentType: undefined };
  const names = [];
  while (end < text.length) {
    const start = end + 2;
    end = text.indexOf("\r\n", start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", start);
    if (colon < 0 || colon > end) continue;
    const name = text.slice(start, colon);
    if (names.includes(name)) continue;
    names.push(name);
    const problem = readHeader(found, name, text.slice(colon + 1, end).trim());
    if (problem !== undefined) return problem;
  }
  return found;
}

const MSG_ID = "Nats-Msg-Id";
const MSG_ID_LOWER = MSG_ID.toLowerCase();
const OWN_START = `NATS/1.0\r\n${ENVELOPE}: `;
const OWN_MSG_ID = `\r\n${MSG_ID}: `;
const OWN_END = `\r\n${JSON_TYPE_LINE.slice(0, -2)}`;

/**
 * `readHeaderText` of the block `headerLines` writes for a message without attributes (the
 * envelope, Nats-Msg-Id and the JSON Content-Type, each once, spaced as written), read in
 * place: the same result, without the general reader's per-line work (a name sliced and
 * compared, a value sliced and trimmed, for the ignored Nats-Msg-Id too). Undefined for any
 * other block, an envelope with blanks around it or a malformed one: the general reader reads
 * those, and says what is wrong.
 */
function readOwnBlock(text) {
  if (!text.startsWith(OWN_START) || !text.endsWith(OWN_END)) return undefined;
  const envelopeEnd = text.indexOf("\r\n", OWN_START.length);
  if (!text.startsWith(OWN_MSG_ID, envelopeEnd)) return undefined;
  if (text.indexOf("\r\n", envelopeEnd + OWN_MSG_ID.length) !== text.length - OWN_END.length) return undefined;
  if (!printable(text.charCodeAt(OWN_START.length)) || !printable(text.charCodeAt(envelopeEnd - 1))) return undefined;
  const envelope = readEnvelope(text.slice(OWN_START.length, envelopeEnd));
  return envelope === undefined ? undefined : { envelope, attributes: Object.create(null), contentType: JSON_CONTENT_TYPE };
}

/** Reads one header into `found`; returns the problem when a header of ours is malformed. */
function readHeader(found, name, value) {
  const lower = name === ENVELOPE ? ENVELOPE_LOWER : name === MSG_ID ? MSG_ID_LOWER : name.toLowerCase();
  if (lower === ENVELOPE_LOWER) {
    found.envelope = readEnvelope(value);
    if (found.envelope === undefined) return "a malformed envelope header";
  } else if (lower === "content-type") found.contentType = unescape(value) ?? undefined;
  else if (lower.startsWith(ATTRIBUTE_LOWER)) {
    const key = unescape(lower.slice(ATTRIBUTE_LOWER.length));
    const text = unescape(value);
    if (key === null || text === null) return "a malformed attribute header";
    found.attributes[key] = text;
  }
  return undefined;
}

/**
 * The envelope header's fields, or undefined when it is malformed: `VERSION` and 4 or 5
 * fields, separated by single spaces (found with indexOf: splitting allocated an array per
 * message).
 */
function readEnvelope(value) {
  if (!value.startsWith(VERSION_AND_SPACE)) return undefined;
  const afterOrigin = value.indexOf(" ", VERSION_AND_SPACE.length);
  const afterId = afterOrigin < 0 ? -1 : value.indexOf(" ", afterOrigin + 1);
  const afterHops = afterId < 0 ? -1 : value.indexOf(" ", afterId + 1);
  if (afterHops < 0) return undefined;
  const afterTime = value.indexOf(" ", afterHops + 1);
  const origin = unescape(value.slice(VERSION_AND_SPACE.length, afterOrigin));
  if (origin === null) return undefined;
  const id = numberAt(value, afterOrigin + 1, afterId);
  const hops = numberAt(value, afterId + 1, afterHops);
  if (afterTime < 0) return { origin, id, hops, publishedAt: numberAt(value, afterHops + 1, value.length) };
  const key = value.slice(afterTime + 1);
  const orderingKey = key.includes(" ") ? null : unescape(key);
  if (orderingKey === null) return undefined;
  return { origin, id, hops, publishedAt: numberAt(value, afterHops + 1, afterTime), orderingKey };
}

/** Whether a UTF-16 code unit is printable ASCII (neither `trim` nor a line break removes it). */
function printable(code) {
  return code > 32 && code < 127;
}

/**
 * `Number(text.slice(start, end))`, a run of up to 15 decimal digits read in place (exact:
 * under 2⁵³): `Number` of a string past the small integers cost as much as the rest of the
 * envelope.
 */
function numberAt(text, start, end) {
  if (end <= start || end - start > 15) return Number(text.slice(start, end));
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number(text.slice(start, end));
    n = n * 10 + digit;
  }
  return n;
}
const VERSION_AND_SPACE = VERSION + " ";
