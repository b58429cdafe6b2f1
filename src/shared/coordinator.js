// The coordinator of one bus's shared subscriptions. It listens on the port the bus's bridge
// uses for this library's `type: "shared"` frames (which the bridge itself ignores) and posts
// its own there: each group's leader's heartbeat, and the keys of the messages it settled.
// One interval drives every group's heartbeat.
import { PubSubError } from "../snippets/bus.js";
import { Group, LAST_WORDS } from "./group.js";

/** Where the core's front looks for the coordinator (see src/wasm/js/front.js). */
const SHARED = Symbol.for("wasm-pubsub.shared");

const DEFAULTS = { heartbeatMs: 1000, failoverMs: 5000, maxSettled: 16384 };
const OPTION_KEYS = new Set([...Object.keys(DEFAULTS), "locks"]);
/** The longest shared name, in UTF-16 code units. */
const MAX_NAME = 128;
/** The most keys one `done` frame carries, and the longest key (an origin of at most 128
 * code units, a colon and an id). */
const MAX_KEYS = 1024;
const MAX_KEY = 160;

/**
 * Lets `bus.subscribe(topic, handler, { shared: "name" })` hand each message to one bus of all
 * those sharing `port` (the port their bridges use, e.g. one `BroadcastChannel`), chosen by a
 * Web Locks leader. Without `navigator.locks` (Node, workerd) or without a port, every shared
 * subscription handles its own copies, and `bus.health().shared` says so. `port` may be a
 * function that opens one (as attachPageLifecycle's `connect`): that port is closed while the
 * page is hidden and opened again when it shows, so the page stays cacheable. Answers
 * `{ stats(), close() }`.
 *
 * ```js
 * const channel = new BroadcastChannel("app");
 * bus.bridge(channel);
 * shareSubscriptions(bus, channel);
 * bus.subscribe("jobs", run, { shared: "workers" }); // one tab runs each job
 * ```
 */
export function shareSubscriptions(bus, port, options) {
  if (bus === null || typeof bus !== "object" || typeof bus.__wireId !== "function") throw invalid("bus must be a PubSub");
  if (bus[SHARED] !== undefined) throw invalid("this bus shares its subscriptions already: call shareSubscriptions once per bus");
  const connect = typeof port === "function" ? port : undefined;
  const settings = readOptions(options);
  bus.__wireId(); // throws CLOSED for a closed bus, before anything is attached
  const coordinator = new Coordinator(bus, connect ? connected(connect) : checkedPort(port), settings, connect);
  Object.defineProperty(bus, SHARED, { value: coordinator, configurable: true });
  return { stats: () => coordinator.stats(), close: () => coordinator.close() };
}

function invalid(message) {
  return new PubSubError("INVALID_ARGUMENT", message);
}

function checkedPort(port) {
  const ok = port === undefined || (port !== null && typeof port === "object" && typeof port.postMessage === "function" && typeof port.addEventListener === "function");
  if (!ok) throw invalid("port must have postMessage and addEventListener, like a BroadcastChannel, or be a function that opens one");
  return port;
}

/** The port `connect()` opens, checked. */
function connected(connect) {
  return checkedPort(connect() ?? null);
}

function readOptions(options = {}) {
  if (options === null || typeof options !== "object") throw invalid("options must be an object { heartbeatMs?, failoverMs?, maxSettled?, locks? }");
  const unknown = Object.keys(options).find((key) => !OPTION_KEYS.has(key));
  if (unknown !== undefined) throw invalid(`unknown option "${unknown.slice(0, 64)}": options are { heartbeatMs?, failoverMs?, maxSettled?, locks? }`);
  const settings = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const value = options[key] ?? DEFAULTS[key];
    if (!Number.isSafeInteger(value) || value < 1 || value > 2 ** 31 - 1) throw invalid(`options.${key} must be an integer from 1 to 2147483647`);
    settings[key] = value;
  }
  if (settings.failoverMs < 2 * settings.heartbeatMs) throw invalid("options.failoverMs must be at least twice options.heartbeatMs");
  settings.locks = "locks" in options ? options.locks : globalThis.navigator?.locks;
  if (settings.locks != null && (typeof settings.locks.request !== "function" || typeof settings.locks.query !== "function")) {
    throw invalid("options.locks must be a LockManager (navigator.locks)");
  }
  return settings;
}

