// The JavaScript half of the bridge (src/wasm/bridge/): the wire format, the options check,
// and the one listener each bridge adds to its port.
//
// The listener is plain JavaScript holding a `link` whose `inbox` is the bridge's exported
// Rust `Inbox`, which holds the bus: as long as the port can call the listener, the bus
// lives — an open bridge owns its bus, as any listener owns its function. Closing sets
// `link.inbox` to null and removes the listener where the port can; a port that cannot keeps
// an inert function that never throws. Frames are checked here, every string's length
// before anything is copied into wasm memory (which never shrinks).

import { isWellFormed, measure } from "./bus.js";

/** The longest `origin` a frame may carry (this library sends 24 hex digits). */
const MAX_ORIGIN = 128;

/** The `attributes` of every frame of a message without any: one frozen empty object. */
const NO_ATTRIBUTES = Object.freeze({});

/** The wire form of a bridged message; a request carries the inbox its replies go to and
 * how long its asker waits for them (ms). */
export function envelope(origin, id, hops, topic, data, attributes, orderingKey, publishedAt, replyInbox, replyWithin) {
  const copy = attributes === undefined ? NO_ATTRIBUTES : { ...attributes };
  const wire = { "wasm-pubsub": 1, origin, id, hops, topic, data, attributes: copy, publishedAt };
  if (orderingKey !== undefined) wire.orderingKey = orderingKey;
  if (replyInbox !== undefined) {
    wire.replyInbox = replyInbox;
    wire.replyWithin = replyWithin;
  }
  return wire;
}

/** The longest wait a request frame may announce: 2³¹−1 ms. */
const MAX_REPLY_WITHIN = 2 ** 31 - 1;

/** The wire form of a reply to request `inbox` of the bus whose wire id is `to`. */
export function replyEnvelope(to, inbox, hops, data) {
  return { "wasm-pubsub": 1, type: "reply", to, inbox, hops, data };
}

/** Posts `wire` with the port's own `postMessage`; whether that did not throw. */
export function post(port, postMessage, wire) {
  try {
    Reflect.apply(postMessage, port, [wire]);
    return true;
  } catch {
    return false;
  }
}

