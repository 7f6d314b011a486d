/**
 * A run's audit events, recorded in BOTH agents' trails (docs/runs.md, "Audit"): each event is two
 * entries appended as one block — one whose actor is the caller, one whose actor is the callee —
 * both with target `{ type: "run", id }` and `details.runId`, so each agent's own trail
 * (`GET /v1/agent/audit`, actor = itself) shows the run and the two link by the same run id.
 */
import { emitAuditBatch } from "../../../../shared/audit/emit";
import { newId } from "../../../../shared/crypto/ids";
import type { RunRow } from "../../../../shared/db/schema";

export type RunAuditAction = "run.started" | "run.finished" | "run.budget_exceeded";

export async function emitRunEvent(env: Env, run: RunRow, action: RunAuditAction, details: Record<string, unknown>): Promise<void> {
  const at = Date.now();
  const failed = action === "run.budget_exceeded" || (action === "run.finished" && run.status !== "succeeded");
  const entry = (role: "caller" | "callee") => ({
    id: newId("audit", at),
    at,
    tenantId: run.tenantId,
    actor: { type: "agent" as const, id: role === "caller" ? run.callerAgentId : run.calleeAgentId, name: null },
    action,
    target: { type: "run", id: run.id },
    details: {
      runId: run.id,
      role,
      teamId: run.teamId,
      caller: run.callerAgentId,
      callee: run.calleeAgentId,
      ...(run.parentRunId ? { parentRunId: run.parentRunId } : {}),
      ...details,
    },
    outcome: failed ? ("failure" as const) : ("success" as const),
    severity: action === "run.budget_exceeded" ? ("warning" as const) : ("info" as const),
    ip: null,
    userAgent: null,
  });
  await emitAuditBatch(env, [entry("caller"), entry("callee")]);
}
