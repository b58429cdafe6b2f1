// wasm-pubsub/shared in Deno, which has navigator.locks: this script's bus and a worker's bus
// share the subscription "workers" over a BroadcastChannel. Prints one JSON line: who handled
// the first 20 jobs (and in which role), then, after that member's subscription ended, who
// handled 10 more.
import { join } from "./shared-member.js";

const { bus, handled, subscription } = join();

const worker = new Worker(new URL("./shared-worker.js", import.meta.url).href, { type: "module" });
const replies = [];
worker.onmessage = (event) => replies.shift()?.(event.data);
/** The worker's { role, handled }. */
const ask = (what) => new Promise((resolve) => {
  replies.push(resolve);
  worker.postMessage(what);
});
const role = () => bus.health().shared[0].role;

/** Polls `check` every 20 ms until it answers true, for at most 10 s. */
async function until(check) {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("timed out");
}

await until(async () => [role(), (await ask("report")).role].sort().join() === "follower,leader");
const roles = { main: role(), worker: (await ask("report")).role };
for (let i = 0; i < 20; i++) bus.publish("jobs", i);
await until(async () => handled.length + (await ask("report")).handled.length >= 20);
await new Promise((resolve) => setTimeout(resolve, 300));
const first = { main: handled.length, worker: (await ask("report")).handled.length };

if (roles.main === "leader") subscription.unsubscribe();
else await ask("leave");
await until(async () => (roles.main === "leader" ? (await ask("report")).role : role()) === "leader");
for (let i = 20; i < 30; i++) bus.publish("jobs", i);
await until(async () => handled.length + (await ask("report")).handled.length >= 30);
await new Promise((resolve) => setTimeout(resolve, 300));
const second = { main: handled.length - first.main, worker: (await ask("report")).handled.length - first.worker };

console.log(JSON.stringify({ roles, first, second }));
worker.terminate();
Deno.exit(0);
