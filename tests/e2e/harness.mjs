// Shared pieces of the end-to-end tests: the project that installed the packed package, the
// Vite build of the browser fixture app, headless Chromium, child processes, free ports.
//
// pkg-scripts/test packs pkg/, installs the tarball into a fresh project and passes its path
// in E2E_APP, so every runtime loads exactly what `npm install wasm-pubsub` gives a user.
// Run alone (`node --test tests/e2e/`), each file packs pkg/ into a temporary project itself.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../js/nats-server.mjs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const HERE = fileURLToPath(new URL(".", import.meta.url));
export const ARTIFACTS = join(ROOT, "artifacts");
export const BIN = join(ROOT, "node_modules", ".bin");

/** Debian's Chromium, headless, with nothing that reaches out to the network. */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
  "--no-first-run", "--disable-background-networking", "--disable-component-update",
  "--disable-sync"];

let ownApp = null;

/**
 * The project that installed the packed package: E2E_APP, or (run alone) a fresh one made by
 * packing pkg/ now. It has node_modules/wasm-pubsub and a package.json that depends on it.
 */
export function app() {
  if (process.env.E2E_APP) return process.env.E2E_APP;
  if (ownApp) return ownApp;
  const tmp = mkdtempSync(join(tmpdir(), "wasm-pubsub-e2e-"));
  process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
  execFileSync("npm", ["pack", "--pack-destination", tmp, "--loglevel=warn"], { cwd: join(ROOT, "pkg"), stdio: "ignore" });
  const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
  ownApp = join(tmp, "app");
  mkdirSync(ownApp);
  writeFileSync(join(ownApp, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  // nats.js, the package's optional peer, at the dev tooling's versions, as pkg-scripts/test installs it.
  const dev = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies;
  const nats = ["@nats-io/nats-core", "@nats-io/transport-node", "@nats-io/jetstream"].map((name) => `${name}@${dev[name]}`);
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=warn", join(tmp, tarball), ...nats],
    { cwd: ownApp, stdio: "ignore" });
  return ownApp;
}

/**
 * A fresh directory inside the app project (replaced if it exists), filled from tests/e2e/NAME,
 * plus tests/e2e/round.js, the publish/subscribe round every runtime answers.
 */
export function workspace(name) {
  const dir = join(app(), name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(HERE, name), dir, { recursive: true });
  cpSync(join(HERE, "round.js"), join(dir, "round.js"));
  return dir;
}

/**
 * Builds tests/e2e/browser-app with Vite inside the app project (so "wasm-pubsub" resolves to
 * the installed package, through its `browser` condition), once per process; resolves with
 * the source directory, whose dist/ holds the build.
 */
let built = null;
export function buildBrowserApp() {
  built ??= (async () => {
    const { build } = await import("vite");
    const root = workspace("browser-app");
    const pages = readdirSync(root).filter((f) => f.endsWith(".html"));
    await build({
      root,
      configFile: false,
      logLevel: "warn",
      build: {
        outDir: "dist",
        emptyOutDir: true,
        rollupOptions: { input: Object.fromEntries(pages.map((p) => [p.replace(/\.html$/, ""), join(root, p)])) },
      },
      // The package's browser entry awaits the wasm at top level: workers must be ES modules.
      worker: { format: "es" },
    });
    return root;
  })();
  return built;
}

/** Serves DIR/dist with `vite preview` on 127.0.0.1 and a free port; resolves with { url, close }. */
export async function previewServer(dir) {
  const { preview } = await import("vite");
  const server = await preview({
    root: dir,
    configFile: false,
    logLevel: "warn",
    preview: { host: "127.0.0.1", port: await freePort(), strictPort: true, open: false },
  });
  return { url: server.resolvedUrls.local[0], close: () => server.close() };
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

/**
 * A plain static file server for DIR on 127.0.0.1 (no bundler, no dev server): resolves with
 * { url, close }. Paths that leave DIR are refused.
 */
export async function staticServer(dir) {
  const { createServer: createHttpServer } = await import("node:http");
  const { readFile } = await import("node:fs/promises");
  const { extname, normalize } = await import("node:path");
  const server = createHttpServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(dir, path.endsWith("/") ? `${path}index.html` : path);
    if (!file.startsWith(dir)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Launches Debian's headless Chromium with a fresh profile directory (`backForwardCache`:
 * with the cache on, as in a user's browser). */
export async function launchChromium({ backForwardCache = false } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "wasm-pubsub-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    // Playwright turns the back-forward cache off; a user's browser has it on.
    ...(backForwardCache && { ignoreDefaultArgs: ["--disable-back-forward-cache"] }),
  });
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/**
 * Opens a page that records its problems: uncaught errors, console errors, failed requests
 * and HTTP errors land in `page.problems`.
 */
export async function openPage(context, url) {
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (err) => page.problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") page.problems.push(`console error: ${msg.text()}`);
  });
  page.on("response", (res) => res.status() >= 400 && page.problems.push(`HTTP ${res.status()} ${res.url()}`));
  page.on("requestfailed", (req) => page.problems.push(`request failed: ${req.url()}`));
  page.setDefaultTimeout(15_000);
  if (url) await page.goto(url);
  return page;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (the JS tests' own helper). */
export { freePort };

/**
 * Runs a program to its end (killed after `timeoutMs`); resolves with { code, signal, stdout,
 * stderr }. Never rejects for a non-zero exit: the test asserts on it.
 */
export function run(command, args, { cwd, env, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Starts a long-running program; `stop()` ends it (SIGTERM, then SIGKILL after 5 s) and
 * resolves once it has exited. Its output is kept in `output()`.
 */
export function start(command, args, { cwd, env } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  let spawnError = null;
  child.once("error", (err) => (spawnError = err));
  return {
    child,
    exited,
    output: () => output + (spawnError ? `\nspawn error: ${spawnError.message}` : ""),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/** Polls `fn` until it returns a truthy value (which it resolves with) or `timeoutMs` passes. */
export async function until(fn, { timeoutMs = 10_000, intervalMs = 50, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last?.message ?? JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The expected result of tests/e2e/browser-app/round.js (and its copies in other runtimes). */
export function expectedRound(where) {
  return {
    where,
    ids: [1, 2, 3, 4],
    seen: [`rounds.single:one:1:${where}`, "rounds.batch:two:1:", "rounds.batch:three:1:", "rounds.batch:flaky:2:"],
    code: "INVALID_TOPIC_NAME",
    acked: 4,
    retried: 1,
    published: 4,
    report: { drained: 0, deadLettered: 0 },
  };
}

export { existsSync };
