// The dashboard's forms: what each one publishes, subscribes or creates, read from its
// pre-filled fields, and the API call each button makes, written beside it from the same
// reading, so the text and the action cannot disagree.
import { call, Code, formData, literal } from "./format.js";

const $ = (id) => document.getElementById(id);

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

/** The publish form's options, or `undefined` when it sets none. */
function publishOptions() {
  const options = {};
  const attributes = parseAttributes($("pub-attributes").value);
  if (Object.keys(attributes).length) options.attributes = attributes;
  const key = $("pub-ordering-key").value.trim();
  if (key) options.orderingKey = key;
  return Object.keys(options).length ? options : undefined;
}

/** What the publish form publishes: `[topic, data, options]`. */
export function publishRequest() {
  return [$("pub-topic").value.trim(), formData($("pub-data").value), publishOptions()];
}

/** The first `count` messages of the batch the form publishes, each data marked `i/size`. */
export function batchMessages(count) {
  const [, data, options] = publishRequest();
  const size = Number($("batch-size").value);
  const nth = (i) => (typeof data === "object" ? { ...data, batch: `${i + 1}/${size}` } : `${data} (${i + 1}/${size})`);
  return Array.from({ length: Math.min(count, size) }, (_, i) => ({ data: nth(i), ...options }));
}

/** The handler each behaviour stands for, as the API call shows it. */
const HANDLER_SOURCE = {
  ack: "(msg) => {}",
  slow: "(msg) => sleep(1000)",
  fail: "(msg) => { throw new Error(\"…\") }",
  hang: "(msg) => new Promise(() => {})",
};

/** What the subscribe form subscribes: `[pattern, options, behaviour]`. The shared name
 * counts only while the tab shares with other tabs (its field is enabled then). */
export function subscribeRequest() {
  const options = {};
  const name = $("sub-name").value.trim();
  if (name) options.name = name;
  const shared = $("sub-shared");
  if (!shared.disabled && shared.value.trim()) options.shared = shared.value.trim();
  return [$("sub-pattern").value.trim(), options, $("sub-behaviour").value];
}

export const QUICK_TOPICS = ["orders.eu", "orders.us", "payments"];
export const QUICK_SUBSCRIPTIONS = [["orders.>", "audit"], ["payments", "charge"]];

/** The source of each API call a button makes, from the form values now. */
const API_CALLS = {
  "api-create-topic": () => call("bus.createTopic", $("topic-name").value.trim()),
  "api-quick-start": () => [
    `${literal(QUICK_TOPICS)}.forEach((name) => bus.createTopic(name))`,
    ...QUICK_SUBSCRIPTIONS.map(([pattern, name]) => call("bus.subscribe", pattern, new Code("handler"), { name })),
  ].join("\n"),
  "api-publish": () => call("bus.publish", ...publishRequest()),
  "api-publish-batch": () => {
    const size = Number($("batch-size").value);
    const more = size > 1 ? [new Code(`/* …${size - 1} more */`)] : [];
    return call("bus.publishBatch", $("pub-topic").value.trim(), [...batchMessages(1), ...more]);
  },
  "api-subscribe": () => {
    const [pattern, options, behaviour] = subscribeRequest();
    return call("bus.subscribe", pattern, new Code(HANDLER_SOURCE[behaviour]), Object.keys(options).length ? options : undefined);
  },
  "api-close": () => `await ${call("bus.close", { drainTimeoutMs: Number($("drain-ms").value) })}`,
};

/** Writes each API call beside its button; a form value that cannot be read says why. */
export function renderApiCalls() {
  for (const [id, source] of Object.entries(API_CALLS)) {
    let text;
    try {
      text = source();
    } catch (err) {
      text = `// ${err.message}`;
    }
    if ($(id).textContent !== text) $(id).textContent = text;
  }
}

/** The first of `candidates`, then of `prefix-2`, `prefix-3`…, that `taken` does not have. */
export function firstFree(candidates, prefix, taken) {
  const free = candidates.find((name) => !taken(name));
  if (free !== undefined) return free;
  let n = 2;
  while (taken(`${prefix}-${n}`)) n++;
  return `${prefix}-${n}`;
}
