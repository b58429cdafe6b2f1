// A typed consumer: a bus with a topic map, generic messages, handlers that return anything,
// readonly arrays, typed log records. It compiles under `tsc --strict` without a single cast
// or `any`; each `@ts-expect-error` line proves a wrong use is rejected (tsc fails on an
// unused directive), and the `Equal` checks pin the types the declarations infer.
import {
  PubSub, PubSubError, type BatchMessage, type DeadLetter, type Handler, type LogCode,
  type LogEvent, type LogRecord, type Message, type MessageData, type PubSubConfig,
  type Subscription, type Topic, type TopicData,
} from "wasm-pubsub";

/** `Equal<A, B>` is `true` only when A and B are the same type. */
type Equal<A, B> = (<V>() => V extends A ? 1 : 2) extends (<V>() => V extends B ? 1 : 2) ? true : false;
/** Compiles only when given `true`. */
function assertType<T extends true>(): T | void {}

interface Order { id: string; total: number; currency: "EUR" | "USD" }
interface Cart { sku: string; qty: number }
interface Events {
  "orders.eu": Order;
  "orders.us": Order;
  "cart.items": Cart;
  "cart.saved.done": boolean;
}

declare function renderCart(cart: Cart): { rendered: true };
declare function save(order: Order): Promise<number>;

export async function typedBus(): Promise<void> {
  const logs: LogRecord[] = [];
  const config: PubSubConfig<Events> = {
    autoCreateTopics: true,
    // Dead letters of a mapped bus carry the union of its payloads.
    onDeadLetter: (dl) => {
      assertType<Equal<typeof dl.message.data, Order | Cart | boolean>>();
      return dl.reason; // a callback may return anything
    },
    logger: (record) => logs.push(record), // so may a logger
  };
  const bus = new PubSub<Events>(config);

  // Publishing on a mapped topic checks the data; an unmapped topic takes anything.
  const id: number = bus.publish("orders.eu", { id: "o-1", total: 42, currency: "EUR" });
  bus.publish("cart.items", { sku: "A-1", qty: 2 }, { attributes: { tab: "1" }, orderingKey: "cart" });
  bus.publish("audit.login", { user: "ada" });
  // @ts-expect-error a mapped topic checks its data: total is a number
  bus.publish("orders.eu", { id: "o-2", total: "42", currency: "EUR" });
  // @ts-expect-error "cart.items" carries a Cart, not a number
  bus.publish("cart.items", 7);
  // @ts-expect-error a missing field
  bus.publish("orders.us", { id: "o-3", total: 1 });

  // Subscribing to a mapped topic types the message; a handler may return anything.
  bus.subscribe("cart.items", (msg) => renderCart(msg.data));
  bus.subscribe("orders.eu", async (msg) => save(msg.data), { name: "saver", maxInFlight: 4 });
  // A pattern is the union of the mapped topics it matches …
  bus.subscribe("orders.*", (msg) => {
    assertType<Equal<typeof msg.data, Order>>();
    return msg.data.total;
  });
  bus.subscribe("cart.>", (msg) => {
    assertType<Equal<typeof msg.data, Cart | boolean>>();
  });
  bus.subscribe(">", (msg) => {
    assertType<Equal<typeof msg.data, Order | Cart | boolean>>();
  });
  // … and `unknown` when it matches none; so is an unmapped topic.
  bus.subscribe("audit.*", (msg) => {
    assertType<Equal<typeof msg.data, unknown>>();
  });
  // @ts-expect-error "cart.>" also carries booleans ("cart.saved.done")
  bus.subscribe("cart.>", (msg) => renderCart(msg.data));
  // @ts-expect-error an unmapped topic's data is unknown until the subscriber says otherwise
  bus.subscribe("audit.cart", (msg) => renderCart(msg.data));

  // On an unmapped topic the subscriber gives the type: a type argument or an annotation.
  bus.subscribe<Cart>("audit.cart", (msg) => renderCart(msg.data));
  bus.subscribe("audit.cart", (msg: Message<Cart>) => renderCart(msg.data));
  // @ts-expect-error a mapped topic's type wins over an annotation that contradicts it
  bus.subscribe("orders.eu", (msg: Message<Cart>) => renderCart(msg.data));
  // A wider annotation is fine.
  bus.subscribe("orders.eu", (msg: Message<unknown>) => msg.id);

  // Handlers declared apart.
  const onOrder: Handler<Order> = (msg) => save(msg.data);
  const sub: Subscription = bus.subscribe("orders.us", onOrder);
  bus.subscribe("orders.*", onOrder);
  // @ts-expect-error a handler of orders cannot take cart items
  bus.subscribe("cart.items", onOrder);

  // Topic handles carry their topic's type.
  const eu = bus.createTopic("orders.eu");
  assertType<Equal<typeof eu, Topic<Order>>>();
  eu.publish({ id: "o-4", total: 5, currency: "USD" });
  eu.subscribe((msg) => save(msg.data));
  // @ts-expect-error a Topic<Order> publishes orders
  eu.publish({ sku: "A-1", qty: 1 });
  const items: Topic<Cart> | undefined = bus.topic("cart.items");
  items?.subscribe((msg) => renderCart(msg.data));
  const audit: Topic<Cart> = bus.createTopic<Cart>("audit.cart.copy");
  audit.publish({ sku: "B-2", qty: 1 });
  const free = bus.createTopic("audit.free");
  assertType<Equal<typeof free, Topic<unknown>>>();
  free.publish(Symbol("anything"));

  // Batches take readonly arrays, checked against the topic's data.
  const batch: readonly BatchMessage<Cart>[] = [{ data: { sku: "A-1", qty: 1 } }, { data: { sku: "A-2", qty: 3 } }];
  const ids: number[] = bus.publishBatch("cart.items", batch);
  items?.publishBatch(batch);
  bus.publishBatch("orders.us", [{ data: { id: "o-5", total: 9, currency: "USD" } }] as const);
  // @ts-expect-error a batch on a mapped topic is checked too
  bus.publishBatch("cart.items", [{ data: { sku: "A-1" } }]);

  // once: typed like subscribe.
  const next = await bus.once("orders.eu", { signal: AbortSignal.timeout(1000) });
  const total: number = next.data.total;
  const anyCart = await bus.once("cart.>");
  assertType<Equal<typeof anyCart.data, Cart | boolean>>();
  const audited = await bus.once<Cart>("audit.cart");
  const qty: number = audited.data.qty;
  const inferred: Message<Cart> = await bus.once("audit.cart");

  // Dead letters of a mapped bus.
  const letters: DeadLetter<Order | Cart | boolean>[] = bus.deadLetters();
  bus.replayDeadLetters((dl) => dl.message.data === true);

  // Log records are narrowed by their event.
  for (const record of logs) {
    if (record.event === "handler.failed") {
      const code: "HANDLER_ERROR" | "HANDLER_TIMEOUT" = record.code;
      console.log(code, record.subscription, record.messageId);
    } else if (record.event === "deadLetter") {
      const reason: "MAX_ATTEMPTS" | "OVERFLOW" | "SHUTDOWN" = record.code;
      console.log(reason);
    } else if (record.event === "bridge.rejected") {
      console.log(record.code satisfies LogCode);
    }
  }
  const event: LogEvent = "breaker.halfOpen";
  // @ts-expect-error not an event the bus logs
  const notEvent: LogEvent = "breaker.half-open";

  // The helper types, for code of your own.
  assertType<Equal<TopicData<Events, "orders.eu">, Order>>();
  assertType<Equal<TopicData<Events, "nowhere">, unknown>>();
  assertType<Equal<MessageData<Events, "*.items">, Cart>>();
  assertType<Equal<MessageData<Events, "cart.*.done">, boolean>>();
  assertType<Equal<MessageData<Events, "orders">, unknown>>();
  assertType<Equal<MessageData<Events, "orders.>">, Order>>();
  assertType<Equal<MessageData<Events, "nowhere.>", Cart>, Cart>>();

  // A function for any bus takes PubSub<any>; a typed bus is not a PubSub<{}>.
  const anyBus: PubSub<any> = bus;
  // @ts-expect-error a PubSub<{}> could publish anything on "orders.eu"
  const untyped: PubSub = bus;

  console.log(id, sub.name, total, qty, inferred.id, letters.length, ids, event, notEvent, anyBus, untyped);
  await bus.close();
}

