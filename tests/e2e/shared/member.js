// One member of the group "workers" in the shared-subscription test, in a tab or a worker (a
// worker has no import map, so the modules are passed in): a bus bridged over the
// BroadcastChannel "shared-e2e" (or, given `connect`, a function opening it, for the
// coordinator while the page lifecycle opens the bridge's), subscribed to "jobs" with { shared: "workers" }. Its handler
// reports each job synchronously, so a tab closed at any moment has either reported and
// settled a job or done neither.
export function start({ PubSub, shareSubscriptions }, tab, record, { config = {}, slowMs = 0, connect } = {}) {
  const bus = new PubSub({ autoCreateTopics: true, ...config });
  const channel = connect ?? new BroadcastChannel("shared-e2e");
  if (!connect) bus.bridge(channel, { topics: ["jobs"] }); // with `connect`, the page lifecycle bridges
  const shared = shareSubscriptions(bus, channel, { heartbeatMs: 100, failoverMs: 600 });
  const handle = (msg) => {
    record(tab, msg.data.n); // synchronous: its promise (a binding's) is not awaited
  };
  const slow = (msg) => new Promise((resolve) => setTimeout(resolve, slowMs)).then(() => handle(msg));
  bus.subscribe("jobs", slowMs > 0 ? slow : handle, { shared: "workers" });

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
