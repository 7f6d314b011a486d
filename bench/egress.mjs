#!/usr/bin/env node
/**
 * `npm run bench:egress [-- --quick]`: what the egress proxy adds to a call, and how fast a policy
 * decision is. Writes bench/results/egress-<time>.json. Not part of `npm test`. See bench/README.md.
 *
 * 1. Proxy overhead, in workerd (Miniflare) against a local Node stub, in the same run:
 *      direct   GET /__bench/direct/ping → the bench Worker fetches the stub itself
 *      proxy    GET /proxy/https/stub.bench.example/ping with an egress token → the real egress
 *               Worker: token verify, EgressGate admit (policy, limits), fetch with redirect
 *               "manual", body read + scan, release (audit staged, flushed by the gate's alarm)
 *      proxy+secret  the same, with a credential injected (and redacted from the response)
 *    Both enter the same Worker over the same HTTP path, so the difference is the proxy's own work.
 *    Sequential (one call in flight), interleaved in rounds so drift hits every variant alike;
 *    calls spread over 20 agents so trust level 4's rate limit (3,000/min each) never refuses one.
 * 2. Policy decision time with 1,000 rules, in Node (bench/egress-decision.mjs says why).
 *
 * Targets (issue 12): proxy p50 added ≤ 1 ms, p99 added ≤ 5 ms; decision p50 ≤ 20 µs.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { decisionBench } from "./egress-decision.mjs";

const root = new URL("../", import.meta.url).pathname;
const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 10 : 30;
const PER_ROUND = 100;
const AGENTS = 20;
const esbuild = `${root}node_modules/.bin/esbuild`;

// Storage on tmpfs when there is one, like the relay bench (bench/README.md, "Storage and fsync"): on
// this machine's shared disk an fsync per SQLite commit measures the disk, not the proxy. --disk keeps it on disk.
const scratch = !process.argv.includes("--disk") && existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const work = mkdtempSync(`${scratch}/egress-bench-`);
execFileSync(
  esbuild,
  [
    `${root}bench/egress.worker.ts`,
    "--bundle",
    "--format=esm",
    "--platform=neutral",
    "--main-fields=module,main",
    "--external:cloudflare:*",
    "--external:node:*",
    `--outfile=${work}/worker.js`,
  ],
  { stdio: ["ignore", "ignore", "inherit"] },
);
execFileSync(
  esbuild,
  [`${root}workers/shared/egress/policy.ts`, "--bundle", "--format=esm", "--platform=node", `--outfile=${work}/policy.mjs`],
  { stdio: ["ignore", "ignore", "inherit"] },
);

const stub = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ ok: true, path: req.url, auth: req.headers.authorization ? "present" : "absent" }));
});
await new Promise((r) => stub.listen(0, "127.0.0.1", r));
const stubOrigin = `http://127.0.0.1:${stub.address().port}`;

const mf = new Miniflare({
  ...convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    modules: [{ type: "ESModule", path: `${work}/worker.js` }],
    modulesRoot: work,
    compatibilityDate: "2026-11-01",
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: { DB: "egress-bench" },
    durableObjects: {
      EGRESS_GATE: { className: "EgressGate", useSQLite: true },
      AUDIT_LEDGER: { className: "AuditLedger", useSQLite: true },
    },
    bindings: {
      ENVIRONMENT: "development",
      EGRESS_PLATFORM_HOSTS: "",
      EGRESS_DEV_UPSTREAMS: `stub.bench.example=${stubOrigin}`,
      STUB_ORIGIN: stubOrigin,
      DATA_ENCRYPTION_KEY: "bench-data-encryption-key-0123456789abcdef0123",
      VAULT_KEKS: "bench-vault-kek-0123456789abcdef0123456789abcdef",
    },
  }),
  resourcePersistencePath: `${work}/state`,
  resourceTmpPath: `${work}/tmp`,
});

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round3 = (x) => +x.toFixed(3);

try {
  const base = (await mf.ready).toString().replace(/\/$/, "");
  const db = await mf.getD1Database("DB");
  for (const file of readdirSync(`${root}d1-migrations`)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const statement of readFileSync(`${root}d1-migrations/${file}`, "utf8").split("--> statement-breakpoint"))
      if (statement.trim()) await db.prepare(statement).run();
  }
  const plain = await (await fetch(`${base}/__bench/setup?agents=${AGENTS}`, { method: "POST" })).json();
  const secret = await (await fetch(`${base}/__bench/setup?agents=${AGENTS}&secret=1`, { method: "POST" })).json();

  let n = 0;
  const variants = {
    direct: () => fetch(`${base}/__bench/direct/ping`),
    proxy: () =>
      fetch(`${base}/proxy/https/stub.bench.example/ping`, { headers: { authorization: `Bearer ${plain.tokens[n++ % AGENTS]}` } }),
    "proxy+secret": () =>
      fetch(`${base}/proxy/https/stub.bench.example/ping`, { headers: { authorization: `Bearer ${secret.tokens[n++ % AGENTS]}` } }),
  };
  const check = async (name, res) => {
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${body}`);
    if (name === "proxy+secret" && !body.includes('"auth":"present"'))
      throw new Error("proxy+secret: the credential did not reach the stub");
  };
  // Warm-up: isolates, gates (state load, first D1 reads), JIT, connection pools.
  for (const [name, run] of Object.entries(variants)) for (let i = 0; i < 200; i++) await check(name, await run());

  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = Object.keys(variants);
    for (let r = 0; r < round % order.length; r++) order.push(order.shift());
    for (const name of order) {
      for (let i = 0; i < PER_ROUND; i++) {
        const t = performance.now();
        const res = await variants[name]();
        await check(name, res);
        samples[name].push(performance.now() - t);
      }
    }
    process.stdout.write(`round ${round + 1}/${ROUNDS}\r`);
  }
  process.stdout.write("\n");
  const stats = Object.fromEntries(
    Object.entries(samples).map(([k, xs]) => [
      k,
      {
        calls: xs.length,
        p50Ms: round3(percentile(xs, 50)),
        p90Ms: round3(percentile(xs, 90)),
        p99Ms: round3(percentile(xs, 99)),
        meanMs: round3(xs.reduce((a, b) => a + b, 0) / xs.length),
      },
    ]),
  );
  const added = (k) => ({ p50Ms: round3(stats[k].p50Ms - stats.direct.p50Ms), p99Ms: round3(stats[k].p99Ms - stats.direct.p99Ms) });
  const overhead = { proxy: added("proxy"), "proxy+secret": added("proxy+secret") };

  const policy = await import(pathToFileURL(`${work}/policy.mjs`).href);
  const decision = decisionBench(policy, { rules: 1000, iterations: quick ? 50_000 : 200_000 });

  // The audit trail got every call: staged in the gates, flushed in batches by their alarms.
  await new Promise((r) => setTimeout(r, 2500));
  const audited = (await db.prepare("SELECT count(*) AS n FROM audit_events WHERE action = 'egress.request_allowed'").first()).n;

  const targets = { proxyP50AddedMs: 1, proxyP99AddedMs: 5, decisionP50Us: 20 };
  const result = {
    bench: "egress",
    at: new Date().toISOString(),
    runtime: "Miniflare (workerd) for the proxy, Node (V8) for the decision; local Node stub upstream",
    mode: quick ? "quick" : "full",
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
    config: { rounds: ROUNDS, perRound: PER_ROUND, agents: AGENTS, storage: scratch },
    latency: stats,
    overhead,
    decision,
    auditedAllowedCalls: audited,
    targets,
    meetsTargets: {
      proxyP50: overhead.proxy.p50Ms <= targets.proxyP50AddedMs,
      proxyP99: overhead.proxy.p99Ms <= targets.proxyP99AddedMs,
      decisionP50: decision.p50Us <= targets.decisionP50Us,
    },
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  const out = `${root}bench/results/egress-${result.at.replace(/[:.]/g, "-")}.json`;
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.table(stats);
  console.table(overhead);
  console.table({ decision });
  console.log(
    `audited allowed calls: ${audited}; meets targets: ${JSON.stringify(result.meetsTargets)}; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  console.log(`written ${out}`);
} finally {
  await mf.dispose();
  stub.close();
  rmSync(work, { recursive: true, force: true });
}
