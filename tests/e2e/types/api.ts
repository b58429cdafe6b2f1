// Every class, method, option and type of the public API, as a TypeScript user writes it.
// `tsc --strict --noEmit` must accept this file against the packed package's types, and each
// `@ts-expect-error` line proves a wrong use is caught (tsc fails on an unused directive).
import {
  type MessageStream,
  type PublishReport,
  type ConfigChanges,
  type UpdateReport,
  configFromEnv,
  Bridge, PubSub, PubSubError, Subscription, Topic, wasmMemoryBytes,
  type Attributes, type BatchMessage, type BreakerState, type BridgePort, type BridgeStats,
  type CircuitBreakerOptions, type Clock, type CloseReport, type DeadLetter, type DeadLetterFilter,
  type DeadLetterReason, type DeliveryOptions, type ErrorCode, type Handler, type Health,
  type Limits, type LogRecord, type Message, type MessageOrigin, type MetricsSnapshot, type PublishOptions,
  type PubSubConfig, type RetryBackoff, type SubscribeOptions, type SubscriptionMetrics,
  type SubscriptionState, type DeadLetterStore,
} from "wasm-pubsub";
import {
  attachPageLifecycle, indexedDbStore,
  type DurableStoreStats, type IndexedDbStore, type PageLifecycle,
} from "wasm-pubsub/durable";
import { shareSubscriptions, type SharedStats, type SharedSubscriptions } from "wasm-pubsub/shared";

interface Order { total: number; currency: "EUR" | "USD" }

const limits: Limits = {
  maxTopics: 1024, maxSubscriptionsPerTopic: 256, maxTopicNameLength: 255,
  maxMessageBytes: 1 << 20, maxAttributes: 32, maxAttributeKeyLength: 256,
  maxAttributeValueLength: 1024, maxBatchSize: 1000, maxDeadLetters: 1000,
};
const retryBackoff: RetryBackoff = { initialMs: 100, maxMs: 10_000, multiplier: 2 };
const circuitBreaker: CircuitBreakerOptions = { failureThreshold: 10, resetTimeoutMs: 30_000, halfOpenMaxCalls: 1 };
const delivery: DeliveryOptions = {
  maxInFlight: 1, ackTimeoutMs: 30_000, maxDeliveryAttempts: 5, retryBackoff, circuitBreaker,
  queueCapacity: 10_000, overflow: "deadLetterOldest",
};
const clock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
const logs: LogRecord[] = [];
const config: PubSubConfig = {
  autoCreateTopics: false,
  limits,
  delivery,
  clock,
  onDeadLetter: async (dl: DeadLetter) => {
    const reason: DeadLetterReason = dl.reason;
    const code: "HANDLER_ERROR" | "HANDLER_TIMEOUT" | undefined = dl.error?.code;
    console.log(reason, code, dl.error?.message, dl.attempts, dl.deadLetteredAt, dl.subscription, dl.message.id);
  },
  logger: (record: LogRecord) => {
    logs.push(record);
    const level: "debug" | "info" | "warn" | "error" = record.level;
    console.log(level, record.event, record.topic, record.subscription, record.messageId, record.code, record.message);
  },
};

