// ES module TypeScript (module: nodenext): `import` resolves through the package's exports.
import { PubSub, PubSubError, type ErrorCode, type Message } from "wasm-pubsub";

const bus = new PubSub({ autoCreateTopics: true });
bus.subscribe("jobs.>", (msg: Message) => console.log(msg.topic, msg.data));
const id: number = bus.publish("jobs.report", { pages: 3 });
try {
  bus.createTopic("jobs..bad");
} catch (err) {
  const code: ErrorCode | undefined = err instanceof PubSubError ? err.code : undefined;
  console.log(code, id);
}
await bus.close();
