// wasm-pubsub/nats: a bus's topics carried over a NATS connection (nats.js 3.x: `wsconnect`
// from @nats-io/nats-core in browsers, workers and Deno, `connect` from
// @nats-io/transport-node over TCP in Node). Pure JavaScript on the bus's public API: the
// bridge is an ordinary `bus.bridge(port)` whose port speaks NATS, so received messages take
// the same path as any bridged frame (validation, duplicate memory, hop limit).
//
// Delivery (README "Scaling out with NATS"): a message counts as `sent` once the server
// confirmed it (a flush after its publish returned). While the connection is down messages
// wait in a bounded outbox and are published again, in order, on reconnect; receivers drop
// the repeats. Core NATS itself is at-most-once: what the server forwards while a
// subscriber is away (a server restart, before the subscriber re-subscribed) is gone.
import { taggedJson, CodecError, jsonText, fromJsonText, JSON_TYPE } from "./codec.js";
import { subjectOf, validPrefix, headerBlock, headerBlockAnd, readHeaders, readHeaderBytes, readHeaderText, replyBlock, topicOf, TOPIC } from "./wire.js";
import { Outbox } from "./outbox.js";
import { Inflow } from "./inflow.js";
import { NatsBridgeError } from "./errors.js";

export { taggedJson, CodecError } from "./codec.js";
export { jetstreamSubscribe, replayJetStreamDeadLetters } from "./jetstream.js";

/** The attribute a received NATS request carries its reply subject in (see `respond`). */
export const REPLY_ATTRIBUTE = "natsReply";

/** The most NATS requests a bridge remembers the reply subject of (oldest forgotten first). */
const MAX_REPLY_SUBJECTS = 4096;

const DEFAULTS = { maxOutboxMessages: 65536, maxOutboxBytes: 64 * 1024 * 1024, maxHeldMessages: 10000 };
const OPTION_KEYS = new Set(["prefix", "topics", "queue", "codec", "createTopics", "logger", "onSendError", "maxDeadLetters", ...Object.keys(DEFAULTS)]);
/** Unsent messages kept by default (`maxDeadLetters`). */
const DEFAULT_DEAD_LETTERS = 1000;
/** The reason of every bridge dead letter: the message was never sent. */
export const SEND_FAILED = "SEND_FAILED";

export { NatsBridgeError };

/**
 * Carries the bus's `topics` over `connection`, on subjects `prefix + "." + topic`.
 *
 * ```js
 * import { connect } from "@nats-io/transport-node";
 * import { natsBridge } from "wasm-pubsub/nats";
 * const nc = await connect({ servers: "127.0.0.1:4222", noEcho: true });
 * const bridge = natsBridge(bus, nc, { prefix: "app", topics: ["orders.>"] });
 * ```
 *
 * Throws `NatsBridgeError` (code INVALID_ARGUMENT) for bad options, CLOSED for a closed
 * connection; `bus.bridge`'s errors as they are.
 */
export function natsBridge(bus, connection, options) {
  const settings = readOptions(options);
  if (!connection || typeof connection.publish !== "function" || typeof connection.subscribe !== "function") {
    throw new NatsBridgeError("connection must be a nats.js NatsConnection");
  }
  if (connection.isClosed?.()) throw new NatsBridgeError("the NATS connection is closed", "CLOSED");
  return new NatsBridge(bus, connection, settings);
}

