// Starts a module worker that imports the package and, once it says it is ready, asks it for
// one round and shows the answer. The page itself does not import the package.
const worker = new Worker(new URL("./round-worker.js", import.meta.url), { type: "module" });
window.roundResult = new Promise((resolve) => {
  worker.addEventListener("message", (event) => {
    if (event.data === "ready") worker.postMessage("go");
    else resolve(event.data);
  });
  worker.addEventListener("error", (event) => resolve({ error: `worker error: ${event.message}` }));
});
window.roundResult.then((result) => {
  document.getElementById("result").textContent = JSON.stringify(result);
});
