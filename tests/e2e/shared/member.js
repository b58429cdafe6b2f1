// One member of the group "workers" in the shared-subscription test, in a tab or a worker (a
// worker has no import map, so the modules are passed in): a bus bridged over the
// BroadcastChannel "shared-e2e", subscribed to "jobs" with { shared: "workers" }. Its handler
// reports each job synchronously, so a tab closed at any moment has either reported and
// settled a job or done neither.
export function start({ PubSub, shareSubscriptions }, tab, record) {
  const bus = new PubSub({ autoCreateTopics: true });
  const channel = new BroadcastChannel("shared-e2e");
  bus.bridge(channel, { topics: ["jobs"] });
  const shared = shareSubscriptions(bus, channel, { heartbeatMs: 100, failoverMs: 600 });
  bus.subscribe("jobs", (msg) => {
    record(tab, msg.data.n); // a synchronous handler: its promise (a binding's) is not awaited
  }, { shared: "workers" });

  /** Publishes jobs from..from+count-1, one every `everyMs`; resolves when all are published. */
  function publishMany(from, count, everyMs) {
    return new Promise((resolve) => {
      let n = from;
      const timer = setInterval(() => {
        bus.publish("jobs", { n });
        if (++n === from + count) {
          clearInterval(timer);
          resolve();
        }
      }, everyMs);
    });
  }
  const role = () => bus.health().shared[0].role;
  const group = () => shared.stats().groups.workers;
  return { bus, shared, publishMany, role, group };
}
