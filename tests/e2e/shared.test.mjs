// One consumer per message across tabs (wasm-pubsub/shared), in Debian's headless Chromium:
// several pages of one context (and a dedicated worker) subscribe to "jobs" with
// { shared: "workers" } over one BroadcastChannel; every job any of them publishes is handled
// by exactly one — through a leader's tab closing, a reload, and a leader whose main thread
// blocks for 3 s (replaced after failoverMs, fenced so that it handles nothing afterwards).
// Each handled job is reported to this process as it happens; every test counts: nothing
// lost, nothing handled twice.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { app, launchChromium, openPage, sleep, staticServer, until, workspace } from "./harness.mjs";

let server, chromium;
/** Every job handled, as `[tab, n, at]` in the order reported. */
let handled = [];

before(async () => {
  workspace("shared");
  server = await staticServer(app());
  chromium = await launchChromium();
  await chromium.context.exposeBinding("record", (_source, tab, n) => { handled.push([tab, n, Date.now()]); });
});

after(async () => {
  await chromium?.close();
  await server?.close();
});

beforeEach(async () => {
  for (const page of chromium.context.pages()) await page.close();
  handled = [];
  const page = await openPage(chromium.context, `${server.url}shared/member.js`);
  await page.evaluate(() => localStorage.clear());
  await page.close();
});

/** Opens tab `name` of the group (`extra`: more of the query), once its bus is subscribed. */
async function tab(name, extra = "") {
  const page = await openPage(chromium.context, `${server.url}shared/?tab=${name}${extra}`);
  await page.waitForFunction(() => window.ready);
  return page;
}

const role = (page) => page.evaluate(() => window.role());
const group = (page) => page.evaluate(() => window.group());

/** The pages and their roles, once exactly one leads and the others follow. */
async function settledRoles(pages) {
  let roles;
  await until(async () => {
    roles = await Promise.all(pages.map(role));
    return roles.filter((r) => r === "leader").length === 1 && roles.every((r) => r === "leader" || r === "follower");
  }, { what: "one leader and followers" });
  return roles;
}

/** Waits until `count` distinct jobs were handled and every tab's holds are empty. */
async function allHandled(count, pages) {
  const recorded = () => pages[0].evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("handled.")).length);
  await until(async () => (await recorded()) >= count, { timeoutMs: 20_000, what: `${count} jobs handled` });
  await until(async () => (await Promise.all(pages.map(group))).every((g) => g.holding === 0), { what: "no copy held" });
}

/** Asserts that each job 0..count-1 was handled once, by the record every handler left in
 * localStorage (read from `page`). */
async function assertExactlyOnce(count, page) {
  const keys = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("handled.")));
  const times = new Map();
  for (const key of keys) {
    const n = Number(key.split(".")[1]);
    times.set(n, (times.get(n) ?? 0) + 1);
  }
  const twice = [...times].filter(([, k]) => k > 1).map(([n]) => n);
  const lost = Array.from({ length: count }, (_, n) => n).filter((n) => !times.has(n));
  assert.deepEqual({ twice, lost }, { twice: [], lost: [] });
  assert.equal(keys.length, count);
}

test("of three tabs and a worker, exactly one handles each job, whoever publishes it; the others settle their copies by the leader's acks", async () => {
  const pages = [await tab("a"), await tab("b"), await tab("c")];
  const workerRole = await pages[2].evaluate(() => window.startWorker());
  assert.ok(["leader", "follower"].includes(workerRole));
  const roles = await settledRoles(pages);
  await Promise.all(pages.map((page, i) => page.evaluate((from) => window.publishMany(from, 100, 1), i * 100)));
  await allHandled(300, pages);
  await assertExactlyOnce(300, pages.at(-1));
  const leaders = new Set(handled.map(([who]) => who));
  assert.equal(handled.length, 300);
  assert.equal(leaders.size, 1, "one member handled everything");
  const groups = await Promise.all(pages.map(group));
  for (const [i, g] of groups.entries()) {
    if (roles[i] === "leader") assert.equal(g.handled, 300);
    else assert.equal(g.settledByLeader, 300, `tab ${i} acked each of its copies on the leader's word`);
  }
  for (const page of pages) assert.deepEqual(page.problems, []);
});

