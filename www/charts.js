// The dashboard's live charts (uPlot): publish, ack and dead-letter rates, and the bus's
// ack-latency percentiles, sampled from bus.metrics() once a second over a fixed window.
import uPlot from "/vendor/uplot/uPlot.esm.js";

/** Points each chart keeps: two minutes at one sample a second. */
export const WINDOW = 120;
export const SAMPLE_MS = 1000;

const COLORS = { blue: "#2f5bd3", green: "#157347", red: "#b42318", amber: "#c27803", grey: "#667085" };

const RATES = [
  ["publish/s", COLORS.blue, (m) => m.published],
  ["ack/s", COLORS.green, (m) => m.acked],
  ["dead letters/s", COLORS.red, (m) => m.deadLettered],
];
const LATENCY = [
  ["p50", COLORS.green, (m) => m.latencyMs.p50],
  ["p90", COLORS.amber, (m) => m.latencyMs.p90],
  ["p99", COLORS.red, (m) => m.latencyMs.p99],
];

/** Seconds the x axis spans: the window, ending at the newest point. */
const SPAN = (WINDOW * SAMPLE_MS) / 1000;

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
      x: { time: true, range: (_u, _min, max) => [(max ?? Date.now() / 1000) - SPAN, max ?? Date.now() / 1000] },
      y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
    },
    axes: [x, { ...axis, size: 44, values: (_u, ticks) => ticks.map((v) => `${+v.toFixed(1)}${unit}`) }],
    series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 2, points: { show: false } }))],
  };
  return new uPlot(options, [[], ...series.map(() => [])], host);
}

/** Appends `values` to the columns of `data`, dropping the oldest beyond the window. */
function push(data, values) {
  data.forEach((column, i) => column.push(values[i]));
  if (data[0].length > WINDOW) for (const column of data) column.shift();
}

/**
 * The two charts, mounted in `hosts.rates` and `hosts.latency`. `sample(metrics)` adds a
 * point; `resetLatency()` empties the latency chart until the next ack; `restart()` empties
 * both (a new bus).
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
    if (previous) {
      const seconds = Math.max((now - previous.at) / 1000, 0.001);
      const perSecond = RATES.map(([, , read]) => Math.max(read(m) - read(previous.m), 0) / seconds);
      push(rates.data, [now / 1000, ...perSecond]);
      rates.setData(rates.data);
    }
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
    restart() {
      previous = null;
      latencyAfter = 0;
      empty(rates);
      empty(latency);
    },
  };
}
