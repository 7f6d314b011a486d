/**
 * A tenant's guardrail policy: `config.guardrails` of the tenant (versioned with the rest of its
 * config: PATCH /v1/tenants/{id}, diff and rollback through config versions), or the default.
 * The one place that turns a stored config into the policy the engine reads.
 */
import { eq } from "drizzle-orm";
import { createDb } from "../db/client";
import { tenants } from "../db/schema";
import type { TenantConfig } from "../schemas/tenant";
import { DEFAULT_GUARDRAIL_POLICY, GuardrailPolicySchema, type GuardrailPolicy } from "./policy";

export function guardrailPolicyOf(config: Pick<TenantConfig, "guardrails"> | null | undefined): GuardrailPolicy {
  if (!config?.guardrails) return DEFAULT_GUARDRAIL_POLICY;
  // Stored configs were validated on write; parse again so an older stored shape can never widen what is allowed.
  const parsed = GuardrailPolicySchema.safeParse(config.guardrails);
  return parsed.success ? parsed.data : DEFAULT_GUARDRAIL_POLICY;
}

export async function loadGuardrailPolicy(env: Pick<Env, "DB">, tenantId: string): Promise<GuardrailPolicy> {
  const row = await createDb(env.DB).select({ config: tenants.config }).from(tenants).where(eq(tenants.id, tenantId)).get();
  return guardrailPolicyOf(row?.config);
}
