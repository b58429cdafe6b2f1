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
// At most `maxInFlight` messages are in the bus at once. Delivery is at least once: a message
// whose ack is lost is delivered again (JetStream's own redelivery).
import { taggedJson } from "./codec.js";
import { NatsBridgeError } from "./errors.js";
import { matches, readHeaders, topicOf, validPrefix } from "./wire.js";

const DEFAULTS = { maxInFlight: 16, nakDelayMs: 1000, workingIntervalMs: 10_000 };
const OPTION_KEYS = new Set(["stream", "consumer", "prefix", "topics", "codec", "createTopics", "logger", ...Object.keys(DEFAULTS)]);

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
  const consumer = await js.consumers.get(settings.stream, settings.consumer);
  const messages = await consumer.consume({ max_messages: settings.maxInFlight });
  return new JetStreamFeed(bus, messages, settings);
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
  return settings;
}

/** The running consumer. See {@link jetstreamSubscribe}. */
class JetStreamFeed {
  #bus;
  #messages;
  #settings;
  #inFlight = 0;
  #room = null;
  #counts = { received: 0, acked: 0, naked: 0, terminated: {} };
  #done;

  constructor(bus, messages, settings) {
    this.#bus = bus;
    this.#messages = messages;
    this.#settings = settings;
    this.#done = this.#run();
  }

  async #run() {
    for await (const msg of this.#messages) {
      this.#counts.received++;
      if (this.#inFlight >= this.#settings.maxInFlight) await new Promise((resolve) => { this.#room = resolve; });
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
    this.#settle(msg, topic, data, options);
  }

  /** Publishes and waits for every copy to settle, telling JetStream meanwhile that it is worked on. */
  async #settle(msg, topic, data, options) {
    this.#inFlight++;
    const working = setInterval(() => msg.working(), this.#settings.workingIntervalMs);
    try {
      const report = await this.#bus.publishAndWait(topic, data, options);
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

  /** Counts since the consumer started: `received`, `acked`, `naked`, `terminated` (per reason), `inFlight`. */
  stats() {
    return { ...this.#counts, terminated: { ...this.#counts.terminated }, inFlight: this.#inFlight };
  }

  /** Stops pulling; resolves once every message in the bus is settled on JetStream. */
  async stop() {
    this.#messages.stop();
    await this.#done;
    return this.stats();
  }
}
