// A bus that follows its page: on the way out (pagehide, freeze) everything queued and in
// flight is dead-lettered at once, synchronously, into the store; back from the back-forward
// cache (pageshow persisted, resume) those letters are delivered again.

/**
 * Attaches `bus` to the page's lifecycle. On `pagehide` and `freeze` it dead-letters what is
 * queued and in flight (`bus.evacuate()`, reason `SHUTDOWN`), with `store` (an
 * `indexedDbStore`) landing the letters in localStorage, which a leaving page writes
 * reliably. A page going into the back-forward cache (`persisted`) or frozen is not closed:
 * on `pageshow`/`resume` the store moves the letters to IndexedDB and they are replayed onto
 * their subscriptions. A page that is unloaded closes the bus; the next load restores them.
 * `connect` (optional) opens the port a bridge should use: the bridge is closed while the
 * page is hidden, since a BroadcastChannel message reaching a cached page evicts it from the
 * back-forward cache, and opened again when it shows. Answers `{ detach(), stats() }`.
 *
 * ```js
 * const lifecycle = attachPageLifecycle(bus, { store, connect: () => new BroadcastChannel("app") });
 * ```
 */
export function attachPageLifecycle(bus, options = {}) {
  const { store, connect, target = globalThis } = options;
  const counts = { hidden: 0, evacuated: 0, replayed: 0, closed: false };
  let held = [];
  let hidden = false;
  let link = open(bus, connect);
  const hide = (event) => {
    if (counts.closed) return;
    if (!hidden) {
      hidden = true;
      counts.hidden++;
      store?.leaving(true);
      held = evacuate(bus, counts);
      store?.flush();
      link = shut(link);
    }
    if (event.type === "pagehide" && !event.persisted) {
      counts.closed = true;
      bus.close({ drainTimeoutMs: 0 }).catch(() => {});
    }
  };
  const show = (event) => {
    if (counts.closed || !hidden || (event.type === "pageshow" && !event.persisted)) return;
    hidden = false;
    store?.leaving(false);
    const keys = held;
    held = [];
    counts.replayed += bus.replayDeadLetters((l) => keys.some(([s, id]) => s === l.subscription && id === l.message.id));
    link ??= open(bus, connect);
  };
  const doc = target.document;
  target.addEventListener("pagehide", hide);
  target.addEventListener("pageshow", show);
  doc?.addEventListener("freeze", hide);
  doc?.addEventListener("resume", show);
  return {
    detach() {
      target.removeEventListener("pagehide", hide);
      target.removeEventListener("pageshow", show);
      doc?.removeEventListener("freeze", hide);
      doc?.removeEventListener("resume", show);
      link = shut(link);
    },
    stats: () => ({ ...counts, held: held.length, bridged: link !== null }),
  };
}

/** Dead-letters everything at once; answers the keys of the letters it made. */
function evacuate(bus, counts) {
  let evacuated = 0;
  try {
    evacuated = bus.evacuate();
  } catch {
    return []; // A closed bus holds nothing.
  }
  counts.evacuated += evacuated;
  const made = evacuated ? bus.deadLetters().slice(-evacuated) : [];
  return made.map((l) => [l.subscription, l.message.id]);
}

function open(bus, connect) {
  if (!connect) return null;
  const port = connect();
  return { port, bridge: bus.bridge(port) };
}

function shut(link) {
  link?.bridge.close();
  link?.port.close?.();
  return null;
}