class Coordinator {
  constructor(bus, port, settings, connect) {
    this.bus = bus;
    this.port = port;
    /** Opens the port again when the page comes back; the port is closed while it is hidden. */
    this.connect = connect;
    this.settings = settings;
    /** Why shared subscriptions are handled locally here, or undefined when they are shared. */
    this.localReason = !settings.locks ? "navigator.locks is absent" : port === undefined ? "no port to share" : undefined;
    this.groups = new Map();
    this.counts = { sent: 0, sendErrors: 0, received: 0, rejected: 0 };
    this.timer = undefined;
    this.listener = (event) => this.receive(event);
    this.onPage = (event) => this.page(event);
    if (this.localReason === undefined) {
      port.addEventListener("message", this.listener);
      this.listenToPage("addEventListener");
    }
  }

  /** `pagehide` and `freeze` are heard in the capture phase, before listeners added without
   * it (attachPageLifecycle's evacuate among them): a member hands its copies over first. */
  listenToPage(method) {
    globalThis[method]?.("pagehide", this.onPage, { capture: true });
    globalThis[method]?.("pageshow", this.onPage);
    globalThis.document?.[method]?.("freeze", this.onPage, { capture: true });
    globalThis.document?.[method]?.("resume", this.onPage);
  }

  /** A page on its way out stops leading before it goes (see Group.away); back from the
   * back-forward cache, or resumed, it joins again. */
  page(event) {
    const leaving = event.type === "pagehide" || event.type === "freeze";
    if (!leaving && event.type !== "resume" && !event.persisted) return;
    if (!leaving) this.reconnect();
    for (const group of [...this.groups.values()]) {
      if (leaving) group.away();
      else group.back();
    }
    if (leaving) this.disconnect();
  }

  /** With `connect`, closes the port while the page is hidden: a BroadcastChannel message
   * reaching a page in the back-forward cache evicts it. */
  disconnect() {
    if (this.connect === undefined || this.port === undefined) return;
    this.port.removeEventListener("message", this.listener);
    try {
      this.port.close?.();
    } catch {
      // A port that cannot close only keeps a listener-less channel.
    }
    this.port = undefined;
  }

  reconnect() {
    if (this.connect === undefined || this.port !== undefined) return;
    try {
      this.port = connected(this.connect);
      this.port.addEventListener("message", this.listener);
    } catch {
      this.counts.sendErrors++;
    }
  }

  now() {
    return globalThis.performance?.now() ?? Date.now();
  }

  /** Subscribes through `subscribeOnBus(handler, options)` for the group `name`. */
  subscribe(name, subscribeOnBus, handler, options) {
    if (this.closed) throw new PubSubError("CLOSED", "shareSubscriptions(bus, port) was closed");
    if (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME) throw invalid(`options.shared must be a name of 1 to ${MAX_NAME} characters`);
    if (this.groups.has(name)) throw invalid(`a subscription of this bus shares "${name.slice(0, 64)}" already`);
    if (typeof handler !== "function") throw invalid("handler must be a function");
    const group = new Group(this, name, handler);
    const sub = subscribeOnBus((msg) => group.deliver(msg), options);
    this.groups.set(name, group);
    group.start(sub);
    if (this.localReason === undefined && this.timer === undefined) this.timer = setInterval(() => this.tick(), this.settings.heartbeatMs);
    return sub;
  }

