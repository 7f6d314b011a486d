/**
 * Approvals from the API's side (docs/governance.md#approvals): the tenant's ApprovalDesk, and the
 * one function other capabilities call to end waiting approvals — safe mode and the kill switch
 * call `expirePendingApprovals` so nothing approved later slips through a frozen tenant or team.
 */
import type { ApprovalDesk } from "../../../../durable-objects/approval-desk";
import type { AuditActor } from "../../../shared/audit/emit";

export function deskOf(env: Pick<Env, "APPROVAL_DESK">, tenantId: string): DurableObjectStub<ApprovalDesk> {
  return env.APPROVAL_DESK.get(env.APPROVAL_DESK.idFromName(tenantId));
}

/**
 * Expires every pending approval of the tenant (or of one team) — and every approved egress call
 * not yet used — with `reason`. Each is audited (`approval.expired`, actor = `actor` or the system);
 * agents are told as they would be on a timeout (relay: a `denied` frame naming the approval; egress:
 * `approval_expired` on the retry). Returns how many were ended. Idempotent.
 */
export async function expirePendingApprovals(
  env: Pick<Env, "APPROVAL_DESK">,
  tenantId: string,
  options: { teamId?: string; reason: string; actor?: AuditActor },
): Promise<number> {
  return deskOf(env, tenantId).expireAll(options);
}
