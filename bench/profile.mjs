#!/usr/bin/env node
/**
 * `npm run bench:profile [-- --messages N] [--body 256] [--agents 1] [--variant e|c]`: where the
 * relay's CPU time per message goes. Not a benchmark (the profiler itself costs time); a map.
 *
 * Same server side as `npm run bench` (bench/server.mjs: the bench builds of the API Worker with
 * the real TeamRelay and of the baselines, pinned to core 0), started with workerd's V8 inspector
 * on. After a warm-up burst it starts V8's sampling CPU profiler (Chrome DevTools Protocol,
 * `Profiler.start`, 50 µs sampling) on the Worker's isolate, runs one saturation burst of direct
 * messages (with acks, as in the bench), waits for the relay's audit flush to finish, stops the
 * profiler, and attributes every sample to a bucket by the source module it came from (esbuild
 * marks each module in the bundle) or, for runtime built-ins, by the built-in's name:
 * zod, JSON, SQL (`sql.exec`), WebSocket send, attachments, hashing, the relay's own modules, the
 * audit ledger, GC, and time outside JavaScript (workerd's C++: socket I/O, the event loop).
 *
 * Output: a table on stdout (µs per accepted message per bucket, plus inclusive time of the
 * relay's main functions), `bench/results/profile-<time>.json` (the table) and
 * `bench/results/profile-<time>.cpuprofile` (open it in Chrome DevTools → Performance).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import WebSocket from "ws";
import { setUpRelayTenant } from "./lib/relay-tenant.mjs";
import { throughput } from "./lib/scenarios.mjs";
import { buildWorkers, startServer } from "./lib/server-process.mjs";
import { Session } from "./lib/session.mjs";
import { variants as allVariants } from "./lib/variants.mjs";

const args = process.argv.slice(2);
const valueOf = (flag, fallback) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : fallback);
const MESSAGES = Number(valueOf("--messages", "20000"));
const BODY = Number(valueOf("--body", "256"));
// 16 senders by default: with one, a saturating sender outruns its recipient's acks and meets the queue cap (docs/cost.md).
const SENDERS = Number(valueOf("--agents", "16"));
const VARIANT = valueOf("--variant", "e");
/** `--wake`: profile the first frame after an eviction (20 s idle) instead of a burst. */
const WAKE = args.includes("--wake");
const INSPECTOR_PORT = 9400 + Math.floor(Math.random() * 500);
const root = new URL("../", import.meta.url).pathname;
const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pinSelf(core) {
  try {
    execFileSync("taskset", ["-a", "-cp", String(core), String(process.pid)], { stdio: "ignore" });
  } catch {
    log("! could not pin the client to core 1");
  }
}

/** One direct message after an idle period; resolves when it is accepted. */
function wakeFrame(session) {
  return new Promise((resolve) => {
    session.on({
      accepted: () => resolve({ accepted: 1, problems: 0, elapsedMs: 1 }),
      problem: () => resolve({ accepted: 1, problems: 1, elapsedMs: 1 }),
    });
    session.send(session.agents[0], { type: "send", id: `wake-${Date.now()}`, to: session.agents[1].id, body: { pad: "x".repeat(246) } });
  });
}

