/**
 * An agent's reputation as a callee (docs/runs.md, "Reputation"): what the `agent_reputation` row
 * holds, turned into the figures the API shows. Pure. The formula, in one place:
 *
 *   reliability = (succeeded + 1) / (ended + 2)          ended = succeeded + failed + timed_out + budget_exceeded
 *                                                          (Laplace smoothing: a new agent starts at 0.5, not 0 or 1)
 *   latency     = 1                                    when p95 ≤ 1 s
 *               = 1 − 0.5 · log10(p95 / 1 s) / log10(60)  between 1 s and 60 s (0.5 at 60 s)
 *               = 0.5                                  above
 *   score       = round(100 · reliability · latency)   0–100
 *
 * Denied runs are counted but do not lower the score: the allowlist refused them before the callee
 * saw them. p50/p95 are over the last 100 ended runs (a ring written by the statement that ends a run).
 */
import { z } from "zod";

export const REPUTATION_WINDOW = 100;

export const ReputationSchema = z
  .object({
    score: z.number().int().min(0).max(100),
    reliability: z.number().min(0).max(1),
    runs: z.object({
      succeeded: z.number().int(),
      failed: z.number().int(),
      timedOut: z.number().int(),
      budgetExceeded: z.number().int(),
      denied: z.number().int(),
    }),
    latency: z.object({
      p50Ms: z.number().int().nullable(),
      p95Ms: z.number().int().nullable(),
      window: z.number().int().describe("How many of the latest ended runs p50/p95 are over (at most 100)."),
    }),
  })
  .meta({ id: "AgentReputation", description: 'The agent\'s record as a callee of runs (docs/runs.md, "Reputation").' });
export type Reputation = z.infer<typeof ReputationSchema>;

export interface ReputationCounts {
  succeeded: number;
  failed: number;
  timedOut: number;
  budgetExceeded: number;
  denied: number;
  durations: number[];
}

/** Nearest-rank percentile (p in 0–1) of unsorted values; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function latencyFactor(p95Ms: number | null): number {
  if (p95Ms === null || p95Ms <= 1000) return 1;
  const t = Math.min(1, Math.log10(p95Ms / 1000) / Math.log10(60));
  return 1 - 0.5 * t;
}

export function reputationOf(c: ReputationCounts | null): Reputation {
  const r = c ?? { succeeded: 0, failed: 0, timedOut: 0, budgetExceeded: 0, denied: 0, durations: [] };
  const ended = r.succeeded + r.failed + r.timedOut + r.budgetExceeded;
  const reliability = (r.succeeded + 1) / (ended + 2);
  const p50 = percentile(r.durations, 0.5);
  const p95 = percentile(r.durations, 0.95);
  return {
    score: Math.round(100 * reliability * latencyFactor(p95)),
    reliability: Math.round(reliability * 1000) / 1000,
    runs: { succeeded: r.succeeded, failed: r.failed, timedOut: r.timedOut, budgetExceeded: r.budgetExceeded, denied: r.denied },
    latency: { p50Ms: p50, p95Ms: p95, window: r.durations.length },
  };
}
