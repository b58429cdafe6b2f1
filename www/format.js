// How the dashboard shows values: message data as highlighted JSON when it is JSON, and the
// API call a button makes as the JavaScript a reader would type.

/** `text` parsed, when it is a JSON object or array; otherwise `undefined`. */
export function parseJson(text) {
  if (typeof text !== "string" || !/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What the publish form's data field publishes: its JSON value, or the text itself. */
export function formData(text) {
  return parseJson(text) ?? text;
}

const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null)|([{}[\],])/g;

/** A span per JSON token of `value`, spaced as `{"a": 1, "b": [2]}`. */
function jsonTokens(value) {
  const nodes = [];
  const span = (className, text) => {
    const node = document.createElement("span");
    node.className = className;
    node.textContent = text;
    nodes.push(node);
  };
  for (const [, string, colon, number, word, punct] of JSON.stringify(value).matchAll(TOKEN)) {
    if (string) span(colon ? "json-key" : "json-string", colon ? `${string}: ` : string);
    else if (number) span("json-number", number);
    else if (word) span("json-word", word);
    else nodes.push(punct === "," ? ", " : punct);
  }
  return nodes;
}

/** Message data for display: JSON (an object, an array, or a string holding one)
 * highlighted and marked `data-json`, anything else as text. */
export function dataNode(data) {
  const node = document.createElement("span");
  node.className = "data";
  const json = typeof data === "string" ? parseJson(data) : data;
  if (json !== null && typeof json === "object" && !ArrayBuffer.isView(json) && !(json instanceof ArrayBuffer)) {
    node.dataset.json = "true";
    node.append(...jsonTokens(json));
  } else {
    node.textContent = typeof data === "string" ? data : String(data);
  }
  return node;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `value` as a JavaScript literal: `{ region: "eu", n: [1, 2] }`. A `Code` is written as is. */
export function literal(value) {
  if (value instanceof Code) return value.text;
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${literal(v)}`);
    return entries.length ? `{ ${entries.join(", ")} }` : "{}";
  }
  return JSON.stringify(value);
}

/** Source text that `literal` writes unquoted (a function name, a comment). */
export class Code {
  constructor(text) {
    this.text = text;
  }
}

/** `target(arg, …)` as source text; `undefined` arguments at the end are left out. */
export function call(target, ...args) {
  while (args.length && args.at(-1) === undefined) args.pop();
  return `${target}(${args.map(literal).join(", ")})`;
}
