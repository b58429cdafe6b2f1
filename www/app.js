// The demo dashboard: one PubSub in this tab with short retry and breaker timings, driven by
// pre-filled forms that show the API call each button makes, watched live. Deliveries,
// retries (attempt numbers), breaker states, dead letters and the bus's metrics and health
// are redrawn after each event and four times a second; the charts (charts.js) and the
// breaker timeline (breakers.js) keep the last two minutes; forms.js reads the forms. Shared
// with other tabs, a shared subscription (wasm-pubsub/shared) shows its role in its group,
// and the log says which tab handled each message.
import { PubSub, PubSubError } from "/pkg/browser.js";
import { attachPageLifecycle, indexedDbStore } from "/pkg/durable/index.js";
import { shareSubscriptions } from "/pkg/shared/index.js";
import { createTimeline } from "./breakers.js";
import { createCharts, SAMPLE_MS, span } from "./charts.js";
import { call, dataNode, literal } from "./format.js";
import { batchMessages, firstFree, publishRequest, QUICK_SUBSCRIPTIONS, QUICK_TOPICS, renderApiCalls, subscribeRequest } from "./forms.js";

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short timings, so a person sees a retry, a dead letter and the breaker open and close. */
const DELIVERY = {
  maxDeliveryAttempts: 3,
  ackTimeoutMs: 2000,
  retryBackoff: { initialMs: 250, maxMs: 2000, multiplier: 2 },
  circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 3000, halfOpenMaxCalls: 1 },
};
const CHANNEL = "wasm-pubsub-demo";
const LOG_LIMIT = 500;
const MODES = [
  ["ack", "Ack"],
  ["slow", "Slow"],
  ["fail", "Fail"],
  ["hang", "Hang"],
];

let bus;
/** Dead letters in IndexedDB (wasm-pubsub/durable): they outlive this tab and reach the next. */
const store = await indexedDbStore("demo").catch((err) => {
  console.warn(`dead letters stay in memory: ${err.message}`);
  return null;
});
let lifecycle = null;
/** name → { sub, mode, shared, role, settled, li, openedAt } for every subscription made on
 * this bus; `shared` is its shared name, `role` and `settled` what the log last said of it. */
const subs = new Map();
let shared = null; // { channel, bridge, subscriptions } while "share with other tabs" is on
let closing = false;
const charts = createCharts({ rates: $("chart-rates"), latency: $("chart-latency") });
const timeline = createTimeline($("breakers"), span);
window.dashboard = { charts, timeline }; // for the end-to-end test and the curious

// ---- the bus -------------------------------------------------------------------------------

function createBus() {
  bus = new PubSub({
    autoCreateTopics: true,
    delivery: DELIVERY,
    onDeadLetter: (dl) => {
      const error = dl.error ? ` · ${dl.error.code}: ${dl.error.message}` : "";
      log("dead-letter", `#${dl.message.id} ${dl.message.topic} → ${dl.subscription}: ${dl.reason} after ${dl.attempts} attempt(s)${error}`,
        null, { id: dl.message.id, reason: dl.reason, subscription: dl.subscription });
      scheduleRender();
    },
    logger: onLogRecord,
    ...(store && { deadLetterStore: store }),
  });
  window.bus = bus;
  lifecycle?.detach();
  lifecycle = store && attachPageLifecycle(bus, { store });
  const restored = bus.deadLetters().length;
  if (restored) log("restored", `${restored} dead letter${restored === 1 ? "" : "s"} restored from IndexedDB (earlier page loads, other tabs)`, null, { count: restored });
  charts.restart(bus.metrics());
  timeline.clear();
  closing = false;
  if ($("bridge-tabs").checked) share(true);
}

