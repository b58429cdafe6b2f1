// The bridge's bounded outbox: what the bus handed to NATS and the server has not yet
// confirmed. A message counts as sent only when a flush (PING/PONG) issued after its
// publish has returned: the server then has it. While the connection is down nothing is
// published; on reconnect every unconfirmed message is published again, in order (a
// receiver drops the repeats by (origin, id), a JetStream stream by Nats-Msg-Id).

import { publishable } from "./wire.js";

/** The queue of messages not yet confirmed, and the confirmation loop. */
export class Outbox {
  /**
   * @param connection the nats.js connection
   * @param limits `{ maxMessages, maxBytes }`
   * @param onSent `(count) => void`, called as messages are confirmed
   * @param onTooLarge `(item) => void`, called for an item nats.js refuses as over the
   *   server's max_payload (a server reached after a reconnect may allow less)
   */
  constructor(connection, limits, onSent, onTooLarge) {
    this.connection = connection;
    this.limits = limits;
    this.onSent = onSent;
    this.onTooLarge = onTooLarge;
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    /** Items (from `head`) handed to nats.js since the connection last came up. */
    this.published = 0;
    this.connected = true;
    this.confirming = false;
    /** Bumped on every disconnect: a flush issued before it confirms nothing. */
    this.epoch = 0;
    this.idle = [];
  }

  /** Messages waiting (published or not) for the server's confirmation. */
  get size() {
    return this.items.length - this.head;
  }

  /** Whether an item of `bytes` fits. */
  fits(bytes) {
    return this.size < this.limits.maxMessages && this.bytes + bytes <= this.limits.maxBytes;
  }

  /** Queues an item of `encodeFrame` (`{ subject, size, frame }` and its bytes, see
   * `publishable`) and publishes it when connected. */
  push(item) {
    this.items.push(item);
    this.bytes += item.size;
    this.pump();
  }

  /** Publishes what is not yet published, then confirms it. */
  pump() {
    if (!this.connected) return;
    while (this.head + this.published < this.items.length) {
      const index = this.head + this.published;
      const item = this.items[index];
      try {
        const { payload, headers } = publishable(item);
        this.connection.publish(item.subject, payload, { headers });
      } catch (error) {
        if (this.connection.isClosed() || !/max_payload/.test(String(error?.message))) return this.lost();
        this.items.splice(index, 1);
        this.bytes -= item.size;
        this.onTooLarge(item);
        continue;
      }
      this.published++;
    }
    this.confirm();
  }

  /** One flush at a time; each confirms what was published before it was issued. */
  confirm() {
    if (this.confirming || this.published === 0) return;
    this.confirming = true;
    const count = this.published;
    const epoch = this.epoch;
    this.connection.flush().then(
      () => epoch === this.epoch && this.release(count),
      () => undefined,
    ).finally(() => {
      this.confirming = false;
      if (this.connected) this.confirm();
    });
  }

  /** Drops the first `count` items: the server has them. */
  release(count) {
    for (let i = 0; i < count; i++) {
      this.bytes -= this.items[this.head].size;
      this.items[this.head++] = undefined;
    }
    this.published -= count;
    if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
    this.onSent(count);
    if (this.size === 0) this.idle.splice(0).forEach((resolve) => resolve());
  }

  compact() {
    this.items = this.items.slice(this.head);
    this.head = 0;
  }

  /** The connection went down: what was published but not confirmed will be sent again. */
  lost() {
    this.connected = false;
    this.epoch++;
    this.published = 0;
  }

  /** The connection is back: publish everything unconfirmed, in order. */
  restored() {
    this.connected = true;
    this.pump();
  }

  /** Resolves when the outbox is empty (now, or once the server confirmed the last item). */
  drained() {
    return this.size === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  /** Empties the outbox, returning what was still unconfirmed (oldest first). */
  clear() {
    const left = this.items.slice(this.head);
    this.items = [];
    this.head = this.bytes = this.published = 0;
    this.connected = false;
    this.idle.splice(0).forEach((resolve) => resolve());
    return left;
  }
}
