// The package's public declarations, made from a glue's generated .d.ts:
//   node pkg-scripts/public-types.mjs target/wasm-pack/web/wasm_pubsub.d.ts > pkg/wasm_pubsub.d.ts
//
// wasm-bindgen declares every exported class without type parameters, and types each
// parameter on its own. This script adds what it cannot say, and only that: the JSDoc it
// generates from the Rust doc comments stays where it is.
//   - `PubSub<Events>` takes an optional topic map and `Topic<T>` the type of its data: the
//     signatures in CHANGES replace the generated ones. Each `from` must be found exactly once
//     in its class, so a change to a Rust signature stops the build here (update CHANGES)
//     instead of shipping an untyped line.
//   - free(), [Symbol.dispose] and [Symbol.asyncDispose] (which the JavaScript front defines
//     on the classes that have `close`) say what they do.
//   - `Symbol.dispose` needs lib esnext.disposable: referenced.
//   - The web glue's init functions are dropped: they are typed with DOM types such as
//     RequestInfo, which a Node project lacks, and every entry initialises itself. (The classes
//     the glue exports for the binding's own use, Settler, Callbacks and Inbox, are
//     skip_typescript in Rust: never declared.)
import { readFileSync } from "node:fs";

const EVENTS = "Events extends TopicMap = {}";

/** class → [generated line (trimmed), public line(s)]. */
const CHANGES = {
  PubSub: [
    ["export class PubSub {", `export class PubSub<${EVENTS}> {`],
    ...disposal(
      "closes the bus at once, as `close({ drainTimeoutMs: 0 })` (what is left is dead-lettered with reason `SHUTDOWN`); every later call but `close()` throws `CLOSED`.",
      "closes the bus with the default drain (as `close()`), disposes of it and awaits the close.",
    ),
    ["createTopic(name: string): Topic;",
      "createTopic<T = unknown, Name extends string = string>(name: Name): Topic<MessageData<Events, Name, T>>;"],
    ["deadLetters(): DeadLetter[];", "deadLetters(): DeadLetter<MessageData<Events, \">\">>[];"],
    ["constructor(config?: PubSubConfig | null);", "constructor(config?: PubSubConfig<Events> | null);"],
    ["once(topic: string, options?: OnceOptions | null): Promise<Message>;",
      "once<T = unknown, Pattern extends string = string>(topic: Pattern, options?: OnceOptions | null): Promise<Message<MessageData<Events, Pattern, T>>>;"],
    ["publishBatch(topic: string, messages: BatchMessage[]): number[];",
      "publishBatch<Name extends string>(topic: Name, messages: readonly BatchMessage<TopicData<Events, Name>>[]): number[];"],
    ["request(topic: string, data: unknown, options?: RequestOptions | null): Promise<unknown>;",
      "request<Reply = unknown, Name extends string = string>(topic: Name, data: TopicData<Events, Name>, options?: RequestOptions | null): Promise<Reply>;"],
    ["publish(topic: string, data: unknown, options?: PublishOptions | null): number;",
      "publish<Name extends string>(topic: Name, data: TopicData<Events, Name>, options?: PublishOptions | null): number;"],
    ["publishAndWait(topic: string, data: unknown, options?: PublishOptions | null): Promise<PublishReport>;", [
      "publishAndWait<Name extends string>(topic: Name, data: TopicData<Events, Name>, options?: PublishOptions | null): Promise<PublishReport>;",
      "/**",
      " * An async iterator over a new subscription (`options` as for `subscribe`): the message in hand",
      " * is acked when the loop asks for the next one. Leaving the loop, aborting `options.signal`",
      " * or closing the bus unsubscribes; messages not yet handed out are discarded and counted.",
      " *",
      " * ```js",
      " * for await (const msg of bus.stream(\"orders.>\")) await save(msg.data);",
      " * ```",
      " */",
      "stream<T = unknown, Pattern extends string = string>(topic: Pattern, options?: SubscribeOptions | null): MessageStream<MessageData<Events, Pattern, T>>;",
    ]],
    ["replayDeadLetters(filter?: DeadLetterFilter | ((deadLetter: DeadLetter) => boolean) | null): number;",
      "replayDeadLetters(filter?: DeadLetterFilter | ((deadLetter: DeadLetter<MessageData<Events, \">\">>) => boolean) | null): number;"],
    ["subscribe(topic: string, handler: Handler, options?: SubscribeOptions | null): Subscription;",
      "subscribe<T = unknown, Pattern extends string = string>(topic: Pattern, handler: Handler<MessageData<Events, Pattern, T>>, options?: SubscribeOptions | null): Subscription;"],
    ["topic(name: string): Topic | undefined;",
      "topic<T = unknown, Name extends string = string>(name: Name): Topic<MessageData<Events, Name, T>> | undefined;"],
  ],
  Topic: [
    ["export class Topic {", "export class Topic<T = unknown> {"],
    ...disposal("lets the handle go (the topic stays); every later call on it throws `CLOSED`."),
    ["publishBatch(messages: BatchMessage[]): number[];", "publishBatch(messages: readonly BatchMessage<T>[]): number[];"],
    ["publish(data: unknown, options?: PublishOptions | null): number;", "publish(data: T, options?: PublishOptions | null): number;"],
    ["subscribe(handler: Handler, options?: SubscribeOptions | null): Subscription;",
      "subscribe(handler: Handler<T>, options?: SubscribeOptions | null): Subscription;"],
  ],
  Subscription: [
    ...disposal("unsubscribes (as `unsubscribe()`); every later call on the handle throws `CLOSED`."),
  ],
  Bridge: [
    ...disposal(
      "closes the bridge (as `close()`); `stats()` then throws `CLOSED`.",
      "disposes of the bridge, as `dispose()` (there is nothing to wait for).",
    ),
  ],
};