/** The bus's structured log: breaker transitions, failures, closing, rejected bridge input. */
function onLogRecord(record) {
  const sub = record.subscription;
  const entry = sub && subs.get(sub);
  switch (record.event) {
    case "handler.failed":
      log("failed", `#${record.messageId} ${record.topic} → ${sub}: ${record.code}`, null, { id: record.messageId, code: record.code });
      break;
    case "breaker.opened":
      if (entry) entry.openedAt = performance.now();
      timeline.record(sub, "open");
      log("breaker", `${sub}: breaker open, no deliveries for ${DELIVERY.circuitBreaker.resetTimeoutMs / 1000} s`, null, { breaker: "open", subscription: sub });
      break;
    case "breaker.halfOpen":
      timeline.record(sub, "halfOpen");
      log("breaker", `${sub}: breaker half-open, one trial delivery`, null, { breaker: "halfOpen", subscription: sub });
      break;
    case "breaker.closed":
      timeline.record(sub, "closed");
      log("breaker", `${sub}: breaker closed, deliveries flow again`, null, { breaker: "closed", subscription: sub });
      break;
    case "deadLetter":
      break; // onDeadLetter logs it with its reason and error
    case "close.started":
    case "close.finished":
      log("info", record.event === "close.started" ? "closing: draining queued and in-flight messages" : "bus closed");
      break;
    case "bridge.rejected":
      log("error", `bridge rejected a message from another tab: ${record.code}`, null, { code: record.code });
      break;
    default:
      if (record.level !== "debug" || $("log-debug").checked) {
        const where = [record.topic, sub, record.messageId && `#${record.messageId}`, record.code].filter(Boolean).join(" ");
        log(record.level === "debug" ? "debug" : "info", `${record.event} ${where}`);
      }
  }
  scheduleRender();
}

// ---- the event log -----------------------------------------------------------------------

function clockTime() {
  const now = new Date();
  return now.toLocaleTimeString([], { hour12: false }) + "." + String(now.getMilliseconds()).padStart(3, "0");
}

const LABELS = { "dead-letter": "dead letter", published: "publish", delivery: "deliver" };

/** Appends a line to the event log; `detail` is a node shown after the summary (message
 * data); `dataset` becomes data-* attributes for tests. */
function log(kind, summary, detail = null, dataset = {}) {
  const li = document.createElement("li");
  li.className = kind;
  for (const [key, value] of Object.entries(dataset)) {
    if (value !== undefined && value !== null) li.dataset[key] = value;
  }
  const time = document.createElement("time");
  time.textContent = clockTime();
  const label = document.createElement("span");
  label.className = "kind";
  label.textContent = dataset.attempt > 1 ? "retry" : LABELS[kind] ?? kind;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = summary;
  if (detail) text.append(" ", detail);
  li.append(time, label, text);
  const box = $("log");
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
  box.append(li);
  while (box.childElementCount > LOG_LIMIT) box.firstElementChild.remove();
  if (atBottom) box.scrollTop = box.scrollHeight;
}

/** Logs an error: a PubSubError shows its stable code. */
function logError(err) {
  const code = err instanceof PubSubError ? err.code : err?.name ?? "Error";
  log("error", `${code}: ${err?.message ?? String(err)}`, null, { code });
}

/** Runs `fn`, logging whatever it throws, then redraws. */
function attempt(fn) {
  try {
    const result = fn();
    if (result instanceof Promise) result.catch(logError).finally(scheduleRender);
  } catch (err) {
    logError(err);
  }
  scheduleRender();
}

// ---- handlers --------------------------------------------------------------------------------

const behaviours = {
  ack: () => {},
  slow: () => sleep(1000),
  fail: (entry) => {
    throw new Error(`${entry.sub.name} is set to fail`);
  },
  hang: () => new Promise(() => {}), // never settles: fails with HANDLER_TIMEOUT after ackTimeoutMs
};

/** Where a bridged message was published: `from tab 3f9a1c02 #12 · 1 hop`, or "". */
function originText(origin) {
  if (!origin) return "";
  return ` · from tab ${origin.id.slice(0, 8)} #${origin.messageId} · ${origin.hops} hop${origin.hops === 1 ? "" : "s"}`;
}

/** Which tab handled a delivery of a shared subscription: this one, in the role it has now
 * (leader), or "" for a subscription of its own. */
function handledText(entry) {
  const group = entry.shared && shared?.subscriptions.stats().groups[entry.shared];
  return group ? ` · handled in this tab (${group.role} of ${entry.shared}, epoch ${group.epoch})` : "";
}

