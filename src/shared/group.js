// One shared subscription on one bus: its part in the group of buses that share its name.
//
// The leader is the holder of the Web Lock `wasm-pubsub.shared.NAME`; it handles each message
// and tells the others which it settled (`done`). Every other member (a follower) holds its
// copy of each message (a delivery in flight, so its subscription's maxInFlight and queue
// bound the backlog) until the leader settles it, and then acks it. When the lock passes on
// (the leader's tab closed, or it unsubscribed) the next member leads and handles what it
// still holds. A leader that stops responding is replaced: the holder of the second lock
// `NAME/next` (one member at a time) steals the leader's lock after `failoverMs` without a
// heartbeat.
//
// Fencing. A leader handles a message only while its lease holds: `failoverMs / 2` from the
// moment it asked the lock manager whether it still holds the lock and was told yes. A
// member that steals the lock waits `failoverMs / 2` before it handles anything, so the lease
// of the leader it replaced has run out by then, even if that leader's thread was blocked and
// has not yet learnt that its lock was stolen. Each leader takes an epoch one above the
// highest it has seen; a leader that hears of a higher one steps down at once.
//
// While it is not the leader, a member's subscription has its ackTimeoutMs lifted to the
// longest (a copy held for the leader must not time out); the subscriber's own value is
// restored when it leads, and applied by a JavaScript timer to the copies it takes over.

/** The ack timeout of a member's subscription while it is not the leader. */
const LIFTED = 2 ** 31 - 1;

/** How many of its last settled keys a leader leaves in localStorage when its page goes. */
export const LAST_WORDS = 256;

/** How long a member granted the lock waits for the last frames of the leader that left. */
const SETTLE_MS = 50;

export class Group {
  #ask = null;
  #release = null;
  #candidacy = null;
  #endCandidacy = null;
  #renewing = false;
  /** The last keys this member settled as leader, for its last words (see `away`). */
  #recent = [];

  constructor(coordinator, name, handler) {
    this.c = coordinator;
    this.name = name;
    this.lockName = `wasm-pubsub.shared.${name}`;
    this.handler = handler;
    this.role = coordinator.localReason === undefined ? "joining" : "local";
    /** The highest epoch heard of, and this member's own while it leads. */
    this.epoch = 0;
    this.myEpoch = 0;
    this.leaseUntil = 0;
    this.lastBeatAt = coordinator.now();
    /** When a leader's heartbeat was last heard; whether a leader saw others wait for its lock. */
    this.heardAt = -Infinity;
    this.others = false;
    this.candidate = false;
    this.holds = new Map();
    /** Keys the leader settled that this member has not been handed yet, oldest first. */
    this.settled = new Map();
    this.counts = { handled: 0, settledByLeader: 0, takenOver: 0, led: 0, deposed: 0, steals: 0, forgotten: 0, handedOver: 0 };
  }

  /** Starts following (or handling locally) the subscription made for the group. */
  start(sub) {
    this.sub = sub;
    [this.userAckMs, this.maxAttempts] = sub.__delivery();
    this.#wrapSubscription(sub);
    if (this.role === "local") return;
    this.#setAckTimeout(LIFTED);
    this.#join();
  }

  /** The subscription's handler. */
  deliver(msg) {
    if (this.role === "local") return this.handler(msg);
    const key = this.c.keyOf(msg);
    if (this.settled.delete(key)) {
      this.counts.settledByLeader++;
      return undefined;
    }
    if (this.role === "leader" && this.c.now() < this.leaseUntil) return this.#handle(msg, key);
    return new Promise((resolve) => this.holds.set(key, { msg, resolve }));
  }

  /** Runs the handler as the leader and tells the others once the message is settled here:
   * acked, or failed on its last attempt (it is then dead-lettered). */
  #handle(msg, key) {
    this.counts.handled++;
    const last = msg.attempt >= this.maxAttempts;
    let result, then;
    try {
      result = this.handler(msg);
      then = result?.then;
    } catch (error) {
      if (last) this.#settled(key);
      throw error;
    }
    if (typeof then !== "function") {
      this.#settled(key);
      return result;
    }
    const timer = last ? setTimeout(() => this.#settled(key), this.userAckMs) : undefined;
    return Promise.resolve(result).then(
      (value) => {
        clearTimeout(timer);
        this.#settled(key);
        return value;
      },
      (error) => {
        clearTimeout(timer);
        if (last) this.#settled(key);
        throw error;
      },
    );
  }

  /** Tells the group that this leader settled `key`, and keeps it for its last words. */
  #settled(key) {
    this.#recent.push(key);
    if (this.#recent.length > LAST_WORDS) this.#recent.shift();
    this.c.done(this, key);
  }

