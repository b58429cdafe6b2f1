// wasm-pubsub/nats in a Node project (nodenext): a TCP connection from @nats-io/transport-node,
// and a JetStream consumer (@nats-io/jetstream).
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { natsBridge } from "wasm-pubsub/nats";

const bus = new PubSub();
const nc = await connect({ servers: "127.0.0.1:4222", noEcho: true });
const bridge = natsBridge(bus, nc, { prefix: "app" });
const { sent, pending }: { sent: number; pending: number } = bridge.stats();
console.log(sent, pending);
// @ts-expect-error a connection is required
natsBridge(bus, undefined, { prefix: "app" });

// A JetStream consumer into a typed bus.
import { jetstream } from "@nats-io/jetstream";
import { jetstreamSubscribe, type JetStreamFeedStats } from "wasm-pubsub/nats";

const typed = new PubSub<{ "orders.created": { total: number } }>();
const feed = await jetstreamSubscribe(typed, jetstream(nc), { stream: "ORDERS", consumer: "shop", prefix: "shop", topics: ["orders.>"], maxInFlight: 8 });
const stats: JetStreamFeedStats = await feed.stop();
console.log(stats.acked, stats.terminated.DEAD_LETTERED ?? 0);
// @ts-expect-error the consumer's name is required
await jetstreamSubscribe(typed, jetstream(nc), { stream: "ORDERS", prefix: "shop" });

// Dead letters: the bridge's unsent messages, and a JetStream feed's copied to a stream.
import { replayJetStreamDeadLetters, SEND_FAILED, type NatsDeadLetter, type JetStreamReplayReport } from "wasm-pubsub/nats";

const letters: NatsDeadLetter[] = bridge.deadLetters();
const why: "SEND_FAILED" = SEND_FAILED;
console.log(letters[0]?.code, letters[0]?.message.topic, why, bridge.stats().deadLetters);
const resent: number = bridge.replayDeadLetters({ code: "QUEUE_FULL" }) + bridge.replayDeadLetters((letter) => letter.message.topic === "a");
// @ts-expect-error not a send failure code
bridge.replayDeadLetters({ code: "MAX_ATTEMPTS" });
console.log(resent, bridge.purgeDeadLetters());
const dlqFeed = await jetstreamSubscribe(typed, jetstream(nc), { stream: "ORDERS", consumer: "shop", prefix: "shop", deadLetterPrefix: "shop-dlq" });
console.log(dlqFeed.stats().deadLettersCopied, dlqFeed.stats().maxInFlight);
const replay: JetStreamReplayReport = await replayJetStreamDeadLetters(typed, jetstream(nc), { stream: "ORDERS_DLQ", deadLetterPrefix: "shop-dlq", subscription: "billing", reason: "MAX_ATTEMPTS" });
console.log(replay.replayed, replay.deleted);
// @ts-expect-error the dead-letter prefix is required
await replayJetStreamDeadLetters(typed, jetstream(nc), { stream: "ORDERS_DLQ" });
