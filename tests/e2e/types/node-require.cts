// CommonJS TypeScript (module: nodenext): `require` resolves to the package's node.d.cts.
import wasmPubSub = require("wasm-pubsub");

const bus = new wasmPubSub.PubSub({ autoCreateTopics: true });
const sub: wasmPubSub.Subscription = bus.subscribe("jobs.>", (msg: wasmPubSub.Message) => {
  console.log(msg.topic, msg.data, msg.attempt);
});
const id: number = bus.publish("jobs.report", { pages: 3 });
try {
  bus.createTopic("jobs..bad");
} catch (err) {
  if (err instanceof wasmPubSub.PubSubError) {
    const code: wasmPubSub.ErrorCode = err.code;
    console.log(code);
  }
}
export const done: Promise<wasmPubSub.CloseReport> = bus.close();
console.log(sub.name, id);
