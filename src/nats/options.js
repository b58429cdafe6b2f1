// The options of `natsBridge`: checked once, with their defaults filled in.
import { taggedJson } from "./codec.js";
import { validPrefix } from "./wire.js";
import { NatsBridgeError } from "./errors.js";

/** The bounds a caller may lower or raise, and their defaults. */
const DEFAULTS = { maxOutboxMessages: 65536, maxOutboxBytes: 64 * 1024 * 1024, maxHeldMessages: 10000 };
/** Every option `natsBridge` knows; any other is refused. */
const OPTION_KEYS = new Set(["prefix", "topics", "queue", "codec", "createTopics", "logger", "onSendError", "maxDeadLetters", ...Object.keys(DEFAULTS)]);
/** Unsent messages kept by default (`maxDeadLetters`). */
const DEFAULT_DEAD_LETTERS = 1000;

/** The options, checked, with defaults. Throws `NatsBridgeError` (INVALID_ARGUMENT). */
export function readOptions(options) {
  if (options === null || typeof options !== "object") throw new NatsBridgeError("options { prefix, topics?, … } are required");
  const unknown = Object.keys(options).find((key) => !OPTION_KEYS.has(key));
  if (unknown !== undefined) throw new NatsBridgeError(`unknown option "${unknown.slice(0, 64)}"`);
  const settings = { ...DEFAULTS, ...options, topics: options.topics ?? [">"], codec: options.codec ?? taggedJson };
  if (!validPrefix(settings.prefix)) throw new NatsBridgeError("options.prefix must be NATS subject tokens without wildcards");
  if (!Array.isArray(settings.topics) || settings.topics.length === 0) throw new NatsBridgeError("options.topics must be a non-empty array");
  if (settings.queue !== undefined && !/^[^\s*>]{1,255}$/.test(settings.queue)) throw new NatsBridgeError("options.queue must be a NATS queue group name");
  if (typeof settings.codec?.encode !== "function" || typeof settings.codec?.decode !== "function") {
    throw new NatsBridgeError("options.codec must be { encode(data): Uint8Array, decode(bytes): data }");
  }
  for (const key of Object.keys(DEFAULTS)) {
    if (!Number.isSafeInteger(settings[key]) || settings[key] < 1) throw new NatsBridgeError(`options.${key} must be an integer ≥ 1`);
  }
  settings.maxDeadLetters ??= DEFAULT_DEAD_LETTERS;
  if (!Number.isSafeInteger(settings.maxDeadLetters) || settings.maxDeadLetters < 0) throw new NatsBridgeError("options.maxDeadLetters must be an integer ≥ 0");
  return settings;
}
