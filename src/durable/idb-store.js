// A dead-letter store in IndexedDB, for `new PubSub({ deadLetterStore })`: the bus calls
// `add` with each new dead letter, `remove` with the keys of letters that left its bounded
// store (so this copy is bounded like it), and `letters` once when it is made.
import { PubSubError } from "../snippets/bus.js";
import { Landing, keyOf, record } from "./landing.js";

const STORE = "letters";
const WRITE_SAMPLES = 256;

/**
 * Opens (creating it if needed) the IndexedDB database `wasm-pubsub.NAME`, moves the letters a
 * page landed in localStorage on its way out into it, and loads every letter: hand the store
 * to `new PubSub({ deadLetterStore })`, which restores them with their ids, attempts, reason
 * and error. Rejects with `PubSubError` `INVALID_ARGUMENT` where IndexedDB is missing or
 * refuses to open (a private window of some browsers).
 *
 * ```js
 * const store = await indexedDbStore("app");
 * const bus = new PubSub({ deadLetterStore: store });
 * ```
 */
export async function indexedDbStore(name, options = {}) {
  const { storage = globalThis.localStorage, maxLandingBytes = 1 << 20, logger } = options;
  if (typeof name !== "string" || !name) throw new PubSubError("INVALID_ARGUMENT", "indexedDbStore needs a name");
  if (!globalThis.indexedDB) throw new PubSubError("INVALID_ARGUMENT", "IndexedDB is not available here");
  const db = await open(`wasm-pubsub.${name}`);
  const landing = new Landing(storage, `wasm-pubsub.${name}.landing`, maxLandingBytes);
  const moved = await move(db, landing.read());
  if (moved) landing.clear();
  return new IndexedDbStore(db, landing, await loadAll(db), moved, logger);
}

class IndexedDbStore {
  #db; #landing; #loaded; #log; #leaving = false; #flushing = false;
  #memoryOnly = new Set();
  #counts = { added: 0, removed: 0, landed: 0, atRisk: 0, writeErrors: 0, pending: 0 };
  #writeMs = [];

  constructor(db, landing, loaded, moved, logger) {
    this.#db = db;
    this.#landing = landing;
    this.#loaded = loaded;
    this.#counts.moved = moved;
    this.#log = logger === null ? () => {} : logger ?? ((r) => console.warn(`wasm-pubsub durable: ${r.event} ${r.code ?? ""}`));
  }

  /** The letters of earlier page loads, oldest first (the bus reads them once). */
  letters() {
    const letters = this.#loaded;
    this.#loaded = [];
    return letters;
  }

