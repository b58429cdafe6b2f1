// The fair anchor of workload 1 (issue 15): a minimal pure-JavaScript broker that gives each
// message the same envelope wasm-pubsub does — a topic lookup, an id, a per-topic sequence,
// `publishedAt` and the ack time read from the clock per message — and delivers to one sync
// handler in a microtask after `publish` returns, never inside it. No validation, limits,
// retries, metrics window or bridges: what is left is the cost of the envelope itself.

const EMPTY_ATTRIBUTES = Object.freeze(Object.create(null));

export class EnvelopeBroker {
  #topics = new Map();
  #nextId = 0;
  #queue = [];
  #scheduled = false;
  /** Messages acked, and the sum of their publish → ack latencies (ms). */
  acked = 0;
  latencyMs = 0;

  /** The ack count, as wasm-pubsub's `metrics()` gives it (the run's check reads it). */
  metrics() {
    return { acked: this.acked };
  }

  createTopic(name) {
    this.#topics.set(name, { sequence: 0, handlers: [] });
  }

  subscribe(name, handler) {
    this.#topics.get(name).handlers.push(handler);
  }

  publish(name, data) {
    const topic = this.#topics.get(name);
    if (topic === undefined) throw new Error(`topic ${name} does not exist`);
    const id = ++this.#nextId;
    const message = { id, topic: name, sequence: ++topic.sequence, publishedAt: Date.now(), attributes: EMPTY_ATTRIBUTES, data, attempt: 1 };
    for (const handler of topic.handlers) this.#queue.push(handler, message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#drain);
    }
    return id;
  }

  #drain = () => {
    const queue = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    for (let i = 0; i < queue.length; i += 2) {
      const message = queue[i + 1];
      queue[i](message);
      this.acked++;
      this.latencyMs += Date.now() - message.publishedAt;
    }
  };
}
