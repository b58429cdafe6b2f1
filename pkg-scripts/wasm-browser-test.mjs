// Runs a wasm-bindgen-test browser suite (a test .wasm built for wasm32-unknown-unknown) in
// Debian's headless Chromium driven by playwright-core: wasm-bindgen-test-runner serves the
// suite's page (its interactive mode, on a free port), this script opens it through a proxy of
// its own, waits for the suite's "test result:" line, prints the page's output and exits 0
// when it says ok.
//
// The proxy is why. Fetched by a browser, which keeps its connections alive, the runner's
// server left one or two of the suite's modules unanswered in about half the runs on this
// 2-core machine (tests/wasm/support.js and a snippet, pending until the test timed out; its
// small pool of threads stays with the open connections), and so did the runner's own headless
// mode, through chromedriver: all eight tries of some CI runs. Fetched one connection per file,
// closed after it, the same files always came. So the browser talks to the proxy, which asks
// the runner for each file on a connection of its own.
//
// Usage: node pkg-scripts/wasm-browser-test.mjs TARGET.wasm
// Env: CHROMIUM (default /usr/bin/chromium), WASM_BROWSER_TEST_TIMEOUT_MS (default 60000).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, request } from "node:http";
import { chromium } from "playwright-core";

const [wasm] = process.argv.slice(2);
if (!wasm) throw new Error("usage: node pkg-scripts/wasm-browser-test.mjs TARGET.wasm");
const timeout = Number(process.env.WASM_BROWSER_TEST_TIMEOUT_MS ?? 60_000);

/** Starts the runner's server; resolves with it and the page's URL. Its output is read to the
 * end (a runner that cannot print fails). */
function serve() {
  const runner = spawn("wasm-bindgen-test-runner", [wasm], {
    env: { ...process.env, NO_HEADLESS: "1", WASM_BINDGEN_TEST_ADDRESS: "127.0.0.1:0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let seen = "";
    runner.stdout.setEncoding("utf8");
    runner.stdout.on("data", (chunk) => {
      if (seen === null) return;
      seen += chunk;
      const url = seen.match(/available at (http:\/\/\S+)/)?.[1];
      if (url) {
        seen = null;
        resolve({ runner, url });
      }
    });
    runner.on("exit", () => seen !== null && reject(new Error(`wasm-bindgen-test-runner ended without serving the suite:\n${seen}`)));
  });
}

/** A local HTTP server passing each request to `target` on a connection closed after it. */
async function proxy(target) {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const headers = { ...req.headers, host: upstream.host, connection: "close" };
    const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", (error) => res.writeHead(502).end(String(error)));
    req.pipe(forward);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

/** The suite's output once it printed its result line (or the timeout passed), the console's,
 * and the requests the page still waited for. */
async function run(url) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const pending = new Set();
    page.on("request", (r) => pending.add(r.url()));
    page.on("requestfinished", (r) => pending.delete(r.url()));
    page.on("requestfailed", (r) => pending.delete(r.url()));
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(() => document.getElementById("output")?.textContent.includes("test result: "), null, { timeout }).catch(() => {});
    const text = (id) => page.evaluate((id) => document.getElementById(id)?.textContent ?? "", id);
    return { output: await text("output"), console: await text("console_output"), pending: [...pending] };
  } finally {
    await browser.close();
  }
}

const { runner, url } = await serve();
const front = await proxy(url);
try {
  const { output, console: logged, pending } = await run(front.url);
  process.stdout.write(output.endsWith("\n") ? output : `${output}\n`);
  if (!output.includes("test result: ok")) {
    if (!output.includes("test result: ")) console.log(`no result within ${timeout} ms; requests unanswered: ${pending.join(" ") || "none"}`);
    if (logged) console.log(`console output:\n${logged}`);
    process.exitCode = 1;
  }
} finally {
  front.server.close();
  runner.kill();
  await once(runner, "exit");
}
