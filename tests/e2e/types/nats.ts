// wasm-pubsub/nats in a bundler project for the browser: a real nats.js WebSocket connection
// and a typed bus fit the bridge; its options, stats and codec are typed; wrong uses fail.
import { wsconnect } from "@nats-io/nats-core";
import { PubSub } from "wasm-pubsub";
import { natsBridge, taggedJson, CodecError, NatsBridgeError, REPLY_ATTRIBUTE, type NatsBridgeStats, type NatsCodec, type NatsSendError } from "wasm-pubsub/nats";

export async function browserBridge(): Promise<number> {
  const bus = new PubSub<{ "orders.eu": { total: number } }>({ autoCreateTopics: true });
  const nc = await wsconnect({ servers: "ws://127.0.0.1:8080", noEcho: true });
  const lost: NatsSendError[] = [];
  const bridge = natsBridge(bus, nc, {
    prefix: "shop",
    topics: ["orders.>"],
    queue: "workers",
    createTopics: false,
    maxOutboxMessages: 1000,
    logger: (record) => console.log(record.event, record.code, record.topic),
    onSendError: (error) => { lost.push(error); },
  });
  const stats: NatsBridgeStats = bridge.stats();
  const failedTooLarge: number | undefined = stats.failed.MESSAGE_TOO_LARGE;
  bus.subscribe("orders.eu", (msg) => bridge.respond(msg, { ok: true }));
  const answer: unknown = await bridge.request("orders.eu", { total: 1 }, { timeoutMs: 500, attributes: { a: "b" } });
  // @ts-expect-error timeoutMs is a number
  await bridge.request("orders.eu", 1, { timeoutMs: "1s" });
  console.log(answer);
  const final = await bridge.close({ drainTimeoutMs: 1000 });
  // @ts-expect-error the prefix is required
  natsBridge(bus, nc, { topics: [">"] });
  // @ts-expect-error not an option
  natsBridge(bus, nc, { prefix: "p", echo: true });
  return final.sent + (failedTooLarge ?? 0) + lost.length;
}

export const textCodec: NatsCodec = {
  encode: (data) => new TextEncoder().encode(String(data)),
  decode: (bytes) => new TextDecoder().decode(bytes),
};
export const bytes: Uint8Array = taggedJson.encode(new Map([[1n, -0]]));
export const back: unknown = taggedJson.decode(bytes, taggedJson.contentType(bytes));
export const replyKey: "natsReply" = REPLY_ATTRIBUTE;
export function codeOf(err: unknown): string | undefined {
  if (err instanceof CodecError) return err.code;
  if (err instanceof NatsBridgeError) return err.code;
  return undefined;
}