test("the leader's tab closes mid-stream, then a new leader's tab reloads: the lock passes on, nothing is lost or handled twice", async () => {
  const pages = [await tab("a"), await tab("b"), await tab("c")];
  const roles = await settledRoles(pages);
  const leader = pages[roles.indexOf("leader")];
  const rest = pages.filter((page) => page !== leader);
  const first = rest[0].evaluate(() => window.publishMany(0, 200, 2));
  await until(() => handled.length >= 100, { what: "100 jobs handled" });
  const closedAt = Date.now();
  await leader.close();
  const oldName = handled[0][0];
  const taken = await until(() => handled.find(([who, , at]) => at > closedAt && who !== oldName), { what: "a new leader" });
  console.log(`# handover after the leader's tab closed: ${taken[2] - closedAt} ms to the next job handled`);
  await first;
  const next = rest[(await settledRoles(rest)).indexOf("leader")];
  const other = rest.find((page) => page !== next);
  const second = other.evaluate(() => window.publishMany(200, 200, 2));
  await until(() => handled.length >= 250, { what: "250 jobs handled" });
  await next.reload();
  await next.waitForFunction(() => window.ready);
  await second;
  await allHandled(400, rest);
  await assertExactlyOnce(400, other);
  const epochs = await Promise.all(rest.map(group));
  assert.ok(epochs.every((g) => g.epoch >= 2), "every leader took an epoch above the last");
});

test("a leader whose main thread blocks for 3 s is replaced after failoverMs and, fenced, handles nothing when it wakes", async () => {
  const pages = [await tab("a"), await tab("b"), await tab("c")];
  const roles = await settledRoles(pages);
  const stale = pages[roles.indexOf("leader")];
  const staleName = handled[0]?.[0] ?? ["a", "b", "c"][roles.indexOf("leader")];
  const publisher = pages.find((page) => page !== stale);
  const publishing = publisher.evaluate(() => window.publishMany(0, 500, 8));
  await until(() => handled.length >= 50, { what: "50 jobs handled" });
  const before = await group(stale);
  const blockedAt = Date.now();
  const blocking = stale.evaluate(() => {
    const end = performance.now() + 3000;
    while (performance.now() < end);
  });
  await until(() => handled.some(([who, , at]) => who !== staleName && at > blockedAt), { timeoutMs: 5000, what: "a new leader" });
  const took = handled.find(([who, , at]) => who !== staleName && at > blockedAt)[2] - blockedAt;
  console.log(`# failover from a blocked leader (failoverMs 600): ${took} ms to the next job handled`);
  await blocking;
  await publishing;
  await allHandled(500, pages);
  await assertExactlyOnce(500, pages.at(-1));
  const after = await group(stale);
  assert.equal(after.handled - before.handled, handled.filter(([who, , at]) => who === staleName && at > blockedAt).length);
  assert.equal(handled.filter(([who, , at]) => who === staleName && at > blockedAt + 3000).length, 0, "the stale leader handled nothing once it woke");
  assert.equal(after.deposed, 1);
  assert.equal(await role(stale), "follower");
  const leader = (await Promise.all(pages.map(group))).find((g) => g.role === "leader");
  assert.ok(leader.epoch > before.epoch, "the new leader's epoch is above the stale one's");
});

test("with attachPageLifecycle, a page leaving hands its shared copies to the group: none comes back as a dead letter, each job runs once", async () => {
  const pages = [await tab("a", "&durable"), await tab("b", "&durable")];
  const roles = await settledRoles(pages);
  const leader = pages[roles.indexOf("leader")];
  const follower = pages[1 - roles.indexOf("leader")];
  const publishing = leader.evaluate(() => window.publishMany(0, 150, 2));
  await until(() => handled.length >= 30, { what: "30 jobs handled" });
  const held = await follower.evaluate(() => window.bus.metrics().perSubscription);
  assert.ok(Object.values(held).some((s) => s.inFlight + s.queued > 0), "the follower holds copies as it goes");
  await follower.close();
  const back = await tab("b", "&durable");
  assert.equal(await back.evaluate(() => window.restored), 0, "the follower's copies were handed over, not dead-lettered");
  await publishing;
  await until(() => handled.length >= 100, { what: "100 jobs handled" });
  await leader.close(); // with a queue of its own, part of which the tab that came back never had
  await allHandled(150, [back]);
  await assertExactlyOnce(150, back);
  assert.ok((await group(back)).takenOver + (await back.evaluate(() => window.bus.metrics().acked)) > 0);
  const again = await tab("a", "&durable");
  assert.equal(await again.evaluate(() => window.restored), 0, "nor were the leader's");
});