export async function everything(): Promise<CloseReport> {
  const plain = new PubSub();
  await plain.close();
  const bus = new PubSub(config);

  // Topics.
  const orders: Topic = bus.createTopic("orders.eu");
  const name: string = orders.name;
  const same: Topic | undefined = bus.topic(name);
  const names: string[] = bus.topics();
  const deleted: boolean = bus.deleteTopic("orders.eu");
  console.log(same?.name, names, deleted);
  bus.createTopic("orders.eu");

  // Subscribing: a handler may be sync or async; messages are typed by the handler.
  const handler: Handler<Order> = async (msg: Message<Order>) => {
    const total: number = msg.data.total;
    const attributes: Attributes = msg.attributes;
    const region: string | undefined = attributes.region;
    const key: string | undefined = msg.orderingKey;
    const origin: MessageOrigin | undefined = msg.origin;
    console.log(origin?.id, origin?.messageId, origin?.publishedAt, origin?.hops);
    // @ts-expect-error origin is read-only
    msg.origin = undefined;
    console.log(total, region, key, msg.id, msg.topic, msg.sequence, msg.publishedAt, msg.attempt);
  };
  const controller = new AbortController();
  const options: SubscribeOptions = {
    ...delivery,
    name: "saver",
    filter: { region: "eu" },
    signal: controller.signal,
    overflow: "reject",
  };
  const sub: Subscription = bus.subscribe("orders.*", handler, options);
  const quick: Subscription = bus.subscribe("orders.>", () => {});
  const onTopic: Subscription = orders.subscribe((msg) => console.log(msg.data), { name: "direct" });
  const onTopicPlain: Subscription = orders.subscribe(() => {});
  const state: SubscriptionState = sub.state;
  const breaker: BreakerState = sub.breakerState;
  console.log(sub.name, sub.topic, state, breaker, quick.name, onTopicPlain.topic);
  sub.pause();
  sub.resume();
  const wasLive: boolean = onTopic.unsubscribe();
  console.log(wasLive);

  // Publishing.
  const publishOptions: PublishOptions = { attributes: { region: "eu" }, orderingKey: "customer-7" };
  const id: number = bus.publish("orders.eu", { total: 42, currency: "EUR" } satisfies Order, publishOptions);
  const bare: number = bus.publish("orders.eu", "text");
  const batch: BatchMessage[] = [{ data: 1 }, { data: new Uint8Array(4), attributes: { kind: "bytes" }, orderingKey: "k" }];
  const ids: number[] = bus.publishBatch("orders.eu", batch);
  const viaTopic: number = orders.publish(new ArrayBuffer(8), { attributes: { region: "eu" } });
  const viaTopicBare: number = orders.publish(null);
  const viaTopicBatch: number[] = orders.publishBatch([{ data: "a" }]);
  console.log(id, bare, ids, viaTopic, viaTopicBare, viaTopicBatch);

  // once, with and without a signal.
  const next: Promise<Message> = bus.once("orders.>");
  const nextOrAbort: Promise<Message> = bus.once("orders.eu", { signal: AbortSignal.timeout(1000) });
  bus.publish("orders.eu", 1);
  console.log((await next).id, await nextOrAbort.catch(() => null));

  // Dead letters.
  const letters: DeadLetter[] = bus.deadLetters();
  const filter: DeadLetterFilter = { topic: "orders.eu", subscription: "saver", reason: "MAX_ATTEMPTS" };
  const replayed: number = bus.replayDeadLetters(filter) + bus.replayDeadLetters((dl) => dl.attempts > 2)
    + bus.replayDeadLetters();
  const purged: number = bus.purgeDeadLetters();
  console.log(letters.length, replayed, purged);

  // Observability.
  const m: MetricsSnapshot = bus.metrics();
  const counters: number[] = [m.published, m.unrouted, m.routed, m.rejected, m.delivered, m.acked, m.failed,
    m.retried, m.deadLettered, m.deadLettersEvicted, m.deadLetterCallbackErrors, m.discarded, m.queued,
    m.inFlight, m.topics, m.subscriptions, m.latencyMs.p50, m.latencyMs.p90, m.latencyMs.p99, m.latencyMs.max];
  const perSub: SubscriptionMetrics | undefined = m.perSubscription["saver"];
  if (perSub) {
    const figures: number[] = [perSub.queued, perSub.inFlight, perSub.acked, perSub.failed, perSub.deadLettered];
    const subBreaker: BreakerState = perSub.breakerState;
    console.log(perSub.topic, figures, subBreaker);
  }
  const health: Health = bus.health();
  const status: "healthy" | "degraded" | "closing" | "closed" = health.status;
  console.log(counters, status, health.openBreakers, health.saturatedSubscriptions, health.deadLetters);
  console.log(`${wasmMemoryBytes() / 1024} KiB`);

  // Errors.
  try {
    bus.createTopic("orders.eu");
  } catch (err) {
    if (err instanceof PubSubError) {
      const code: ErrorCode = err.code;
      const errName: "PubSubError" = err.name;
      const isError: Error = err;
      console.log(code, errName, isError.message);
    }
  }
  const made = new PubSubError("QUEUE_FULL", "made by hand");
  console.log(made.code);

  // Bridges: every kind of port, with and without a topics filter.
  const channel = new BroadcastChannel("app");
  const fromChannel: Bridge = bus.bridge(channel);
  const { port1 } = new MessageChannel();
  const fromPort: Bridge = bus.bridge(port1, { topics: ["orders.>", "audit"] });
  const fromWorker: Bridge = bus.bridge(new Worker(new URL("./worker.js", import.meta.url), { type: "module" }), {});
  const custom: BridgePort = {
    postMessage: (message: unknown) => console.log(message),
    addEventListener: (_type: "message", _listener: (event: { data: unknown }) => void) => {},
  };
  const fromCustom: Bridge = bus.bridge(custom);
  const stats: BridgeStats = fromChannel.stats();
  const bridged: number[] = [stats.sent, stats.received, stats.rejected, stats.sendErrors];
  console.log(bridged, fromPort.stats().sent, fromWorker.stats().received, fromCustom.stats().rejected);
  fromChannel.close();

  // Wrong uses are caught.
  // @ts-expect-error attribute values are strings
  bus.publish("orders.eu", 1, { attributes: { region: 5 } });
  // @ts-expect-error unknown config key
  new PubSub({ autoCreateTopic: true });
  // @ts-expect-error overflow is "reject" or "deadLetterOldest"
  bus.subscribe("orders.eu", () => {}, { overflow: "dropNewest" });
  // @ts-expect-error not an error code
  const badCode: ErrorCode = "NOT_A_CODE";
  // @ts-expect-error not a breaker state
  const badBreaker: BreakerState = "opened";
  // @ts-expect-error a topic name is a string
  bus.createTopic(42);
  // @ts-expect-error a topic or pattern is a string
  bus.subscribe(7, () => {});
  // @ts-expect-error a handler is a function
  bus.subscribe("orders.eu", "not a function");
  // @ts-expect-error the close report has no such field
  console.log(badCode, badBreaker, (await bus.close()).lost);

  // Parity with mitt and emittery: counts, clearing, awaiting a publish, an async iterator.
  const count: number = bus.listenerCount("orders.eu") + bus.unsubscribeAll("orders.*") + bus.unsubscribeAll();
  const report: PublishReport = await bus.publishAndWait("orders.eu", { total: count });
  console.log(report.acked, report.deadLettered, report.discarded);
  const stream: MessageStream = bus.stream("orders.>", { signal: AbortSignal.timeout(10), queueCapacity: 10 });
  for await (const msg of stream) {
    console.log(msg.id, msg.topic);
    break;
  }
  stream.end();
  new PubSub({ logger: null });

  // Request/reply.
  bus.subscribe("orders.eu", (msg) => msg.respond?.({ ok: true }));
  const answer: { ok: boolean } = await bus.request<{ ok: boolean }>("orders.eu", { total: 1 }, { timeoutMs: 100, attributes: { a: "b" } });
  console.log(answer.ok);
  // @ts-expect-error request options take timeoutMs
  await bus.request("orders.eu", 1, { timeout: 5 });

  // Settling without closing.
  const drained: CloseReport = await bus.drain({ timeoutMs: 100 });
  const evacuated: number = bus.evacuate();
  console.log(drained.drained + evacuated);
  // @ts-expect-error drain takes timeoutMs, close takes drainTimeoutMs
  await bus.drain({ drainTimeoutMs: 100 });

  // Configuration at run time.
  const update: UpdateReport = bus.subscribe("orders.eu", () => {}).update({ maxInFlight: 4, circuitBreaker: { failureThreshold: 3 } });
  console.log(update.deadLettered + update.overCapacity);
  const changes: ConfigChanges = configFromEnv({ PUBSUB_DELIVERY_MAX_IN_FLIGHT: "2" }, { prefix: "PUBSUB_" });
  bus.configure(changes);
  bus.configure({ delivery: { ackTimeoutMs: 5000 }, limits: { maxDeadLetters: 10 } });
  new PubSub(configFromEnv({}));
  // @ts-expect-error the clock is fixed when the bus is made
  bus.configure({ clock: { now: () => 0, setTimeout, clearTimeout } });
  // @ts-expect-error a subscription's name is fixed
  bus.subscribe("orders.eu", () => {}).update({ name: "other" });
  const stack: string | undefined = bus.deadLetters()[0]?.error?.stack;
  console.log(stack);

  // Closing, with and without options.
  return bus.close({ drainTimeoutMs: 2000 });
}

