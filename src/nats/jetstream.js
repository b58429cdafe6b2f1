// jetstreamSubscribe: a durable JetStream consumer feeding a bus, each message settled on
// JetStream by what the bus's subscriptions did with it (bus.publishAndWait):
//   every copy acked                  → ack
//   a copy dead-lettered              → term (the bus keeps the dead letter; replay it there)
//   a copy discarded (unsubscribed)   → nak: JetStream delivers it again
//   no subscription matched           → nak after `nakDelayMs`
//   the bus refused it: QUEUE_FULL    → nak after `nakDelayMs` (backpressure); CLOSED → nak
//   any other refusal, a subject that is not a carried topic, an undecodable payload → term
// While the bus works on a message the consumer is told so (`working()`) every
// `workingIntervalMs`, so a slow handler within the bus's own timeouts is not redelivered.
// At most `maxInFlight` messages are in the bus at once, clamped to the consumer's
// max_ack_pending; a message waiting for room is told `working()` too, so nothing JetStream
// handed out waits unheartbeated. Delivery is at least once: a message whose ack is lost is
// delivered again (JetStream's own redelivery).
//
// Dead letters (option `deadLetterPrefix`): before a dead-lettered message is terminated,
// each of its dead letters (one per subscription that gave up on it) is copied to
// `<deadLetterPrefix>.<subscription>.<topic>` through JetStream (a stream on those subjects
// stores it, file storage to outlive restarts): the data as the codec writes it, the
// message's envelope and attributes as natsBridge writes them, and `Pubsub-Dead-…` headers
// (reason, attempts, subscription, at, errorCode, error, stream, streamSeq). Only once the
// stream confirmed every copy is the message terminated; a copy that fails naks it instead.
// `replayJetStreamDeadLetters` publishes stored letters on a bus again.
import { taggedJson } from "./codec.js";
import { NatsBridgeError } from "./errors.js";
import { deadLetterBlock, escapeToken, matches, readDeadHeaders, readHeaders, topicOf, TOPIC, validPrefix } from "./wire.js";

const DEFAULTS = { maxInFlight: 16, nakDelayMs: 1000, workingIntervalMs: 10_000 };
const OPTION_KEYS = new Set(["stream", "consumer", "prefix", "topics", "codec", "createTopics", "logger", "deadLetterPrefix", ...Object.keys(DEFAULTS)]);
/** How long a dead letter's copy waits for the stream's confirmation. */
const COPY_TIMEOUT_MS = 5000;

/**
 * Consumes `consumer` of `stream` into the bus; resolves to `{ stats(), stop() }` once the
 * consumer is found.
 *
 * ```js
 * import { jetstream } from "@nats-io/jetstream";
 * const sub = await jetstreamSubscribe(bus, jetstream(nc), { stream: "ORDERS", consumer: "shop", prefix: "shop" });
 * ```
 *
 * Rejects with `NatsBridgeError` (INVALID_ARGUMENT) for bad options; with nats.js's error
 * when the consumer does not exist.
 */
export async function jetstreamSubscribe(bus, js, options) {
  const settings = readOptions(options);
  if (typeof js?.consumers?.get !== "function") throw new NatsBridgeError("js must be a JetStreamClient (jetstream(nc))");
  if (settings.deadLetterPrefix !== undefined && typeof js?.nc?.request !== "function") throw new NatsBridgeError("js must be a JetStreamClient (jetstream(nc)) with its connection");
  const consumer = await js.consumers.get(settings.stream, settings.consumer);
  const config = (await consumer.info(true))?.config ?? {};
  if (config.ack_policy !== undefined && config.ack_policy !== "explicit") {
    throw new NatsBridgeError(`consumer "${settings.consumer}" must have ack_policy "explicit" (it has "${config.ack_policy}")`);
  }
  // More in flight than the server lets out unacknowledged would never fill; fewer is the
  // bound: JetStream never has more than this feed can hold (and heartbeat) outstanding.
  if (config.max_ack_pending > 0 && config.max_ack_pending < settings.maxInFlight) settings.maxInFlight = config.max_ack_pending;
  const messages = await consumer.consume({ max_messages: settings.maxInFlight });
  return new JetStreamFeed(bus, js, messages, settings);
}

