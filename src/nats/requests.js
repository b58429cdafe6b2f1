// Request/reply over NATS, both ways:
// - out: the bridge's own `request` and the bus's `bus.request` (a request frame) go as NATS
//   requests, and the first reply's data comes back (a reply frame, for the bus);
// - in: a NATS request handed to the bus carries its reply subject (REPLY_ATTRIBUTE), which
//   the bridge remembers (the last MAX_REPLY_SUBJECTS) so the bus's reply frame, or
//   `respond`, can be published on it.
import { replyBlock, TOPIC } from "./wire.js";
import { encodeOrThrow, decodeOrThrow, overMaxPayload } from "./frames.js";
import { NatsBridgeError } from "./errors.js";

/** The attribute a received NATS request carries its reply subject in (see `respond`). */
export const REPLY_ATTRIBUTE = "natsReply";

/** The most NATS requests a bridge remembers the reply subject of (oldest forgotten first). */
const MAX_REPLY_SUBJECTS = 4096;

/** How long a request waits for its reply when the asker does not say. */
const DEFAULT_TIMEOUT_MS = 5000;

/** One bridge's requests and replies over its NATS connection. */
export class Requests {
  #connection;
  #settings;
  #bridge;
  #origin = `req-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  #lastId = 0;
  /** Reply subjects of NATS requests handed to the bus: "origin inbox" → subject, oldest first. */
  #replySubjects = new Map();
  #lastReplyInbox = 0;

  /**
   * @param connection the nats.js connection
   * @param settings the bridge's settings (`codec`, `prefix`)
   * @param bridge the bridge's side: `{ isOpen(), dispatch(frame), fail(code, frame),
   *   drop(code, topic), log(level, event, code, topic, messageId) }`
   */
  constructor(connection, settings, bridge) {
    this.#connection = connection;
    this.#settings = settings;
    this.#bridge = bridge;
  }

  /**
   * `bus.request` over NATS: a NATS request whose first reply comes back to the bus as a reply
   * frame. Waits as long as the asker does (`replyWithin`, else 5000 ms); a request nobody
   * answers ends in the asker's own TIMEOUT, and one no subscriber takes is logged
   * (`nats.noResponders`).
   */
  async forward(frame) {
    let item;
    try {
      item = encodeOrThrow(frame, this.#settings, this.#connection);
    } catch (error) {
      return this.#bridge.fail(error.code === "MESSAGE_TOO_LARGE" ? "MESSAGE_TOO_LARGE" : "CODEC_ERROR", frame);
    }
    const timeout = frame.replyWithin > 0 ? frame.replyWithin : DEFAULT_TIMEOUT_MS;
    let reply;
    try {
      reply = await this.#connection.request(item.subject, item.payload, { timeout, headers: item.headers });
    } catch (error) {
      const code = requestCode(error);
      const noResponders = code === "NO_RESPONDERS";
      return this.#bridge.log(noResponders ? "info" : "warn", noResponders ? "nats.noResponders" : "nats.requestFailed", code, frame.topic, frame.id);
    }
    let data;
    try {
      data = decodeOrThrow(reply, this.#settings.codec);
    } catch {
      return this.#bridge.drop("CODEC_ERROR", frame.topic);
    }
    this.#bridge.dispatch({ "wasm-pubsub": 1, type: "reply", to: frame.origin, inbox: frame.replyInbox, hops: 1, data });
  }

  /** A reply of the bus to a request that came over NATS: published on its reply subject. */
  answer(frame) {
    const key = `${frame.to} ${frame.inbox}`;
    const subject = this.#replySubjects.get(key);
    if (subject === undefined) return this.#bridge.drop("REPLY_UNROUTABLE", undefined);
    this.#replySubjects.delete(key);
    try {
      this.#publishReply(subject, frame.data);
    } catch (error) {
      this.#bridge.log("warn", "nats.replyFailed", error.code ?? "CODEC_ERROR", undefined, undefined);
    }
  }

  /** Remembers the reply subject of a NATS request handed to the bus as `frame` (giving the
   * frame its reply inbox), forgetting the oldest past MAX_REPLY_SUBJECTS. */
  remember(frame, subject) {
    frame.replyInbox = ++this.#lastReplyInbox;
    if (this.#replySubjects.size >= MAX_REPLY_SUBJECTS) this.#replySubjects.delete(this.#replySubjects.keys().next().value);
    this.#replySubjects.set(`${frame.origin} ${frame.replyInbox}`, subject);
  }

  /** The bridge's `request` (see nats.d.ts `NatsBridge.request`). */
  async request(topic, data, options = {}) {
    const { timeoutMs = DEFAULT_TIMEOUT_MS, attributes, orderingKey } = options ?? {};
    if (typeof topic !== "string" || !TOPIC.test(topic)) throw new NatsBridgeError("topic must be a topic name");
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2 ** 31 - 1) throw new NatsBridgeError("timeoutMs must be an integer 1..2³¹−1");
    if (!this.#bridge.isOpen()) throw new NatsBridgeError("the bridge is closed", "CLOSED");
    const frame = { origin: this.#origin, id: ++this.#lastId, hops: 1, topic, data, attributes: { ...attributes }, orderingKey, publishedAt: Date.now() };
    const item = encodeOrThrow(frame, this.#settings, this.#connection);
    let reply;
    try {
      reply = await this.#connection.request(item.subject, item.payload, { timeout: timeoutMs, headers: item.headers });
    } catch (error) {
      throw new NatsBridgeError(`request on "${topic}" failed`, requestCode(error), { cause: error });
    }
    return decodeOrThrow(reply, this.#settings.codec);
  }

  /** The bridge's `respond` (see nats.d.ts `NatsBridge.respond`). */
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
    if (overMaxPayload(this.#connection, payload.byteLength + headers.bytes.byteLength)) throw new NatsBridgeError("the reply is over max_payload", "MESSAGE_TOO_LARGE");
    this.#connection.publish(subject, payload, { headers });
  }
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
