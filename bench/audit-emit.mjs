#!/usr/bin/env node
/**
 * `npm run bench:audit [-- --quick] [--events N] [--no-baseline] [--baseline <commit>]`: the audit trail at relay volume,
 * in workerd (Miniflare), storage on tmpfs. Writes bench/results/audit-<time>.json and prints a
 * summary with the issue's targets (docs/cost.md, "An audit event").
 *
 *   A. Emit throughput, the block ledger against the previous ledger (built from the commit this
 *      branch started from, `git archive`, in the same run and the same workerd) and the pre-ledger baseline (one D1
 *      insert per event): one event per append (sequential, and 32 in flight), and a relay's
 *      flush (100 events per append, sequential) — acknowledged, and for the previous ledger also
 *      queryable (its D1 mirror caught up). Round-robin over `reps` repetitions, medians.
 *   B. What an event costs, from the ledger's row meters (`stats()`: rows written as the runtime
 *      meters them, alarms set, appends) and its storage, priced with Cloudflare's list prices.
 *   C. A tenant with N events (2 million; 200,000 with --quick) of relay-like traffic: a filtered
 *      first page through the API's list service, p50 over 21 requests per filter; a verify of
 *      100,000 entries; a 100,000-entry JSONL export.
 * Local figures: compare variants within the run; production latencies differ (network hops).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";

const root = new URL("../", import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const valueOf = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const baseline = !args.includes("--no-baseline");
const REPS = quick ? 1 : 3;
const EVENTS = Number(valueOf("--events") ?? (quick ? 200_000 : 2_000_000));
const FILL_CHUNK = 100_000;
const VERIFY_SPAN = Math.min(100_000, EVENTS);
const SAMPLES = 21;
const log = (line) => process.stdout.write(`${line}\n`);

// Cloudflare list prices (docs/cost.md, read 2026-12-01).
const PRICE = {
  rowWritten: 1.0 / 1e6,
  doRequest: 0.15 / 1e6,
  doGbSecond: 12.5 / 1e6,
  doStorageGbMonth: 0.2,
  r2GbMonth: 0.015,
  hotMonths: 3,
  coldMonths: 12,
};

const scratch = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const work = mkdtempSync(`${scratch}/audit-bench-`);
const esbuild = `${root}node_modules/.bin/esbuild`;
const bundle = (entry, out, cwd) =>
  execFileSync(
    esbuild,
    [
      entry,
      "--bundle",
      "--format=esm",
      "--platform=neutral",
      "--main-fields=module,main",
      "--external:cloudflare:*",
      "--external:node:*",
      `--outfile=${out}`,
    ],
    { cwd, stdio: ["ignore", "ignore", "inherit"] },
  );

/**
 * The previous ledger: the tree this branch started from (`git merge-base HEAD main`, or
 * `--baseline <commit>`), built the same way, for the same-run comparison.
 */
function buildMainSnapshot() {
  const dir = `${work}/main`;
  mkdirSync(dir);
  const commit = valueOf("--baseline") ?? execFileSync("git", ["-C", root, "merge-base", "HEAD", "main"]).toString().trim();
  execFileSync("sh", ["-c", `git -C "${root}" archive ${commit} | tar -x -C "${dir}"`]);
  symlinkSync(`${root}node_modules`, `${dir}/node_modules`);
  bundle(`${dir}/bench/audit-emit.worker.ts`, `${work}/main.js`, dir);
  return { script: `${work}/main.js`, migrations: `${dir}/d1-migrations`, commit: commit.slice(0, 7) };
}

bundle(`${root}bench/audit-emit.worker.ts`, `${work}/new.js`, root);
const main = baseline ? buildMainSnapshot() : null;
const worker = (name, script) => ({
  name,
  modules: [{ type: "ESModule", path: script }],
  modulesRoot: work,
  compatibilityDate: "2026-11-01",
  compatibilityFlags: ["nodejs_compat"],
  d1Databases: { DB: `${name}-db` },
  durableObjects: { AUDIT_LEDGER: { className: "AuditLedger", useSQLite: true } },
});
const mf = new Miniflare({
  ...convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    workers: [worker("audit-new", `${work}/new.js`), ...(main ? [worker("audit-main", main.script)] : [])],
  }),
  resourcePersistencePath: `${work}/state`,
  resourceTmpPath: `${work}/tmp`,
});

async function migrate(name, dir) {
  const db = await mf.getD1Database("DB", name);
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const statement of readFileSync(`${dir}/${file}`, "utf8").split("--> statement-breakpoint"))
      if (statement.trim()) await db.prepare(statement).run();
  }
  return db;
}

