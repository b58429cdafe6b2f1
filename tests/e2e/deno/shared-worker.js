// The worker of shared.js: its own bus in the group "workers"; answers "report" with its role
// and what it handled, and "leave" by ending its subscription.
import { join } from "./shared-member.js";

const { bus, handled, subscription } = join();

self.onmessage = (event) => {
  if (event.data === "leave") subscription.unsubscribe();
  self.postMessage({ role: bus.health().shared[0]?.role ?? "gone", handled });
};
