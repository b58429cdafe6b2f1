// CommonJS TypeScript (module: nodenext): `require` resolves to the package's node.d.cts.
import wasmPubSub = require("wasm-pubsub");

interface Job { pages: number }

const bus = new wasmPubSub.PubSub<{ "jobs.report": Job }>({ autoCreateTopics: true });
const sub: wasmPubSub.Subscription = bus.subscribe("jobs.>", (msg) => {
  console.log(msg.topic, msg.data.pages, msg.attempt);
});
const id: number = bus.publish("jobs.report", { pages: 3 });
// @ts-expect-error a report has pages
bus.publish("jobs.report", "three pages");
const loose: wasmPubSub.Handler<Job> = (msg: wasmPubSub.Message<Job>) => msg.data.pages;
bus.subscribe("jobs.report", loose);
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

// The values `require` gives, exactly (types.test.mjs checks them at run time).
export const declared: { [Name in keyof typeof wasmPubSub]: true } = {
  Bridge: true,
  configFromEnv: true,
  PubSub: true,
  PubSubError: true,
  Subscription: true,
  Topic: true,
  wasmMemoryBytes: true,
};
