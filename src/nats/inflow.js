// Backpressure on the receiving side. NATS pushes; a bus subscription holds at most
// `queueCapacity` messages. A frame the bus refuses while one of its subscriptions is
// saturated (QUEUE_FULL under the "reject" overflow policy) is held, and the frames behind it
// wait too (order is kept), until the bus has room again; then they are handed over again.
// The holding queue is bounded (`maxHeldMessages`): past it, frames are dropped, counted
// under QUEUE_FULL and logged. With overflow "deadLetterOldest" the bus never refuses: it
// dead-letters its oldest queued message, as that policy says. Either way `bus.health()`
// lists the saturated subscription.

/** The first wait for room, and the longest. */
const FIRST_WAIT_MS = 2;
const LONGEST_WAIT_MS = 100;

/** Frames waiting for room on the bus, and the timer that retries them. */
export class Inflow {
  /**
   * @param bus the bus (read: `health()`)
   * @param bridge the bus's bridge (read: `stats().rejected`)
   * @param dispatch `(frame) => void`: hands one frame to the bus
   * @param capacity the most frames held
   * @param drop `(code, topic) => void`: counts a frame that is not kept
   */
  constructor(bus, bridge, dispatch, capacity, drop) {
    Object.assign(this, { bus, bridge, dispatch, capacity, drop });
    this.held = [];
    this.head = 0;
    this.timer = null;
    this.wait = FIRST_WAIT_MS;
    this.rejected = bridge.stats().rejected;
  }

  /** Frames held. */
  get size() {
    return this.held.length - this.head;
  }

  /** A new frame: handed over now, or held behind earlier ones. */
  offer(frame) {
    if (this.size > 0) return this.hold(frame);
    if (!this.deliver(frame)) this.hold(frame);
  }

  /**
   * Hands a frame over; false when the bus refused it for lack of room. Only this inflow
   * posts to its bridge, so the bridge's `rejected` count read after the previous frame is
   * still the count before this one: one read per frame.
   */
  deliver(frame) {
    this.dispatch(frame);
    const rejected = this.bridge.stats().rejected;
    if (rejected === this.rejected) return true;
    this.rejected = rejected;
    return !this.saturated();
  }

  saturated() {
    const health = this.bus.health();
    return health.saturatedSubscriptions.length > 0 && health.status !== "closed" && health.status !== "closing";
  }

  hold(frame) {
    if (this.size >= this.capacity) return this.drop("QUEUE_FULL", frame.topic);
    this.held.push(frame);
    this.schedule();
  }

  schedule() {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => this.retry(), this.wait);
  }

  /** Hands held frames over while the bus has room. */
  retry() {
    this.timer = null;
    if (this.saturated()) return this.backOff();
    while (this.size > 0) {
      if (!this.deliver(this.held[this.head])) return this.backOff();
      this.held[this.head++] = undefined;
    }
    this.held = [];
    this.head = 0;
    this.wait = FIRST_WAIT_MS;
  }

  backOff() {
    this.wait = Math.min(this.wait * 2, LONGEST_WAIT_MS);
    if (this.head > 1024) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
    this.schedule();
  }

  /** Stops retrying; held frames are dropped and counted (CLOSED). */
  close() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (let i = this.head; i < this.held.length; i++) this.drop("CLOSED", this.held[i].topic);
    this.held = [];
    this.head = 0;
  }
}
