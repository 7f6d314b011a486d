/**
 * A tenant's Cedar state as the enforcement points need it, and the one way they ask the policy
 * Worker. A tenant that has not turned Cedar on costs one primary-key read here and no call to the
 * policy Worker at all.
 *
 * Failure: an opted-in tenant whose decision cannot be had (the binding is missing, the call
 * throws, the stored set no longer parses) is DENIED — a gate that fails open is not a gate.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { policyVersions, teamAgents, tenantPolicySettings } from "../db/schema";
import type { PolicyService } from "../../policy/src/index";
import type { PolicyDecision, PolicyPrincipal, PolicyRequest } from "./request";

/** The enforced set: the newest version, when the tenant turned Cedar on. */
export interface ActivePolicy {
  version: number;
  text: string;
}

/** The query (batchable: the EgressGate loads it with the rest of its state). */
export function activePolicyQuery(db: Database, tenantId: string) {
  return db
    .select({ version: policyVersions.version, text: policyVersions.text })
    .from(tenantPolicySettings)
    .innerJoin(policyVersions, eq(policyVersions.tenantId, tenantPolicySettings.tenantId))
    .where(and(eq(tenantPolicySettings.tenantId, tenantId), eq(tenantPolicySettings.cedarEnabled, true)))
    .orderBy(desc(policyVersions.version))
    .limit(1);
}

export async function loadActivePolicy(db: Database, tenantId: string): Promise<ActivePolicy | null> {
  return (await activePolicyQuery(db, tenantId))[0] ?? null;
}

export function agentTeamsQuery(db: Database, agentId: string) {
  return db.select({ teamId: teamAgents.teamId }).from(teamAgents).where(eq(teamAgents.agentId, agentId));
}

export type PolicyBinding = Service<PolicyService>;

/** The POLICY binding, typed by the entrypoint's class (`wrangler types` only knows it as a plain Service). */
export function policyBinding(env: { POLICY?: unknown }): PolicyBinding | undefined {
  return env.POLICY as PolicyBinding | undefined;
}

/** One decision against the tenant's active set; the text crosses the binding only when the policy isolate asks for it. */
export async function askPolicy(
  binding: PolicyBinding | undefined,
  tenantId: string,
  policy: ActivePolicy,
  request: PolicyRequest,
): Promise<PolicyDecision> {
  if (!binding) return { decision: "deny", reasons: [], errors: ["the policy service is not bound (POLICY)"] };
  try {
    let answer = await binding.authorize(tenantId, { version: policy.version }, request);
    if (answer.decision === "unknown_policy") answer = await binding.authorize(tenantId, policy, request);
    if (answer.decision === "allow" || answer.decision === "deny") return answer;
    if (answer.decision === "invalid_policy")
      return { decision: "deny", reasons: [], errors: answer.errors.map((e) => `policy version ${policy.version}: ${e.message}`) };
    return { decision: "deny", reasons: [], errors: ["the policy service did not load the policy set"] };
  } catch (err) {
    return { decision: "deny", reasons: [], errors: [`the policy service failed: ${String(err)}`] };
  }
}

/** One sentence for a denial (audit detail, error message): which policies forbade, or why no decision was had. */
export function denialDetail(decision: PolicyDecision, version: number): string {
  if (decision.errors.length > 0 && decision.reasons.length === 0) return `Cedar policy v${version}: ${decision.errors[0]}`;
  return decision.reasons.length > 0
    ? `forbidden by Cedar policy v${version} (${decision.reasons.join(", ")})`
    : `no Cedar policy in v${version} permits it`;
}

export type { PolicyPrincipal };
