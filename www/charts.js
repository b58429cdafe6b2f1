// The dashboard's live charts (uPlot): publish, ack and dead-letter rates, and the bus's
// ack-latency percentiles (p50, p90, p99: the ones bus.metrics().latencyMs has), sampled
// from bus.metrics() once a second over a fixed window of 120 points.
import uPlot from "/vendor/uplot/uPlot.esm.js";

/** Points each chart keeps: two minutes at one sample a second. */
const WINDOW = 120;
export const SAMPLE_MS = 1000;

const COLORS = { blue: "#2f5bd3", green: "#157347", red: "#b42318", amber: "#c27803", grey: "#667085" };

const RATES = [
  ["publish/s", COLORS.blue, (m) => m.published],
  ["ack/s", COLORS.green, (m) => m.acked, [6, 4]],
  ["dead letters/s", COLORS.red, (m) => m.deadLettered],
];
const LATENCY = [
  ["p50", COLORS.green, (m) => m.latencyMs.p50],
  ["p90", COLORS.amber, (m) => m.latencyMs.p90],
  ["p99", COLORS.red, (m) => m.latencyMs.p99],
];

/** The window in milliseconds; the x axis spans what there is of it, 30 s at least. */
const WINDOW_MS = WINDOW * SAMPLE_MS;
const MIN_SPAN_MS = 30_000;

/** The time span to show for data from `first` to `last` (any unit, as the two spans). */
export function span(first, last, min = MIN_SPAN_MS, max = WINDOW_MS) {
  return Math.min(Math.max(last - first, min), max);
}

/** The x range: the newest point on the right, and as much of the window as there is. Read
 * from the data, not from uPlot's proposal, which pads a lone point's range to a day. */
function xRange(u) {
  const times = u.data[0];
  const last = times.at(-1) ?? Date.now() / 1000;
  return [last - span(times[0] ?? last, last, MIN_SPAN_MS / 1000, WINDOW_MS / 1000), last];
}

/** `hh:mm:ss` of a time in seconds. */
const clock = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour12: false });

/** A uPlot line chart in `host`: the window on a time axis, y from 0. */
function lineChart(host, series, unit) {
  const axis = { stroke: COLORS.grey, grid: { stroke: "#e1e5eb", width: 1 }, ticks: { stroke: "#e1e5eb" } };
  const x = { ...axis, space: 70, values: (_u, ticks) => ticks.map(clock) };
  const options = {
    width: Math.max(host.clientWidth, 200),
    height: 170,
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true, range: xRange },
      y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
    },
    axes: [x, { ...axis, size: 44, values: (_u, ticks) => ticks.map((v) => `${+v.toFixed(1)}${unit}`) }],
    series: [{}, ...series.map(([label, stroke, , dash]) => ({ label, stroke, dash, width: 2 }))],
  };
  return new uPlot(options, [[], ...series.map(() => [])], host);
}

/** Appends `values` to the columns of `data`, dropping the oldest beyond the window. */
function push(data, values) {
  data.forEach((column, i) => column.push(values[i]));
  if (data[0].length > WINDOW) for (const column of data) column.shift();
}

/**
 * The two charts, mounted in `hosts.rates` and `hosts.latency`. `restart(metrics)` empties
 * both and takes a bus's first metrics as the baseline of its rates; `sample(metrics)` adds a
 * point; `resetLatency(acked)` empties the latency chart until the next ack.
 */
export function createCharts(hosts) {
  const rates = lineChart(hosts.rates, RATES, "");
  const latency = lineChart(hosts.latency, LATENCY, " ms");
  const empty = (chart) => chart.setData(chart.data.map(() => []));
  let previous = null;
  let latencyAfter = 0;
  const fit = new ResizeObserver(() => {
    for (const [chart, host] of [[rates, hosts.rates], [latency, hosts.latency]]) {
      chart.setSize({ width: Math.max(host.clientWidth, 200), height: 170 });
    }
  });
  fit.observe(hosts.rates);
  fit.observe(hosts.latency);

  function sample(m, now = Date.now()) {
    const seconds = Math.max((now - previous.at) / 1000, 0.001);
    const perSecond = RATES.map(([, , read]) => Math.max(read(m) - read(previous.m), 0) / seconds);
    push(rates.data, [now / 1000, ...perSecond]);
    rates.setData(rates.data);
    if (m.acked > latencyAfter) {
      push(latency.data, [now / 1000, ...LATENCY.map(([, , read]) => read(m))]);
      latency.setData(latency.data);
    }
    previous = { at: now, m };
  }

  return {
    rates,
    latency,
    sample,
    /** Empties the latency chart; it starts again at the first ack after `acked`. */
    resetLatency(acked) {
      latencyAfter = acked;
      empty(latency);
    },
    restart(m, now = Date.now()) {
      previous = { at: now, m };
      latencyAfter = 0;
      empty(rates);
      empty(latency);
    },
  };
}
