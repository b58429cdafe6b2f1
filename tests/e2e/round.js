// One publish/subscribe round, the same in a page and in a worker: a pattern subscription,
// a single and a batch publish with attributes and an ordering key, one retried failure, a
// PubSubError with its code, and a close report. Resolves with a plain, comparable object.
export async function round({ PubSub, PubSubError }, where) {
  const bus = new PubSub({
    autoCreateTopics: true,
    delivery: { retryBackoff: { initialMs: 1, maxMs: 1, multiplier: 1 } },
  });
  const seen = [];
  let failOnce = true;
  const done = new Promise((resolve) => {
    bus.subscribe("rounds.>", (msg) => {
      if (msg.data === "flaky" && failOnce) {
        failOnce = false;
        throw new Error("first attempt fails");
      }
      seen.push(`${msg.topic}:${msg.data}:${msg.attempt}:${msg.attributes.where ?? ""}`);
      if (seen.length === 4) resolve();
    }, { name: "round" });
  });
  const ids = [bus.publish("rounds.single", "one", { attributes: { where } })];
  ids.push(...bus.publishBatch("rounds.batch", [
    { data: "two", orderingKey: "k" },
    { data: "three", orderingKey: "k" },
    { data: "flaky" },
  ]));
  let code = null;
  try {
    bus.createTopic("not..valid");
  } catch (err) {
    code = err instanceof PubSubError && err instanceof Error ? err.code : `not a PubSubError: ${err}`;
  }
  await done;
  const { acked, retried, published } = bus.metrics();
  const report = await bus.close();
  return { where, ids, seen, code, acked, retried, published, report };
}