test("a member's page goes into the back-forward cache and comes back: not evicted, it rejoins, each job runs once", async () => {
  const { context: cached, close } = await launchChromium({ backForwardCache: true });
  try {
    await cached.exposeBinding("record", (_source, who, n) => { handled.push([who, n, Date.now()]); });
    const open = async (name) => {
      const page = await openPage(cached, `${server.url}shared/?tab=${name}&cache`);
      await page.waitForFunction(() => window.ready);
      return page;
    };
    const [stay, leave] = [await open("stay"), await open("leave")];
    await settledRoles([stay, leave]);
    await leave.evaluate(() => { window.marker = "the same document"; });
    await leave.goto(`${server.url}shared/away.html`);
    await stay.evaluate(() => window.publishMany(0, 20, 2));
    await until(() => handled.length >= 20, { what: "20 jobs handled while the other page is away" });
    await leave.goBack({ waitUntil: "commit" }); // a page restored from the cache fires no load
    await leave.waitForFunction(() => window.ready);
    assert.equal(await leave.evaluate(() => window.marker), "the same document", "restored from the cache, not evicted");
    await settledRoles([stay, leave]);
    await leave.evaluate(() => window.publishMany(20, 10, 2));
    await allHandled(30, [stay, leave]);
    await assertExactlyOnce(30, stay);
    assert.deepEqual(leave.problems, []);
  } finally {
    await cached.close();
  }
});

test("malformed coordinator frames on the port are counted as rejected and change nothing; other frames are not the coordinator's business", async () => {
  const pages = [await tab("a"), await tab("b")];
  const roles = await settledRoles(pages);
  const stranger = await openPage(chromium.context, `${server.url}shared/away.html`);
  await stranger.evaluate(() => {
    const channel = new BroadcastChannel("shared-e2e");
    const frame = (extra) => ({ "wasm-pubsub": 1, type: "shared", name: "workers", ...extra });
    for (const bad of [frame({ kind: "beat", epoch: -1 }), frame({ kind: "beat", epoch: 0.5 }), frame({ kind: "done", epoch: 1, keys: "k" }),
      frame({ kind: "done", epoch: 1, keys: [1] }), frame({ kind: "done", epoch: 1, keys: ["x".repeat(161)] }), frame({ kind: "nope", epoch: 1 })]) {
      channel.postMessage(bad);
    }
    channel.postMessage(frame({ name: "another group", kind: "beat", epoch: 99 }));
    channel.postMessage({ hello: "not ours" });
    channel.close();
  });
  await until(async () => (await Promise.all(pages.map((page) => page.evaluate(() => window.shared.stats().rejected)))).every((n) => n === 6),
    { what: "six frames rejected on each page" });
  assert.deepEqual(await Promise.all(pages.map(role)), roles);
  await pages[0].evaluate(() => window.publishMany(0, 10, 1));
  await allHandled(10, pages);
  await assertExactlyOnce(10, pages[0]);
  for (const page of pages) assert.deepEqual(page.problems, []);
});

test("the README's example in two tabs: each tab publishes a job, and each job runs once, in the leader's tab", async () => {
  const pages = [];
  for (const name of ["one", "two"]) {
    const page = await openPage(chromium.context, `${server.url}shared/readme.html?${name}`);
    await page.waitForFunction(() => window.ready);
    pages.push(page);
  }
  const health = () => Promise.all(pages.map((page) => page.evaluate(() => window.bus.health().shared[0])));
  await until(async () => (await health()).every((h) => h.holding === 0 && h.role !== "joining"), { what: "both tabs settled" });
  await sleep(200);
  const keys = await pages[1].evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("handled.")));
  assert.equal(keys.length, 2, "two jobs (both { n: 1 }), each run once");
  assert.deepEqual((await health()).map((h) => h.role).sort(), ["follower", "leader"]);
  const stats = await Promise.all(pages.map((page) => page.evaluate(() => window.shared.stats().groups.workers)));
  assert.equal(stats.reduce((sum, g) => sum + g.handled, 0), 2);
  for (const page of pages) assert.deepEqual(page.problems, []);
});