/** Keys may be template literal types or an index signature. */
export function templateKeys(): void {
  const regions = new PubSub<{ [topic: `orders.${string}`]: Order; audit: string }>();
  regions.publish("orders.fr", { id: "o-6", total: 3, currency: "EUR" });
  // @ts-expect-error every "orders.…" topic carries an Order
  regions.publish("orders.fr", "order");
  regions.subscribe("orders.fr", (msg) => save(msg.data));
  regions.subscribe("orders.*", (msg) => save(msg.data));
  regions.subscribe("audit", (msg) => msg.data.toUpperCase());

  const everything = new PubSub<Record<string, Cart>>();
  everything.publish("any.topic", { sku: "C-3", qty: 1 });
  everything.subscribe("any.*", (msg) => renderCart(msg.data));
}

/** A name of 100 levels (199 characters, within the 255 limit) is typed like any other. */
const deep = "x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x";
export function deepNames(): void {
  const bus = new PubSub<Record<typeof deep, Order>>();
  bus.publish(deep, { id: "o-8", total: 8, currency: "EUR" });
  // @ts-expect-error still checked
  bus.publish(deep, 8);
  bus.subscribe(deep, (msg) => save(msg.data));
  bus.subscribe("x.>", (msg) => save(msg.data));
}

/** Without a topic map every topic carries unknown data, and subscribers type their own. */
export function untypedBus(): void {
  const bus = new PubSub();
  bus.publish("anything", 1);
  bus.subscribe("anything", (msg) => {
    assertType<Equal<typeof msg.data, unknown>>();
  });
  bus.subscribe("orders.*", (msg: Message<Order>) => save(msg.data));
  bus.subscribe<Cart>("carts", (msg) => renderCart(msg.data));
  const orders: Topic<Order> = bus.createTopic("orders");
  orders.publish({ id: "o-7", total: 1, currency: "EUR" });
  const letters: DeadLetter[] = bus.deadLetters();
  // @ts-expect-error a bus without a map does not know its dead letters' data
  const typedLetters: DeadLetter<Order>[] = bus.deadLetters();
  console.log(letters, typedLetters);
  try {
    bus.publish("bad..name", 1);
  } catch (err) {
    if (err instanceof PubSubError) console.log(err.code);
  }
}

/** `using` and `await using` dispose of every handle. */
export async function disposal(): Promise<void> {
  await using bus = new PubSub<Events>();
  using orders = bus.createTopic("orders.eu");
  using sub = orders.subscribe((msg) => save(msg.data));
  await using bridge = bus.bridge(new BroadcastChannel("typed"), { topics: ["orders.>"] as const });
  console.log(sub.name, bridge.stats().sent);
}