/** One Chrome DevTools Protocol session over the inspector's WebSocket. */
async function cdp(url) {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  let id = 0;
  const waiting = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    msg.error ? w.reject(new Error(JSON.stringify(msg.error))) : w.resolve(msg.result);
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const n = ++id;
        waiting.set(n, { resolve, reject });
        ws.send(JSON.stringify({ id: n, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** The inspector target of a Worker (workerd names targets after the service). */
async function targetOf(service) {
  for (let i = 0; i < 50; i++) {
    try {
      const list = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json();
      const t = list.find((x) => `${x.title} ${x.url} ${x.id}`.includes(service));
      if (t) return t.webSocketDebuggerUrl.replace("localhost", "127.0.0.1");
      if (i === 49) throw new Error(`no inspector target for ${service}: ${JSON.stringify(list.map((x) => x.title))}`);
    } catch (err) {
      if (i === 49) throw err;
    }
    await sleep(100);
  }
}

/** esbuild writes `// <path>` before each module it bundles: line → module path. */
function moduleMap(bundlePath) {
  const lines = readFileSync(bundlePath, "utf8").split("\n");
  const starts = [];
  for (const [i, line] of lines.entries()) {
    const m = /^\/\/ ((?:\.\.\/)*(?:node_modules|workers|durable-objects|bench)\/[^ ]+)$/.exec(line);
    if (m) starts.push({ line: i, path: m[1].replace(/^(\.\.\/)+/, "") });
  }
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid].line <= line) {
        found = starts[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found?.path ?? "(bundle)";
  };
}

/** Built-ins by name (they have no script URL). */
const NATIVE = [
  [/^(parse)$/, "JSON.parse"],
  [/^(stringify)$/, "JSON.stringify"],
  [/^exec$/, "SQL: sql.exec (native)"],
  [/^(one|toArray|next|raw)$/, "SQL: cursor reads (native)"],
  [/^transactionSync$/, "SQL: transactionSync (native)"],
  [/^send$/, "WebSocket send (native)"],
  [/^(serializeAttachment|deserializeAttachment)$/, "attachments (native)"],
  [/^getWebSockets$/, "getWebSockets (native)"],
  [/^(digest|update|createHash|Hash)$/, "hashing"],
  [/^setAlarm|getAlarm$/, "alarm API (native)"],
];

function bucketOf(node, moduleOf) {
  const { functionName, url, lineNumber } = node.callFrame;
  const inBundle = url.endsWith("/index.js") || url.endsWith("index.js");
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)") return "outside JS (workerd: I/O, event loop)";
  if (functionName === "(idle)") return "(idle)";
  if (functionName === "(root)") return "(root)";
  if (!url) {
    for (const [re, name] of NATIVE) if (re.test(functionName)) return name;
    return `built-in: ${functionName || "(anonymous)"}`;
  }
  if (!inBundle) return /crypto/.test(url) ? "hashing" : `runtime JS: ${url.split("/").slice(-2).join("/")}`;
  const path = moduleOf(lineNumber);
  if (path.includes("node_modules/zod")) return "zod";
  if (path.includes("node_modules/hono") || path.includes("node_modules/@hono")) return "hono";
  if (path.includes("node_modules/drizzle-orm")) return "drizzle";
  if (path.includes("node_modules/jose")) return "jose";
  if (path.includes("node_modules/canonicalize")) return "canonicalize (JCS)";
  if (path.includes("node_modules/")) return `lib: ${path.split("node_modules/")[1].split("/").slice(0, 2).join("/")}`;
  if (path.startsWith("durable-objects/audit-ledger") || path.startsWith("workers/shared/audit")) return "audit ledger / emit (JS)";
  if (/crypto|sha256|ids\.ts/.test(path)) return `hashing / ids: ${path}`;
  return `code: ${path}`;
}

/** Self time per bucket and inclusive time per interesting function, in µs. */
function analyse(profile, moduleOf) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const inclusive = new Map();
  const total = { all: 0, idle: 0 };
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]);
    const bucket = bucketOf(node, moduleOf);
    total.all += dt;
    if (bucket === "(idle)") total.idle += dt;
    self.set(bucket, (self.get(bucket) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      if (!f.url || !f.functionName) continue;
      const key = `${f.functionName} (${f.url.endsWith("index.js") ? moduleOf(f.lineNumber) : f.url})`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
  return { self, inclusive, total };
}

async function main() {
  pinSelf(1);
  const scratch = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const work = mkdtempSync(`${scratch}/switchboard-profile-`);
  log("• building the bench Workers…");
  const built = buildWorkers(`${work}/build`);
  const server = await startServer({
    relayScript: built.relay,
    baselinesScript: built.baselines,
    stateDir: `${work}/state`,
    unlimitedRates: true,
    core: 0,
    inspectorPort: INSPECTOR_PORT,
  });
  const loadBefore = loadavg();
  try {
    const agentsNeeded = SENDERS === 1 ? 2 : SENDERS;
    const tenant = await setUpRelayTenant({ baseUrl: server.urls.relayUrl, sql: server.sql, agentCount: agentsNeeded });
    await tenant.setEdges(SENDERS === 1 ? [[0, 1]] : Array.from({ length: SENDERS }, (_, i) => [i, (i + 1) % SENDERS]));
    const variant = allVariants(server.urls, tenant).find((v) => v.key === VARIANT);
    const session = new Session(variant, agentsNeeded, "profile");
    await session.open();
    const relayStats = async () => (await (await fetch(`${server.urls.relayUrl}__bench/relay-stats?team=${tenant.teamId}`)).json()).stats;
    const settle = async () => {
      if (VARIANT !== "e") return;
      for (let i = 0; i < 300; i++) {
        const s = await relayStats();
        if (s.auditFlushed >= s.messagesAccepted) return;
        await sleep(100);
      }
    };
    log("• warm-up burst (JIT)…");
    await throughput(session, { senders: SENDERS, bodyBytes: BODY, durationMs: 30_000, maxMessages: 4000, window: 128 });
    await settle();
    await sleep(1500);

    const target = await targetOf(VARIANT === "e" ? "switchboard-api" : "bench-baselines");
    const inspector = await cdp(target);
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: WAKE ? 20 : 50 });
    if (WAKE) {
      log("• idling 20 s so workerd evicts the relay…");
      await sleep(20_000);
    }
    const before = VARIANT === "e" ? await relayStats() : null;
    await inspector.send("Profiler.start");
    const t0 = performance.now();
    const burst = WAKE
      ? await wakeFrame(session)
      : await throughput(session, { senders: SENDERS, bodyBytes: BODY, durationMs: 120_000, maxMessages: MESSAGES, window: 128 });
    const burstMs = performance.now() - t0;
    if (!WAKE) await settle();
    const wallMs = performance.now() - t0;
    const { profile } = await inspector.send("Profiler.stop");
    if (WAKE)
      log(
        `• first frame after the idle answered in ${burstMs.toFixed(2)} ms (the relay was ${before && (await relayStats()).messagesAccepted <= 1 ? "evicted" : "NOT evicted"})`,
      );
    const after = VARIANT === "e" ? await relayStats() : null;
    inspector.close();
    await session.close();

    const moduleOf = moduleMap(VARIANT === "e" ? built.relay : built.baselines);
    const { self, inclusive, total } = analyse(profile, moduleOf);
    const n = burst.accepted;
    const perMsg = (us) => Math.round((us / n) * 100) / 100;
    const busy = total.all - total.idle;
    const rows = [...self]
      .filter(([k]) => k !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .map(([bucket, us]) => ({ bucket, usPerMessage: perMsg(us), share: Math.round((us / busy) * 1000) / 10 }));
    const fnRows = [...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 60)
      .map(([fn, us]) => ({ fn, usPerMessage: perMsg(us) }));
    const result = {
      command: `npm run bench:profile${args.length ? ` -- ${args.join(" ")}` : ""}`,
      at: new Date().toISOString(),
      variant: VARIANT,
      senders: SENDERS,
      bodyBytes: BODY,
      messages: n,
      problems: burst.problems,
      burstMs: Math.round(burstMs),
      burstMessagesPerSec: Math.round(n / (burst.elapsedMs / 1000)),
      wallMsIncludingAuditFlush: Math.round(wallMs),
      profiledBusyMs: Math.round(busy / 1000),
      busyUsPerMessage: perMsg(busy),
      relayStats: before && after ? Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]])) : null,
      loadavg: { before: loadBefore, after: loadavg() },
      buckets: rows,
      inclusive: fnRows,
    };
    mkdirSync(`${root}bench/results`, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    writeFileSync(`${root}bench/results/profile-${stamp}.json`, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(`${root}bench/results/profile-${stamp}.cpuprofile`, JSON.stringify(profile));
    log(
      `\n${VARIANT === "e" ? "relay" : "do-echo"}: ${n} messages (${BODY} B, ${SENDERS} sender${SENDERS > 1 ? "s" : ""}), burst ${result.burstMessagesPerSec} msg/s; profiled busy time ${perMsg(busy)} µs per message (burst + audit flush)`,
    );
    log("\nSelf time by bucket, µs per accepted message (share of busy time)");
    for (const r of rows) log(`  ${r.usPerMessage.toFixed(2).padStart(8)}  ${`${r.share}%`.padStart(6)}  ${r.bucket}`);
    log("\nInclusive time of functions, µs per accepted message (top 60)");
    for (const r of fnRows) log(`  ${r.usPerMessage.toFixed(2).padStart(8)}  ${r.fn}`);
    log(
      `\nload average ${loadBefore.map((x) => x.toFixed(2)).join(" ")} → ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}; results in bench/results/profile-${stamp}.json (+ .cpuprofile)`,
    );
  } finally {
    await server.stop().catch(() => server.kill());
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`profile failed: ${err?.stack ?? err}`);
  process.exit(1);
});