/** The options, checked, with defaults. */
function readOptions(options) {
  if (options === null || typeof options !== "object") throw new NatsBridgeError("options { prefix, topics?, … } are required");
  const unknown = Object.keys(options).find((key) => !OPTION_KEYS.has(key));
  if (unknown !== undefined) throw new NatsBridgeError(`unknown option "${unknown.slice(0, 64)}"`);
  const settings = { ...DEFAULTS, ...options, topics: options.topics ?? [">"], codec: options.codec ?? taggedJson };
  if (!validPrefix(settings.prefix)) throw new NatsBridgeError("options.prefix must be NATS subject tokens without wildcards");
  if (!Array.isArray(settings.topics) || settings.topics.length === 0) throw new NatsBridgeError("options.topics must be a non-empty array");
  if (settings.queue !== undefined && !/^[^\s*>]{1,255}$/.test(settings.queue)) throw new NatsBridgeError("options.queue must be a NATS queue group name");
  if (typeof settings.codec?.encode !== "function" || typeof settings.codec?.decode !== "function") {
    throw new NatsBridgeError("options.codec must be { encode(data): Uint8Array, decode(bytes): data }");
  }
  for (const key of Object.keys(DEFAULTS)) {
    if (!Number.isSafeInteger(settings[key]) || settings[key] < 1) throw new NatsBridgeError(`options.${key} must be an integer ≥ 1`);
  }
  settings.maxDeadLetters ??= DEFAULT_DEAD_LETTERS;
  if (!Number.isSafeInteger(settings.maxDeadLetters) || settings.maxDeadLetters < 0) throw new NatsBridgeError("options.maxDeadLetters must be an integer ≥ 0");
  return settings;
}

/** One bus's bridge over one NATS connection. See {@link natsBridge}. */
class NatsBridge {
  #bus;
  #connection;
  #settings;
  #bridge;
  #listeners = new Set();
  #subscriptions = [];
  #status;
  #outbox;
  #inflow;
  #closing = null;
  #counts = { sent: 0, resent: 0, failed: {}, dropped: {}, deadLettersEvicted: 0 };
  /** Messages that will not be sent, oldest first, at most `maxDeadLetters`: `{ frame, code, at }`. */
  #deadLetters = [];
  #foreignOrigin = `nats-${Math.random().toString(16).slice(2)}`;
  #foreignId = 0;
  #requestOrigin = `req-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  #requestId = 0;
  #knownTopics = new Set();
  /** Reply subjects of NATS requests handed to the bus: "origin inbox" → subject. */
  #replySubjects = new Map();
  #nextReplyInbox = 0;

  constructor(bus, connection, settings) {
    this.#bus = bus;
    this.#connection = connection;
    this.#settings = settings;
    const limits = { maxMessages: settings.maxOutboxMessages, maxBytes: settings.maxOutboxBytes };
    const sent = (n) => {
      this.#counts.sent += n;
    };
    this.#outbox = new Outbox(connection, limits, sent, (item) => this.#fail("MESSAGE_TOO_LARGE", item.frame));
    this.#bridge = bus.bridge(this.#port(), { topics: settings.topics });
    const counts = () => this.#bridgeStats();
    this.#inflow = new Inflow(bus, counts, (frame) => this.#dispatch(frame), settings.maxHeldMessages, (code, topic) => this.#drop(code, topic));
    this.#subscribe();
    this.#watch().catch(() => this.#log("error", "nats.statusFailed", "REQUEST_FAILED", undefined, undefined));
  }