/** A handler that logs each delivery and then behaves as its subscription's mode says now. */
function handlerFor(entry) {
  return (msg) => {
    const attrs = Object.entries(msg.attributes).map(([k, v]) => `${k}=${v}`).join(" ");
    const mode = entry.mode === "ack" ? "" : ` (${entry.mode})`;
    log("delivery",
      `#${msg.id} ${msg.topic} seq ${msg.sequence} attempt ${msg.attempt} → ${entry.sub.name}${mode}` +
        (msg.orderingKey ? ` key ${msg.orderingKey}` : "") + (attrs ? ` [${attrs}]` : "") + originText(msg.origin) + handledText(entry),
      dataNode(msg.data),
      { id: msg.id, topic: msg.topic, sequence: msg.sequence, attempt: msg.attempt, subscription: entry.sub.name, mode: entry.mode,
        origin: msg.origin?.id, originId: msg.origin?.messageId, shared: entry.shared });
    scheduleRender();
    return behaviours[entry.mode](entry);
  };
}

// ---- rendering -------------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

/** A button that runs `onClick`; `api` is the call it makes, shown as its tooltip. */
function button(text, onClick, api, props = {}) {
  return el("button", { type: "button", title: api, onclick: () => attempt(onClick), ...props }, text);
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function renderMetrics(m) {
  for (const dd of $("metrics").querySelectorAll("dd[data-metric]")) {
    const key = dd.dataset.metric;
    const text = key === "latency"
      ? `${Math.round(m.latencyMs.p50)} / ${Math.round(m.latencyMs.p99)} ms`
      : String(m[key]);
    if (dd.textContent !== text) {
      dd.textContent = text;
      dd.classList.remove("flash");
      void dd.offsetWidth; // restart the highlight
      dd.classList.add("flash");
    }
  }
}

function renderHealth(h) {
  const pill = $("health");
  pill.dataset.status = h.status;
  const extra = h.openBreakers.length ? ` · breaker open: ${h.openBreakers.join(", ")}` : "";
  setText(pill, h.status + extra);
}

let topicsKey = "";
function renderTopics() {
  const names = bus.topics();
  const key = names.join("\n");
  if (key === topicsKey) return;
  topicsKey = key;
  $("topics").replaceChildren(...names.map((name) => el("li", { dataset: { topic: name } },
    el("code", { className: "grow", title: "publish to this topic", onclick: () => ($("pub-topic").value = name) }, name),
    button("Delete", () => {
      bus.deleteTopic(name);
      log("info", `topic ${name} deleted`);
    }, call("bus.deleteTopic", name), { className: "quiet small" }))));
  $("topic-names").replaceChildren(...names.map((name) => el("option", { value: name })));
}

function subscriptionCard(entry) {
  const { sub } = entry;
  const modes = el("div", { className: "segmented", role: "group", ariaLabel: "handler behaviour" },
    ...MODES.map(([mode, label]) => el("button", {
      type: "button",
      dataset: { mode },
      title: { ack: "returns: acks", slow: "acks after 1 s", fail: "throws: retried, then dead-lettered", hang: `never settles: times out after ${DELIVERY.ackTimeoutMs / 1000} s` }[mode],
      onclick: () => {
        entry.mode = mode;
        log("info", `${sub.name}: handler now ${label.toLowerCase()}s`);
        scheduleRender();
      },
    }, label)));
  const li = el("li", { dataset: { name: sub.name } },
    el("div", { className: "card-head" },
      el("code", { className: "sub-name" }, sub.name),
      el("span", { className: "muted" }, " on "),
      el("code", {}, sub.topic),
      el("span", { className: "spacer" }),
      el("span", { className: "badge shared", hidden: true,
        title: "bus.health().shared: the leader handles each message; a follower holds its copy (holding) until the leader acks it" }),
      el("span", { className: "badge state" }),
      el("span", { className: "badge breaker" })),
    el("div", { className: "counters" }),
    el("div", { className: "card-controls" },
      modes,
      el("span", { className: "spacer" }),
      button("Pause", () => (sub.state === "paused" ? sub.resume() : sub.pause()), "sub.pause()", { className: "quiet small pause" }),
      button("Unsubscribe", () => {
        sub.unsubscribe();
        log("info", `${sub.name} unsubscribed`);
      }, "sub.unsubscribe()", { className: "quiet small unsubscribe" })));
  entry.li = li;
  return li;
}

/** The state of this bus's shared subscriptions by shared name: `bus.health().shared` (role,
 * epoch, holding) with the counts of `shared.stats()`. */
function sharedGroups(health) {
  const counts = shared?.subscriptions.stats().groups ?? {};
  return new Map((health.shared ?? []).map((group) => [group.name, { ...counts[group.name], ...group }]));
}

/** The group of a live shared subscription, or undefined. */
function groupOf(entry, groups) {
  return entry.shared && entry.sub.state !== "closed" ? groups.get(entry.shared) : undefined;
}

/** What a shared subscription's role means, for the log. */
const ROLES = {
  follower: "another tab handles each message; this one holds its copy until that tab acks it",
  takingOver: "the leader left or stopped answering",
  leader: "this tab handles each message",
  local: "this tab handles its own copies",
};

/** Logs each change of a shared subscription's role, and the copies the leader (in another
 * tab) handled for it since the last look. */
function logSharedChanges(groups) {
  for (const entry of subs.values()) {
    const group = groupOf(entry, groups);
    if (!group) continue;
    const dataset = { subscription: entry.sub.name, shared: group.name, role: group.role, epoch: group.epoch };
    if (group.role !== entry.role) {
      entry.role = group.role;
      log("shared", `${entry.sub.name}, shared as ${group.name}: ${group.role} at epoch ${group.epoch}` + (ROLES[group.role] ? ` · ${ROLES[group.role]}` : ""),
        null, dataset);
    }
    const settled = group.settledByLeader - entry.settled;
    if (settled > 0) {
      entry.settled = group.settledByLeader;
      log("shared", `${entry.sub.name}: ${settled} message${settled === 1 ? "" : "s"} handled in another tab, the leader of ${group.name}; acked here`,
        null, { ...dataset, settled });
    }
  }
}

/** A shared subscription's badge: its role in its group, the epoch, and the copies it holds. */
function renderShared(li, group) {
  const badge = li.querySelector(".badge.shared");
  badge.hidden = !group;
  for (const key of ["role", "epoch", "holding"]) {
    if (group) li.dataset[key] = group[key];
    else delete li.dataset[key];
  }
  if (group) setText(badge, `${group.name}: ${group.role} · epoch ${group.epoch} · holding ${group.holding}`);
}

function renderSubscriptions(m, groups) {
  const list = $("subscriptions");
  for (const entry of subs.values()) {
    const { sub } = entry;
    const li = entry.li ?? list.appendChild(subscriptionCard(entry));
    const state = sub.state;
    const breaker = state === "closed" ? "closed" : sub.breakerState;
    li.dataset.state = state;
    li.dataset.breaker = breaker;
    li.dataset.mode = entry.mode;
    const stateBadge = li.querySelector(".badge.state");
    stateBadge.dataset.value = state;
    setText(stateBadge, state);
    const breakerBadge = li.querySelector(".badge.breaker");
    breakerBadge.dataset.value = breaker;
    let breakerText = `breaker ${breaker === "halfOpen" ? "half-open" : breaker}`;
    if (breaker === "open" && entry.openedAt !== undefined) {
      const left = DELIVERY.circuitBreaker.resetTimeoutMs - (performance.now() - entry.openedAt);
      if (left > 0) breakerText += ` · trial in ${(left / 1000).toFixed(1)} s`;
    }
    setText(breakerBadge, breakerText);
    breakerBadge.hidden = state === "closed";
    const group = groupOf(entry, groups);
    renderShared(li, group);
    const figures = m.perSubscription[sub.name];
    const handled = group ? ` · handled here ${group.handled} · by the leader ${group.settledByLeader} · taken over ${group.takenOver}` : "";
    setText(li.querySelector(".counters"), figures
      ? `queued ${figures.queued} · in flight ${figures.inFlight} · acked ${figures.acked} · failed ${figures.failed} · dead ${figures.deadLettered}${handled}`
      : closing ? "closed with the bus" : "unsubscribed: its queue was discarded");
    for (const b of li.querySelectorAll(".segmented button")) {
      b.setAttribute("aria-pressed", String(b.dataset.mode === entry.mode));
      b.disabled = state === "closed";
    }
    const pause = li.querySelector("button.pause");
    setText(pause, state === "paused" ? "Resume" : "Pause");
    pause.title = state === "paused" ? "sub.resume()" : "sub.pause()";
    pause.hidden = li.querySelector("button.unsubscribe").hidden = state === "closed";
  }
}

let lettersKey = "";
function renderDeadLetters() {
  const letters = bus.deadLetters();
  setText($("dl-count"), String(letters.length));
  $("dl-count").dataset.zero = String(letters.length === 0);
  const key = letters.map((dl) => `${dl.message.id}/${dl.subscription}/${dl.deadLetteredAt}`).join(",");
  if (key === lettersKey) return;
  lettersKey = key;
  const shown = letters.slice(-200).reverse(); // newest first
  $("dead-letters").replaceChildren(...shown.map((dl) => el("li", {
    dataset: { id: dl.message.id, subscription: dl.subscription, reason: dl.reason, attempts: dl.attempts },
  },
  el("div", { className: "letter-head" },
    el("code", { className: "letter-id" }, `#${dl.message.id}`),
    el("span", {}, dl.message.topic),
    el("span", { className: "muted" }, "→"),
    el("code", {}, dl.subscription),
    el("span", { className: "spacer" }),
    el("span", { className: "badge reason" }, dl.reason)),
  dl.error ? el("div", { className: "letter-error" }, `${dl.error.code}: ${dl.error.message}`) : "",
  el("div", { className: "letter-data" }, dataNode(dl.message.data)),
  dl.message.origin ? el("div", { className: "letter-origin muted" }, originText(dl.message.origin).slice(3)) : "",
  el("div", { className: "letter-foot" },
    el("span", { className: "muted" },
      `${dl.attempts} attempt${dl.attempts === 1 ? "" : "s"} · ${new Date(dl.deadLetteredAt).toLocaleTimeString([], { hour12: false })}`),
    el("span", { className: "spacer" }),
    button("Replay", () => {
      const n = bus.replayDeadLetters((other) => other.message.id === dl.message.id && other.subscription === dl.subscription);
      log("replayed", n ? `#${dl.message.id} queued again on ${dl.subscription}` : `#${dl.message.id}: its subscription is gone; kept`,
        null, { count: n });
    }, `bus.replayDeadLetters((dl) => dl.message.id === ${dl.message.id} && dl.subscription === ${JSON.stringify(dl.subscription)})`,
    { className: "quiet small", disabled: closing })))));
}

function renderDurable() {
  if (!store) return setText($("durable"), "IndexedDB unavailable: dead letters live in this tab only");
  const s = store.stats();
  $("durable").dataset.memoryOnly = String(s.memoryOnly);
  setText($("durable"), `IndexedDB: ${s.added} written · ${s.removed} removed · ${s.memoryOnly} memory-only · `
    + `one write ${s.writeMs.p50.toFixed(1)} ms p50 · survives reloads and other tabs`);
}

function renderEmptyHints() {
  for (const hint of document.querySelectorAll("[data-empty-for]")) {
    hint.hidden = $(hint.dataset.emptyFor).childElementCount > 0;
  }
}

function renderBridge() {
  const text = shared ? Object.entries(shared.bridge.stats()).map(([k, v]) => `${k} ${v}`).join(" · ") : "";
  setText($("bridge-stats"), text);
  $("bridge-tabs").parentElement.title = shared
    ? "shared.close(); bridge.close()"
    : `const channel = new BroadcastChannel(${literal(CHANNEL)}); bus.bridge(channel); shareSubscriptions(bus, channel): `
      + "messages published in other tabs of this page arrive here, and the other way round; each message of a shared subscription is handled in one tab";
  $("sub-shared").disabled = !shared || closing;
}

/** The breaker timeline: every subscription's state now (the log records give the exact
 * moments of transitions in between). */
function renderTimeline() {
  for (const [name, { sub }] of subs) timeline.record(name, sub.state === "closed" ? "ended" : sub.breakerState);
  timeline.render();
}

function render() {
  const m = bus.metrics();
  const health = bus.health();
  const groups = sharedGroups(health);
  renderMetrics(m);
  renderHealth(health);
  renderTopics();
  logSharedChanges(groups);
  renderSubscriptions(m, groups);
  renderDeadLetters();
  renderDurable();
  renderBridge();
  renderTimeline();
  renderApiCalls();
  renderEmptyHints();
}

function describeConfig() {
  const { maxDeliveryAttempts, ackTimeoutMs, retryBackoff: r, circuitBreaker: c } = DELIVERY;
  const parts = [
    `${maxDeliveryAttempts} attempts`,
    `backoff ${r.initialMs} ms ×${r.multiplier} (max ${r.maxMs} ms)`,
    `ack timeout ${ackTimeoutMs / 1000} s`,
    `breaker opens after ${c.failureThreshold} failures in a row, tries again after ${c.resetTimeoutMs / 1000} s`,
    "topics created on first use",
  ];
  $("config").replaceChildren("Delivery: ", ...parts.flatMap((p, i) => [i ? " · " : "", el("span", { className: "chip" }, p)]));
}

// ---- forms -------------------------------------------------------------------------------------

function onSubmit(id, fn) {
  $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(fn);
  });
}

