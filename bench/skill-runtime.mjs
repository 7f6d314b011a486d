#!/usr/bin/env node
/**
 * `npm run bench:skills [-- --quick]`: what running a tool in a Dynamic Worker adds to calling the
 * same function in-process (issue 19). Writes bench/results/skill-runtime-<time>.json. Not part of
 * `npm test`. See bench/skill-runtime.worker.ts for the three variants.
 *
 * All three enter the same Worker over the same HTTP path from Node, so the differences are the
 * runtime's own work: warm = the isolate reused (LOADER.get with the same id), cold-isolate = a new
 * isolate of code already analysed, cold = a new isolate and a new content hash each call (isolate
 * start + the acorn analysis and instrumentation).
 * Sequential (one call in flight), interleaved in rounds so drift hits every variant alike.
 *
 * Targets (issue 19): warm p50 added ≤ 5 ms, cold p50 added ≤ 60 ms.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";

const root = new URL("../", import.meta.url).pathname;
const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 5 : 15;
const PER_ROUND = { inproc: 40, warm: 40, "cold-isolate": 8, cold: 8 };
const esbuild = `${root}node_modules/.bin/esbuild`;

const scratch = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const work = mkdtempSync(`${scratch}/skill-bench-`);
execFileSync(
  esbuild,
  [
    `${root}bench/skill-runtime.worker.ts`,
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

const mf = new Miniflare({
  ...convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    modules: [{ type: "ESModule", path: `${work}/worker.js` }],
    modulesRoot: work,
    compatibilityDate: "2026-11-01",
    compatibilityFlags: ["nodejs_compat"],
    workerLoaders: { LOADER: {} },
  }),
});

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round3 = (x) => +x.toFixed(3);

try {
  const base = (await mf.ready).toString().replace(/\/$/, "");
  const expected = JSON.stringify(await (await fetch(`${base}/__bench/inproc`)).json());
  const run = async (name) => {
    const res = await fetch(`${base}/__bench/${name}`);
    const body = await res.text();
    if (res.status !== 200 || JSON.stringify(JSON.parse(body)) !== expected) throw new Error(`${name}: ${res.status} ${body}`);
  };
  for (const name of Object.keys(PER_ROUND)) for (let i = 0; i < 20; i++) await run(name);

  const samples = Object.fromEntries(Object.keys(PER_ROUND).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = Object.keys(samples);
    for (let r = 0; r < round % order.length; r++) order.push(order.shift());
    for (const name of order) {
      for (let i = 0; i < PER_ROUND[name]; i++) {
        const t = performance.now();
        await run(name);
        samples[name].push(performance.now() - t);
      }
    }
    process.stdout.write(`round ${round + 1}/${ROUNDS}\r`);
  }
  process.stdout.write("\n");
  const stats = Object.fromEntries(
    Object.entries(samples).map(([k, xs]) => [
      k,
      { calls: xs.length, p50Ms: round3(percentile(xs, 50)), p90Ms: round3(percentile(xs, 90)), p99Ms: round3(percentile(xs, 99)) },
    ]),
  );
  const added = (k) => ({ p50Ms: round3(stats[k].p50Ms - stats.inproc.p50Ms), p99Ms: round3(stats[k].p99Ms - stats.inproc.p99Ms) });
  const overhead = { warm: added("warm"), "cold-isolate": added("cold-isolate"), cold: added("cold") };
  const targets = { warmP50AddedMs: 5, coldP50AddedMs: 60 };
  const result = {
    bench: "skill-runtime",
    at: new Date().toISOString(),
    runtime: "Miniflare (workerd) with a Worker Loader binding; local, no platform limits",
    mode: quick ? "quick" : "full",
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
    config: { rounds: ROUNDS, perRound: PER_ROUND },
    latency: stats,
    overhead,
    targets,
    meetsTargets: { warmP50: overhead.warm.p50Ms <= targets.warmP50AddedMs, coldP50: overhead.cold.p50Ms <= targets.coldP50AddedMs },
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  const out = `${root}bench/results/skill-runtime-${result.at.replace(/[:.]/g, "-")}.json`;
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.table(stats);
  console.table(overhead);
  console.log(
    `meets targets: ${JSON.stringify(result.meetsTargets)}; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  console.log(`written ${out}`);
} finally {
  await mf.dispose();
  rmSync(work, { recursive: true, force: true });
}
