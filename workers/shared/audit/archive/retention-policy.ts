/**
 * How long a chain's events stay hot (D1) and cold (R2). Tenants get their plan's figures
 * (workers/shared/plans.ts); the platform chain, which belongs to no tenant, gets its own.
 * Both windows count from the events' day: with 90/365, an event leaves D1 after 90 days (once
 * archived) and its archive leaves R2 after 365 days.
 */
import { eq } from "drizzle-orm";
import { createDb } from "../../db/client";
import { tenants } from "../../db/schema";
import { PLANS, type PlanId } from "../../plans";
import { PLATFORM_CHAIN_ID } from "../chain";

export interface RetentionPolicy {
  /** The tenant the chain belongs to; null for the platform chain. */
  tenantId: string | null;
  hotDays: number;
  coldDays: number;
}

/** The platform chain (tenant-less events: failed logins for unknown emails, key rotations…). */
export const PLATFORM_RETENTION = { hotDays: 90, coldDays: 365 } as const;
/** A chain whose tenant row is gone entirely (tenants are soft-deleted, so this is unexpected). */
const FALLBACK_PLAN: PlanId = "free";

export async function retentionPolicyOf(env: Pick<Env, "DB">, chainId: string): Promise<RetentionPolicy> {
  if (chainId === PLATFORM_CHAIN_ID) return { tenantId: null, ...PLATFORM_RETENTION };
  const tenant = await createDb(env.DB).select({ plan: tenants.plan }).from(tenants).where(eq(tenants.id, chainId)).get();
  const plan = PLANS[tenant?.plan ?? FALLBACK_PLAN] ?? PLANS[FALLBACK_PLAN];
  return { tenantId: chainId, hotDays: plan.auditHotDays, coldDays: plan.auditColdDays };
}