function createTopic(name) {
  const topic = bus.createTopic(name);
  log("info", `topic ${topic.name} created`);
  if (!$("pub-topic").value) $("pub-topic").value = topic.name;
  return topic;
}

function subscribe(pattern, options, mode) {
  const entry = { mode, shared: options.shared, role: undefined, settled: 0, sub: null, li: null, openedAt: undefined };
  entry.sub = bus.subscribe(pattern, handlerFor(entry), options);
  subs.set(entry.sub.name, entry);
  log("info", `${entry.sub.name} subscribed to ${entry.sub.topic}` + (entry.shared ? `, shared with other tabs as ${entry.shared}` : ""));
  return entry;
}

onSubmit("topic-form", () => {
  createTopic($("topic-name").value.trim());
  const topics = new Set(bus.topics());
  $("topic-name").value = firstFree([...QUICK_TOPICS, "orders.eu.paid"], "topic", (name) => topics.has(name));
});

onSubmit("subscribe-form", () => {
  const [pattern, options, behaviour] = subscribeRequest();
  subscribe(pattern, options, behaviour);
  if (options.name) $("sub-name").value = firstFree([], "worker", (n) => subs.has(n));
  if (options.shared) $("sub-shared").value = firstFree(["workers"], "workers", (n) => n in shared.subscriptions.stats().groups);
});