  /** The port `bus.bridge` posts to and listens on. */
  #port() {
    return {
      postMessage: (frame) => this.#send(frame),
      addEventListener: (type, listener) => type === "message" && this.#listeners.add(listener),
      removeEventListener: (type, listener) => this.#listeners.delete(listener),
    };
  }

  /** One NATS subscription per topic or pattern. */
  #subscribe() {
    const { prefix, topics, queue } = this.#settings;
    for (const topic of topics) {
      const callback = (error, msg) => (error === null ? this.#receive(msg) : this.#drop("SUBSCRIPTION_ERROR", undefined));
      this.#subscriptions.push(this.#connection.subscribe(subjectOf(prefix, topic), { queue, callback }));
    }
  }

  /** Follows the connection: the outbox pauses while it is down and stops when it closes. */
  async #watch() {
    this.#connection.closed().then(() => this.#connectionClosed());
    this.#status = this.#connection.status();
    for await (const status of this.#status) {
      if (status.type === "disconnect") this.#outbox.lost();
      else if (status.type === "reconnect") this.#resume();
    }
  }

  #resume() {
    this.#counts.resent += this.#outbox.size;
    this.#outbox.restored();
  }

  #connectionClosed() {
    for (const item of this.#outbox.clear()) this.#fail("CLOSED", item.frame);
  }

  /** A local message for NATS: queued in the outbox, or failed with a code. A reply of the
   * bus goes to its request's reply subject; a request of the bus goes as a NATS request. */
  #send(frame) {
    if (frame.type === "reply") return this.#sendReply(frame);
    if (this.#closing !== null || this.#connection.isClosed()) return this.#fail("CLOSED", frame);
    if (frame.replyInbox !== undefined) return this.#sendRequest(frame);
    let item;
    try {
      item = this.#encode(frame);
    } catch (error) {
      return this.#fail(error instanceof CodecError ? "CODEC_ERROR" : "DATA_CLONE_ERROR", frame);
    }
    const max = this.#connection.info?.max_payload;
    if (max !== undefined && item.size > max) return this.#fail("MESSAGE_TOO_LARGE", frame);
    if (!this.#outbox.fits(item.size)) return this.#fail("QUEUE_FULL", frame);
    this.#outbox.push(item);
  }

  #encode(frame) {
    const { codec, prefix } = this.#settings;
    if (codec === taggedJson && !(frame.data instanceof Uint8Array)) {
      // The default codec's JSON and the header block in one encoder call.
      const { headers, payload } = headerBlockAnd(frame, JSON_TYPE, jsonText(frame.data));
      return { subject: subjectOf(prefix, frame.topic), payload, headers, size: payload.byteLength + headers.bytes.byteLength, frame };
    }
    const contentType = typeof codec.contentType === "function" ? codec.contentType(frame.data) : undefined;
    const payload = codec.encode(frame.data);
    if (!(payload instanceof Uint8Array)) throw new CodecError("codec.encode must return a Uint8Array");
    const headers = headerBlock(frame, contentType);
    const size = payload.byteLength + headers.bytes.byteLength;
    return { subject: subjectOf(prefix, frame.topic), payload, headers, size, frame };
  }

  /**
   * `bus.request` over NATS: a NATS request whose first reply comes back to the bus as a reply
   * frame. Waits as long as the asker does (`replyWithin`, else 5000 ms); a request nobody
   * answers ends in the asker's own TIMEOUT, and one no subscriber takes is logged
   * (`nats.noResponders`).
   */
  async #sendRequest(frame) {
    let item;
    try {
      item = this.#encodeOrThrow(frame);
    } catch (error) {
      return this.#fail(error.code === "MESSAGE_TOO_LARGE" ? "MESSAGE_TOO_LARGE" : "CODEC_ERROR", frame);
    }
    const timeout = frame.replyWithin > 0 ? frame.replyWithin : 5000;
    let reply;
    try {
      reply = await this.#connection.request(item.subject, item.payload, { timeout, headers: item.headers });
    } catch (error) {
      const code = requestCode(error);
      return this.#log(code === "NO_RESPONDERS" ? "info" : "warn", code === "NO_RESPONDERS" ? "nats.noResponders" : "nats.requestFailed", code, frame.topic, frame.id);
    }
    let data;
    try {
      data = this.#decodeOrThrow(reply);
    } catch {
      return this.#drop("CODEC_ERROR", frame.topic);
    }
    this.#dispatch({ "wasm-pubsub": 1, type: "reply", to: frame.origin, inbox: frame.replyInbox, hops: 1, data });
  }

  /** A reply of the bus to a request that came over NATS: published on its reply subject. */
  #sendReply(frame) {
    const key = `${frame.to} ${frame.inbox}`;
    const subject = this.#replySubjects.get(key);
    if (subject === undefined) return this.#drop("REPLY_UNROUTABLE", undefined);
    this.#replySubjects.delete(key);
    try {
      this.#publishReply(subject, frame.data);
    } catch (error) {
      this.#log("warn", "nats.replyFailed", error.code ?? "CODEC_ERROR", undefined, undefined);
    }
  }

  /** Remembers the reply subject of a NATS request handed to the bus as `frame`. */
  #rememberReply(frame, subject) {
    frame.replyInbox = ++this.#nextReplyInbox;
    if (this.#replySubjects.size >= MAX_REPLY_SUBJECTS) this.#replySubjects.delete(this.#replySubjects.keys().next().value);
    this.#replySubjects.set(`${frame.origin} ${frame.replyInbox}`, subject);
  }

  /** Counts, logs, dead-letters and reports a message that will not be sent. */
  #fail(code, frame) {
    this.#counts.failed[code] = (this.#counts.failed[code] ?? 0) + 1;
    this.#log("warn", "nats.sendFailed", code, frame.topic, frame.id);
    const max = this.#settings.maxDeadLetters;
    if (max > 0) {
      if (this.#deadLetters.length >= max) {
        this.#deadLetters.shift();
        this.#counts.deadLettersEvicted++;
      }
      this.#deadLetters.push({ frame, code, at: Date.now() });
    }
    const report = this.#settings.onSendError;
    if (typeof report === "function") {
      try {
        report({ code, topic: frame.topic, id: frame.id, origin: frame.origin, data: frame.data, attributes: frame.attributes });
      } catch {
        this.#log("error", "nats.onSendErrorThrew", "HANDLER_ERROR", frame.topic, frame.id);
      }
    }
  }

  /** A message from NATS: decoded into a frame and handed to the bus, or dropped and counted. */
  #receive(msg) {
    if (this.#closing !== null) return;
    const topic = this.#topicOf(msg.subject);
    if (topic === null) return;
    const frame = this.#frame(msg, topic);
    if (frame !== null) this.#inflow.offer(frame);
  }

  /** The topic of a subject this bridge carries, or null (counted) when it is not one. */
  #topicOf(subject) {
    const topic = topicOf(this.#settings.prefix, subject);
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

  /** The bridge frame of a NATS message, or null (counted) when it cannot be read. */
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
    const envelope = read.envelope ?? { origin: this.#foreignOrigin, id: ++this.#foreignId, hops: 1, publishedAt: Date.now() };
    if (msg.reply) read.attributes[REPLY_ATTRIBUTE] = msg.reply;
    const frame = { "wasm-pubsub": 1, ...envelope, topic, data, attributes: read.attributes };
    if (msg.reply) this.#rememberReply(frame, msg.reply);
    return frame;
  }

  /**
   * Hands a frame to the bridge's listener (the bus's inbox). None left means the bus closed
   * (closing a bus closes its bridges): the frame is dropped (CLOSED) and the bridge closes.
   */
  #dispatch(frame) {
    if (this.#listeners.size === 0) {
      this.#drop("CLOSED", frame.topic);
      this.close();
      return;
    }
    for (const listener of this.#listeners) listener({ data: frame });
  }

  #drop(code, topic) {
    this.#counts.dropped[code] = (this.#counts.dropped[code] ?? 0) + 1;
    this.#log("warn", "nats.dropped", code, topic, undefined);
  }

  #log(level, event, code, topic, messageId) {
    const logger = this.#settings.logger;
    if (typeof logger !== "function") return;
    const record = { level, event, code };
    if (topic !== undefined) record.topic = topic;
    if (messageId !== undefined) record.messageId = messageId;
    try {
      logger(record);
    } catch {
      // A logger that throws is not told about it again: it could throw again.
    }
  }

  /**
   * Sends `data` on `topic` as a NATS request and resolves with the reply's data. A bus that
   * receives it sees a message whose `attributes.natsReply` is the reply subject; its
   * handler answers with `bridge.respond(msg, value)`. Rejects with `NatsBridgeError`:
   * TIMEOUT (no reply within `timeoutMs`, default 5000), NO_RESPONDERS (nothing subscribed
   * to the subject), MESSAGE_TOO_LARGE, CODEC_ERROR, CLOSED, INVALID_ARGUMENT,
   * REQUEST_FAILED (another nats.js error, as `cause`).
   *
   * ```js
   * const total = await bridge.request("prices.quote", { sku: "A-1" }, { timeoutMs: 1000 });
   * ```
   */
  async request(topic, data, options = {}) {
    const { timeoutMs = 5000, attributes, orderingKey } = options ?? {};
    if (typeof topic !== "string" || !TOPIC.test(topic)) throw new NatsBridgeError("topic must be a topic name");
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2 ** 31 - 1) throw new NatsBridgeError("timeoutMs must be an integer 1..2³¹−1");
    if (this.#closing !== null || this.#connection.isClosed()) throw new NatsBridgeError("the bridge is closed", "CLOSED");
    const frame = { origin: this.#requestOrigin, id: ++this.#requestId, hops: 1, topic, data, attributes: { ...attributes }, orderingKey, publishedAt: Date.now() };
    const item = this.#encodeOrThrow(frame);
    let reply;
    try {
      reply = await this.#connection.request(item.subject, item.payload, { timeout: timeoutMs, headers: item.headers });
    } catch (error) {
      throw new NatsBridgeError(`request on "${topic}" failed`, requestCode(error), { cause: error });
    }
    return this.#decodeOrThrow(reply);
  }

  /**
   * Answers a message that arrived as a NATS request (see `request`) with `value`, encoded
   * by the bridge's codec. Throws `NatsBridgeError`: INVALID_ARGUMENT when the message is
   * not a request, MESSAGE_TOO_LARGE, CODEC_ERROR, CLOSED.
   *
   * ```js
   * bus.subscribe("prices.quote", (msg) => bridge.respond(msg, quote(msg.data)));
   * ```
   */
  respond(msg, value) {
    const subject = msg?.attributes?.[REPLY_ATTRIBUTE];
    if (typeof subject !== "string" || subject.length === 0) throw new NatsBridgeError("the message is not a NATS request");
    this.#publishReply(subject, value);
  }

  /** Publishes `value` on a request's reply subject; throws NatsBridgeError CLOSED,
   * CODEC_ERROR or MESSAGE_TOO_LARGE. */
  #publishReply(subject, value) {
    if (this.#connection.isClosed()) throw new NatsBridgeError("the NATS connection is closed", "CLOSED");
    const codec = this.#settings.codec;
    let payload, headers;
    try {
      payload = codec.encode(value);
      headers = replyBlock(typeof codec.contentType === "function" ? codec.contentType(value) : undefined);
    } catch {
      throw new NatsBridgeError("the codec cannot encode the reply", "CODEC_ERROR");
    }
    const max = this.#connection.info?.max_payload;
    if (max !== undefined && payload.byteLength + headers.bytes.byteLength > max) throw new NatsBridgeError("the reply is over max_payload", "MESSAGE_TOO_LARGE");
    this.#connection.publish(subject, payload, { headers });
  }

  #encodeOrThrow(frame) {
    let item;
    try {
      item = this.#encode(frame);
    } catch {
      throw new NatsBridgeError("the codec cannot encode the data", "CODEC_ERROR");
    }
    const max = this.#connection.info?.max_payload;
    if (max !== undefined && item.size > max) throw new NatsBridgeError("the request is over max_payload", "MESSAGE_TOO_LARGE");
    return item;
  }

  #decodeOrThrow(reply) {
    const read = readHeaders(reply.headers);
    try {
      return this.#settings.codec.decode(reply.data, typeof read === "string" ? undefined : read.contentType);
    } catch {
      throw new NatsBridgeError("the codec cannot decode the reply", "CODEC_ERROR");
    }
  }

  /**
   * The messages this bridge could not send, oldest first (at most `maxDeadLetters`, the
   * oldest evicted): `{ message: { topic, id, origin, publishedAt, hops, data, attributes,
   * orderingKey? }, reason: "SEND_FAILED", code, deadLetteredAt }`, `code` being why
   * (MESSAGE_TOO_LARGE, QUEUE_FULL, CLOSED, CODEC_ERROR, DATA_CLONE_ERROR).
   */
  deadLetters() {
    return this.#deadLetters.map(({ frame, code, at }) => {
      const message = { topic: frame.topic, id: frame.id, origin: frame.origin, publishedAt: frame.publishedAt, hops: frame.hops, data: frame.data, attributes: { ...frame.attributes } };
      if (frame.orderingKey !== undefined) message.orderingKey = frame.orderingKey;
      return { message, reason: SEND_FAILED, code, deadLetteredAt: at };
    });
  }

  /**
   * Sends the dead letters matching `filter` (`{ topic?, code? }` or a function of a letter)
   * again, oldest first, with their original id and origin (receivers and JetStream drop a
   * repeat): each is taken out of the store and queued in the outbox, or fails again — and is
   * a dead letter again, at the end. Returns how many were taken out.
   */
  replayDeadLetters(filter) {
    const test = letterFilter(filter);
    const letters = this.deadLetters();
    const keep = [], replay = [];
    this.#deadLetters.forEach((entry, i) => (test(letters[i]) ? replay : keep).push(entry));
    this.#deadLetters = keep;
    for (const { frame } of replay) this.#send(frame);
    return replay.length;
  }

  /** Empties the dead-letter store; returns how many it held. */
  purgeDeadLetters() {
    const count = this.#deadLetters.length;
    this.#deadLetters = [];
    return count;
  }

  /**
   * Counts since the bridge opened: `sent` (confirmed by the server), `pending` (in the
   * outbox), `resent` (published again after a reconnect), `failed` (per code: never
   * sent), `received`, `rejected`, `duplicates` (the bus's bridge counts), `held` (waiting
   * for a full subscription), `dropped` (per code: received but not published),
   * `deadLetters` (unsent messages kept), `deadLettersEvicted`.
   */
  stats() {
    const bridge = this.#bridgeStats();
    return {
      sent: this.#counts.sent,
      pending: this.#outbox.size,
      resent: this.#counts.resent,
      failed: { ...this.#counts.failed },
      received: bridge.received,
      rejected: bridge.rejected - this.#inflow.roomRefusals,
      duplicates: (bridge.duplicates ?? 0) - this.#inflow.probes,
      held: this.#inflow.size,
      dropped: { ...this.#counts.dropped },
      deadLetters: this.#deadLetters.length,
      deadLettersEvicted: this.#counts.deadLettersEvicted,
    };
  }

  /** The bus's bridge's counts; the last read once it is closed or its bus is. */
  #bridgeStats() {
    if (this.#closing === null) {
      try {
        this.#lastBridgeStats = this.#bridge.stats();
      } catch {
        // The bus closed (and disposed of its bridges): its last counts stand.
      }
    }
    return this.#lastBridgeStats;
  }

  #lastBridgeStats = { received: 0, rejected: 0, duplicates: 0 };

  /**
   * Stops carrying messages: no new ones are taken, the outbox gets up to `drainTimeoutMs`
   * (default 5000) to be confirmed, what is left fails with CLOSED, and the NATS
   * subscriptions end. The connection stays open (it is the caller's). Idempotent.
   */
  close(options = {}) {
    if (this.#closing !== null) return this.#closing;
    const timeoutMs = options?.drainTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new NatsBridgeError("drainTimeoutMs must be an integer ≥ 0"));
    }
    this.#bridgeStats();
    try {
      this.#bridge.close();
    } catch {
      // Closed with its bus already.
    }
    this.#inflow.close();
    for (const sub of this.#subscriptions) sub.unsubscribe();
    this.#status?.stop?.();
    this.#closing = this.#drain(timeoutMs);
    return this.#closing;
  }

  async #drain(timeoutMs) {
    let timer;
    const deadline = new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); });
    await Promise.race([this.#outbox.drained(), deadline]);
    clearTimeout(timer);
    this.#connectionClosed();
    return this.stats();
  }
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

/** A dead-letter filter (`{ topic?, code? }`, a function, or none) as a predicate. */
function letterFilter(filter) {
  if (filter === undefined) return () => true;
  if (typeof filter === "function") return filter;
  if (filter === null || typeof filter !== "object") throw new NatsBridgeError("filter must be { topic?, code? } or a function");
  const unknown = Object.keys(filter).find((key) => key !== "topic" && key !== "code");
  if (unknown !== undefined) throw new NatsBridgeError(`unknown filter key "${unknown.slice(0, 64)}"`);
  return (letter) => (filter.topic === undefined || letter.message.topic === filter.topic) && (filter.code === undefined || letter.code === filter.code);
}

/** The code of a failed nats.js request: its error, or one it wraps. */
function requestCode(error) {
  for (let e = error, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (/^Timeout/.test(e.name)) return "TIMEOUT";
    if (/^NoResponders/.test(e.name)) return "NO_RESPONDERS";
    if (e.name === "ClosedConnectionError" || /closed/i.test(String(e.message))) return "CLOSED";
  }
  return "REQUEST_FAILED";
}
