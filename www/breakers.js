// The breaker timeline: one row per subscription, its circuit breaker's state (closed, open,
// halfOpen) as coloured bands over the same window as the charts. Transitions come from the
// bus's `breaker.*` log records as they happen, and from `subscription.breakerState` at each
// redraw (which also catches a subscription's first state and its end).

const LABELS = { closed: "closed", halfOpen: "half-open", open: "open", ended: "ended" };

/** Keeps at most this many transitions per subscription, however fast it flaps. */
const MAX_SEGMENTS = 200;

/** A timeline drawn in the list `root`, showing the last `windowMs` milliseconds. */
export function createTimeline(root, windowMs) {
  /** name → [{ state, from }] in time order. */
  const rows = new Map();

  /** Notes that `name`'s breaker is `state` from `at` on (a repeat of its state is ignored). */
  function record(name, state, at = Date.now()) {
    const segments = rows.get(name) ?? rows.set(name, []).get(name);
    if (segments.at(-1)?.state === state) return;
    segments.push({ state, from: at });
    if (segments.length > MAX_SEGMENTS) segments.shift();
  }

  /** Drops what ended before the window, and the rows of subscriptions that ended there. */
  function prune(start) {
    for (const [name, segments] of rows) {
      while (segments.length > 1 && segments[1].from <= start) segments.shift();
      if (segments[0].state === "ended" && segments[0].from <= start) rows.delete(name);
    }
  }

  function band({ state, from }, to, start) {
    const node = document.createElement("span");
    node.className = "band";
    node.dataset.state = state;
    node.title = `${LABELS[state]} from ${new Date(from).toLocaleTimeString([], { hour12: false })}`;
    node.style.left = `${(100 * (Math.max(from, start) - start)) / windowMs}%`;
    node.style.width = `${(100 * (to - Math.max(from, start))) / windowMs}%`;
    return node;
  }

  function row(name, segments, now) {
    const start = now - windowMs;
    const track = document.createElement("div");
    track.className = "track";
    segments.forEach((segment, i) => {
      if (segment.state !== "ended") track.append(band(segment, segments[i + 1]?.from ?? now, start));
    });
    const label = document.createElement("code");
    label.textContent = name;
    const current = document.createElement("span");
    current.className = "now";
    current.textContent = LABELS[segments.at(-1).state];
    const li = document.createElement("li");
    li.dataset.name = name;
    li.dataset.state = segments.at(-1).state;
    li.append(label, track, current);
    return li;
  }

  /** Redraws every row at time `now`. */
  function render(now = Date.now()) {
    prune(now - windowMs);
    root.replaceChildren(...[...rows].map(([name, segments]) => row(name, segments, now)));
  }

  return { record, render, clear: () => rows.clear() };
}