function readOptions(options) {
  if (options === null || typeof options !== "object") throw new NatsBridgeError("options { stream, consumer, prefix, … } are required");
  const unknown = Object.keys(options).find((key) => !OPTION_KEYS.has(key));
  if (unknown !== undefined) throw new NatsBridgeError(`unknown option "${unknown.slice(0, 64)}"`);
  const settings = { ...DEFAULTS, ...options, topics: options.topics ?? [">"], codec: options.codec ?? taggedJson };
  for (const key of ["stream", "consumer"]) {
    if (typeof settings[key] !== "string" || settings[key].length === 0) throw new NatsBridgeError(`options.${key} must be a name`);
  }
  if (!validPrefix(settings.prefix)) throw new NatsBridgeError("options.prefix must be NATS subject tokens without wildcards");
  if (!Array.isArray(settings.topics) || !settings.topics.every((t) => typeof t === "string")) throw new NatsBridgeError("options.topics must be an array of strings");
  if (typeof settings.codec?.decode !== "function") throw new NatsBridgeError("options.codec must have decode(bytes)");
  for (const key of Object.keys(DEFAULTS)) {
    if (!Number.isSafeInteger(settings[key]) || settings[key] < 1) throw new NatsBridgeError(`options.${key} must be an integer ≥ 1`);
  }
  if (settings.deadLetterPrefix !== undefined) {
    if (!validPrefix(settings.deadLetterPrefix)) throw new NatsBridgeError("options.deadLetterPrefix must be NATS subject tokens without wildcards");
    if (typeof settings.codec.encode !== "function") throw new NatsBridgeError("options.codec must have encode(data) to copy dead letters");
    if (carries(settings, settings.deadLetterPrefix)) {
      throw new NatsBridgeError("options.deadLetterPrefix is under prefix and a carried topic pattern: the feed would take its own dead letters");
    }
  }
  return settings;
}

/** Whether a subject `<under>.<subscription>.<topic>` could be a topic this feed carries. */
function carries({ prefix, topics }, under) {
  if (under === prefix) return true;
  if (!under.startsWith(prefix + ".")) return false;
  const rest = under.slice(prefix.length + 1).split(".");
  return topics.some((pattern) => {
    const want = pattern.split(".");
    for (let i = 0; i < rest.length; i++) {
      if (want[i] === ">") return true;
      if (want[i] === undefined || (want[i] !== "*" && want[i] !== rest[i])) return false;
    }
    return true;
  });
}

/** The running consumer. See {@link jetstreamSubscribe}. */
class JetStreamFeed {
  #bus;
  #js;
  #messages;
  #settings;
  #inFlight = 0;
  #room = null;
  #counts = { received: 0, acked: 0, naked: 0, terminated: {}, deadLettersCopied: 0 };
  #done;
  /** Dead letters already copied (subscription, message id, time), so each is copied once. */
  #copied = new Set();
  #origin = `js-${Math.random().toString(16).slice(2)}`;

  constructor(bus, js, messages, settings) {
    this.#bus = bus;
    this.#js = js;
    this.#messages = messages;
    this.#settings = settings;
    this.#done = this.#run();
  }

