/**
 * The egress side of approvals (docs/governance.md#approvals, docs/egress.md#approvals): a call the
 * trust level or the guardrails say needs a person opens an approval in the tenant's ApprovalDesk
 * and is refused with `approval_pending` (its id and where to poll it); the agent retries the same
 * call with `X-Switchboard-Approval: <id>` once a person approved, and the desk lets exactly that
 * call (method, URL, body digest, agent) through once.
 */
import { fingerprintOf } from "../../workers/shared/approvals/transitions";
import { redactUrl, subjectOf } from "../../workers/shared/approvals/subject";
import { newId } from "../../workers/shared/crypto/ids";
import type { UseRefusal } from "../../workers/shared/approvals/transitions";
import type { Approval, ApprovalTrigger } from "../../workers/shared/schemas/approvals";
import type { DenyReason } from "../../workers/shared/egress/reasons";
import { log } from "../../workers/shared/observability/log";
import type { DecideAnswer, UseAnswer } from "../approval-desk";

/** What a refused call is told about its approval (`details` of the error). */
export interface ApprovalRef {
  approvalId: string;
  status: Approval["status"] | "unknown";
  statusUrl: string;
  expiresAt: string | null;
  /** Why a person denied it, or why it expired. */
  decisionReason: string | null;
  trigger?: ApprovalTrigger;
}

type Desk = {
  request(input: unknown): Promise<{ approval: Approval; created: boolean }>;
  use(id: string, who: { agentId: string; fingerprint: string; callId: string }): Promise<UseAnswer>;
  decide(...args: unknown[]): Promise<DecideAnswer>;
};

/** The tenant's desk, typed by the methods used here (the runtime's stub typing loses `unknown` fields). */
export function approvalDesk(env: Pick<Env, "APPROVAL_DESK">, tenantId: string): Desk {
  return env.APPROVAL_DESK.get(env.APPROVAL_DESK.idFromName(tenantId)) as unknown as Desk;
}

export const agentStatusUrl = (id: string) => `/v1/agent/approvals/${id}`;

function ref(id: string, approval: Approval | null): ApprovalRef {
  return {
    approvalId: id,
    status: approval?.status ?? "unknown",
    statusUrl: agentStatusUrl(id),
    expiresAt: approval?.expiresAt ?? null,
    decisionReason: approval?.reason ?? null,
  };
}

type Denial = { ok: false; reason: DenyReason; detail: string; approval?: ApprovalRef };

export function approvalDenial(code: UseRefusal, id: string, approval: Approval | null): Denial {
  switch (code) {
    case "approval_pending":
      return { ok: false, reason: "approval_pending", detail: "no one has decided yet", approval: ref(id, approval) };
    case "approval_denied":
      return { ok: false, reason: "approval_denied", detail: approval?.reason ?? "denied", approval: ref(id, approval) };
    case "approval_expired":
      return { ok: false, reason: "approval_expired", detail: approval?.reason ?? "expired", approval: ref(id, approval) };
    case "approval_not_usable":
      return {
        ok: false,
        reason: "approval_not_usable",
        detail:
          approval?.status === "executed" ? "the approval was already used" : "the approval was given for a different method, URL or body",
        approval: ref(id, approval),
      };
    case "not_found":
      // Unknown, or another agent's: the same answer, so an id cannot be probed.
      return { ok: false, reason: "approval_not_usable", detail: "no such approval for this agent", approval: ref(id, null) };
  }
}

export async function egressApproval(
  env: Pick<Env, "APPROVAL_DESK">,
  call: {
    tenantId: string;
    agentId: string;
    method: string;
    url: string;
    body: Uint8Array | null;
    trustGate: string | null;
    guardrail: { detail: string; findings: NonNullable<ApprovalTrigger["findings"]> } | null;
    approvalId: string | null;
  },
): Promise<{ ok: true; use: { id: string; fingerprint: string } } | { ok: false; denial: Denial }> {
  const subject = await subjectOf(call.body, { method: call.method, url: redactUrl(call.url) });
  const fingerprint = fingerprintOf("egress_call", call.agentId, { method: call.method, url: call.url, digest: subject.digest });
  if (call.approvalId) return { ok: true, use: { id: call.approvalId, fingerprint } };
  const trigger: ApprovalTrigger = call.guardrail
    ? {
        source: "guardrail",
        detail: [call.guardrail.detail, call.trustGate].filter(Boolean).join("; ").slice(0, 1000),
        findings: call.guardrail.findings.slice(0, 20),
      }
    : { source: "trust_level", detail: call.trustGate ?? "" };
  try {
    const { approval } = await approvalDesk(env, call.tenantId).request({
      id: newId("approval"),
      tenantId: call.tenantId,
      kind: "egress_call",
      agentId: call.agentId,
      teamId: null,
      summary: `${call.method} ${subject.url}`.slice(0, 300),
      subject,
      trigger,
      fingerprint,
    });
    return {
      ok: false,
      denial: {
        ok: false,
        reason: "approval_pending",
        detail: trigger.detail,
        approval: { ...ref(approval.id, approval), trigger },
      },
    };
  } catch (err) {
    log.warn("approval could not be opened", { err: String(err) });
    return { ok: false, denial: { ok: false, reason: "approval_required", detail: trigger.detail } };
  }
}
