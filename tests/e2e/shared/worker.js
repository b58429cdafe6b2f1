// A dedicated worker joining the tabs' group: it reports what it handles to its page.
import { PubSub } from "/node_modules/wasm-pubsub/browser.js";
import { shareSubscriptions } from "/node_modules/wasm-pubsub/shared/index.js";
import { start } from "./member.js";

const member = start({ PubSub, shareSubscriptions }, "worker", (who, n) => postMessage({ who, n }));
const report = () => (member.role() === "joining" ? setTimeout(report, 20) : postMessage({ role: member.role() }));
report();
