/**
 * Usage metering and budgets: the small API every producer of usage calls (docs/billing.md,
 * "Metering"). Each call is one RPC to the tenant's UsageMeter Durable Object, which counts in its
 * own SQLite, decides budgets, and flushes to D1 in batches (never a D1 write per unit).
 *
 * Exactly once, whatever the producer's retries, with one of three record shapes — each fits a
 * real producer:
 * - `{ quantity, idempotencyKey }`: a one-off amount, applied once per key (keys kept 40 days).
 *   The API's "agent active this month" is `{ quantity: 1, idempotencyKey: "active:<agent>:<month>" }`.
 * - `{ source, seq, quantity? }`: one item of an ordered stream, applied only if `seq` is above the
 *   last seq seen from `source` (send a stream's items in seq order). The relay's accepted messages:
 *   source `relay:<teamId>`, seq = the message's seq — a re-flush after an eviction counts nothing twice.
 * - `{ counter, total }`: "this running total now stands at `total`"; the meter adds the growth since
 *   the last total it saw for `counter` (smaller or equal totals add nothing). The egress gate's daily
 *   totals: counter `egress:<agentId>:<day>`.
 *
 * `at` (ms, default now) decides the month the usage belongs to.
 */
import type { BudgetCheck } from "./budget-decision";
import type { UsageKind } from "./usage-kinds";

type Common = { kind: UsageKind; agentId?: string | null; at?: number };
export type UsageRecord = Common &
  ({ quantity: number; idempotencyKey: string } | { source: string; seq: number; quantity?: number } | { counter: string; total: number });
export type UsageInput = UsageRecord & { tenantId: string };

export interface RecordOptions {
  /** Refuse (apply nothing of) a record that would take a hard cap past its limit: for callers that can still say no (the API). Default false: usage that already happened is always counted. */
  enforce?: boolean;
}

export interface RecordResult {
  /** Units added (0 for duplicates). */
  applied: number;
  /** Records refused by `enforce`, with the check that refused them. */
  refused: BudgetCheck[];
  /** The budget state after this call of every (agent, kind) it touched: a hot path caches these instead of calling checkBudget per unit. */
  decisions: BudgetCheck[];
}

type MeterEnv = { USAGE_METER: DurableObjectNamespace<import("../../../durable-objects/usage-meter").UsageMeter> };

export function usageMeterFor(env: MeterEnv, tenantId: string) {
  return env.USAGE_METER.get(env.USAGE_METER.idFromName(tenantId));
}

/** Records usage (one RPC per tenant named in `input`). */
export async function recordUsage(env: MeterEnv, input: UsageInput | UsageInput[], options: RecordOptions = {}): Promise<RecordResult> {
  const all = Array.isArray(input) ? input : [input];
  const byTenant = new Map<string, UsageRecord[]>();
  for (const { tenantId, ...record } of all) byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), record as UsageRecord]);
  const results = await Promise.all(
    [...byTenant].map(([tenantId, records]) => usageMeterFor(env, tenantId).record(tenantId, records, options)),
  );
  return {
    applied: results.reduce((n, r) => n + r.applied, 0),
    refused: results.flatMap((r) => r.refused),
    decisions: results.flatMap((r) => r.decisions),
  };
}

/** Whether `agentId` (or the tenant, with null) may use one more unit of `kind` this month. */
export async function checkBudget(
  env: MeterEnv,
  target: { tenantId: string; agentId: string | null; kind: UsageKind },
): Promise<BudgetCheck> {
  return usageMeterFor(env, target.tenantId).check(target.tenantId, { agentId: target.agentId, kind: target.kind });
}

/** After budgets or the plan change: the meter re-reads them from D1 at once (otherwise within a minute). */
export async function reloadUsageMeter(env: MeterEnv, tenantId: string): Promise<void> {
  await usageMeterFor(env, tenantId).reload(tenantId);
}

/**
 * The refusal, in the project's error shape: HTTP answers 402 with it; the relay sends it as an
 * error frame `{ "type": "error", "code": "budget_exceeded", "message", "details" }` (docs/protocol.md).
 */
export function budgetExceeded(check: BudgetCheck): { code: "budget_exceeded"; message: string; details: Record<string, unknown> } {
  const hard = check.limits.filter((l) => l.state === "hard_exceeded");
  const first = hard[0];
  const what = first
    ? first.source === "plan"
      ? `the plan's monthly allowance of ${check.kind}`
      : `the ${first.scope === "agent" ? "agent's" : "tenant's"} ${first.metric === "spend" ? "spend" : check.kind} budget`
    : "a budget";
  return {
    code: "budget_exceeded",
    message: `${what[0]!.toUpperCase()}${what.slice(1)} is used up for this month (${first?.used ?? "?"} of ${first?.hard ?? "?"}${first?.metric === "spend" ? " cents" : ""}). Raise the budget or upgrade the plan.`,
    details: { kind: check.kind, agentId: check.agentId, limits: hard },
  };
}