onSubmit("publish-form", () => {
  const [topic, data, options] = publishRequest();
  const id = bus.publish(topic, data, options);
  log("published", `#${id} ${topic}`, null, { id, topic });
});

$("publish-batch").addEventListener("click", () => attempt(() => {
  const topic = $("pub-topic").value.trim();
  const ids = bus.publishBatch(topic, batchMessages(Number($("batch-size").value)));
  log("published", `batch of ${ids.length} on ${topic}: #${ids[0]}–#${ids.at(-1)}`, null, { topic, batch: ids.length });
}));

$("replay-all").addEventListener("click", () => attempt(() => {
  const held = bus.deadLetters().length;
  const n = bus.replayDeadLetters();
  log("replayed", `${n} dead letter${n === 1 ? "" : "s"} queued again` + (held > n ? ` (${held - n} kept: subscription gone)` : ""), null, { count: n });
}));

$("purge").addEventListener("click", () => attempt(() => {
  const n = bus.purgeDeadLetters();
  log("info", `purged ${n} dead letter${n === 1 ? "" : "s"}`);
}));

$("quick-start").addEventListener("click", () => attempt(() => {
  for (const name of QUICK_TOPICS) {
    if (!bus.topic(name)) createTopic(name);
  }
  for (const [pattern, name] of QUICK_SUBSCRIPTIONS) {
    if (!subs.has(name)) subscribe(pattern, { name }, "ack");
  }
  $("pub-topic").value = "payments";
}));

