/**
 * Whether usage may go on: the one pure decision behind `checkBudget` (the UsageMeter object
 * calls it with its counters; the dashboard shows its output). Browser-safe, no I/O.
 *
 * The limits that apply to "agent A uses one more unit of kind K":
 * - the plan's allowance of K when the plan has no overage price (a hard cap set by the plan);
 * - the tenant's budgets on K and on spend (cents), and agent A's budgets on K and on spend.
 * A unit budget counts units of K this month; a spend budget counts cents: for the tenant, the
 * overage charges so far (usage beyond the plan's allowance, at the plan's overage price — what
 * the invoice will show); for an agent, all its usage at the overage price (allowances belong to
 * the tenant). Spend budgets apply to K only when K has an overage price on the plan.
 *
 * A limit is `hard_exceeded` when the next unit (or `adding` units) would take it past its hard
 * cap — at the cap, the next unit is refused — and `soft_exceeded` once usage reaches the soft cap.
 * The decision is the worst state of all the limits.
 */
import { PLANS, type PlanId } from "../plans";
import type { BudgetMetric } from "../schemas/billing";
import type { UsageKind } from "./usage-kinds";
import { USAGE_KIND_IDS } from "./usage-kinds";

export type BudgetState = "ok" | "soft_exceeded" | "hard_exceeded";

export interface BudgetRule {
  id: string;
  agentId: string | null;
  metric: BudgetMetric;
  softLimit: number | null;
  hardLimit: number | null;
}

export interface LimitState {
  source: "plan" | "budget";
  budgetId: string | null;
  scope: "tenant" | "agent";
  metric: BudgetMetric;
  /** Units, or cents for `spend` (fractional cents are kept: a message can cost less than one). */
  used: number;
  soft: number | null;
  hard: number | null;
  state: BudgetState;
}

export interface BudgetCheck {
  decision: BudgetState;
  kind: UsageKind;
  agentId: string | null;
  limits: LimitState[];
}

/** Usage this period: `agentId` null = the tenant's total. */
export type UsageLookup = (agentId: string | null, kind: UsageKind) => number;

const RANK: Record<BudgetState, number> = { ok: 0, soft_exceeded: 1, hard_exceeded: 2 };
export const worst = (states: BudgetState[]): BudgetState => states.reduce<BudgetState>((a, b) => (RANK[b] > RANK[a] ? b : a), "ok");

/** Cents of spend for a scope, with `extra` units of `extraKind` added. */
export function spendCents(plan: PlanId, usage: UsageLookup, agentId: string | null, extra?: { kind: UsageKind; units: number }): number {
  let cents = 0;
  for (const kind of USAGE_KIND_IDS) {
    const allowance = PLANS[plan].usage[kind];
    if (allowance.overageCentsPer1000 === null) continue;
    const used = usage(agentId, kind) + (extra && extra.kind === kind ? extra.units : 0);
    const billable = agentId === null ? Math.max(0, used - (allowance.included ?? Infinity)) : used;
    cents += (billable * allowance.overageCentsPer1000) / 1000;
  }
  return cents;
}

export function decideBudget(
  input: { plan: PlanId; budgets: BudgetRule[]; usage: UsageLookup },
  target: { agentId: string | null; kind: UsageKind; adding?: number },
): BudgetCheck {
  const { plan, budgets, usage } = input;
  const next = Math.max(1, target.adding ?? 0);
  const allowance = PLANS[plan].usage[target.kind];
  const priced = allowance.overageCentsPer1000 !== null;
  const limits: LimitState[] = [];

  const measure = (scopeAgent: string | null, metric: BudgetMetric): { now: number; after: number } =>
    metric === "spend"
      ? { now: spendCents(plan, usage, scopeAgent), after: spendCents(plan, usage, scopeAgent, { kind: target.kind, units: next }) }
      : { now: usage(scopeAgent, metric), after: usage(scopeAgent, metric) + next };

  const limit = (
    source: LimitState["source"],
    budgetId: string | null,
    scopeAgent: string | null,
    metric: BudgetMetric,
    soft: number | null,
    hard: number | null,
  ) => {
    const { now, after } = measure(scopeAgent, metric);
    const state: BudgetState = hard !== null && after > hard ? "hard_exceeded" : soft !== null && now >= soft ? "soft_exceeded" : "ok";
    limits.push({ source, budgetId, scope: scopeAgent === null ? "tenant" : "agent", metric, used: now, soft, hard, state });
  };

  if (allowance.included !== null && !priced) limit("plan", null, null, target.kind, null, allowance.included);
  for (const budget of budgets) {
    if (budget.metric !== target.kind && !(budget.metric === "spend" && priced)) continue;
    if (budget.agentId !== null && budget.agentId !== target.agentId) continue;
    limit("budget", budget.id, budget.agentId, budget.metric, budget.softLimit, budget.hardLimit);
  }
  return { decision: worst(limits.map((l) => l.state)), kind: target.kind, agentId: target.agentId, limits };
}
