// JavaScript shared by the binding tests: a fake clock, a recording handler, waiting.

/** A clock that moves only when told; `advance` lets deliveries run before each timer. */
export function fakeClock() {
  let now = 0, next = 0;
  const timers = new Map();
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  return {
    now: () => now,
    setTimeout(fn, ms) { next += 1; timers.set(next, { at: now + ms, fn }); return next; },
    clearTimeout(id) { timers.delete(id); },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        await tick();
        const due = [...timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = target;
      await tick();
    },
    pending: () => timers.size,
  };
}

/** A handler that keeps every message it receives in `seen`. */
export function recorder() {
  const seen = [];
  return { seen, handler: (m) => { seen.push(m); } };
}

export function tick(ms) { return new Promise((resolve) => setTimeout(resolve, ms ?? 0)); }
export function json(text) { return JSON.parse(text); }