  async #run() {
    for await (const msg of this.#messages) {
      this.#counts.received++;
      if (this.#inFlight >= this.#settings.maxInFlight) {
        const working = setInterval(() => msg.working(), this.#settings.workingIntervalMs);
        await new Promise((resolve) => { this.#room = resolve; });
        clearInterval(working);
      }
      this.#take(msg);
    }
    while (this.#inFlight > 0) await new Promise((resolve) => { this.#room = resolve; });
  }

  /** Reads a message and hands it to the bus, or terminates it with the reason it cannot be. */
  #take(msg) {
    const topic = topicOf(this.#settings.prefix, msg.subject);
    if (topic === null || !this.#settings.topics.some((p) => matches(p, topic))) return this.#term(msg, "INVALID_TOPIC_NAME", undefined);
    if (!this.#settings.createTopics && this.#bus.topic(topic) === undefined) return this.#term(msg, "TOPIC_NOT_FOUND", topic);
    const read = readHeaders(msg.headers);
    if (typeof read === "string") return this.#term(msg, "INVALID_ATTRIBUTES", topic);
    let data;
    try {
      data = this.#settings.codec.decode(msg.data, read.contentType);
    } catch {
      return this.#term(msg, "CODEC_ERROR", topic);
    }
    const options = { attributes: read.attributes };
    if (read.envelope?.orderingKey !== undefined) options.orderingKey = read.envelope.orderingKey;
    this.#settle(msg, topic, data, options, read.envelope);
  }

  /** Publishes and waits for every copy to settle, telling JetStream meanwhile that it is worked on. */
  async #settle(msg, topic, data, options, envelope) {
    this.#inFlight++;
    const working = setInterval(() => msg.working(), this.#settings.workingIntervalMs);
    try {
      const report = await this.#bus.publishAndWait(topic, data, options);
      if (report.deadLettered > 0 && this.#settings.deadLetterPrefix !== undefined) {
        const copied = await this.#copyDeadLetters(msg, topic, data, report.deadLettered, envelope);
        if (!copied) return this.#nak(msg, this.#settings.nakDelayMs, "nats.deadLetterCopyFailed", topic);
      }
      this.#settleReport(msg, report, topic);
    } catch (error) {
      this.#settleError(msg, error?.code, topic);
    } finally {
      clearInterval(working);
      this.#inFlight--;
      const room = this.#room;
      this.#room = null;
      room?.();
    }
  }

  /**
   * Copies the `count` dead letters this message just became to the dead-letter subjects;
   * true once the stream confirmed each. The letters are found in `bus.deadLetters()` (the
   * newest of this topic holding this very data, not copied before): a bus keeping none
   * (`maxDeadLetters: 0`), or one that evicted them already, has nothing to copy — false.
   */
  async #copyDeadLetters(msg, topic, data, count, envelope) {
    let letters;
    try {
      letters = this.#bus.deadLetters();
    } catch {
      return false;
    }
    const mine = [];
    for (let i = letters.length - 1; i >= 0 && mine.length < count; i--) {
      const letter = letters[i];
      const key = `${letter.subscription}\u0000${letter.message.id}\u0000${letter.deadLetteredAt}`;
      if (letter.message.topic !== topic || !Object.is(letter.message.data, data) || this.#copied.has(key)) continue;
      mine.push([key, letter]);
    }
    if (mine.length < count) return false;
    try {
      await Promise.all(mine.map(([, letter]) => this.#copy(msg, letter, envelope)));
    } catch {
      return false;
    }
    for (const [key] of mine) this.#remember(key);
    this.#counts.deadLettersCopied += mine.length;
    return true;
  }

  #remember(key) {
    this.#copied.add(key);
    if (this.#copied.size > 4096) this.#copied.delete(this.#copied.values().next().value);
  }

  /** Publishes one dead letter to its subject and waits for the stream's acknowledgement. */
  async #copy(msg, letter, envelope) {
    const { codec, deadLetterPrefix, stream } = this.#settings;
    const message = letter.message;
    const frame = {
      origin: envelope?.origin ?? this.#origin, id: envelope?.id ?? message.id, hops: 1, publishedAt: message.publishedAt,
      attributes: message.attributes, orderingKey: message.orderingKey,
    };
    const contentType = typeof codec.contentType === "function" ? codec.contentType(message.data) : undefined;
    const payload = codec.encode(message.data);
    const dead = {
      reason: letter.reason, attempts: letter.attempts, subscription: letter.subscription, at: letter.deadLetteredAt,
      errorCode: letter.error?.code, error: letter.error?.message, stream, streamSeq: msg.info?.streamSequence ?? msg.seq,
    };
    const subject = `${deadLetterPrefix}.${escapeToken(letter.subscription)}.${message.topic}`;
    const reply = await this.#js.nc.request(subject, payload, { headers: deadLetterBlock(frame, contentType, dead), timeout: COPY_TIMEOUT_MS });
    const ack = JSON.parse(new TextDecoder().decode(reply.data));
    if (ack.error || typeof ack.stream !== "string") throw new Error(ack.error?.description ?? "no stream stored the dead letter");
  }

  #settleReport(msg, report, topic) {
    if (report.deadLettered > 0) return this.#term(msg, "DEAD_LETTERED", topic);
    if (report.discarded > 0) return this.#nak(msg, 0);
    if (report.acked === 0) return this.#nak(msg, this.#settings.nakDelayMs, "nats.unrouted", topic);
    msg.ack();
    this.#counts.acked++;
  }

  #settleError(msg, code, topic) {
    if (code === "QUEUE_FULL") return this.#nak(msg, this.#settings.nakDelayMs, "nats.backpressure", topic);
    if (code === "CLOSED") return this.#nak(msg, 0);
    this.#term(msg, typeof code === "string" ? code : "HANDLER_ERROR", topic);
  }

  #nak(msg, delayMs, event, topic) {
    msg.nak(delayMs);
    this.#counts.naked++;
    if (event !== undefined) this.#log("warn", event, "NAK", topic);
  }

  /** Terminates a message: JetStream will not deliver it again. The reason goes to the stats
   * and the logger only: nats-server before 2.10 does not take one with `+TERM`. */
  #term(msg, code, topic) {
    msg.term();
    this.#counts.terminated[code] = (this.#counts.terminated[code] ?? 0) + 1;
    this.#log("warn", "nats.terminated", code, topic);
  }

  #log(level, event, code, topic) {
    const logger = this.#settings.logger;
    if (typeof logger !== "function") return;
    try {
      logger(topic === undefined ? { level, event, code } : { level, event, code, topic });
    } catch {
      // A logger that throws is not told about it again: it could throw again.
    }
  }

  /**
   * Counts since the consumer started: `received`, `acked`, `naked`, `terminated` (per
   * reason), `deadLettersCopied`, `inFlight`, and `maxInFlight` (the bound in effect).
   */
  stats() {
    return { ...this.#counts, terminated: { ...this.#counts.terminated }, inFlight: this.#inFlight, maxInFlight: this.#settings.maxInFlight };
  }

  /** Stops pulling; resolves once every message in the bus is settled on JetStream. */
  async stop() {
    this.#messages.stop();
    await this.#done;
    return this.stats();
  }
}

const REPLAY_KEYS = new Set(["stream", "deadLetterPrefix", "subscription", "topic", "reason", "codec", "limit"]);

/**
 * Publishes the dead letters a feed copied to `deadLetterPrefix` (stored in `stream`) on the
 * bus again, oldest first, each with `bus.publishAndWait` (its data, attributes and ordering
 * key; a new id, attempts from 1). A letter every copy of which is acked is deleted from the
 * stream; one dead-lettered again, discarded, unrouted or refused by the bus stays there. Only
 * letters of `subscription` (its name), on `topic` (a topic or pattern) and with `reason`
 * are replayed, at most `limit` (default 10000). Resolves to `{ replayed, acked, deleted,
 * deadLettered, kept, refused }`.
 *
 * ```js
 * const report = await replayJetStreamDeadLetters(bus, jetstream(nc), { stream: "ORDERS_DLQ", deadLetterPrefix: "shop-dlq" });
 * ```
 *
 * Rejects with `NatsBridgeError` (INVALID_ARGUMENT) for bad options; with nats.js's error
 * when the stream cannot be read.
 */
export async function replayJetStreamDeadLetters(bus, js, options) {
  if (options === null || typeof options !== "object") throw new NatsBridgeError("options { stream, deadLetterPrefix, … } are required");
  const unknown = Object.keys(options).find((key) => !REPLAY_KEYS.has(key));
  if (unknown !== undefined) throw new NatsBridgeError(`unknown option "${unknown.slice(0, 64)}"`);
  const { stream, deadLetterPrefix, subscription, topic, reason, codec = taggedJson, limit = 10_000 } = options;
  if (typeof stream !== "string" || stream.length === 0) throw new NatsBridgeError("options.stream must be a name");
  if (!validPrefix(deadLetterPrefix)) throw new NatsBridgeError("options.deadLetterPrefix must be NATS subject tokens without wildcards");
  if (subscription !== undefined && (typeof subscription !== "string" || subscription.length === 0)) throw new NatsBridgeError("options.subscription must be a subscription name");
  if (topic !== undefined && (typeof topic !== "string" || !/^([\p{L}\p{M}\p{N}_-]+|\*)(\.([\p{L}\p{M}\p{N}_-]+|\*))*(\.>)?$|^>$/u.test(topic))) throw new NatsBridgeError("options.topic must be a topic or pattern");
  if (reason !== undefined && typeof reason !== "string") throw new NatsBridgeError("options.reason must be a string");
  if (typeof codec?.decode !== "function") throw new NatsBridgeError("options.codec must have decode(bytes)");
  if (!Number.isSafeInteger(limit) || limit < 1) throw new NatsBridgeError("options.limit must be an integer ≥ 1");
  if (typeof js?.jetstreamManager !== "function") throw new NatsBridgeError("js must be a JetStreamClient (jetstream(nc))");
  const jsm = await js.jetstreamManager();
  const filter = `${deadLetterPrefix}.${subscription === undefined ? "*" : escapeToken(subscription)}.${topic ?? ">"}`;
  const report = { replayed: 0, acked: 0, deleted: 0, deadLettered: 0, kept: 0, refused: 0 };
  let seq = 0;
  while (report.replayed + report.refused < limit) {
    const stored = await jsm.streams.getMessage(stream, { next_by_subj: filter, seq: seq + 1 });
    if (stored === null) break;
    seq = stored.seq;
    const dead = readDeadHeaders(stored.header);
    if (reason !== undefined && dead.reason !== reason) continue;
    const letter = readLetter(stored, deadLetterPrefix, codec);
    if (letter === null) {
      report.refused++;
      continue;
    }
    let settled;
    try {
      settled = await bus.publishAndWait(letter.topic, letter.data, letter.options);
    } catch {
      report.refused++;
      continue;
    }
    report.replayed++;
    if (settled.deadLettered > 0) report.deadLettered++;
    if (settled.acked > 0 && settled.deadLettered === 0 && settled.discarded === 0) {
      report.acked++;
      if (await jsm.streams.deleteMessage(stream, seq, false)) report.deleted++;
    } else report.kept++;
  }
  return report;
}

/** A stored dead letter's topic, data and publish options, or null when it cannot be read. */
function readLetter(stored, deadLetterPrefix, codec) {
  const tail = stored.subject.slice(deadLetterPrefix.length + 1);
  const topic = tail.slice(tail.indexOf(".") + 1);
  if (!TOPIC.test(topic)) return null;
  const read = readHeaders(stored.header);
  if (typeof read === "string") return null;
  let data;
  try {
    data = codec.decode(stored.data, read.contentType);
  } catch {
    return null;
  }
  const options = { attributes: read.attributes };
  if (read.envelope?.orderingKey !== undefined) options.orderingKey = read.envelope.orderingKey;
  return { topic, data, options };
}