  /** Handles a copy this member held before it led, within the subscriber's ackTimeoutMs. */
  #takeOver(key, hold) {
    this.counts.takenOver++;
    let timer;
    const handled = new Promise((resolve) => resolve(this.#handle(hold.msg, key)));
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(handlerTimeout(this.userAckMs)), this.userAckMs);
    });
    hold.resolve(Promise.race([handled, timeout]).finally(() => clearTimeout(timer)));
  }

  #runHolds() {
    for (const [key, hold] of [...this.holds]) {
      if (this.role !== "leader") return;
      this.holds.delete(key);
      this.#takeOver(key, hold);
    }
  }

  #join() {
    const ask = new AbortController();
    this.#ask = ask;
    this.c.settings.locks.request(this.lockName, { signal: ask.signal }, () => this.#lead(ask, false)).catch(() => this.#lost(ask));
    this.#stand();
  }

  /** Queues for the second lock, whose holder may steal the first from a silent leader. */
  #stand() {
    if (this.#candidacy !== null) return;
    const ask = new AbortController();
    this.#candidacy = ask;
    const granted = () => {
      if (this.#candidacy !== ask) return undefined;
      this.candidate = true;
      this.lastBeatAt = this.c.now();
      return new Promise((resolve) => { this.#endCandidacy = resolve; });
    };
    this.c.settings.locks.request(`${this.lockName}/next`, { signal: ask.signal }, granted).catch(() => {});
  }

  /** Gives up the lock (released if held), the request for it and the candidacy. */
  #letGo() {
    const ask = this.#ask;
    this.#ask = null;
    ask?.abort();
    this.#release?.();
    this.#release = null;
    this.#sitDown();
  }

  #sitDown() {
    this.#candidacy?.abort();
    this.#candidacy = null;
    this.candidate = false;
    this.#endCandidacy?.();
    this.#endCandidacy = null;
  }

  #steal() {
    this.#ask?.abort();
    const ask = new AbortController();
    this.#ask = ask;
    this.counts.steals++;
    this.lastBeatAt = this.c.now();
    this.c.settings.locks.request(this.lockName, { steal: true }, () => this.#lead(ask, true)).catch(() => this.#lost(ask));
  }

  /** The lock was granted: leads, after the grace a steal needs, until it is released. */
  async #lead(ask, stolen) {
    if (this.#ask !== ask || this.ended) return undefined;
    this.#sitDown();
    this.myEpoch = ++this.epoch;
    this.role = "takingOver";
    const held = new Promise((resolve) => { this.#release = resolve; });
    const state = await this.c.settings.locks.query();
    this.clientId = state.held?.find((lock) => lock.name === this.lockName)?.clientId;
    await new Promise((resolve) => setTimeout(resolve, stolen ? this.c.settings.failoverMs / 2 : SETTLE_MS));
    if (this.#ask !== ask || this.role !== "takingOver") return held;
    this.onDone(0, this.c.readLastWords(this));
    this.role = "leader";
    this.counts.led++;
    this.#setAckTimeout(this.userAckMs);
    this.#renew();
    return held;
  }

  /** Asks the lock manager whether this member still holds the lock; if so renews its lease,
   * sends a heartbeat and handles what it holds, else steps down. */
  #renew() {
    if (this.#renewing) return;
    this.#renewing = true;
    const asked = this.c.now();
    this.c.settings.locks.query().then((state) => {
      this.#renewing = false;
      if (this.role !== "leader") return;
      const mine = state.held?.some((lock) => lock.name === this.lockName && lock.clientId === this.clientId);
      if (!mine) return this.#stepDown();
      this.others = state.pending?.some((lock) => lock.name === this.lockName) ?? false;
      this.leaseUntil = asked + this.c.settings.failoverMs / 2;
      this.c.beat(this);
      this.#runHolds();
    }, () => { this.#renewing = false; });
  }

  /** This member's request for the lock ended without it leading: stolen, or given up. */
  #lost(ask) {
    if (this.#ask === ask) this.#stepDown();
  }

  #stepDown() {
    const leading = this.role === "leader" || this.role === "takingOver";
    this.#release?.();
    this.#release = null;
    this.#ask = null;
    if (this.ended || this.role === "away") return;
    if (leading) this.counts.deposed++;
    this.role = "follower";
    this.leaseUntil = 0;
    this.lastBeatAt = this.c.now();
    this.#setAckTimeout(LIFTED);
    this.#join();
  }

  /** The page is going away (pagehide, freeze): stops leading and standing at once, so that
   * the acks of what it handled were sent before the lock passes on, and holds what arrives.
   * When it knows of another member (a follower that heard the leader lately, a leader with
   * requests for its lock waiting) it hands over what it has queued and in flight: posted
   * on its bridges for a member that lacks a copy, then discarded here, so the page's
   * lifecycle does not dead-letter copies the group handles. Alone, it keeps them. */
  away() {
    if (this.ended || this.role === "local" || this.role === "away") return;
    const leading = this.role === "leader" || this.role === "takingOver";
    const others = leading ? this.others : this.c.now() - this.heardAt < this.c.settings.failoverMs;
    this.c.lastWords(this, this.#recent);
    this.#letGo();
    this.role = "away";
    this.leaseUntil = 0;
    this.#setAckTimeout(LIFTED);
    if (others) this.#handOver();
  }

  #handOver() {
    this.holds.clear();
    try {
      this.counts.handedOver += this.sub.__handOver();
    } catch {
      // The bus is closed: nothing is left to hand over.
    }
  }

  /** The page is back (pageshow from the back-forward cache): joins the group again. */
  back() {
    if (this.ended || this.role !== "away") return;
    if (this.holds.size > 0 && this.#inFlight() === 0) this.holds.clear(); // evacuated meanwhile
    this.role = "joining";
    this.lastBeatAt = this.c.now();
    this.#join();
  }

  tick() {
    if (this.ended) return;
    if (!this.#live()) return this.end(false);
    if (this.role === "away") return;
    if (this.role === "leader") return this.#renew();
    const silent = this.c.now() - this.lastBeatAt > this.c.settings.failoverMs;
    if (this.candidate && silent && this.role !== "takingOver") this.#steal();
  }

  onBeat(epoch) {
    this.epoch = Math.max(this.epoch, epoch);
    if (this.role === "leader" || this.role === "takingOver") {
      if (epoch > this.myEpoch) this.#stepDown();
    } else if (epoch >= this.epoch) {
      this.lastBeatAt = this.heardAt = this.c.now();
      if (this.role === "joining") this.role = "follower";
    }
  }

  onDone(epoch, keys) {
    this.epoch = Math.max(this.epoch, epoch);
    if ((this.role === "leader" || this.role === "takingOver") && epoch > this.myEpoch) this.#stepDown();
    for (const key of keys) {
      const hold = this.holds.get(key);
      if (hold === undefined) {
        this.#remember(key);
        continue;
      }
      this.holds.delete(key);
      this.counts.settledByLeader++;
      hold.resolve();
    }
  }

  #remember(key) {
    this.settled.set(key, true);
    if (this.settled.size <= this.c.settings.maxSettled) return;
    this.settled.delete(this.settled.keys().next().value);
    this.counts.forgotten++;
  }

  #inFlight() {
    try {
      return this.c.bus.metrics().perSubscription[this.sub.name]?.inFlight ?? 0;
    } catch {
      return 0;
    }
  }

  #live() {
    try {
      return this.sub.state !== "closed";
    } catch {
      return false;
    }
  }

  #setAckTimeout(ms) {
    try {
      this.#update({ ackTimeoutMs: ms });
    } catch {
      // The subscription ended: the next tick ends the group.
    }
  }

  /** Makes the subscription's `update` keep the subscriber's ackTimeoutMs apart from the
   * lifted one, and its `unsubscribe`/`dispose` leave the group at once. */
  #wrapSubscription(sub) {
    const { update, unsubscribe, dispose } = sub;
    this.#update = (changes) => update.call(sub, changes);
    const own = (value) => ({ value, configurable: true, writable: true });
    Object.defineProperties(sub, {
      update: own((changes) => {
        const report = update.call(sub, changes);
        this.#afterUpdate();
        return report;
      }),
      unsubscribe: own(() => {
        const live = unsubscribe.call(sub);
        this.end(false);
        return live;
      }),
      dispose: own(() => {
        dispose.call(sub);
        this.end(false);
      }),
    });
  }

  #update = null;

  #afterUpdate() {
    const now = this.sub.__delivery();
    if (now === undefined) return;
    this.maxAttempts = now[1];
    if (this.role === "leader" || this.role === "local") this.userAckMs = now[0];
    else if (now[0] !== LIFTED) {
      this.userAckMs = now[0];
      this.#setAckTimeout(LIFTED);
    }
  }

  /** Leaves the group: releases its locks, lets go of what it holds; `unsubscribe` first
   * when the coordinator closes. */
  end(unsubscribe) {
    if (this.ended) return;
    this.ended = true;
    if (unsubscribe) {
      try {
        this.sub.unsubscribe();
      } catch {
        // Ended with its bus already.
      }
    }
    this.role = "ended";
    this.#letGo();
    for (const hold of this.holds.values()) hold.resolve();
    this.holds.clear();
    this.c.forget(this);
  }

  health(localReason) {
    const report = { name: this.name, role: this.role, epoch: this.epoch, holding: this.holds.size };
    if (this.role === "local") report.reason = localReason;
    return report;
  }

  stats() {
    return { role: this.role, epoch: this.epoch, holding: this.holds.size, ...this.counts };
  }
}

function handlerTimeout(ms) {
  return Object.assign(new Error(`the handler did not settle within ${ms} ms`), { code: "HANDLER_TIMEOUT" });
}
