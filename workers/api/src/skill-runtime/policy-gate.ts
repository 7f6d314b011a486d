/**
 * Cedar at a skill's tool call (HTTP and MCP alike, docs/governance.md "Policies as code (Cedar)"):
 * for a tenant that turned Cedar on, the tenant's set must allow `skill.invoke` on the skill, or
 * the call is refused (403 `policy_denied`) and audited as a denied `skill.invoked`. A tenant
 * without Cedar pays one primary-key read and no policy Worker call.
 */
import { eq } from "drizzle-orm";
import type { StagedAuditEvent } from "../../../shared/audit/emit";
import { newId } from "../../../shared/crypto/ids";
import type { Database } from "../../../shared/db/client";
import { agents } from "../../../shared/db/schema";
import { skillPolicyRequest } from "../../../shared/policy/request";
import { agentTeamsQuery, askPolicy, denialDetail, loadActivePolicy, policyBinding } from "../../../shared/policy/tenant-policy";
import { ApiError } from "../http/api-error";

export interface ToolCall {
  tenantId: string;
  agentId: string;
  skill: string;
  skillId: string;
  version: string;
  tool: string;
  via: "http" | "mcp";
  runId: string | null;
}

export async function assertPolicyAllowsTool(env: Env, db: Database, call: ToolCall): Promise<void> {
  const policy = await loadActivePolicy(db, call.tenantId);
  if (!policy) return;
  const [agentRow, teamRows] = await db.batch([
    db.select({ trustLevel: agents.trustLevel }).from(agents).where(eq(agents.id, call.agentId)),
    agentTeamsQuery(db, call.agentId),
  ]);
  const principal = { agentId: call.agentId, trustLevel: agentRow[0]?.trustLevel ?? 0, teams: teamRows.map((t) => t.teamId) };
  const decision = await askPolicy(
    policyBinding(env),
    call.tenantId,
    policy,
    skillPolicyRequest(principal, call.skill, call.tool, call.version, call.via),
  );
  if (decision.decision === "allow") return;
  const detail = denialDetail(decision, policy.version);
  const at = Date.now();
  const event: StagedAuditEvent = {
    id: newId("audit", at),
    at,
    tenantId: call.tenantId,
    actor: { type: "agent", id: call.agentId, name: null },
    action: "skill.invoked",
    target: { type: "skill", id: call.skillId },
    severity: "warning",
    outcome: "denied",
    ip: null,
    userAgent: null,
    details: {
      skill: call.skill,
      version: call.version,
      tool: call.tool,
      run: call.runId,
      via: call.via,
      error: "policy_denied",
      policyVersion: policy.version,
      policies: decision.reasons,
      detail,
    },
  };
  await env.EGRESS_GATE.get(env.EGRESS_GATE.idFromName(call.agentId)).stageEvent(event);
  throw new ApiError("policy_denied", `The tenant's Cedar policy refuses ${call.skill}.${call.tool}: ${detail}.`, {
    policyVersion: policy.version,
    policies: decision.reasons,
  });
}
