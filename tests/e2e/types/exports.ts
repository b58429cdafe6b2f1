// The values the declarations export, exactly: a name declared but missing here, or listed
// here but not declared, fails to compile. types.test.mjs checks the package exports each of
// them at run time (PUBLIC there is this list).
import * as api from "wasm-pubsub";

export const declared: { [Name in keyof typeof api]: true } = {
  Bridge: true,
  configFromEnv: true,
  PubSub: true,
  PubSubError: true,
  Subscription: true,
  Topic: true,
  wasmMemoryBytes: true,
};

// @ts-expect-error the helper types behind MessageData are not exported
import type { Levels } from "wasm-pubsub";
export type NotExported = Levels<"a.b">;