$("reset-latency").addEventListener("click", () => {
  charts.resetLatency(bus.metrics().acked);
  log("info", "latency chart reset: it starts again at the next ack (the bus's own percentiles cannot be reset)");
});

$("clear-log").addEventListener("click", () => $("log").replaceChildren());

// ---- sharing with other tabs -----------------------------------------------------------------

/** Bridges the bus to the other tabs over one BroadcastChannel, and shares its subscriptions
 * there (once per bus: turned off, `shared.close()` ends the shared subscriptions and
 * detaches, so that turning it on again attaches anew). */
function share(on) {
  if (on && !shared) {
    const channel = new BroadcastChannel(CHANNEL);
    shared = { channel, bridge: bus.bridge(channel), subscriptions: shareSubscriptions(bus, channel) };
    log("info", `sharing with other tabs over BroadcastChannel "${CHANNEL}": messages, and shared subscriptions`);
  } else if (!on && shared) {
    shared.subscriptions.close();
    shared.bridge.close();
    shared.channel.close();
    shared = null;
    log("info", "no longer sharing with other tabs: shared subscriptions ended");
  }
}

$("bridge-tabs").addEventListener("change", (event) => attempt(() => share(event.target.checked)));

// ---- closing -----------------------------------------------------------------------------------

function setControlsEnabled(enabled) {
  for (const node of document.querySelectorAll("main button, main input, main select, main textarea, #bridge-tabs, #close-bus, #drain-ms")) {
    node.disabled = !enabled;
  }
}