/** A random id for this bus on the bridge wire. */
export function randomOrigin() {
  const bytes = new Uint8Array(12);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Adds the bridge's listener to `port` with its `addEventListener`; returns the link, or null
 * when adding threw. `bounds` (read at once: it is a view of wasm memory) holds, in code
 * units, the longest topic, attribute key, attribute value and ordering key, plus the
 * attribute count and the hop limit.
 */
export function listen(port, addEventListener, inbox, bounds) {
  const link = { inbox, bounds: null, listener: null, topic: undefined, origin: undefined, calls: 0 };
  rebound(link, bounds);
  link.listener = (event) => receive(link, event);
  try {
    Reflect.apply(addEventListener, port, ["message", link.listener]);
    return link;
  } catch {
    return null;
  }
}

/** Sets a link's bounds (see `listen`): when it opens, and when `bus.configure` changes the limits. */
export function rebound(link, bounds) {
  const [topic, attributes, key, value, orderingKey, hops] = bounds;
  link.bounds = { topic, attributes, key, value, orderingKey, hops };
}

/** Makes a link inert and removes its listener when the port has `removeEventListener`. */
export function unlisten(port, link) {
  link.inbox = null;
  try {
    const remove = port.removeEventListener;
    if (typeof remove === "function") Reflect.apply(remove, port, ["message", link.listener]);
  } catch {
    // The link is inert already: a port that cannot remove it only keeps a no-op.
  }
}

/** Hands one event's frame to the inbox, checked, or the code it is rejected with. The topic and
 * origin cross into wasm only when they differ from the link's last frame's (`undefined`: the
 * same); the link remembers them only when no other frame was received meanwhile (a port that
 * delivers synchronously, from inside the inbox), and not at all if the call is cut short.
 * Whatever may run user code (reading the frame, measuring its data: a Proxy's traps) runs
 * before they are compared, so a frame received from there is already the link's last. */
function receive(link, event) {
  const inbox = link.inbox;
  if (inbox === null) return;
  const type = frameType(event);
  if (type === "reply") return receiveReply(inbox, event.data, link.bounds);
  if (type === "shared") return;
  const frame = readFrame(event, link);
  if (typeof frame === "string") return inbox.reject(frame);
  const size = measure(frame.data);
  const { topic, origin } = frame;
  const newTopic = topic === link.topic ? undefined : topic;
  const newOrigin = origin === link.origin ? undefined : origin;
  const call = ++link.calls;
  link.topic = link.origin = undefined;
  inbox.receive(frame.data, size, frame.source, frame.extra, newTopic, newOrigin, frame.id, frame.hops, frame.publishedAt, frame.replyInbox, frame.replyWithin);
  if (call !== link.calls) return;
  link.topic = topic;
  link.origin = origin;
}

/** The `type` of a frame of this library ("reply", "shared": wasm-pubsub/shared's own
 * frames, which its listener on the same port reads), undefined for a message or anything else. */
function frameType(event) {
  try {
    const wire = event.data;
    return wire !== null && typeof wire === "object" && wire["wasm-pubsub"] === 1 ? wire.type : undefined;
  } catch {
    return undefined;
  }
}

/** Hands a reply frame to the inbox, checked, or rejects it. Never throws. */
function receiveReply(inbox, wire, bounds) {
  let to, id, hops, data;
  try {
    ({ to, inbox: id, hops, data } = wire);
  } catch {
    return inbox.reject("INVALID_ARGUMENT");
  }
  if (typeof to !== "string" || to.length === 0 || to.length > MAX_ORIGIN) return inbox.reject("INVALID_ARGUMENT");
  if (!Number.isSafeInteger(id) || id < 1 || !Number.isSafeInteger(hops) || hops < 1) return inbox.reject("INVALID_ARGUMENT");
  if (hops > bounds.hops) return inbox.reject("LIMIT_EXCEEDED");
  inbox.reply(to, id, hops, data);
}

/**
 * Reads a frame: `{ topic, origin, data, source, extra, id, hops, publishedAt, replyInbox,
 * replyWithin }` (`source` the frozen `msg.origin` its deliveries carry, `extra` undefined
 * when it has neither attributes nor an ordering key, else `[attributes, orderingKey, k1, v1,
 * …]` with `attributes` a frozen prototype-less copy, undefined when there are none;
 * `replyInbox` 0 when it is no request), or the error code it is rejected with. Never throws;
 * a missing `hops` (older peers) counts as 1. A topic is checked to be well-formed UTF-16 unless
 * it is the link's last one.
 */
function readFrame(event, link) {
  const bounds = link.bounds;
  try {
    const wire = event.data;
    if (wire === null || typeof wire !== "object" || wire["wasm-pubsub"] !== 1) return "INVALID_ARGUMENT";
    const { origin, id, hops = 1, topic, data, orderingKey, attributes, publishedAt, replyInbox, replyWithin = 0 } = wire;
    if (typeof origin !== "string" || origin.length === 0 || origin.length > MAX_ORIGIN) return "INVALID_ARGUMENT";
    if (!Number.isSafeInteger(id) || id < 1 || !Number.isSafeInteger(hops) || hops < 1) return "INVALID_ARGUMENT";
    if (!Number.isFinite(publishedAt)) return "INVALID_ARGUMENT";
    if (hops > bounds.hops) return "LIMIT_EXCEEDED";
    if (typeof topic !== "string" || topic.length > bounds.topic) return "INVALID_TOPIC_NAME";
    if (topic !== link.topic && !isWellFormed(topic)) return "INVALID_TOPIC_NAME";
    if (orderingKey !== undefined && (typeof orderingKey !== "string" || orderingKey.length > bounds.orderingKey)) {
      return "INVALID_ARGUMENT";
    }
    if (replyInbox !== undefined && (!Number.isSafeInteger(replyInbox) || replyInbox < 1)) return "INVALID_ARGUMENT";
    if (!Number.isSafeInteger(replyWithin) || replyWithin < 0 || replyWithin > MAX_REPLY_WITHIN) return "INVALID_ARGUMENT";
    const extra = extraOf(attributes, orderingKey, bounds);
    if (extra === null) return "INVALID_ATTRIBUTES";
    const source = Object.freeze({ id: origin, messageId: id, publishedAt, hops });
    return { topic, origin, data, source, extra, id, hops, publishedAt, replyInbox: replyInbox ?? 0, replyWithin };
  } catch {
    return "INVALID_ARGUMENT";
  }
}

/** A frame's `[attributes, orderingKey, k1, v1, …]` (see `readFrame`), undefined when it has
 * neither, null when an attribute is out of bounds or not a string (the count is checked as
 * the keys are read, not after). Undefined attributes have no keys to read. */
function extraOf(attributes, orderingKey, bounds) {
  if (attributes !== undefined && (attributes === null || typeof attributes !== "object" || Array.isArray(attributes))) return null;
  let extra;
  let count = 0;
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    const value = attributes[key];
    if (++count > bounds.attributes || key.length > bounds.key) return null;
    if (typeof value !== "string" || value.length > bounds.value) return null;
    extra ??= [Object.create(null), orderingKey];
    extra[0][key] = value;
    extra.push(key, value);
  }
  if (extra !== undefined) {
    Object.freeze(extra[0]);
    return extra;
  }
  return orderingKey === undefined ? undefined : [undefined, orderingKey];
}

/**
 * Reads `bridge()`'s options: a copy of `topics` (strings, at most `maxTopics`, the length
 * checked before any element is read), or a string naming the problem. Never throws.
 */
export function bridgeTopics(options, maxTopics) {
  if (options === undefined) return [];
  if (options === null || typeof options !== "object") return "options must be a plain object { topics? }";
  let topics;
  try {
    const proto = Object.getPrototypeOf(options);
    if (proto !== null && Object.getPrototypeOf(proto) !== null) return "options must be a plain object { topics? }";
    const unknown = Object.keys(options).find((key) => key !== "topics");
    if (unknown !== undefined) return `unknown option "${unknown.slice(0, 64)}": options are { topics? }`;
  } catch {
    return "reading the options threw";
  }
  try {
    topics = options.topics;
  } catch {
    return "reading options.topics threw";
  }
  return topics === undefined ? [] : topicList(topics, maxTopics);
}

/** A copy of a topics list, or what is wrong with it. */
function topicList(topics, maxTopics) {
  try {
    if (!Array.isArray(topics)) return "options.topics must be an array of topics or patterns";
    const n = topics.length;
    if (!Number.isSafeInteger(n) || n > maxTopics) return `options.topics may hold at most ${maxTopics} topics or patterns`;
    const copy = new Array(n);
    for (let i = 0; i < n; i++) {
      copy[i] = topics[i];
      if (typeof copy[i] !== "string") return "options.topics must be an array of strings";
    }
    return copy;
  } catch {
    return "reading options.topics threw";
  }
}
