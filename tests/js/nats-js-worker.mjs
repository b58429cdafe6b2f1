// A second process for nats-jetstream.test.mjs: a bus consuming a durable JetStream consumer
// (url, stream, consumer, prefix: argv[2..5]) with jetstreamSubscribe. Its handler writes
// "start <n>" when it takes message n and "done <n>" when it returns (stdout is a pipe:
// synchronous on Linux, so a line written is a line the parent reads even after SIGKILL), and
// works 10 ms on each, so a kill lands with messages in flight.
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { jetstreamSubscribe } from "wasm-pubsub/nats";

const [url, stream, consumer, prefix] = process.argv.slice(2);
const bus = new PubSub();
bus.createTopic("jobs");
bus.subscribe("jobs", async (msg) => {
  process.stdout.write(`start ${msg.data.n}\n`);
  await new Promise((resolve) => setTimeout(resolve, 10));
  process.stdout.write(`done ${msg.data.n}\n`);
}, { maxInFlight: 8 });
const nc = await connect({ servers: url });
await jetstreamSubscribe(bus, jetstream(nc), { stream, consumer, prefix, topics: ["jobs"], maxInFlight: 8 });
process.stdout.write("ready\n");
