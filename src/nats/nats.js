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
import { CodecError } from "./codec.js";
import { subjectOf, exactTopic } from "./wire.js";
import { readOptions } from "./options.js";
import { encodeFrame, overMaxPayload } from "./frames.js";
import { Outbox } from "./outbox.js";
import { Inflow } from "./inflow.js";
import { Receiver } from "./receive.js";
import { Requests } from "./requests.js";
import { DeadLetters } from "./dead-letters.js";
import { NatsBridgeError } from "./errors.js";

export { taggedJson, CodecError } from "./codec.js";
export { jetstreamSubscribe, replayJetStreamDeadLetters } from "./jetstream.js";
export { REPLY_ATTRIBUTE } from "./requests.js";
export { SEND_FAILED } from "./dead-letters.js";
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

/** One bus's bridge over one NATS connection. See {@link natsBridge}. */
class NatsBridge {
  #connection;
  #settings;
  #bridge;
  #listeners = new Set();
  #subscriptions = [];
  #status;
  #outbox;
  #inflow;
  #receiver;
  #requests;
  #closing = null;
  #counts = { sent: 0, resent: 0, failed: {}, dropped: {} };
  #deadLetters;
  /** The bus's bridge's counts as last read (see `#bridgeStats`). */
  #lastBridgeStats = { received: 0, rejected: 0, duplicates: 0 };

  constructor(bus, connection, settings) {
    this.#connection = connection;
    this.#settings = settings;
    this.#deadLetters = new DeadLetters(settings.maxDeadLetters);
    this.#requests = new Requests(connection, settings, {
      isOpen: () => this.#closing === null && !connection.isClosed(),
      dispatch: (frame) => this.#dispatch(frame),
      fail: (code, frame) => this.#fail(code, frame),
      drop: (code, topic) => this.#drop(code, topic),
      log: (level, event, code, topic, messageId) => this.#log(level, event, code, topic, messageId),
    });
    this.#receiver = new Receiver(bus, settings, (code, topic) => this.#drop(code, topic), (frame, subject) => this.#requests.remember(frame, subject));
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

  /** One NATS subscription per topic or pattern; a topic's messages are known to be on it. */
  #subscribe() {
    const { prefix, topics, queue } = this.#settings;
    for (const topic of topics) {
      const exact = exactTopic(topic);
      const callback = (error, msg) => (error === null ? this.#receive(msg, exact) : this.#drop("SUBSCRIPTION_ERROR", undefined));
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

  /** The connection is back: the outbox publishes again what the server did not confirm. */
  #resume() {
    this.#counts.resent += this.#outbox.size;
    this.#outbox.restored();
  }

  /** The connection closed (or the bridge did): whatever the outbox holds fails with CLOSED. */
  #connectionClosed() {
    for (const item of this.#outbox.clear()) this.#fail("CLOSED", item.frame);
  }

  /** A local message for NATS: queued in the outbox, or failed with a code. A reply of the
   * bus goes to its request's reply subject; a request of the bus goes as a NATS request. */
  #send(frame) {
    if (frame.type === "reply") return this.#requests.answer(frame);
    if (this.#closing !== null || this.#connection.isClosed()) return this.#fail("CLOSED", frame);
    if (frame.replyInbox !== undefined) return this.#requests.forward(frame);
    let item;
    try {
      item = encodeFrame(frame, this.#settings);
    } catch (error) {
      return this.#fail(error instanceof CodecError ? "CODEC_ERROR" : "DATA_CLONE_ERROR", frame);
    }
    if (overMaxPayload(this.#connection, item.size)) return this.#fail("MESSAGE_TOO_LARGE", frame);
    if (!this.#outbox.fits(item.size)) return this.#fail("QUEUE_FULL", frame);
    this.#outbox.push(item);
  }

  /** Counts, logs, dead-letters and reports a message that will not be sent. */
  #fail(code, frame) {
    this.#counts.failed[code] = (this.#counts.failed[code] ?? 0) + 1;
    this.#log("warn", "nats.sendFailed", code, frame.topic, frame.id);
    this.#deadLetters.add(frame, code);
    const report = this.#settings.onSendError;
    if (typeof report === "function") {
      try {
        report({ code, topic: frame.topic, id: frame.id, origin: frame.origin, data: frame.data, attributes: frame.attributes });
      } catch {
        this.#log("error", "nats.onSendErrorThrew", "HANDLER_ERROR", frame.topic, frame.id);
      }
    }
  }

  /** A message from NATS (on topic `exact`, when its subscription is on one topic): decoded
   * into a frame and handed to the bus, or dropped and counted. */
  #receive(msg, exact) {
    if (this.#closing !== null) return;
    const frame = this.#receiver.frameOf(msg, exact);
    if (frame !== null) this.#inflow.offer(frame);
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

  /** Counts and logs a message received (or a reply) that the bus will not get. */
  #drop(code, topic) {
    this.#counts.dropped[code] = (this.#counts.dropped[code] ?? 0) + 1;
    this.#log("warn", "nats.dropped", code, topic, undefined);
  }

  /** Tells the `logger` option, when there is one, `{ level, event, code, topic?, messageId? }`. */
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
  request(topic, data, options = {}) {
    return this.#requests.request(topic, data, options);
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
    this.#requests.respond(msg, value);
  }

  /**
   * The messages this bridge could not send, oldest first (at most `maxDeadLetters`, the
   * oldest evicted): `{ message: { topic, id, origin, publishedAt, hops, data, attributes,
   * orderingKey? }, reason: "SEND_FAILED", code, deadLetteredAt }`, `code` being why
   * (MESSAGE_TOO_LARGE, QUEUE_FULL, CLOSED, CODEC_ERROR, DATA_CLONE_ERROR).
   */
  deadLetters() {
    return this.#deadLetters.list();
  }

  /**
   * Sends the dead letters matching `filter` (`{ topic?, code? }` or a function of a letter)
   * again, oldest first, with their original id and origin (receivers and JetStream drop a
   * repeat): each is taken out of the store and queued in the outbox, or fails again — and is
   * a dead letter again, at the end. Returns how many were taken out.
   */
  replayDeadLetters(filter) {
    const frames = this.#deadLetters.take(filter);
    for (const frame of frames) this.#send(frame);
    return frames.length;
  }

  /** Empties the dead-letter store; returns how many it held. */
  purgeDeadLetters() {
    return this.#deadLetters.purge();
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
      deadLetters: this.#deadLetters.size,
      deadLettersEvicted: this.#deadLetters.evicted,
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

  /** Waits up to `timeoutMs` for the outbox to be confirmed, fails the rest; the final stats. */
  async #drain(timeoutMs) {
    let timer;
    const deadline = new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); });
    await Promise.race([this.#outbox.drained(), deadline]);
    clearTimeout(timer);
    this.#connectionClosed();
    return this.stats();
  }
}