  /** A group ended: stops the heartbeat when it was the last. */
  forget(group) {
    this.groups.delete(group.name);
    if (this.groups.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** The key of a message on every bus: its origin's wire id and its id there. */
  keyOf(msg) {
    const origin = msg.origin;
    if (origin !== undefined) return `${origin.id}:${origin.messageId}`;
    this.wire ??= this.bus.__wireId();
    return `${this.wire}:${msg.id}`;
  }

  tick() {
    for (const group of [...this.groups.values()]) group.tick();
  }

  beat(group) {
    this.post({ "wasm-pubsub": 1, type: "shared", name: group.name, kind: "beat", epoch: group.myEpoch });
  }

  /** Tells the others that `group` settled `key`, at once: an ack left for later (a
   * microtask, a batch) is not sent while the thread is blocked, and a leader replaced
   * meanwhile would see the message as not handled. */
  done(group, key) {
    this.post({ "wasm-pubsub": 1, type: "shared", name: group.name, kind: "done", epoch: group.myEpoch, keys: [key] });
  }

  /** Leaves `keys` in localStorage for the next leader: a leaving page's last `done` frames
   * may never be sent (Chromium drops a BroadcastChannel message posted as a page reloads),
   * while a localStorage write made in pagehide is kept. */
  lastWords(group, keys) {
    try {
      if (keys.length > 0) globalThis.localStorage?.setItem(`${group.lockName}.lastWords`, JSON.stringify(keys));
    } catch {
      // Storage full or refused: the next leader may handle those messages again.
    }
  }

  /** The last words a leaving leader left for `group` (strings only, at most LAST_WORDS). */
  readLastWords(group) {
    try {
      const keys = JSON.parse(globalThis.localStorage?.getItem(`${group.lockName}.lastWords`) ?? "[]");
      return Array.isArray(keys) ? keys.filter((key) => typeof key === "string").slice(-LAST_WORDS) : [];
    } catch {
      return [];
    }
  }

  post(frame) {
    try {
      this.port.postMessage(frame); // no port while hidden: counted as a send error
      this.counts.sent++;
    } catch {
      this.counts.sendErrors++;
    }
  }

  /** Reads a frame of another bus's coordinator; anything else on the port is not ours. */
  receive(event) {
    let frame;
    try {
      frame = readFrame(event.data, this.groups);
    } catch {
      frame = "rejected";
    }
    if (frame === undefined) return;
    if (frame === "rejected") {
      this.counts.rejected++;
      return;
    }
    this.counts.received++;
    if (frame.kind === "beat") frame.group.onBeat(frame.epoch);
    else frame.group.onDone(frame.epoch, frame.keys);
  }

  health() {
    return [...this.groups.values()].map((group) => group.health(this.localReason));
  }

  stats() {
    const groups = Object.fromEntries([...this.groups.values()].map((group) => [group.name, group.stats()]));
    return { ...this.counts, groups };
  }

  /** Ends every shared subscription (unsubscribed, their locks released) and detaches. */
  close() {
    this.#end((group) => group.end(true));
    delete this.bus[SHARED];
  }

  /** The bus is closing: each member hands its copies to the group, as a page leaving does,
   * and leaves it; a shared subscription made afterwards throws CLOSED. */
  busClosing() {
    this.#end((group) => {
      group.away();
      group.end(false);
    });
  }

  #end(each) {
    if (this.closed) return;
    this.closed = true;
    for (const group of [...this.groups.values()]) each(group);
    if (this.localReason === undefined) {
      this.listenToPage("removeEventListener");
      if (this.connect !== undefined) this.disconnect();
      else this.port.removeEventListener("message", this.listener);
    }
  }
}

/** `{ group, kind, epoch, keys? }` of a valid frame for one of `groups`, undefined for
 * anything that is not such a frame, "rejected" for one that is malformed. */
function readFrame(wire, groups) {
  if (wire === null || typeof wire !== "object" || wire["wasm-pubsub"] !== 1 || wire.type !== "shared") return undefined;
  const { name, kind, epoch, keys } = wire;
  const group = typeof name === "string" ? groups.get(name) : undefined;
  if (group === undefined) return undefined;
  if (!Number.isSafeInteger(epoch) || epoch < 0) return "rejected";
  if (kind === "beat") return { group, kind, epoch };
  if (kind !== "done" || !Array.isArray(keys) || keys.length > MAX_KEYS) return "rejected";
  if (!keys.every((key) => typeof key === "string" && key.length <= MAX_KEY)) return "rejected";
  return { group, kind, epoch, keys };
}
