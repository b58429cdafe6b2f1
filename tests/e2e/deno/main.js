// Deno: imports the package by name from the project's node_modules (Deno reads the
// package.json beside it), which picks the `deno` export condition, and prints one round.
import * as wasmPubSub from "wasm-pubsub";
import { round } from "./round.js";

const result = await round(wasmPubSub, "deno");
console.log(JSON.stringify({ ...result, entry: import.meta.resolve("wasm-pubsub"), deno: Deno.version.deno }));
