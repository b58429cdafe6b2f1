// A tiny static file server for the demo: www/ at /, the built package at /pkg/, and the
// charting library the dashboard imports (npm `uplot`, a pinned dev dependency that
// pkg-scripts/setup installs with `npm ci`) at /vendor/uplot/.
// Dependency-free; listens on 127.0.0.1 only; refuses paths that leave its roots.
//   node pkg-scripts/serve.mjs            (PORT, default 8080; PORT=0 picks a free port)
// Also imported by demo-smoke.mjs: `const server = await serve({ port: 0 })`.
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const MOUNTS = [
  ["/pkg/", join(root, "pkg")],
  ["/vendor/uplot/", join(root, "node_modules", "uplot", "dist")],
  ["/", join(root, "www")],
];
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
  ".cts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** The file a URL path names, or null when it names nothing servable. */
async function resolve(urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes("\0") || path.includes("\\")) return null;
  if (path.split("/").some((part) => part === "..")) return null;
  const [prefix, dir] = MOUNTS.find(([p]) => path.startsWith(p));
  try {
    const base = await realpath(dir);
    let file = await realpath(join(base, path.slice(prefix.length)));
    if (file !== base && !file.startsWith(base + sep)) return null;
    if ((await stat(file)).isDirectory()) file = join(file, "index.html");
    return (await stat(file)).isFile() ? file : null;
  } catch {
    return null;
  }
}

async function handle(req, res) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  const { pathname } = new URL(req.url, "http://localhost");
  const file = await resolve(pathname);
  if (!file) {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
    return;
  }
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  if (req.method === "HEAD") res.end();
  else createReadStream(file).pipe(res);
}

/** Starts the server; resolves with it once it listens. `server.url` is its address. */
export function serve({ port = 8080, host = "127.0.0.1" } = {}) {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.url = `http://localhost:${server.address().port}/`;
      ok(server);
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await serve({ port: Number(process.env.PORT ?? 8080) });
  console.log(`wasm-pubsub demo: ${server.url}  (Ctrl-C to stop)`);
}