/**
 * Doc comments for free() and [Symbol.dispose], which wasm-bindgen generates bare, saying what
 * `dispose()` does; plus [Symbol.asyncDispose] when the class has one.
 */
function disposal(what, asyncWhat) {
  const asyncDispose = asyncWhat
    ? [`/** \`await using\`: ${asyncWhat} */`, "[Symbol.asyncDispose](): Promise<void>;"]
    : [];
  return [
    ["free(): void;", [`/** Same as \`dispose()\`: ${what} */`, "free(): void;"]],
    ["[Symbol.dispose](): void;", [`/** \`using\`: the same as \`dispose()\`. */`, "[Symbol.dispose](): void;", ...asyncDispose]],
  ];
}

function fail(message) {
  console.error(`public-types: ${message}`);
  process.exit(1);
}

/** The [start, end] line indexes of `export class NAME {` … `}`. */
function classRange(lines, name) {
  const start = lines.findIndex((line) => line === `export class ${name} {`);
  if (start < 0) fail(`the generated .d.ts declares no \`export class ${name} {\``);
  const end = lines.indexOf("}", start);
  return [start, end];
}

/** Applies one class's changes in place; each generated line must appear once in the class. */
function rewriteClass(lines, name, changes) {
  const [start, end] = classRange(lines, name);
  const body = lines.slice(start, end + 1);
  const out = [];
  const used = new Set();
  for (const line of body) {
    const trimmed = line.trim();
    const change = changes.find(([from]) => from === trimmed);
    if (!change) {
      out.push(line);
      continue;
    }
    if (used.has(trimmed)) fail(`${name}: \`${trimmed}\` appears more than once`);
    used.add(trimmed);
    const indent = line.slice(0, line.length - line.trimStart().length);
    const to = Array.isArray(change[1]) ? change[1] : [change[1]];
    out.push(...to.map((text) => indent + text));
  }
  const missing = changes.filter(([from]) => !used.has(from)).map(([from]) => from);
  if (missing.length) {
    fail(`${name}: wasm-bindgen no longer generates these lines (a Rust signature changed? update CHANGES in pkg-scripts/public-types.mjs):\n  ${missing.join("\n  ")}`);
  }
  lines.splice(start, end + 1 - start, ...out);
}

const [input] = process.argv.slice(2);
if (!input) fail("usage: node pkg-scripts/public-types.mjs GENERATED.d.ts");
const source = readFileSync(input, "utf8");
const init = source.indexOf("\nexport type InitInput");
const lines = (init < 0 ? source : source.slice(0, init + 1)).split("\n");
for (const [name, changes] of Object.entries(CHANGES)) rewriteClass(lines, name, changes);
process.stdout.write(['/// <reference lib="esnext.disposable" />', ...lines].join("\n"));