// wasm-pubsub/durable: dead letters in IndexedDB, a bus that follows its page.
export async function durable(): Promise<number> {
  const store: IndexedDbStore = await indexedDbStore("app", { maxLandingBytes: 1 << 16, storage: localStorage, logger: (r) => console.log(r.event, r.code) });
  const bus = new PubSub({ deadLetterStore: store, autoCreateTopics: true });
  const lifecycle: PageLifecycle = attachPageLifecycle(bus, { store, connect: () => new BroadcastChannel("app") });
  const stats: DurableStoreStats = store.stats();
  const own: DeadLetterStore = { add: (letter: DeadLetter) => letter.attempts, remove: (keys) => keys.map(([name, id]) => `${name}${id}`) };
  new PubSub({ deadLetterStore: own });
  // @ts-expect-error a store needs remove too
  new PubSub({ deadLetterStore: { add: () => {} } });
  // @ts-expect-error the store is fixed when the bus is made
  bus.configure({ deadLetterStore: own });
  lifecycle.detach();
  return stats.memoryOnly + stats.atRisk + lifecycle.stats().evacuated;
}

// wasm-pubsub/shared: one handler per message across tabs.
export function sharedAcrossTabs(): number {
  const bus = new PubSub({ autoCreateTopics: true });
  const channel = new BroadcastChannel("app");
  bus.bridge(channel);
  const shared: SharedSubscriptions = shareSubscriptions(bus, channel, { heartbeatMs: 500, failoverMs: 3000, maxSettled: 1024, locks: null });
  bus.subscribe("jobs", (msg: Message<{ n: number }>) => msg.data.n, { shared: "workers", maxInFlight: 4 });
  // @ts-expect-error a shared name is a string
  bus.subscribe("jobs", () => {}, { shared: 1 });
  // @ts-expect-error no such option
  shareSubscriptions(bus, channel, { heartbeat: 5 });
  const role = bus.health().shared?.[0]?.role;
  const stats: SharedStats = shared.stats();
  shared.close();
  return (role === "leader" ? 1 : 0) + stats.sent + (stats.groups.workers?.takenOver ?? 0);
}
