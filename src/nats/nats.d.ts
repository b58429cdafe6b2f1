// wasm-pubsub/nats — a bus's topics over a NATS connection (nats.js 3.x).
// Structural types only: this entry needs no import of @nats-io/nats-core to type-check, and
// accepts the connection of any nats.js 3 transport (wsconnect, transport-node's connect).

/** Any bus with the public methods the bridge uses (a `PubSub` from "wasm-pubsub"). */
export interface BridgeableBus {
  bridge(port: { postMessage(message: unknown): void; addEventListener(type: "message", listener: (event: { data: unknown }) => void): void }, options?: { topics?: string[] }): {
    close(): void;
    stats(): { received: number; rejected: number; duplicates?: number };
  };
  topic(name: string): unknown;
  health(): { status: string; saturatedSubscriptions: string[] };
}

/** The part of a nats.js `NatsConnection` the bridge uses. */
export interface NatsConnectionLike {
  publish(subject: string, payload?: Uint8Array | string, options?: { headers?: any }): void;
  request(subject: string, payload?: Uint8Array | string, options?: { timeout: number; headers?: any }): Promise<NatsMsgLike>;
  subscribe(subject: string, options?: { queue?: string; callback?: (error: any, msg: NatsMsgLike) => void }): { unsubscribe(): void };
  flush(): Promise<void>;
  closed(): Promise<void | Error>;
  isClosed(): boolean;
  status(): AsyncIterable<{ type: string }>;
  readonly info?: { max_payload: number };
}

/** The part of a received nats.js `Msg` the bridge reads. */
export interface NatsMsgLike {
  readonly subject: string;
  /** The reply subject of a request ("" or undefined otherwise). */
  readonly reply?: string;
  readonly data: Uint8Array;
  readonly headers?: { keys(): string[]; get(name: string): string };
}

/** How message data becomes a NATS payload and back. */
export interface NatsCodec {
  /** The payload for `data`; a throw fails the send with code CODEC_ERROR. */
  encode(data: unknown): Uint8Array;
  /** The data of a payload; `contentType` is the Content-Type header, if any. A throw drops the message (CODEC_ERROR). */
  decode(bytes: Uint8Array, contentType?: string): unknown;
  /** The Content-Type header sent with `encode(data)`, if any. */
  contentType?(data: unknown): string | undefined;
}

/**
 * The default codec: JSON, with undefined, NaN, ±Infinity, -0, BigInt, Date, Map, Set,
 * RegExp, ArrayBuffer, typed arrays and DataView as `{ "$type": …, value }` tags; a
 * Uint8Array travels as raw bytes (Content-Type: application/octet-stream).
 *
 * ```js
 * taggedJson.decode(taggedJson.encode(new Map([[1n, -0]]))); // Map { 1n => -0 }
 * ```
 */
export declare const taggedJson: NatsCodec & { contentType(data: unknown): string };

/** Thrown by `taggedJson` for data it cannot write or a payload it cannot read. */
export declare class CodecError extends Error {
  readonly name: "CodecError";
  readonly code: "CODEC_ERROR";
}

/** Thrown by `natsBridge`, `jetstreamSubscribe`, `request` and `respond` (see each for its codes). */
export declare class NatsBridgeError extends Error {
  readonly name: "NatsBridgeError";
  readonly code: "INVALID_ARGUMENT" | "CLOSED" | "TIMEOUT" | "NO_RESPONDERS" | "MESSAGE_TOO_LARGE" | "CODEC_ERROR" | "REQUEST_FAILED";
}

/** The attribute a message received as a NATS request carries its reply subject in: "natsReply". */
export declare const REPLY_ATTRIBUTE: "natsReply";

/** Why a message was not sent to NATS. */
export type NatsSendFailure = "MESSAGE_TOO_LARGE" | "QUEUE_FULL" | "CLOSED" | "CODEC_ERROR" | "DATA_CLONE_ERROR";
/** Why a message received from NATS was not published on the bus. */
export type NatsDropReason = "INVALID_TOPIC_NAME" | "TOPIC_NOT_FOUND" | "INVALID_ATTRIBUTES" | "CODEC_ERROR" | "QUEUE_FULL" | "CLOSED" | "SUBSCRIPTION_ERROR";

/** A structured record, like the bus's `LogRecord` (never data or attribute values). */
export interface NatsLogRecord {
  level: "warn" | "error";
  /** `nats.statusFailed`: the connection's status stream failed, so disconnects are no longer seen. */
  event: "nats.sendFailed" | "nats.dropped" | "nats.onSendErrorThrew" | "nats.statusFailed";
  code: string;
  topic?: string;
  messageId?: number;
}