  /** Keeps a new dead letter: one IndexedDB transaction, committed at once; while the page is
   * leaving, the localStorage landing place instead. Data neither can hold stays in the bus's
   * memory only, counted in `memoryOnly` and logged. */
  add(letter) {
    const stored = record(letter);
    this.#counts.added++;
    if (this.#leaving && this.#landing.add(stored)) {
      this.#counts.landed++;
      if (!this.#flushing) queueMicrotask(() => this.flush());
      this.#flushing = true;
      return;
    }
    if (this.#leaving) this.#report("deadLetterStore.atRisk", "NOT_JSON_OR_FULL", () => this.#counts.atRisk++);
    this.#write(stored, keyOf(letter));
  }

  /** Forgets the letters of these `[subscription, messageId]` keys (replayed, purged, evicted). */
  remove(keys) {
    this.#counts.removed += keys.length;
    for (const key of keys) this.#memoryOnly.delete(String(key));
    this.flush();
    this.#landing.remove(keys);
    const tx = this.#db.transaction(STORE, "readwrite");
    const index = tx.objectStore(STORE).index("key");
    tx.onerror = () => this.#report("deadLetterStore.removeFailed", tx.error?.name, () => this.#counts.writeErrors++);
    for (const key of keys) {
      index.getAllKeys(IDBKeyRange.only(key)).onsuccess = (event) => {
        for (const primary of event.target.result) tx.objectStore(STORE).delete(primary);
      };
    }
  }

  /** Writes the letters landed since the last flush to localStorage in one write, now (a
   * microtask does it too, after the first letter). A letter the storage refuses goes to
   * IndexedDB, counted `atRisk`. `attachPageLifecycle` calls it right after evacuating. */
  flush() {
    this.#flushing = false;
    for (const letter of this.#landing.flush()) {
      this.#counts.landed--;
      this.#report("deadLetterStore.atRisk", "QUOTA", () => this.#counts.atRisk++);
      this.#write(letter, keyOf(letter));
    }
  }

  /** While leaving (pagehide, freeze), letters land in localStorage, which a page on its way
   * out writes reliably; `leaving(false)` moves them to IndexedDB. `attachPageLifecycle`
   * calls it. */
  leaving(on) {
    this.#leaving = on;
    if (on) return;
    this.flush();
    const landed = this.#landing.read();
    if (landed.length) move(this.#db, landed).then((ok) => ok && this.#landing.clear());
  }

  /** What happened so far: letters added and removed, landed in localStorage, moved from it
   * on open, at risk (written to IndexedDB during pagehide), memory-only (not cloneable),
   * write errors, writes not yet committed (`pending`), and the IndexedDB write time (ms,
   * p50 and max of the last 256). */
  stats() {
    const sorted = [...this.#writeMs].sort((a, b) => a - b);
    const writeMs = { p50: sorted[sorted.length >> 1] ?? 0, max: sorted.at(-1) ?? 0 };
    return { ...this.#counts, memoryOnly: this.#memoryOnly.size, writeMs };
  }

  /** Closes the database connection. */
  close() {
    this.#db.close();
  }

  #write(stored, key) {
    const started = performance.now();
    let tx;
    try {
      tx = this.#db.transaction(STORE, "readwrite");
      tx.objectStore(STORE).add(stored);
    } catch (error) {
      tx?.abort();
      this.#memoryOnly.add(String(key));
      return this.#report("deadLetterStore.memoryOnly", error?.name ?? "DataCloneError");
    }
    this.#counts.pending++;
    tx.oncomplete = () => {
      this.#counts.pending--;
      this.#sample(performance.now() - started);
    };
    tx.onabort = () => {
      this.#counts.pending--;
      this.#report("deadLetterStore.writeFailed", tx.error?.name, () => this.#counts.writeErrors++);
    };
    tx.commit?.();
  }

  #sample(ms) {
    if (this.#writeMs.length === WRITE_SAMPLES) this.#writeMs.shift();
    this.#writeMs.push(ms);
  }

  #report(event, code, count) {
    count?.();
    try {
      this.#log({ level: "warn", event, code });
    } catch {
      // A throwing logger must not cost a letter.
    }
  }
}

function open(name) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(STORE, { autoIncrement: true });
      store.createIndex("key", ["subscription", "message.id"]);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new PubSubError("INVALID_ARGUMENT", `IndexedDB refused to open ${name}: ${request.error?.name}`));
    request.onblocked = () => reject(new PubSubError("INVALID_ARGUMENT", `IndexedDB ${name} is blocked by an older version`));
  });
}

/** Moves landed letters into IndexedDB in one transaction, replacing a copy of the same key
 * (a move whose landing place was not cleared); resolves with how many once committed. */
function move(db, letters) {
  if (!letters.length) return Promise.resolve(0);
  return new Promise((resolve) => {
    const tx = db.transaction(STORE, "readwrite");
    const store = tx.objectStore(STORE);
    for (const letter of letters) {
      store.index("key").getAllKeys(IDBKeyRange.only(keyOf(letter))).onsuccess = (event) => {
        for (const primary of event.target.result) store.delete(primary);
        store.add(letter);
      };
    }
    tx.oncomplete = () => resolve(letters.length);
    tx.onabort = () => resolve(0);
  });
}

function loadAll(db) {
  return new Promise((resolve, reject) => {
    const request = db.transaction(STORE, "readonly").objectStore(STORE).getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new PubSubError("INVALID_ARGUMENT", `IndexedDB could not read: ${request.error?.name}`));
  });
}
