/**
 * `npm run eval [-- file.jsonl]`: the guardrail engine over an evaluation set (one JSON object a
 * line: `{ command, expected: "deny" | "allow", category, pack? }`; default
 * ../shared/eval/guardrails/commands.dev.jsonl). A case counts as DENIED when the engine's decision
 * under the default tenant policy (trust level unknown) is `block` or `require_approval`, i.e. the
 * command would not run unattended; `log` findings (medium severity) count as allowed.
 * Block rate = denied ÷ deny cases; false-positive rate = denied ÷ allow cases; per category and
 * overall. Writes bench/results/guardrails-eval-<time>.json and prints a table and the misses.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkGuardrails, DEFAULT_GUARDRAIL_POLICY } from "../workers/shared/guardrails/index";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const quiet = args.includes("--quiet");
const file = resolve(args.find((a) => !a.startsWith("--")) ?? join(root, "../../shared/eval/guardrails/commands.dev.jsonl"));

interface Case {
  command: string;
  expected: "deny" | "allow";
  category: string;
  pack?: string | null;
}
const cases: Case[] = readFileSync(file, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l, i) => {
    const c = JSON.parse(l) as Case;
    if (typeof c.command !== "string" || (c.expected !== "deny" && c.expected !== "allow"))
      throw new Error(`${file}:${i + 1}: needs "command" and "expected": "deny" | "allow"`);
    return c;
  });

type Tally = { deny: number; denied: number; allow: number; falsePositives: number };
const per = new Map<string, Tally>();
const total: Tally = { deny: 0, denied: 0, allow: 0, falsePositives: 0 };
const misses: Array<{ expected: string; category: string; command: string; rules: string[] }> = [];
for (const c of cases) {
  const d = checkGuardrails({ kind: "command", command: c.command }, DEFAULT_GUARDRAIL_POLICY, null);
  const denied = d.action === "block" || d.action === "require_approval";
  const t = per.get(c.category) ?? { deny: 0, denied: 0, allow: 0, falsePositives: 0 };
  per.set(c.category, t);
  for (const x of [t, total]) {
    if (c.expected === "deny") {
      x.deny++;
      if (denied) x.denied++;
    } else {
      x.allow++;
      if (denied) x.falsePositives++;
    }
  }
  if (denied !== (c.expected === "deny"))
    misses.push({
      expected: c.expected,
      category: c.category,
      command: c.command,
      rules: d.findings.map((f) => `${f.ruleId}:${f.action}`),
    });
}

const pct = (n: number, d: number) => (d === 0 ? null : +((100 * n) / d).toFixed(2));
const summarise = (t: Tally) => ({ ...t, blockRatePct: pct(t.denied, t.deny), falsePositiveRatePct: pct(t.falsePositives, t.allow) });
const categories = Object.fromEntries([...per].sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => [k, summarise(t)]));
const report = { file, cases: cases.length, at: new Date().toISOString(), overall: summarise(total), categories, misses };

const rows = [["category", "deny", "blocked", "block %", "allow", "FP", "FP %"]];
for (const [k, s] of [...Object.entries(categories), ["ALL", summarise(total)] as const])
  rows.push([
    k,
    String(s.deny),
    String(s.denied),
    String(s.blockRatePct ?? "–"),
    String(s.allow),
    String(s.falsePositives),
    String(s.falsePositiveRatePct ?? "–"),
  ]);
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
if (!quiet)
  for (const m of misses) console.log(`${m.expected === "deny" ? "MISSED" : "FALSE+"} [${m.category}] ${m.command}  ${m.rules.join(" ")}`);

const outDir = join(root, "bench/results");
mkdirSync(outDir, { recursive: true });
const out = join(outDir, `guardrails-eval-${basename(file, ".jsonl")}-${report.at.replace(/[:.]/g, "-")}.json`);
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${out}`);
