// One case of the churn report (churn.mjs), in this process; prints its timings as JSON:
//   node --expose-gc churn-case.mjs LIVE TOPICS OPS
// Subscribes LIVE subscriptions round-robin over TOPICS topics (fill), then OPS times
// subscribes one more and unsubscribes the oldest (churn), then unsubscribes them all
// (drain). Before the drain one message per topic checks that it reaches exactly the live
// subscriptions. Times are ns per operation (per round for the churn).

import { loadPubSub } from "./lib/load.mjs";

const [live, topics, ops] = process.argv.slice(2).map(Number);
const { PubSub } = await loadPubSub();
const bus = new PubSub({ limits: { maxSubscriptionsPerTopic: live + 1, maxTopics: Math.max(topics, 1024) } });
const names = Array.from({ length: topics }, (_, t) => `churn.t${t}`);
for (const name of names) bus.createTopic(name);
let delivered = 0;
const handler = () => { delivered += 1; };

const subs = [];
let next = 0;
const subscribe = () => subs.push(bus.subscribe(names[next++ % topics], handler));
let oldest = 0;
const unsubscribeOldest = () => {
  subs[oldest].unsubscribe();
  subs[oldest++] = undefined;
};

/** ns per call of `step`, run `count` times. */
function time(count, step) {
  globalThis.gc?.();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) step();
  return Number(process.hrtime.bigint() - start) / count;
}

const fillNs = time(live, subscribe);
const churnNs = time(ops, () => {
  subscribe();
  unsubscribeOldest();
});
for (const name of names) bus.publish(name, 0);
await new Promise((resolve) => setTimeout(resolve, 0));
const ok = delivered === live && bus.metrics().subscriptions === live;
const drainNs = time(live, unsubscribeOldest);
await bus.close();
process.stdout.write(`${JSON.stringify({ fillNs, churnNs, drainNs, ok })}\n`);
