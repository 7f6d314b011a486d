/**
 * Plans and their limits: the one table the API (and later billing) reads.
 * `null` means unlimited. Retention figures are used by the audit ledger.
 */
import { z } from "zod";

export const PLAN_IDS = ["free", "team", "business", "enterprise"] as const;
export const PlanIdSchema = z.enum(PLAN_IDS).meta({ id: "PlanId" });
export type PlanId = z.infer<typeof PlanIdSchema>;

export type PlanLimitName = "agents" | "teams" | "members";

export interface Plan {
  name: string;
  limits: Record<PlanLimitName, number | null>;
  auditHotDays: number;
  auditColdDays: number;
}

export const PLANS: Record<PlanId, Plan> = {
  free: { name: "Free", limits: { agents: 5, teams: 2, members: 3 }, auditHotDays: 30, auditColdDays: 90 },
  team: { name: "Team", limits: { agents: 50, teams: 20, members: 25 }, auditHotDays: 90, auditColdDays: 365 },
  business: { name: "Business", limits: { agents: 500, teams: 200, members: 250 }, auditHotDays: 90, auditColdDays: 365 },
  enterprise: { name: "Enterprise", limits: { agents: null, teams: null, members: null }, auditHotDays: 365, auditColdDays: 2555 },
};

export function planLimit(plan: PlanId, limit: PlanLimitName): number | null {
  return PLANS[plan].limits[limit];
}
