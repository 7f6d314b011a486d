#!/usr/bin/env node
/**
 * `node bench/audit-emit.mjs [--quick]`: audit emit throughput (events/s) in workerd (Miniflare,
 * local SQLite for D1 and the Durable Object), written to bench/results/audit-emit-<time>.json.
 *
 * Variants, each on a fresh chain, round-robin for `reps` repetitions (median reported):
 *   d1-direct        the baseline: one D1 INSERT per event, sequential (the emit point before the ledger)
 *   rpc-floor        context, not an emit: one read-only RPC to the ledger per event (no storage write)
 *   single           emitAudit, one append (DO RPC + commit + D1 mirror) per event, sequential
 *   single-c32       emitAudit with 32 in flight (concurrent API requests of one tenant)
 *   batched-100      emitAuditBatch, 100 events per append, sequential (a relay's flush)
 * Every ledger variant waits for the ack, which comes after the D1 mirror: events/s is "durable and
 * queryable" throughput. Local figures: workerd's SQLite on this machine, no network to D1, so
 * D1 round trips are far cheaper than in production; compare variants with each other.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";

const root = new URL("../", import.meta.url).pathname;
const quick = process.argv.includes("--quick");
const REPS = quick ? 1 : 3;
const VARIANTS = [
  { name: "d1-direct", query: { mode: "d1-direct", n: quick ? 500 : 2000 } },
  { name: "rpc-floor", query: { mode: "rpc-floor", n: quick ? 500 : 2000 } },
  { name: "single", query: { mode: "single", n: quick ? 500 : 2000 } },
  { name: "single-c32", query: { mode: "single", n: quick ? 500 : 2000, concurrency: 32 } },
  { name: "batched-100", query: { mode: "batched", n: quick ? 2000 : 10000, batch: 100 } },
];

const work = mkdtempSync(`${tmpdir()}/audit-emit-bench-`);
const script = `${work}/worker.js`;
execFileSync(`${root}node_modules/.bin/esbuild`, [`${root}bench/audit-emit.worker.ts`, "--bundle", "--format=esm", "--platform=neutral", "--main-fields=module,main", "--external:cloudflare:*", "--external:node:*", `--outfile=${script}`], { stdio: ["ignore", "ignore", "inherit"] });

const mf = new Miniflare({
  ...convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    modules: [{ type: "ESModule", path: script }],
    modulesRoot: work,
    compatibilityDate: "2026-11-01",
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: { DB: "audit-bench" },
    durableObjects: { AUDIT_LEDGER: { className: "AuditLedger", useSQLite: true } },
  }),
  resourcePersistencePath: `${work}/state`,
  resourceTmpPath: `${work}/tmp`,
});

try {
  await mf.ready;
  const db = await mf.getD1Database("DB");
  for (const file of readdirSync(`${root}d1-migrations`).filter((f) => f.endsWith(".sql")).sort()) {
    for (const statement of readFileSync(`${root}d1-migrations/${file}`, "utf8").split("--> statement-breakpoint")) if (statement.trim()) await db.prepare(statement).run();
  }
  const runs = Object.fromEntries(VARIANTS.map((v) => [v.name, []]));
  // Warm-up: first DO creation, first D1 statements, JIT.
  await mf.dispatchFetch(`http://bench/run?mode=single&n=50`, { method: "POST" });
  await mf.dispatchFetch(`http://bench/run?mode=batched&n=200&batch=100`, { method: "POST" });
  for (let rep = 0; rep < REPS; rep++) {
    for (const v of VARIANTS) {
      const qs = new URLSearchParams(Object.entries(v.query).map(([k, x]) => [k, String(x)]));
      const started = performance.now();
      const res = await mf.dispatchFetch(`http://bench/run?${qs}`, { method: "POST" });
      const wallMs = performance.now() - started;
      const body = await res.json();
      if (body.mirrored !== body.n) throw new Error(`${v.name}: only ${body.mirrored}/${body.n} events in D1 after the acks`);
      runs[v.name].push({ ...body, wallMs, eventsPerSec: body.n / (body.ms / 1000) });
      process.stdout.write(`rep ${rep + 1} ${v.name.padEnd(12)} ${String(body.n).padStart(6)} events in ${String(body.ms).padStart(6)} ms = ${Math.round(body.n / (body.ms / 1000))} events/s\n`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = Object.fromEntries(
    VARIANTS.map((v) => {
      const r = runs[v.name];
      return [v.name, { events: r[0].n, eventsPerAppend: r[0].batch, concurrency: r[0].concurrency, medianEventsPerSec: Math.round(median(r.map((x) => x.eventsPerSec))), medianMsPerEvent: +(median(r.map((x) => x.ms)) / r[0].n).toFixed(3) }];
    }),
  );
  // The machine is shared and drifts: each variant is compared with the baseline of the SAME rep
  // (they ran back to back), and the median of those ratios is the figure to quote.
  for (const v of VARIANTS) {
    const ratios = runs[v.name].map((r, rep) => r.eventsPerSec / runs["d1-direct"][rep].eventsPerSec);
    summary[v.name].vsBaselineSameRep = +median(ratios).toFixed(2);
  }
  const result = {
    bench: "audit-emit",
    at: new Date().toISOString(),
    runtime: "Miniflare (workerd), local SQLite-backed D1 and Durable Object",
    mode: quick ? "quick" : "full",
    reps: REPS,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
    summary,
    runs,
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  const out = `${root}bench/results/audit-emit-${result.at.replace(/[:.]/g, "-")}.json`;
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.table(summary);
  process.stdout.write(`written ${out}\n`);
} finally {
  await mf.dispose();
  rmSync(work, { recursive: true, force: true });
}
