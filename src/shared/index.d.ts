// wasm-pubsub/shared: one handler per message across tabs and workers (Web Locks).
import type { BridgePort, PubSub } from "../browser.js";

export interface ShareOptions {
  /** How often the leader renews its lease and sends a heartbeat (ms, default 1000). */
  heartbeatMs?: number;
  /** A leader silent this long is replaced (ms, default 5000, at least twice heartbeatMs). */
  failoverMs?: number;
  /** Settled keys remembered for copies not yet delivered here (default 16384). */
  maxSettled?: number;
  /** The lock manager (default `navigator.locks`); `null`: handle every copy locally. */
  locks?: LockManager | null;
}

export interface SharedGroupStats {
  role: "joining" | "follower" | "takingOver" | "leader" | "local";
  epoch: number;
  /** Copies held now for the leader to settle. */
  holding: number;
  /** Handler calls made while leading. */
  handled: number;
  /** Copies acked here because the leader settled them. */
  settledByLeader: number;
  /** Held copies handled here after this bus took the lead. */
  takenOver: number;
  /** Times this bus took the lead, lost it to a steal, and stole it. */
  led: number;
  deposed: number;
  steals: number;
  /** Settled keys dropped, oldest first, beyond maxSettled. */
  forgotten: number;
  /** Copies handed to the group when this page went away (posted on the bridges, discarded here). */
  handedOver: number;
}

export interface SharedStats {
  /** Frames posted, failed to post, read, and malformed. */
  sent: number;
  sendErrors: number;
  received: number;
  rejected: number;
  groups: Record<string, SharedGroupStats>;
}

export interface SharedSubscriptions {
  stats(): SharedStats;
  /** Ends every shared subscription of the bus (their locks released) and detaches. */
  close(): void;
}

/**
 * Lets `bus.subscribe(topic, handler, { shared: "name" })` hand each message to one bus of
 * all those sharing `port` (the one their bridges use), chosen by a Web Locks leader; where
 * `navigator.locks` is absent, or without a port, each bus handles its own copies and
 * `bus.health().shared` says so. `port` may be a function that opens one: closed while the page
 * is hidden (a BroadcastChannel message evicts a page from the back-forward cache), opened
 * again when it shows. Throws INVALID_ARGUMENT (bad options, attached twice).
 */
export function shareSubscriptions(bus: PubSub, port?: BridgePort | (() => BridgePort), options?: ShareOptions): SharedSubscriptions;
