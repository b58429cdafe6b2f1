// The throughput workloads and, for each, the cases that run it (wasm-pubsub and its peers).
//
// A case is { items, setup() → ctx, run(ctx) → Promise, check?(ctx) }: `run` is one cycle and
// `items` what a cycle counts (deliveries, or messages for publish-only cases). Every handler
// is the same tiny function: it counts and resolves the cycle's promise when the count
// reaches `items`, so a cycle is "publish everything, then wait until the last handler ran"
// for every library alike.
// wasm-pubsub delivers in microtasks after `publish` returns; the synchronous peers call
// the handler inside `emit`, so for them the promise is already resolved when the loop ends.
// For async handlers a cycle also waits until every handler's promise has settled: emittery's
// `await emit` does that by itself; for wasm-pubsub the run then waits (microtask by
// microtask) until `bus.metrics().acked` has grown by `items`.

import Emittery from "emittery";
import EventEmitter from "eventemitter3";
import mitt from "mitt";
import PubSubJs from "pubsub-js";
import { Subject } from "rxjs";

import { EnvelopeBroker } from "./reference.mjs";

/** A handler that counts to a target and then resolves the current run. */
function counter() {
  let count = 0;
  let target = 0;
  let resolve = () => {};
  return {
    start(items) {
      count = 0;
      target = items;
      return new Promise((r) => { resolve = r; });
    },
    sync: () => { if (++count === target) resolve(); },
    async: async () => { if (++count === target) resolve(); },
  };
}

const TOPIC = "orders";
const LONG_TOPIC = "orders.eu.created";

/** Waits until the bus has acked `total` messages in all (async handlers settle late). */
async function acked(bus, total) {
  while (bus.metrics().acked < total) await null;
}

// ---- the wasm-pubsub cases -------------------------------------------------------------

function wasmSubscribers(lib, { items, messages, subscribers = 1, async = false, maxInFlight = 1 }) {
  return {
    items,
    setup() {
      const bus = new lib.PubSub({ delivery: { queueCapacity: messages, maxInFlight } });
      bus.createTopic(TOPIC);
      const c = counter();
      for (let s = 0; s < subscribers; s++) bus.subscribe(TOPIC, async ? c.async : c.sync);
      return { bus, c, runs: 0 };
    },
    async run(ctx) {
      const done = ctx.c.start(items);
      for (let i = 0; i < messages; i++) ctx.bus.publish(TOPIC, i);
      await done;
      ctx.runs++;
      if (async) await acked(ctx.bus, ctx.runs * items);
    },
    check: (ctx) => ctx.bus.metrics().acked === ctx.runs * items,
  };
}

/** Publishes `messages` with `publishAll(ctx)` and, when subscribed, waits for their delivery. */
function wasmPublishing(lib, { messages, topic = TOPIC, subscribed = true, publishAll }) {
  const batched = publishAll.batched === true;
  return {
    items: messages,
    setup() {
      const bus = new lib.PubSub({ delivery: { queueCapacity: messages } });
      const handle = bus.createTopic(topic);
      const c = counter();
      if (subscribed) bus.subscribe(topic, c.sync);
      return { bus, handle, c, runs: 0, batches: batched ? makeBatches(messages) : null };
    },
    async run(ctx) {
      const done = subscribed ? ctx.c.start(messages) : null;
      publishAll(ctx);
      ctx.runs++;
      if (done) await done;
    },
    check: (ctx) => {
      const m = ctx.bus.metrics();
      return subscribed ? m.acked === ctx.runs * messages : m.published === ctx.runs * messages;
    },
  };
}

const BATCH = 1000;

function makeBatches(messages) {
  const batches = [];
  for (let b = 0; b < messages / BATCH; b++) {
    batches.push(Array.from({ length: BATCH }, (_, i) => ({ data: b * BATCH + i })));
  }
  return batches;
}

const byName = (topic, messages) => (ctx) => {
  for (let i = 0; i < messages; i++) ctx.bus.publish(topic, i);
};
const byHandle = (messages) => (ctx) => {
  for (let i = 0; i < messages; i++) ctx.handle.publish(i);
};
const inBatches = (topic) => Object.assign((ctx) => {
  for (const batch of ctx.batches) ctx.bus.publishBatch(topic, batch);
}, { batched: true });

// ---- the peers -------------------------------------------------------------------------

/** A synchronous emitter: `make(handler)` subscribes `subscribers` times and returns emit(i). */
function syncPeer({ items, messages, subscribers = 1 }, make) {
  return {
    items,
    setup() {
      const c = counter();
      return { c, emit: make(c.sync, subscribers) };
    },
    async run(ctx) {
      const done = ctx.c.start(items);
      const emit = ctx.emit;
      for (let i = 0; i < messages; i++) emit(i);
      await done;
    },
  };
}

const peers = {
  mitt: (shape) => syncPeer(shape, (h, n) => {
    const e = mitt();
    for (let s = 0; s < n; s++) e.on(TOPIC, h);
    return (i) => e.emit(TOPIC, i);
  }),
  eventemitter3: (shape) => syncPeer(shape, (h, n) => {
    const e = new EventEmitter();
    for (let s = 0; s < n; s++) e.on(TOPIC, h);
    return (i) => e.emit(TOPIC, i);
  }),
  "pubsub-js publishSync": (shape) => syncPeer(shape, (h, n) => {
    PubSubJs.clearAllSubscriptions();
    for (let s = 0; s < n; s++) PubSubJs.subscribe(TOPIC, h);
    return (i) => PubSubJs.publishSync(TOPIC, i);
  }),
  "rxjs Subject": (shape) => syncPeer(shape, (h, n) => {
    const subject = new Subject();
    for (let s = 0; s < n; s++) subject.subscribe(h);
    return (i) => subject.next(i);
  }),
};

