// wasm-pubsub/durable: dead letters in IndexedDB and a bus that follows its page's lifecycle.
import type { DeadLetter, DeadLetterStore, PubSub } from "../browser.js";

export interface IndexedDbStoreOptions {
  /** The synchronous landing place for letters a leaving page dead-letters (default
   * `localStorage`; `null`: none, they go to IndexedDB and are counted `atRisk`). */
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null;
  /** The landing place holds at most this many bytes (UTF-16, default 1 MiB). */
  maxLandingBytes?: number;
  /** Warnings (`deadLetterStore.memoryOnly`, `.atRisk`, `.writeFailed`, `.removeFailed`);
   * default the console, `null` silent. */
  logger?: ((record: { level: "warn"; event: string; code?: string }) => unknown) | null;
}

export interface DurableStoreStats {
  /** Letters the bus added and removed since the store opened. */
  added: number;
  removed: number;
  /** Letters landed in localStorage while the page was leaving. */
  landed: number;
  /** Letters moved from the landing place into IndexedDB when the store opened. */
  moved: number;
  /** Letters written to IndexedDB while leaving (not JSON-safe, or the landing place full). */
  atRisk: number;
  /** Letters whose data IndexedDB cannot clone: kept in the bus's memory only. */
  memoryOnly: number;
  /** Transactions that failed (quota, a closed database). */
  writeErrors: number;
  /** Writes started and not yet committed. */
  pending: number;
  /** One letter's IndexedDB transaction, add to commit, over the last 256 writes. */
  writeMs: { p50: number; max: number };
}

/** An IndexedDB copy of the bus's dead letters, for `new PubSub({ deadLetterStore })`. */
export interface IndexedDbStore extends DeadLetterStore {
  letters(): DeadLetter[];
  /** Letters go to the synchronous landing place while `on` (`attachPageLifecycle` sets it). */
  leaving(on: boolean): void;
  /** Writes the letters landed while leaving in one localStorage write, now. */
  flush(): void;
  stats(): DurableStoreStats;
  close(): void;
}

/**
 * Opens the IndexedDB database `wasm-pubsub.NAME`, moves letters landed in localStorage
 * into it, and loads every letter for the bus to restore.
 *
 * ```js
 * const store = await indexedDbStore("app");
 * const bus = new PubSub({ deadLetterStore: store });
 * ```
 */
export function indexedDbStore(name: string, options?: IndexedDbStoreOptions): Promise<IndexedDbStore>;

export interface PageLifecycleOptions {
  /** Where evacuated letters go (its `leaving` switch is flipped on hide and show). */
  store?: IndexedDbStore;
  /** Opens the port a bridge uses; closed while the page is hidden, reopened on show. */
  connect?: () => BroadcastChannel | MessagePort;
  /** The window to listen on (default `globalThis`). */
  target?: Pick<Window, "addEventListener" | "removeEventListener"> & { document?: Pick<Document, "addEventListener" | "removeEventListener"> };
}

export interface PageLifecycle {
  detach(): void;
  stats(): { hidden: number; evacuated: number; replayed: number; closed: boolean; held: number; bridged: boolean };
}

/**
 * On pagehide/freeze, dead-letters (SHUTDOWN) what is queued and in flight, synchronously,
 * into the store; back from the back-forward cache, replays it; unloaded, closes the bus.
 *
 * ```js
 * attachPageLifecycle(bus, { store, connect: () => new BroadcastChannel("app") });
 * ```
 */
export function attachPageLifecycle(bus: PubSub<any>, options?: PageLifecycleOptions): PageLifecycle;
