// End-to-end check of the demo page in Debian's headless Chromium (playwright-core, no
// downloaded browser): the dashboard's charts are drawn (uPlot, served from node_modules),
// create a topic, subscribe, publish, see the delivery in the log, provoke one error, save
// artifacts/demo.png. Prints `N passed, N failed`; exits 1 on failure.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
  "--no-first-run", "--disable-background-networking", "--disable-component-update",
  "--disable-sync"];

const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`ok - ${name}`);
  } catch (err) {
    results.push(false);
    console.log(`not ok - ${name}\n  ${String(err?.stack ?? err).replaceAll("\n", "\n  ")}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const server = await serve({ port: 0 });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: CHROMIUM_ARGS,
});
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
const problems = [];
page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
page.on("console", (msg) => {
  if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) {
    problems.push(`console: ${msg.text()}`);
  }
});
page.on("response", (res) => res.status() >= 400 && problems.push(`HTTP ${res.status()} ${res.url()}`));
page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()}`));
page.setDefaultTimeout(10_000);

try {
  await check("the page loads the package and says ready", async () => {
    await page.goto(server.url);
    await page.waitForSelector("body[data-ready=true]");
    assert(problems.length === 0, problems.join("\n"));
  });

  await check("the dashboard draws its rate and latency charts and the breaker timeline", async () => {
    await page.waitForSelector("#chart-rates .uplot canvas");
    await page.waitForSelector("#chart-latency .uplot canvas");
    await page.waitForSelector("#breakers", { state: "attached" });
    assert(await page.evaluate(() => window.dashboard.charts.rates.data.length) === 4, "rates: time + 3 series");
  });

  await check("create a topic, subscribe with a pattern, publish: the delivery is logged", async () => {
    await page.fill("#topic-name", "orders.eu");
    await page.click("#create-topic");
    await page.waitForSelector("#topics li >> text=orders.eu");
    await page.fill("#sub-pattern", "orders.*");
    await page.click("#subscribe");
    await page.waitForSelector("#subscriptions li[data-state=active]");
    await page.fill("#pub-topic", "orders.eu");
    await page.fill("#pub-data", "hello from the smoke test");
    await page.fill("#pub-attributes", "region=eu");
    await page.click("#publish");
    const delivery = page.locator("#log li.delivery").first();
    await delivery.waitFor();
    const text = await delivery.textContent();
    for (const part of ["orders.eu", "seq 1", "attempt 1", "region=eu", "hello from the smoke test"]) {
      assert(text.includes(part), `delivery line ${JSON.stringify(text)} lacks ${part}`);
    }
    assert(await delivery.getAttribute("data-topic") === "orders.eu", "data-topic");
  });

  await check("an error shows its code: creating the topic again gives TOPIC_EXISTS", async () => {
    await page.fill("#topic-name", "orders.eu");
    await page.click("#create-topic");
    await page.waitForSelector("#log li.error[data-code=TOPIC_EXISTS]");
  });

  await check("pause shows the new state", async () => {
    await page.click("#subscriptions li button:text('Pause')");
    await page.waitForSelector("#subscriptions li[data-state=paused]");
  });

  await check("no page errors", async () => assert(problems.length === 0, problems.join("\n")));
} finally {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}demo.png`, fullPage: true }).catch(() => {});
  await browser.close();
  server.close();
}

const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