/** A message that was not sent, as `onSendError` gets it. */
export interface NatsSendError {
  code: NatsSendFailure;
  topic: string;
  id: number;
  origin: string;
  data: unknown;
  attributes: Record<string, string>;
}

/** A message the bridge could not send, kept on the bridge (`bridge.deadLetters()`). */
export interface NatsDeadLetter {
  message: {
    topic: string;
    id: number;
    origin: string;
    publishedAt: number;
    hops: number;
    data: unknown;
    attributes: Record<string, string>;
    orderingKey?: string;
  };
  reason: "SEND_FAILED";
  /** Why it was not sent. */
  code: NatsSendFailure;
  deadLetteredAt: number;
}

/** The reason of every bridge dead letter: "SEND_FAILED". */
export declare const SEND_FAILED: "SEND_FAILED";

/** `natsBridge`'s options. */
export interface NatsBridgeOptions {
  /** Subjects are `prefix + "." + topic`: one or more NATS tokens, no wildcards. */
  prefix: string;
  /** The topics and patterns carried both ways (default `[">"]`: every topic under the prefix). */
  topics?: string[];
  /** A NATS queue group: each message goes to one bridge of the group (competing consumers). */
  queue?: string;
  /** Default `taggedJson`. */
  codec?: NatsCodec;
  /** Publish messages on topics this bus lacks, creating them (default false: dropped, TOPIC_NOT_FOUND). */
  createTopics?: boolean;
  /** Called for every message not sent or dropped. */
  logger?: (record: NatsLogRecord) => void;
  /** Called with each message that will not be sent (keep it, retry it, dead-letter it). */
  onSendError?: (error: NatsSendError) => void;
  /** Messages waiting for the server's confirmation (default 65536). */
  maxOutboxMessages?: number;
  /** Their bytes, payload and headers (default 64 MiB). */
  maxOutboxBytes?: number;
  /** Received messages held while the bus has no room (default 10000). */
  maxHeldMessages?: number;
  /** Unsent messages kept as dead letters on the bridge (default 1000, 0 keeps none); the oldest is evicted. */
  maxDeadLetters?: number;
}

/** `NatsBridge.stats()`: counts since the bridge opened. */
export interface NatsBridgeStats {
  /** Messages the server confirmed (a flush after their publish returned). */
  sent: number;
  /** Messages in the outbox, not yet confirmed. */
  pending: number;
  /** Messages in the outbox when the connection came back (published again). */
  resent: number;
  /** Messages never sent, per code. */
  failed: Partial<Record<NatsSendFailure, number>>;
  /** Messages received and published on the bus. */
  received: number;
  /** Messages received that the bus refused (a refusal for room is not one: that message waits, `held`). */
  rejected: number;
  /** Messages received that the bus had seen (echoes, re-sends after a reconnect). */
  duplicates: number;
  /** Received messages waiting for room on the bus. */
  held: number;
  /** Received messages not published, per reason. */
  dropped: Partial<Record<NatsDropReason, number>>;
  /** Unsent messages kept (`deadLetters()`). */
  deadLetters: number;
  /** Unsent messages evicted from a full store (`maxDeadLetters`). */
  deadLettersEvicted: number;
}

