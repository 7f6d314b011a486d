/** A stored approval (times in ms) as the API and the live feed show it (RFC 3339 times). */
import type { Approval } from "../schemas/approvals";
import { toIso } from "../schemas/common";
import type { ApprovalRecord } from "./transitions";

export function toApproval(a: ApprovalRecord): Approval {
  return {
    id: a.id,
    tenantId: a.tenantId,
    kind: a.kind,
    agentId: a.agentId,
    teamId: a.teamId,
    summary: a.summary,
    subject: a.subject,
    trigger: a.trigger,
    status: a.status,
    decidedBy: a.decidedBy,
    reason: a.reason,
    createdAt: toIso(a.createdAt),
    expiresAt: toIso(a.expiresAt),
    decidedAt: toIso(a.decidedAt),
    executedAt: toIso(a.executedAt),
  };
}
