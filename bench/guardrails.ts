/**
 * `npm run bench:guardrails`: engine time per check (scan + decision) over every command of the
 * evaluation set, in Node (V8, the engine workerd runs; workerd's clock does not advance while a
 * Worker computes, so µs timings are only possible outside it). Reports p50/p90/p99 of per-call
 * times, the batch mean, and the slowest commands. Target: p50 ≤ 50 µs (docs/governance.md).
 * Writes bench/results/guardrails-bench-<time>.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkGuardrails, DEFAULT_GUARDRAIL_POLICY } from "../workers/shared/guardrails/index";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const file = resolve(
  process.argv.slice(2).find((a) => !a.startsWith("--")) ?? join(root, "../../shared/eval/guardrails/commands.dev.jsonl"),
);
const commands = readFileSync(file, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { command: string }).command);
const http = [
  { kind: "http", method: "GET", url: "https://api.github.com/repos/acme/app/pulls?state=open" },
  {
    kind: "http",
    method: "POST",
    url: "https://api.stripe.com/v1/payouts",
    body: "amount=1000&currency=eur",
    contentType: "application/x-www-form-urlencoded",
  },
  {
    kind: "http",
    method: "POST",
    url: "https://ci.example.com/run",
    body: JSON.stringify({ command: "sudo rm -rf /", note: "x".repeat(500) }),
    contentType: "application/json",
  },
] as const;
const subjects = [...commands.map((command) => ({ kind: "command", command }) as const), ...http];

const rounds = 40;
for (let r = 0; r < 10; r++) for (const s of subjects) checkGuardrails(s, DEFAULT_GUARDRAIL_POLICY, 2);
const samples: number[] = [];
const perSubject = new Float64Array(subjects.length);
for (let r = 0; r < rounds; r++) {
  subjects.forEach((s, i) => {
    const t = performance.now();
    checkGuardrails(s, DEFAULT_GUARDRAIL_POLICY, 2);
    const us = (performance.now() - t) * 1000;
    samples.push(us);
    perSubject[i]! += us / rounds;
  });
}
const t0 = performance.now();
for (let r = 0; r < rounds; r++) for (const s of subjects) checkGuardrails(s, DEFAULT_GUARDRAIL_POLICY, 2);
const batchMeanUs = ((performance.now() - t0) * 1000) / (rounds * subjects.length);
samples.sort((a, b) => a - b);
const pct = (p: number) => +samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!.toFixed(2);
const slowest = [...perSubject.keys()]
  .sort((a, b) => perSubject[b]! - perSubject[a]!)
  .slice(0, 5)
  .map((i) => ({ meanUs: +perSubject[i]!.toFixed(1), subject: JSON.stringify(subjects[i]).slice(0, 120) }));
const result = {
  file,
  subjects: subjects.length,
  calls: samples.length,
  p50Us: pct(50),
  p90Us: pct(90),
  p99Us: pct(99),
  maxUs: pct(100),
  batchMeanUs: +batchMeanUs.toFixed(2),
  loadavg: loadavg().map((x) => +x.toFixed(2)),
  node: process.version,
  at: new Date().toISOString(),
  slowest,
};
console.log(JSON.stringify(result, null, 2));
console.log(`p50 ${result.p50Us} µs (target ≤ 50) ${result.p50Us <= 50 ? "OK" : "MISSED"}`);
const outDir = join(root, "bench/results");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `guardrails-bench-${result.at.replace(/[:.]/g, "-")}.json`), `${JSON.stringify(result, null, 2)}\n`);
