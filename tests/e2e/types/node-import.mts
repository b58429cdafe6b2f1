// ES module TypeScript (module: nodenext): `import` resolves through the package's exports.
import { BroadcastChannel, MessageChannel } from "node:worker_threads";
import { PubSub, PubSubError, type ErrorCode, type Message } from "wasm-pubsub";

interface Job { pages: number }

const bus = new PubSub<{ "jobs.report": Job }>({ autoCreateTopics: true });
bus.subscribe("jobs.>", (msg) => console.log(msg.topic, msg.data.pages));
bus.subscribe("other.>", (msg: Message) => console.log(msg.topic, msg.data));
const id: number = bus.publish("jobs.report", { pages: 3 });
// @ts-expect-error a report has pages
bus.publish("jobs.report", { page: 3 });
try {
  bus.createTopic("jobs..bad");
} catch (err) {
  const code: ErrorCode | undefined = err instanceof PubSubError ? err.code : undefined;
  console.log(code, id);
}

// Node's own ports bridge as they are: their listeners get an event with `data`.
const { port1, port2 } = new MessageChannel();
const overPort = bus.bridge(port1, { topics: ["jobs.>"] });
const channel = new BroadcastChannel("jobs");
const overChannel = bus.bridge(channel);
console.log(overPort.stats(), overChannel.stats());
port2.close();
channel.close();
await bus.close();