/** A bridge between a bus and a NATS connection. */
export interface NatsBridge {
  /** Counts since the bridge opened. */
  stats(): NatsBridgeStats;
  /**
   * Sends `data` on `topic` as a NATS request; resolves with the reply's data. Rejects with
   * `NatsBridgeError`: TIMEOUT, NO_RESPONDERS, MESSAGE_TOO_LARGE, CODEC_ERROR, CLOSED,
   * INVALID_ARGUMENT, REQUEST_FAILED.
   *
   * ```js
   * const quote = await bridge.request("prices.quote", { sku: "A-1" }, { timeoutMs: 1000 });
   * ```
   */
  request(topic: string, data: unknown, options?: { timeoutMs?: number; attributes?: Record<string, string>; orderingKey?: string }): Promise<unknown>;
  /**
   * Answers a message received as a NATS request (its `attributes.natsReply`) with `value`.
   * Throws `NatsBridgeError`: INVALID_ARGUMENT (not a request), MESSAGE_TOO_LARGE,
   * CODEC_ERROR, CLOSED.
   *
   * ```js
   * bus.subscribe("prices.quote", (msg) => bridge.respond(msg, { total: 12 }));
   * ```
   */
  respond(message: { attributes: Readonly<Record<string, string>> }, value: unknown): void;
  /** The messages this bridge could not send, oldest first (at most `maxDeadLetters`). */
  deadLetters(): NatsDeadLetter[];
  /**
   * Sends the matching dead letters again with their original ids (each queued, or failing
   * again and kept again); returns how many were taken out of the store.
   *
   * ```js
   * bridge.replayDeadLetters({ code: "QUEUE_FULL" });
   * ```
   */
  replayDeadLetters(filter?: { topic?: string; code?: NatsSendFailure } | ((letter: NatsDeadLetter) => boolean)): number;
  /** Empties the dead-letter store; returns how many it held. */
  purgeDeadLetters(): number;
  /** Stops carrying messages, gives the outbox `drainTimeoutMs` (default 5000) to be confirmed; the rest fails with CLOSED. */
  close(options?: { drainTimeoutMs?: number }): Promise<NatsBridgeStats>;
}

/**
 * Carries the bus's `topics` over a nats.js connection on subjects `prefix + "." + topic`.
 *
 * ```js
 * import { connect } from "@nats-io/transport-node";
 * import { natsBridge } from "wasm-pubsub/nats";
 * const nc = await connect({ servers: "127.0.0.1:4222", noEcho: true });
 * const bridge = natsBridge(bus, nc, { prefix: "app", topics: ["orders.>"] });
 * ```
 */
export declare function natsBridge(bus: BridgeableBus, connection: NatsConnectionLike, options: NatsBridgeOptions): NatsBridge;

/** The part of a nats.js `JsMsg` the JetStream consumer uses. */
export interface JetStreamMsgLike extends NatsMsgLike {
  ack(): void;
  nak(millis?: number): void;
  term(reason?: string): void;
  working(): void;
}

/** The part of a nats.js `JetStreamClient` the JetStream consumer uses (`jetstream(nc)`). */
export interface JetStreamClientLike {
  consumers: {
    get(stream: string, name?: string): Promise<{
      consume(options?: { max_messages?: number }): Promise<AsyncIterable<JetStreamMsgLike> & { stop(): void }>;
      info(cached?: boolean): Promise<{ config: { ack_policy?: string; max_ack_pending?: number } }>;
    }>;
  };
  /** Its connection: dead letters are copied through it. */
  readonly nc?: Pick<NatsConnectionLike, "request">;
}

/** What `replayJetStreamDeadLetters` uses of a nats.js `JetStreamClient`. */
export interface JetStreamReplayClientLike {
  jetstreamManager(): Promise<{
    streams: {
      getMessage(stream: string, query: { next_by_subj: string; seq: number }): Promise<{ seq: number; subject: string; data: Uint8Array; header?: { keys(): string[]; get(name: string): string } } | null>;
      deleteMessage(stream: string, seq: number, erase?: boolean): Promise<boolean>;
    };
  }>;
}

/** Why a JetStream message was terminated (not delivered again). */
export type JetStreamTermReason = "DEAD_LETTERED" | "INVALID_TOPIC_NAME" | "TOPIC_NOT_FOUND" | "INVALID_ATTRIBUTES" | "CODEC_ERROR" | "MESSAGE_TOO_LARGE" | "LIMIT_EXCEEDED" | "HANDLER_ERROR" | (string & {});

/** `jetstreamSubscribe`'s options. */
export interface JetStreamSubscribeOptions {
  /** The stream's name. */
  stream: string;
  /** The name of a durable consumer of that stream (create it with explicit acks). */
  consumer: string;
  /** Subjects are `prefix + "." + topic`, as `natsBridge` publishes them. */
  prefix: string;
  /** Topics and patterns taken (default `[">"]`); a message on another is terminated. */
  topics?: string[];
  /** Default `taggedJson`; `decode`, and `encode` (`contentType`) to copy dead letters. */
  codec?: Pick<NatsCodec, "decode"> & Partial<NatsCodec>;
  /** Publish messages on topics this bus lacks, creating them (default false: terminated, TOPIC_NOT_FOUND). */
  createTopics?: boolean;
  /** Messages in the bus at once (default 16), clamped to the consumer's max_ack_pending. */
  maxInFlight?: number;
  /** Delay before a nak'ed message (nothing subscribed, or QUEUE_FULL) is delivered again (default 1000). */
  nakDelayMs?: number;
  /** How often JetStream is told a message is still being worked on (default 10000). */
  workingIntervalMs?: number;
  /**
   * Copy each dead letter to `<deadLetterPrefix>.<subscription>.<topic>` (a stream on those
   * subjects stores it) before the message is terminated; a copy the stream does not confirm
   * naks the message instead. Needs `codec.encode`; must not be a subject this feed carries.
   */
  deadLetterPrefix?: string;
  /** Called for every message nak'ed for lack of subscribers or room, or a dead letter not copied, and every message terminated. */
  logger?: (record: { level: "warn"; event: "nats.terminated" | "nats.unrouted" | "nats.backpressure" | "nats.deadLetterCopyFailed"; code: string; topic?: string }) => void;
}

