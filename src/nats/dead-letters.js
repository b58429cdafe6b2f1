// The bridge's dead-letter store: the messages it could not send to NATS, kept (bounded,
// oldest evicted) so the caller can look at them, send them again or purge them.
import { NatsBridgeError } from "./errors.js";

/** The reason of every bridge dead letter: the message was never sent. */
export const SEND_FAILED = "SEND_FAILED";

/** Unsent messages, oldest first, at most `max` (0 keeps none). */
export class DeadLetters {
  #max;
  /** `{ frame, code, at }`, oldest first. */
  #letters = [];
  #evicted = 0;

  /** @param max the most letters kept (an integer ≥ 0) */
  constructor(max) {
    this.#max = max;
  }

  /** How many letters were evicted to make room for newer ones. */
  get evicted() {
    return this.#evicted;
  }

  /** How many letters the store holds. */
  get size() {
    return this.#letters.length;
  }

  /** Keeps `frame`, which failed with `code`, evicting the oldest letter when full. */
  add(frame, code) {
    if (this.#max === 0) return;
    if (this.#letters.length >= this.#max) {
      this.#letters.shift();
      this.#evicted++;
    }
    this.#letters.push({ frame, code, at: Date.now() });
  }

  /** The letters as the bridge's `deadLetters()` shows them (see nats.d.ts `NatsDeadLetter`). */
  list() {
    return this.#letters.map(({ frame, code, at }) => {
      const message = { topic: frame.topic, id: frame.id, origin: frame.origin, publishedAt: frame.publishedAt, hops: frame.hops, data: frame.data, attributes: { ...frame.attributes } };
      if (frame.orderingKey !== undefined) message.orderingKey = frame.orderingKey;
      return { message, reason: SEND_FAILED, code, deadLetteredAt: at };
    });
  }

  /** Takes out the letters matching `filter` (`{ topic?, code? }`, a function of a listed
   * letter, or none: all) and returns their frames, oldest first. */
  take(filter) {
    const test = letterFilter(filter);
    const letters = this.list();
    const keep = [], taken = [];
    this.#letters.forEach((entry, i) => (test(letters[i]) ? taken : keep).push(entry));
    this.#letters = keep;
    return taken.map(({ frame }) => frame);
  }

  /** Empties the store; returns how many letters it held. */
  purge() {
    const count = this.#letters.length;
    this.#letters = [];
    return count;
  }
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
