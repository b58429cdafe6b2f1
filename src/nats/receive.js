// Receiving from NATS: a NATS message read back into a bridge frame (its topic, its
// envelope and attributes from the headers, its data by the codec), or dropped with a code.
// Handing frames to the bus, and holding them while it is full, is inflow.js's part.
import { taggedJson, fromJsonText, JSON_TYPE } from "./codec.js";
import { readHeaders, readHeaderBytes, readHeaderText, topicOf } from "./wire.js";
import { REPLY_ATTRIBUTE } from "./requests.js";

/** Reads one bridge's NATS messages into frames. */
export class Receiver {
  #bus;
  #settings;
  #drop;
  #rememberReply;
  /** The origin of messages from plain NATS publishers, which carry no envelope. */
  #foreignOrigin = `nats-${Math.random().toString(16).slice(2)}`;
  #lastForeignId = 0;
  #knownTopics = new Set();

  /**
   * @param bus the bus (read: `topic(name)`)
   * @param settings the bridge's settings (`prefix`, `codec`, `createTopics`)
   * @param drop `(code, topic) => void`: counts a message that is not handed over
   * @param rememberReply `(frame, subject) => void`: keeps a request's reply subject
   */
  constructor(bus, settings, drop, rememberReply) {
    this.#bus = bus;
    this.#settings = settings;
    this.#drop = drop;
    this.#rememberReply = rememberReply;
  }

  /**
   * The bridge frame of a NATS message, or null (counted) when it cannot be read. `exact` is
   * its topic when its subscription is on one topic (the subject is not decoded then).
   */
  frameOf(msg, exact) {
    const topic = this.#topicOf(exact ?? msg.subject, exact !== undefined);
    return topic === null ? null : this.#frame(msg, topic);
  }

  /** The topic of a subject this bridge carries (`subject` the topic itself when `exact`), or
   * null (counted) when it is not one. */
  #topicOf(subject, exact) {
    const topic = exact ? subject : topicOf(this.#settings.prefix, subject);
    if (topic === null) return this.#drop("INVALID_TOPIC_NAME", undefined), null;
    if (!this.#settings.createTopics && !this.#topicExists(topic)) return this.#drop("TOPIC_NOT_FOUND", topic), null;
    return topic;
  }

  /**
   * Whether the bus has `topic`. Topics found are remembered until the next microtask:
   * nats.js hands over a socket read's messages in one synchronous run, in which no handler
   * (handlers start in a microtask) can delete a topic.
   */
  #topicExists(topic) {
    if (this.#knownTopics.has(topic)) return true;
    if (this.#bus.topic(topic) === undefined) return false;
    if (this.#knownTopics.size === 0) queueMicrotask(() => this.#knownTopics.clear());
    this.#knownTopics.add(topic);
    return true;
  }

  /** The frame of a NATS message on `topic`, or null (counted) when it cannot be read. */
  #frame(msg, topic) {
    const fast = this.#settings.codec === taggedJson ? readJsonMessage(msg) : null;
    const read = fast?.read ?? headersOf(msg);
    if (typeof read === "string") return this.#drop("INVALID_ATTRIBUTES", topic), null;
    let data;
    try {
      data = fast !== null && fast.text !== null ? fromJsonText(fast.text) : this.#settings.codec.decode(msg.data, read.contentType);
    } catch {
      return this.#drop("CODEC_ERROR", topic), null;
    }
    const reply = replyOf(msg);
    if (reply) read.attributes[REPLY_ATTRIBUTE] = reply;
    const frame = frameOf(read.envelope ?? { origin: this.#foreignOrigin, id: ++this.#lastForeignId, hops: 1, publishedAt: Date.now() }, topic, data, read.attributes);
    if (reply) this.#rememberReply(frame, reply);
    return frame;
  }
}

/**
 * A message's reply subject, "" when it has none: nats.js's MsgImpl (`_msg.hdr` an integer)
 * keeps none as an undefined `_msg.reply`, which its `reply` getter decodes again on every
 * read; any other message through `reply`.
 */
function replyOf(msg) {
  const raw = msg._msg;
  return Number.isInteger(raw?.hdr) && raw.reply === undefined ? "" : msg.reply;
}

/**
 * The frame of an envelope (`{ "wasm-pubsub": 1, ...envelope, topic, data, attributes }`,
 * the same keys in the same order, without spreading).
 */
function frameOf(envelope, topic, data, attributes) {
  const { origin, id, hops, publishedAt, orderingKey } = envelope;
  if (orderingKey === undefined && !("orderingKey" in envelope)) {
    return { "wasm-pubsub": 1, origin, id, hops, publishedAt, topic, data, attributes };
  }
  return { "wasm-pubsub": 1, origin, id, hops, publishedAt, orderingKey, topic, data, attributes };
}

/**
 * What a received message's headers say (`readHeaders`), read from the raw header bytes
 * where nats.js keeps them (`_msg.hdr`, `_rdata`: its MsgImpl), which spares building its
 * header object; any other message, or a status block, through `msg.headers`.
 */
function headersOf(msg) {
  const raw = msg._msg;
  const bytes = msg._rdata;
  if (raw !== undefined && Number.isInteger(raw?.hdr) && bytes instanceof Uint8Array) {
    if (raw.hdr < 0) return readHeaders(undefined);
    const read = readHeaderBytes(bytes.subarray(0, raw.hdr));
    if (read !== undefined) return read;
  }
  return readHeaders(msg.headers);
}

const textDecoder = new TextDecoder();

/**
 * The default codec's fast path for a message from nats.js (its MsgImpl keeps the header
 * length in `_msg.hdr` and the bytes in `_rdata`): the headers and the payload decoded from
 * UTF-8 in one call, `{ read, text }` — `text` the JSON payload, or null when the payload is
 * not JSON or not valid UTF-8 (decode it with the codec, which says so). Null when the
 * message is not such, has no headers, or its header block is not ASCII (then the character
 * offsets are not the byte offsets): read it the usual way.
 */
function readJsonMessage(msg) {
  const hdr = msg._msg?.hdr;
  const bytes = msg._rdata;
  if (!Number.isInteger(hdr) || hdr <= 4 || !(bytes instanceof Uint8Array)) return null;
  const all = textDecoder.decode(bytes);
  if (all.indexOf("\r\n\r\n") !== hdr - 4) return null;
  const read = readHeaderText(all.slice(0, hdr - 4));
  if (read === undefined) return null;
  if (typeof read === "string") return { read, text: null };
  const type = read.contentType;
  const json = type === undefined || type === JSON_TYPE;
  const text = all.slice(hdr);
  return { read, text: json && !text.includes("\uFFFD") ? text : null };
}