const call = async (name, path, init = {}) => {
  const w = await mf.getWorker(name);
  const res = await w.fetch(`http://bench${path}`, init);
  if (!res.ok) throw new Error(`${name} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
/**
 * CPU seconds (user + system) of the workerd processes under this one: what a request cost the
 * runtime whatever else the shared machine was doing (wall time stretches with the load average).
 */
function workerdCpuMs() {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat.trim()) ?? [];
    if (!comm?.startsWith("workerd")) continue;
    const f = rest.split(" ");
    if (Number(f[1]) !== process.pid) continue; // ppid
    ticks += Number(f[11]) + Number(f[12]); // utime, stime
  }
  return ticks * 10; // USER_HZ = 100 on Linux
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

async function main_() {
  const startedAt = new Date();
  const loadBefore = loadavg();
  await mf.ready;
  await migrate("audit-new", `${root}d1-migrations`);
  const mainDb = main ? await migrate("audit-main", main.migrations) : null;
  log(
    `• audit bench (${quick ? "quick" : "full"}), ${REPS} rep(s), ${EVENTS.toLocaleString("en")} events for the query figures; load ${loadBefore.map((l) => l.toFixed(1)).join(" ")}${main ? `; previous ledger from ${main.commit}` : ""}`,
  );

  // ---------------------------------------------------------------- A. throughput
  const modes = [
    { name: "single", q: { mode: "single", n: quick ? 300 : 1000 } },
    { name: "single-c32", q: { mode: "single", n: quick ? 300 : 1000, concurrency: 32 } },
    { name: "batched-100", q: { mode: "batched", n: quick ? 3000 : 10000, batch: 100 } },
  ];
  const A = {};
  // Warm-up (first object creation, JIT) for every worker.
  for (const w of ["audit-new", ...(main ? ["audit-main"] : [])]) {
    await call(w, "/run?mode=single&n=20", { method: "POST" });
    await call(w, "/run?mode=batched&n=200&batch=100", { method: "POST" });
  }
  for (let rep = 0; rep < REPS; rep++) {
    const base = await call("audit-new", `/run?mode=d1-direct&n=${quick ? 300 : 1000}`, { method: "POST" });
    (A["d1-direct"] ??= []).push({ rep, eventsPerSec: base.n / (base.ms / 1000) });
    for (const m of modes) {
      const qs = new URLSearchParams(Object.entries(m.q).map(([k, v]) => [k, String(v)]));
      for (const w of [...(main ? ["audit-main"] : []), "audit-new"]) {
        const t0 = performance.now();
        const r = await call(w, `/run?${qs}`, { method: "POST" });
        let queryableMs = r.ms;
        if (w === "audit-main") {
          // The previous ledger's reads came from D1: an event was queryable once its mirror caught up.
          // Its bench Worker names the chain itself; this run's chain is the newest one in D1.
          const { chain_id: tenant } = await mainDb
            .prepare("SELECT chain_id FROM audit_events WHERE chain_id IS NOT NULL ORDER BY rowid DESC LIMIT 1")
            .first();
          for (;;) {
            const row = await mainDb.prepare("SELECT count(*) AS n FROM audit_events WHERE chain_id = ?").bind(tenant).first();
            if (row.n >= r.n) break;
            await new Promise((res) => setTimeout(res, 20));
          }
          queryableMs = performance.now() - t0;
        }
        const key = `${w === "audit-new" ? "new" : "main"}:${m.name}`;
        (A[key] ??= []).push({
          rep,
          eventsPerSec: r.n / (r.ms / 1000),
          queryablePerSec: r.n / (queryableMs / 1000),
          meters: r.meters ?? null,
        });
        log(
          `  rep ${rep + 1} ${key.padEnd(18)} ${Math.round(r.n / (r.ms / 1000))
            .toLocaleString("en")
            .padStart(
              7,
            )} events/s acked${w === "audit-main" ? `, ${Math.round(r.n / (queryableMs / 1000)).toLocaleString("en")} queryable` : ""}`,
        );
      }
    }
  }
  const throughput = Object.fromEntries(
    Object.entries(A).map(([k, runs]) => [
      k,
      {
        ackedPerSec: Math.round(median(runs.map((r) => r.eventsPerSec))),
        queryablePerSec: Math.round(median(runs.map((r) => r.queryablePerSec ?? r.eventsPerSec))),
      },
    ]),
  );

  // ---------------------------------------------------------------- B. cost from the meters
  const meterOf = (key) => A[key].at(-1).meters;
  const perEvent = (m) => ({
    rowsWritten: m.rowsWritten / m.entriesAppended,
    alarmsSet: m.alarmsSet / m.entriesAppended,
    appends: m.appends / m.entriesAppended,
    rowsRead: m.rowsRead / m.entriesAppended,
  });

  // ---------------------------------------------------------------- C. a tenant with EVENTS events
  const tenant = `ten_bench_big_${Date.now()}`;
  log(`• filling ${tenant} with ${EVENTS.toLocaleString("en")} relay-like events (batches of 100, an API event every 1,000)…`);
  const fillStart = performance.now();
  const startAt = Date.now() - EVENTS * 10;
  let fillMeters = null;
  let storage = null;
  let head = null;
  for (let from = 0; from < EVENTS; from += FILL_CHUNK) {
    const r = await call(
      "audit-new",
      `/fill?tenant=${tenant}&n=${Math.min(FILL_CHUNK, EVENTS - from)}&from=${from}&batch=100&singleEvery=1000&startAt=${startAt}&spacingMs=10`,
      { method: "POST" },
    );
    fillMeters = fillMeters ? Object.fromEntries(Object.keys(r.meters).map((k) => [k, fillMeters[k] + r.meters[k]])) : r.meters;
    storage = r.storage;
    head = r.head;
    process.stdout.write(
      `  ${(from + FILL_CHUNK).toLocaleString("en")} (${Math.round((from + FILL_CHUNK) / ((performance.now() - fillStart) / 1000)).toLocaleString("en")} events/s)\r`,
    );
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;
  log(
    `  filled ${head.headSeq.toLocaleString("en")} entries in ${fillSeconds.toFixed(0)} s; database ${(storage.databaseBytes / 1e6).toFixed(0)} MB`,
  );

  const hourAgo = startAt + Math.floor(EVENTS * 10 * 0.5);
  const filters = [
    ["no filter", ""],
    ["actorId (1 of 16 agents)", `actorId=${encodeURIComponent("agt_01BENCH05")}`],
    ["action = relay.message_denied (2%)", "action=relay.message_denied"],
    ["outcome = denied", "outcome=denied"],
    ["actorId + targetId", `actorId=agt_01BENCH03&targetId=agt_01BENCH08`],
    ["q = allowlist (API events, 0.1%)", "q=allowlist"],
    ["severity = warning + actorType = agent", "severity=warning&actorType=agent"],
    ["time window in the middle (10 s)", `from=${hourAgo}&to=${hourAgo + 10_000}`],
    ["targetId that never occurs", "targetId=agt_nobody"],
  ];
  const queries = [];
  for (const [label, qs] of filters) {
    const wall = [];
    const inside = [];
    let count = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = performance.now();
      const r = await call("audit-new", `/list?tenant=${tenant}&limit=25${qs ? `&${qs}` : ""}`);
      wall.push(performance.now() - t0);
      inside.push(r.ms);
      count = r.count;
    }
    queries.push({
      filter: label,
      query: qs,
      entries: count,
      p50Ms: +median(wall).toFixed(2),
      p95Ms: +pct(wall, 95).toFixed(2),
      workerP50Ms: median(inside),
    });
    log(
      `  list ${label.padEnd(40)} ${String(count).padStart(3)} entries  p50 ${median(wall).toFixed(1)} ms  p95 ${pct(wall, 95).toFixed(1)} ms`,
    );
  }

  const verifies = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const cpu0 = workerdCpuMs();
    const r = await call("audit-new", `/verify?tenant=${tenant}&fromSeq=${head.headSeq - VERIFY_SPAN + 1}&toSeq=${head.headSeq}`, {
      method: "POST",
    });
    verifies.push({ ms: performance.now() - t0, cpuMs: workerdCpuMs() - cpu0, result: r.result });
  }
  const verify = {
    entries: verifies[0].result.count,
    status: verifies[0].result.status,
    p50Ms: Math.round(median(verifies.map((v) => v.ms))),
    cpuP50Ms: median(verifies.map((v) => v.cpuMs)),
  };
  log(
    `  verify ${verify.entries.toLocaleString("en")} entries: ${verify.status}, p50 ${verify.p50Ms} ms wall, ${verify.cpuP50Ms} ms workerd CPU`,
  );
  const t0 = performance.now();
  const exp = await call("audit-new", `/export?tenant=${tenant}&fromSeq=${head.headSeq - VERIFY_SPAN + 1}&toSeq=${head.headSeq}`);
  const exportMs = performance.now() - t0;
  log(
    `  export ${(exp.range.toSeq - exp.range.fromSeq + 1).toLocaleString("en")} entries (${(exp.bytes / 1e6).toFixed(1)} MB JSONL) in ${exportMs.toFixed(0)} ms`,
  );

  // ---------------------------------------------------------------- prices
  const batched = perEvent(meterOf("new:batched-100"));
  const single = perEvent(meterOf("new:single"));
  const fill = perEvent(fillMeters);
  const bytesPerEvent = storage.databaseBytes / head.headSeq;
  // The archive of an event is its stored gzip payload (archives are the payloads concatenated).
  const archiveBytesPerEvent = storage.payloadBytes / head.headSeq;
  // Wall time an append keeps the ledger busy (billed duration), from the fill: seconds per append.
  const appendMs = (fillSeconds * 1000) / fillMeters.appends;
  const price = (m) => {
    const rows = (m.rowsWritten + m.alarmsSet) * PRICE.rowWritten * 1e6;
    const requests = m.appends * PRICE.doRequest * 1e6;
    const hot = ((bytesPerEvent * 1e6) / 1e9) * PRICE.doStorageGbMonth * PRICE.hotMonths;
    const cold = ((archiveBytesPerEvent * 1e6) / 1e9) * PRICE.r2GbMonth * PRICE.coldMonths;
    const duration = m.appends * 1e6 * (appendMs / 1000) * 0.128 * PRICE.doGbSecond;
    return {
      rows: +rows.toFixed(4),
      requests: +requests.toFixed(4),
      hotStorage: +hot.toFixed(4),
      archive: +cold.toFixed(4),
      duration: +duration.toFixed(4),
      total: +(rows + requests + hot + cold + duration).toFixed(3),
    };
  };
  const cost = {
    perEvent: { batched100: batched, single, relayTrafficFill: fill },
    bytesPerEventHot: Math.round(bytesPerEvent),
    payloadBytesPerEvent: Math.round(archiveBytesPerEvent),
    msPerAppend: +appendMs.toFixed(2),
    dollarsPerMillionEvents: { relayFlush100: price(batched), singleApiEvent: price(single), relayTrafficFill: price(fill) },
  };

  const targets = [
    {
      target: "≤ $1.00 per million audit events all-in (relay traffic)",
      value: cost.dollarsPerMillionEvents.relayTrafficFill.total,
      met: cost.dollarsPerMillionEvents.relayTrafficFill.total <= 1,
    },
    {
      target: `filtered first page ≤ 50 ms p50 at ${head.headSeq.toLocaleString("en")} events (worst filter)`,
      value: Math.max(...queries.map((q) => q.p50Ms)),
      met: Math.max(...queries.map((q) => q.p50Ms)) <= 50,
    },
    {
      target: `verify of ${verify.entries.toLocaleString("en")} entries ≤ 2 s`,
      value: verify.p50Ms,
      met: verify.p50Ms <= 2000 && verify.status === "intact",
    },
    ...(main
      ? [
          {
            target: "a relay's flush sink (100 per append, acked) does not fall vs the previous ledger (same run)",
            value: `${throughput["new:batched-100"].ackedPerSec} vs ${throughput["main:batched-100"].ackedPerSec} events/s`,
            met: throughput["new:batched-100"].ackedPerSec >= throughput["main:batched-100"].ackedPerSec,
          },
        ]
      : []),
  ];

  const result = {
    bench: "audit",
    at: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    runtime: "Miniflare (workerd), SQLite-backed Durable Objects and D1 on tmpfs",
    mode: quick ? "quick" : "full",
    reps: REPS,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadBefore, loadAfter: loadavg() },
    previousLedger: main ? main.commit : null,
    throughput,
    cost,
    fill: { events: head.headSeq, seconds: Math.round(fillSeconds), eventsPerSec: Math.round(head.headSeq / fillSeconds), storage },
    queries,
    verify,
    export: { entries: exp.range.toSeq - exp.range.fromSeq + 1, bytes: exp.bytes, ms: Math.round(exportMs) },
    targets,
    raw: A,
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  const out = `${root}bench/results/audit-${result.at.replace(/[:.]/g, "-")}.json`;
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log("\nthroughput (events/s, medians):");
  console.table(throughput);
  log("cost per million events (USD, list prices):");
  console.table(cost.dollarsPerMillionEvents);
  log("targets:");
  for (const t of targets) log(`  ${t.met ? "met    " : "NOT met"}  ${t.target}: ${t.value}`);
  log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}; written ${out}`,
  );
}

try {
  await main_();
} finally {
  await mf.dispose();
  rmSync(work, { recursive: true, force: true });
}