// Fan-out: every library gets the same counting function 100 times (none of them
// deduplicates listeners: mitt, eventemitter3, pubsub-js and rxjs keep lists, and
// wasm-pubsub makes 100 subscriptions).

function emitteryCase({ items, concurrent }) {
  return {
    items,
    setup() {
      const c = counter();
      const emitter = new Emittery();
      emitter.on(TOPIC, c.async);
      return { c, emitter };
    },
    async run(ctx) {
      const done = ctx.c.start(items);
      if (concurrent) {
        const all = new Array(items);
        for (let i = 0; i < items; i++) all[i] = ctx.emitter.emit(TOPIC, i);
        await Promise.all(all);
      } else {
        for (let i = 0; i < items; i++) await ctx.emitter.emit(TOPIC, i);
      }
      await done;
    },
  };
}

// ---- the workloads ---------------------------------------------------------------------

const W1 = { items: 100_000, messages: 100_000 };
const W2 = { items: 500_000, messages: 5_000, subscribers: 100 };
const W3 = { items: 20_000, messages: 20_000 };
const W45 = 100_000;

/**
 * Every workload: id, title, unit, its cases (name → lib → case), which case is "ours" and
 * how ratios are read. `baseline` names the case every other row is divided by.
 */
export const workloads = [
  {
    id: "1",
    title: "Workload 1 — one topic, one subscriber, handler returns nothing",
    unit: "deliveries/s",
    note: `${W1.messages.toLocaleString("en")} publishes per run; wasm-pubsub: bus.publish(name, i), queueCapacity ${W1.messages}`,
    cases: {
      "wasm-pubsub": (lib) => wasmSubscribers(lib, W1),
      "same-envelope JS reference": () => wasmSubscribers({ PubSub: EnvelopeBroker }, W1),
      ...Object.fromEntries(Object.entries(peers).map(([name, make]) => [name, () => make(W1)])),
    },
    ours: "wasm-pubsub",
  },
  {
    id: "2",
    title: "Workload 2 — fan-out: one topic, 100 subscribers",
    unit: "deliveries/s",
    note: `${W2.messages.toLocaleString("en")} publishes × 100 subscribers = ${W2.items.toLocaleString("en")} deliveries per run`,
    cases: {
      "wasm-pubsub": (lib) => wasmSubscribers(lib, W2),
      ...Object.fromEntries(Object.entries(peers).map(([name, make]) => [name, () => make(W2)])),
    },
    ours: "wasm-pubsub",
  },
  {
    id: "3",
    title: "Workload 3 — async handlers returning a promise, every delivery awaited",
    unit: "deliveries/s",
    note: `${W3.items.toLocaleString("en")} messages per run; a run ends when every handler's promise has settled (acked)`,
    cases: {
      "wasm-pubsub maxInFlight 1": (lib) => wasmSubscribers(lib, { ...W3, async: true, maxInFlight: 1 }),
      "wasm-pubsub maxInFlight 16": (lib) => wasmSubscribers(lib, { ...W3, async: true, maxInFlight: 16 }),
      "emittery await emit (one at a time)": () => emitteryCase({ items: W3.items, concurrent: false }),
      "emittery emit all, await Promise.all": () => emitteryCase({ items: W3.items, concurrent: true }),
    },
    ours: "wasm-pubsub maxInFlight 1",
  },
  {
    id: "4",
    title: "Workload 4 — publishBatch of 1000 vs 1000 single publishes",
    unit: "messages/s",
    note: `${W45.toLocaleString("en")} messages per run (100 batches of ${BATCH} prebuilt { data } entries, or ${W45.toLocaleString("en")} publish calls)`,
    cases: {
      "publishBatch ×1000, 1 subscriber": (lib) => wasmPublishing(lib, { messages: W45, publishAll: inBatches(TOPIC) }),
      "publish ×1, 1 subscriber": (lib) => wasmPublishing(lib, { messages: W45, publishAll: byName(TOPIC, W45) }),
      "publishBatch ×1000, no subscriber (publish only)": (lib) =>
        wasmPublishing(lib, { messages: W45, subscribed: false, publishAll: inBatches(TOPIC) }),
      "publish ×1, no subscriber (publish only)": (lib) =>
        wasmPublishing(lib, { messages: W45, subscribed: false, publishAll: byName(TOPIC, W45) }),
    },
  },
  {
    id: "5",
    title: `Workload 5 — a Topic handle vs publishing by name ("${LONG_TOPIC}")`,
    unit: "messages/s",
    note: `${W45.toLocaleString("en")} messages per run`,
    cases: {
      "topic.publish(data), 1 subscriber": (lib) =>
        wasmPublishing(lib, { messages: W45, topic: LONG_TOPIC, publishAll: byHandle(W45) }),
      "bus.publish(name, data), 1 subscriber": (lib) =>
        wasmPublishing(lib, { messages: W45, topic: LONG_TOPIC, publishAll: byName(LONG_TOPIC, W45) }),
      "topic.publish(data), no subscriber (publish only)": (lib) =>
        wasmPublishing(lib, { messages: W45, topic: LONG_TOPIC, subscribed: false, publishAll: byHandle(W45) }),
      "bus.publish(name, data), no subscriber (publish only)": (lib) =>
        wasmPublishing(lib, { messages: W45, topic: LONG_TOPIC, subscribed: false, publishAll: byName(LONG_TOPIC, W45) }),
    },
  },
];
