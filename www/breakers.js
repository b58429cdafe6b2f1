// The breaker timeline: one row per subscription, its circuit breaker's state (closed, open,
// halfOpen) as coloured bands over the same span as the charts (what there is of the window). Transitions come from the
// bus's `breaker.*` log records as they happen, and from `subscription.breakerState` at each
// redraw (which also catches a subscription's first state and its end).

const LABELS = { closed: "closed", halfOpen: "half-open", open: "open", ended: "ended" };

/** Keeps at most this many transitions per subscription, however fast it flaps. */
const MAX_SEGMENTS = 200;

/** A timeline drawn in the list `root`, over a span `span(since, now)` ms long ending now,
 * where `since` is when it was last cleared (as the charts, for a new bus). */
export function createTimeline(root, span) {
  /** name → [{ state, from }] in time order. */
  const rows = new Map();
  let since = Date.now();

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

  function band({ state, from }, to, start, length) {
    const node = document.createElement("span");
    node.className = "band";
    node.dataset.state = state;
    node.title = `${LABELS[state]} from ${new Date(from).toLocaleTimeString([], { hour12: false })}`;
    node.style.left = `${(100 * (Math.max(from, start) - start)) / length}%`;
    node.style.width = `${(100 * (to - Math.max(from, start))) / length}%`;
    return node;
  }

  function row(name, segments, start, now) {
    const track = document.createElement("div");
    track.className = "track";
    segments.forEach((segment, i) => {
      if (segment.state !== "ended") track.append(band(segment, segments[i + 1]?.from ?? now, start, now - start));
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
    const start = now - span(since, now);
    prune(start);
    root.replaceChildren(...[...rows].map(([name, segments]) => row(name, segments, start, now)));
  }

  function clear() {
    rows.clear();
    since = Date.now();
  }

  return { record, render, clear };
}