/** `JetStreamFeed.stats()`: counts since the consumer started. */
export interface JetStreamFeedStats {
  received: number;
  acked: number;
  naked: number;
  terminated: Partial<Record<JetStreamTermReason, number>>;
  /** Dead letters copied to `deadLetterPrefix` subjects. */
  deadLettersCopied: number;
  inFlight: number;
  /** The bound in effect: `maxInFlight`, clamped to the consumer's max_ack_pending. */
  maxInFlight: number;
}

/** A running JetStream consumer feeding a bus. */
export interface JetStreamFeed {
  /** Counts since the consumer started. */
  stats(): JetStreamFeedStats;
  /** Stops pulling; resolves once every message in the bus is settled on JetStream. */
  stop(): Promise<JetStreamFeedStats>;
}

/**
 * Consumes a durable JetStream consumer into the bus, settling each message on JetStream by
 * what the bus's subscriptions did (`bus.publishAndWait`): all acked → ack; dead-lettered →
 * term; discarded, unrouted or QUEUE_FULL → nak (delivered again); any other refusal → term.
 *
 * ```js
 * import { jetstream } from "@nats-io/jetstream";
 * const feed = await jetstreamSubscribe(bus, jetstream(nc), { stream: "ORDERS", consumer: "shop", prefix: "shop" });
 * ```
 */
export declare function jetstreamSubscribe(bus: BridgeableBus & { publishAndWait(topic: string, data: unknown, options?: { attributes?: Record<string, string>; orderingKey?: string }): Promise<{ acked: number; deadLettered: number; discarded: number }> }, js: JetStreamClientLike, options: JetStreamSubscribeOptions): Promise<JetStreamFeed>;

/** `replayJetStreamDeadLetters`' options. */
export interface JetStreamReplayOptions {
  /** The stream holding the dead letters. */
  stream: string;
  /** The feed's `deadLetterPrefix`. */
  deadLetterPrefix: string;
  /** Only the letters of this subscription (its name). */
  subscription?: string;
  /** Only letters on this topic or pattern. */
  topic?: string;
  /** Only letters with this reason (MAX_ATTEMPTS, OVERFLOW, SHUTDOWN). */
  reason?: string;
  /** Default `taggedJson`; only `decode` is used. */
  codec?: Pick<NatsCodec, "decode">;
  /** At most this many letters (default 10000). */
  limit?: number;
}

/** What `replayJetStreamDeadLetters` did. */
export interface JetStreamReplayReport {
  /** Letters published on the bus. */
  replayed: number;
  /** Of those, every copy acked. */
  acked: number;
  /** Of those, deleted from the stream. */
  deleted: number;
  /** Dead-lettered again (kept in the stream). */
  deadLettered: number;
  /** Left in the stream: dead-lettered again, discarded or unrouted. */
  kept: number;
  /** Letters the bus refused or that could not be read (left in the stream). */
  refused: number;
}

/**
 * Publishes the dead letters a feed copied (see `deadLetterPrefix`) on the bus again, oldest
 * first, with `bus.publishAndWait`; deletes each whose copies were all acked.
 *
 * ```js
 * const report = await replayJetStreamDeadLetters(bus, jetstream(nc), { stream: "ORDERS_DLQ", deadLetterPrefix: "shop-dlq" });
 * ```
 */
export declare function replayJetStreamDeadLetters(bus: BridgeableBus & { publishAndWait(topic: string, data: unknown, options?: { attributes?: Record<string, string>; orderingKey?: string }): Promise<{ acked: number; deadLettered: number; discarded: number }> }, js: JetStreamReplayClientLike, options: JetStreamReplayOptions): Promise<JetStreamReplayReport>;
