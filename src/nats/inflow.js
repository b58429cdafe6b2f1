// Backpressure on the receiving side. NATS pushes; a bus subscription holds at most
// `queueCapacity` messages. A frame the bus refuses while one of its subscriptions is
// saturated (QUEUE_FULL under the "reject" overflow policy) is held, and the frames behind it
// wait too (order is kept), until the bus has room again; then they are handed over again.
// The holding queue is bounded (`maxHeldMessages`): past it, frames are dropped, counted
// under QUEUE_FULL and logged. With overflow "deadLetterOldest" the bus never refuses: it
// dead-letters its oldest queued message, as that policy says. Either way `bus.health()`
// lists the saturated subscription.
//
// Reading the bridge's counts costs more than handing a frame over, so new frames are
// checked in windows: after WINDOW frames, and at the end of each synchronous run (nats.js
// hands over a socket read's messages in one). Within a run no handler runs (delivery starts
// in a microtask), so a full queue stays full: when a window had refusals while the bus is
// saturated, each of its frames is offered again at once and checked: one the bus took
// before comes back as a repeat (dropped by (origin, id); `probes` counts these, so the
// bridge's stats can leave them out of `duplicates`), one refused for room is refused again
// and held. Held frames are offered one at a time, each checked.

/** New frames handed over between two reads of the bridge's counts. */
const WINDOW = 32;
/** The first wait for room, and the longest. */
const FIRST_WAIT_MS = 2;
const LONGEST_WAIT_MS = 100;

/** Frames waiting for room on the bus, and the timer that retries them. */
export class Inflow {
  /**
   * @param bus the bus (read: `health()`)
   * @param counts `() => { received, rejected, duplicates }`: the bus's bridge's counts
   * @param dispatch `(frame) => void`: hands one frame to the bus
   * @param capacity the most frames held
   * @param drop `(code, topic) => void`: counts a frame that is not kept
   */
  constructor(bus, counts, dispatch, capacity, drop) {
    Object.assign(this, { bus, counts, dispatch, capacity, drop });
    this.held = [];
    this.head = 0;
    this.timer = null;
    this.wait = FIRST_WAIT_MS;
    this.rejected = counts().rejected;
    /** Frames handed over since the counts were last read. */
    this.window = [];
    this.checkQueued = false;
    /** Frames offered again to find out which were refused, that the bus had taken. */
    this.probes = 0;
    /** Refusals for room of frames then held or taken later: not final, so not `rejected`. */
    this.roomRefusals = 0;
  }

  /** Frames held. */
  get size() {
    return this.held.length - this.head;
  }

  /** A new frame: handed over now (checked with its window), or held behind earlier ones. */
  offer(frame) {
    if (this.size > 0) return this.hold(frame);
    this.dispatch(frame);
    this.window.push(frame);
    if (this.window.length >= WINDOW) this.check();
    else if (!this.checkQueued) {
      this.checkQueued = true;
      queueMicrotask(() => {
        this.checkQueued = false;
        this.check();
      });
    }
  }

  /** Reads the counts once for the window; holds it all when some of it was refused for room. */
  check() {
    const window = this.window;
    if (window.length === 0) return;
    this.window = [];
    const rejected = this.counts().rejected;
    if (rejected === this.rejected) return;
    this.rejected = rejected;
    if (!this.saturated()) return;
    const refused = this.refusedOf(window);
    const later = this.held.slice(this.head);
    this.held = [];
    this.head = 0;
    for (const frame of refused.concat(later)) this.hold(frame);
  }

  /** The frames of a window the bus refuses, found by offering each again, checked. */
  refusedOf(window) {
    const refused = [];
    let before = this.counts();
    for (const frame of window) {
      this.dispatch(frame);
      const after = this.counts();
      if (after.duplicates > before.duplicates) this.probes++;
      else if (after.rejected > before.rejected) {
        refused.push(frame);
        this.roomRefusals += 2;
      } else if (after.received > before.received) this.roomRefusals++;
      before = after;
    }
    this.rejected = before.rejected;
    return refused;
  }

  /**
   * Hands a frame over; false when the bus refused it for lack of room. Only this inflow
   * posts to its bridge, so the bridge's `rejected` count read after the previous frame is
   * still the count before this one: one read per frame.
   */
  deliver(frame) {
    this.dispatch(frame);
    const rejected = this.counts().rejected;
    if (rejected === this.rejected) return true;
    this.rejected = rejected;
    if (!this.saturated()) return true;
    this.roomRefusals++;
    return false;
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
    this.window = [];
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (let i = this.head; i < this.held.length; i++) this.drop("CLOSED", this.held[i].topic);
    this.held = [];
    this.head = 0;
  }
}