$("close-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (closing) return;
  closing = true;
  const drainTimeoutMs = Number($("drain-ms").value);
  setControlsEnabled(false);
  $("status").textContent = "closing…";
  try {
    const report = await bus.close({ drainTimeoutMs });
    showReport(report, drainTimeoutMs);
  } catch (err) {
    logError(err);
    closing = false;
    setControlsEnabled(true);
    $("status").textContent = "ready";
  }
  render();
});

function showReport(report, drainTimeoutMs) {
  const m = bus.metrics();
  const sum = m.acked + m.deadLettered + m.discarded + m.queued + m.inFlight;
  const box = $("close-report");
  box.dataset.drained = report.drained;
  box.dataset.deadLettered = report.deadLettered;
  box.replaceChildren(
    el("h2", {}, "Closed"),
    el("p", {},
      "Within the ", el("strong", {}, `${drainTimeoutMs} ms`), " drain: ",
      el("strong", { className: "drained" }, String(report.drained)), " settled, ",
      el("strong", { className: "dead-lettered" }, String(report.deadLettered)), " dead-lettered with reason SHUTDOWN."),
    el("p", { className: "muted" },
      `Nothing lost: routed ${m.routed} = acked ${m.acked} + dead-lettered ${m.deadLettered} + discarded ${m.discarded} + queued ${m.queued} + in flight ${m.inFlight}`,
      sum === m.routed ? " ✓" : ` ✗ (${sum})`));
  box.hidden = false;
  $("status").hidden = true; // the health pill says "closed"
  $("new-bus").hidden = false;
  $("new-bus").disabled = false;
  log("closed", `report: ${report.drained} drained, ${report.deadLettered} dead-lettered`, null, { drained: report.drained, deadLettered: report.deadLettered });
}

$("new-bus").addEventListener("click", () => {
  shared?.subscriptions.close(); // detaches from the closed bus: the new one attaches its own
  shared?.channel.close(); // the closed bus already closed its bridges
  shared = null;
  bus.free();
  subs.clear();
  topicsKey = lettersKey = null;
  $("subscriptions").replaceChildren();
  $("close-report").hidden = true;
  $("new-bus").hidden = true;
  createBus();
  setControlsEnabled(true);
  $("status").textContent = "ready";
  $("status").hidden = false;
  log("info", "a new bus");
  render();
});

// ---- start -------------------------------------------------------------------------------------

createBus();
describeConfig();
render();
setInterval(render, 250);
setInterval(() => charts.sample(bus.metrics()), SAMPLE_MS);
document.addEventListener("input", renderApiCalls);
$("status").textContent = "ready";
$("status").className = "status ready";
document.body.dataset.ready = "true";
