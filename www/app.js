// The demo page: a PubSub in this tab, driven by three forms, with a live log.
import { PubSub, PubSubError } from "/pkg/browser.js";

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const bus = new PubSub({
  onDeadLetter: (dl) =>
    log("dead-letter", `#${dl.message.id} ${dl.message.topic} via ${dl.subscription}`,
      `${dl.reason} after ${dl.attempts} attempt(s)${dl.error ? `: ${dl.error.code}` : ""}`),
});
const subscriptions = [];

// ---- log -------------------------------------------------------------------------------

/** Appends a line to the log; `dataset` becomes data-* attributes for tests. */
function log(kind, summary, detail = "", dataset = {}) {
  const li = document.createElement("li");
  li.className = kind;
  Object.assign(li.dataset, dataset);
  const time = document.createElement("time");
  time.textContent = new Date().toLocaleTimeString([], { hour12: false }) +
    "." + String(Date.now() % 1000).padStart(3, "0");
  const label = document.createElement("span");
  label.className = "kind";
  label.textContent = kind;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = summary;
  if (detail !== "") {
    const data = document.createElement("span");
    data.className = "data";
    data.textContent = "\n" + detail;
    text.append(data);
  }
  li.append(time, label, text);
  const box = $("log");
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
  box.append(li);
  if (atBottom) box.scrollTop = box.scrollHeight;
}

/** Logs an error: a PubSubError shows its stable code. */
function logError(err) {
  const code = err instanceof PubSubError ? err.code : err?.name ?? "Error";
  log("error", code, err?.message ?? String(err), { code });
}

/** Runs `fn`, logging whatever it throws, then refreshes the lists. */
function attempt(fn) {
  try {
    fn();
  } catch (err) {
    logError(err);
  }
  render();
}

// ---- handlers ----------------------------------------------------------------------------

const behaviours = {
  ack: () => {},
  slow: () => sleep(1000),
  fail: () => {
    throw new Error("this handler fails on purpose");
  },
};

function handlerFor(behaviour, label) {
  return (msg) => {
    const text = typeof msg.data === "string" ? msg.data : JSON.stringify(msg.data);
    const attrs = Object.entries(msg.attributes).map(([k, v]) => `${k}=${v}`).join(" ");
    log("delivery",
      `#${msg.id} ${msg.topic} seq ${msg.sequence} attempt ${msg.attempt} → ${label()}` +
        (msg.orderingKey ? ` key ${msg.orderingKey}` : "") + (attrs ? ` [${attrs}]` : ""),
      text,
      { id: msg.id, topic: msg.topic, sequence: msg.sequence, attempt: msg.attempt });
    queueMicrotask(render);
    return behaviours[behaviour](msg);
  };
}

// ---- rendering -------------------------------------------------------------------------

function button(text, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.addEventListener("click", () => attempt(onClick));
  return b;
}

function badge(text, cls = text) {
  const span = document.createElement("span");
  span.className = `badge ${cls}`;
  span.textContent = text;
  return span;
}

function renderTopics() {
  const items = bus.topics().sort().map((name) => {
    const li = document.createElement("li");
    const label = document.createElement("code");
    label.className = "grow";
    label.textContent = name;
    li.append(label, button("Delete", () => {
      bus.deleteTopic(name);
      log("info", `topic ${name} deleted`);
    }));
    return li;
  });
  $("topics").replaceChildren(...items);
}

function renderSubscriptions() {
  const items = subscriptions.map((sub) => {
    const li = document.createElement("li");
    li.dataset.name = sub.name;
    li.dataset.state = sub.state;
    const label = document.createElement("span");
    label.className = "grow";
    label.innerHTML = "<code></code> on <code></code>";
    label.children[0].textContent = sub.name;
    label.children[1].textContent = sub.topic;
    li.append(label, badge(sub.state));
    if (sub.state !== "closed") {
      li.append(badge(`breaker ${sub.breakerState}`, sub.breakerState === "closed"
        ? "closed-breaker" : sub.breakerState));
      li.append(sub.state === "paused"
        ? button("Resume", () => sub.resume())
        : button("Pause", () => sub.pause()));
      li.append(button("Unsubscribe", () => sub.unsubscribe()));
    }
    return li;
  });
  $("subscriptions").replaceChildren(...items);
}

function render() {
  renderTopics();
  renderSubscriptions();
}

// ---- forms -------------------------------------------------------------------------------

/** Parses `key=value` lines; blank lines are skipped. */
function parseAttributes(text) {
  const attributes = {};
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const eq = line.indexOf("=");
    if (eq < 0) throw new SyntaxError(`attributes line ${i + 1}: expected key=value`);
    attributes[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return attributes;
}

function onSubmit(id, fn) {
  $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(fn);
  });
}

onSubmit("topic-form", () => {
  const topic = bus.createTopic($("topic-name").value.trim());
  log("info", `topic ${topic.name} created`);
  if (!$("pub-topic").value) $("pub-topic").value = topic.name;
});

onSubmit("subscribe-form", () => {
  const options = {};
  const name = $("sub-name").value.trim();
  if (name) options.name = name;
  let sub;
  const handler = handlerFor($("sub-behaviour").value, () => sub.name);
  sub = bus.subscribe($("sub-pattern").value.trim(), handler, options);
  subscriptions.push(sub);
  log("info", `subscribed ${sub.name} to ${sub.topic}`);
});

onSubmit("publish-form", () => {
  const options = { attributes: parseAttributes($("pub-attributes").value) };
  const key = $("pub-ordering-key").value.trim();
  if (key) options.orderingKey = key;
  const topic = $("pub-topic").value.trim();
  const id = bus.publish(topic, $("pub-data").value, options);
  log("published", `#${id} ${topic}`, "", { id });
});

$("clear-log").addEventListener("click", () => $("log").replaceChildren());

$("status").textContent = "ready";
$("status").classList.add("ready");
document.body.dataset.ready = "true";
window.bus = bus;
