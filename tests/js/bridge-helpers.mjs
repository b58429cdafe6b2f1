// Shared by the bridge tests: waiting on ports, wire frames, buses that count what they see,
// and the uncaught errors a test must not cause.
import { PubSub } from "wasm-pubsub";

/** Real time passes: ports deliver on the event loop. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `fn()` to be truthy. */
export async function until(fn, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Waits until `read()` stops changing for `quietMs` (or `timeoutMs` passes), returns it. */
export async function quiet(read, quietMs = 150, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(read());
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await sleep(10);
    const now = JSON.stringify(read());
    if (now !== last) [last, since] = [now, Date.now()];
  }
  return read();
}

/** A wire frame as a peer bus posts it; `fields` override or add. */
export function frame(fields = {}) {
  return { "wasm-pubsub": 1, origin: "peer", id: 1, hops: 1, topic: "t", data: 1, attributes: {}, publishedAt: 0, ...fields };
}

/** In-process ports that deliver synchronously: a frame posted to `sending`, or handed to
 * `deliver`, reaches the listeners added to `receiving` at once, inside that call. */
export function synchronousPorts() {
  const listeners = new Set();
  const deliver = (wire) => {
    for (const listener of listeners) listener({ data: wire });
  };
  return {
    deliver,
    receiving: { postMessage() {}, addEventListener: (_, l) => listeners.add(l), removeEventListener: (_, l) => listeners.delete(l) },
    sending: { postMessage: deliver, addEventListener() {}, removeEventListener() {} },
  };
}

/** A bus with autoCreateTopics and a `>` subscription counting deliveries per topic. Only
 * `counts` and `total` close over nothing of the bus, so the bus can be collected. */
export function countingBus(config = {}) {
  const bus = new PubSub({ autoCreateTopics: true, ...config });
  const counts = new Map();
  const seen = { total: 0, counts };
  bus.subscribe(">", (msg) => {
    seen.total++;
    counts.set(msg.data, (counts.get(msg.data) ?? 0) + 1);
  });
  return { bus, seen };
}

/** Records uncaught exceptions while a test runs; `stop()` returns them. */
export function uncaught() {
  const errors = [];
  const record = (error) => errors.push(error);
  process.on("uncaughtException", record);
  return { errors, stop: () => (process.off("uncaughtException", record), errors) };
}
