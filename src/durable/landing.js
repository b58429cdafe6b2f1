// The synchronous landing place: what a page dead-letters on its way out goes to
// localStorage, which a pagehide handler can write reliably (IndexedDB writes made there
// were lost in 1–6 of 40 same-site navigations, 11 of 40 cross-site; localStorage writes
// in the same handler never). The next load moves it into IndexedDB.

/** Nesting deeper than this is not JSON-safe (it would cost the page its last milliseconds). */
const MAX_DEPTH = 32;

/**
 * Whether `value` survives JSON.stringify/parse as itself: strings, finite numbers,
 * booleans, null, and arrays and plain objects of those. A Date, Map, typed array, NaN or
 * an `undefined` member is not (structured clone keeps them; JSON would change them).
 */
export function jsonSafe(value, depth = 0) {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value !== "object" || depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.every((item) => jsonSafe(item, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== null && proto !== Object.prototype) return false;
  return Object.values(value).every((item) => jsonSafe(item, depth + 1));
}

/** A letter as stored: the DeadLetter fields a restore reads, nothing else (not `origin`). */
export function record(letter) {
  const m = letter.message;
  const message = { id: m.id, topic: m.topic, sequence: m.sequence, publishedAt: m.publishedAt, attributes: { ...m.attributes }, data: m.data };
  if (m.orderingKey !== undefined) message.orderingKey = m.orderingKey;
  const stored = { message, subscription: letter.subscription, reason: letter.reason, attempts: letter.attempts, deadLetteredAt: letter.deadLetteredAt };
  if (letter.error) stored.error = { ...letter.error };
  return stored;
}

/** The `[subscription, messageId]` key of a stored letter. */
export const keyOf = (letter) => [letter.subscription, letter.message.id];

export const sameKey = (a, b) => a[0] === b[0] && a[1] === b[1];

/**
 * A bounded list of letters in one localStorage item. `add` answers false when the letter
 * is not JSON-safe, would pass `maxBytes`, or the storage refused it (quota, privacy mode).
 */
export class Landing {
  constructor(storage, key, maxBytes) {
    this.storage = storage;
    this.key = key;
    this.maxBytes = maxBytes;
    this.letters = null;
    this.stored = undefined;
    this.pending = [];
    this.waiting = [];
  }

  /** The letters landed so far (an unreadable item counts as none). */
  read() {
    if (this.letters) return this.letters;
    try {
      const parsed = JSON.parse(this.storage?.getItem(this.key) ?? "[]");
      this.letters = Array.isArray(parsed) ? parsed : [];
    } catch {
      this.letters = [];
    }
    return this.letters;
  }

  /** Takes a letter for the next `flush`: false when it is not JSON-safe or would pass
   * `maxBytes`. Each letter is stringified once, and one write lands them all. */
  add(letter) {
    if (!this.storage || !jsonSafe(letter)) return false;
    const text = JSON.stringify(letter);
    const bytes = (this.text().length + this.pending.join(",").length + text.length + 1) * 2;
    if (bytes > this.maxBytes) return false;
    this.pending.push(text);
    this.waiting.push(letter);
    return true;
  }

  /** Writes the letters taken since the last flush in one `setItem`; answers those the
   * storage refused (quota, privacy mode), none when it took them. */
  flush() {
    if (!this.pending.length) return [];
    const stored = this.text();
    const text = stored === "[]" ? `[${this.pending.join(",")}]` : `${stored.slice(0, -1)},${this.pending.join(",")}]`;
    const taken = this.waiting;
    this.pending = [];
    this.waiting = [];
    try {
      this.storage.setItem(this.key, text);
    } catch {
      return taken;
    }
    this.letters = [...this.read(), ...taken];
    this.stored = text;
    return [];
  }

  /** The item's JSON text as last read or written. */
  text() {
    if (this.stored === undefined) this.stored = this.letters?.length ? JSON.stringify(this.letters) : (this.storage?.getItem(this.key) ?? "[]");
    return this.stored;
  }

  /** Drops the letters of `keys`; answers how many it dropped. */
  remove(keys) {
    const letters = this.read();
    const kept = letters.filter((l) => !keys.some((k) => sameKey(k, keyOf(l))));
    if (kept.length !== letters.length) this.write(kept);
    return letters.length - kept.length;
  }

  /** Empties the item (its letters were moved to IndexedDB). */
  clear() {
    this.write([]);
  }

  write(letters) {
    this.letters = letters;
    this.stored = undefined;
    try {
      if (letters.length) this.storage?.setItem(this.key, JSON.stringify(letters));
      else this.storage?.removeItem(this.key);
    } catch {
      // Shrinking an item cannot exceed a quota; a storage that throws anyway keeps the
      // letters, which the next load moves again (IndexedDB keeps one copy per key).
    }
  }
}
