/**
 * Plans and their limits: the one table the API, billing and the dashboard read.
 * `null` means unlimited. Retention figures are used by the audit ledger; `usage` and `priceCents`
 * by billing (docs/billing.md): what each plan includes of every usage kind, and what beyond
 * that costs. The Stripe prices of a real account must be created to match these figures
 * (docs/deploy.md, "Stripe"); their ids are configuration (`STRIPE_PRICES`), not code.
 */
import { z } from "zod";
import type { UsageKind } from "./billing/usage-kinds";

export const PLAN_IDS = ["free", "team", "business", "enterprise"] as const;
export const PlanIdSchema = z.enum(PLAN_IDS).meta({ id: "PlanId" });
export type PlanId = z.infer<typeof PlanIdSchema>;

export type PlanLimitName = "agents" | "teams" | "members";

/**
 * One usage kind on one plan, per calendar month (UTC). `included: null` = unlimited.
 * `overageCentsPer1000: null` = no overage: usage stops at `included` (a hard cap the plan sets,
 * e.g. the free plan); otherwise usage beyond `included` is billed at this price per 1,000 units.
 */
export interface UsageAllowance {
  included: number | null;
  overageCentsPer1000: number | null;
}

export interface Plan {
  name: string;
  limits: Record<PlanLimitName, number | null>;
  auditHotDays: number;
  auditColdDays: number;
  /** The monthly base price in cents (USD); null: by contract (enterprise). */
  priceCents: number | null;
  /** Whether a tenant can buy it through Checkout (enterprise is sold by contract). */
  selfServe: boolean;
  usage: Record<UsageKind, UsageAllowance>;
}

const UNLIMITED: UsageAllowance = { included: null, overageCentsPer1000: null };

export const PLANS: Record<PlanId, Plan> = {
  free: {
    name: "Free",
    limits: { agents: 5, teams: 2, members: 3 },
    auditHotDays: 30,
    auditColdDays: 90,
    priceCents: 0,
    selfServe: false,
    usage: {
      relay_messages: { included: 10_000, overageCentsPer1000: null },
      egress_calls: { included: 1_000, overageCentsPer1000: null },
      runs: { included: 100, overageCentsPer1000: null },
      active_agents: { included: 5, overageCentsPer1000: null },
      skill_invocations: { included: 1_000, overageCentsPer1000: null },
    },
  },
  team: {
    name: "Team",
    limits: { agents: 50, teams: 20, members: 25 },
    auditHotDays: 90,
    auditColdDays: 365,
    priceCents: 4_900,
    selfServe: true,
    usage: {
      relay_messages: { included: 1_000_000, overageCentsPer1000: 2 },
      egress_calls: { included: 50_000, overageCentsPer1000: 10 },
      runs: { included: 1_000, overageCentsPer1000: 1_000 },
      active_agents: { included: 50, overageCentsPer1000: 200_000 },
      skill_invocations: { included: 100_000, overageCentsPer1000: 20 },
    },
  },
  business: {
    name: "Business",
    limits: { agents: 500, teams: 200, members: 250 },
    auditHotDays: 90,
    auditColdDays: 365,
    priceCents: 49_900,
    selfServe: true,
    usage: {
      relay_messages: { included: 20_000_000, overageCentsPer1000: 1 },
      egress_calls: { included: 1_000_000, overageCentsPer1000: 8 },
      runs: { included: 20_000, overageCentsPer1000: 800 },
      active_agents: { included: 500, overageCentsPer1000: 150_000 },
      skill_invocations: { included: 2_000_000, overageCentsPer1000: 15 },
    },
  },
  enterprise: {
    name: "Enterprise",
    limits: { agents: null, teams: null, members: null },
    auditHotDays: 365,
    auditColdDays: 2555,
    priceCents: null,
    selfServe: false,
    usage: {
      relay_messages: UNLIMITED,
      egress_calls: UNLIMITED,
      runs: UNLIMITED,
      active_agents: UNLIMITED,
      skill_invocations: UNLIMITED,
    },
  },
};

/** Plans ordered from least to most: an upgrade goes right, a downgrade left. */
export const PLAN_RANK: Record<PlanId, number> = { free: 0, team: 1, business: 2, enterprise: 3 };

export function planLimit(plan: PlanId, limit: PlanLimitName): number | null {
  return PLANS[plan].limits[limit];
}
