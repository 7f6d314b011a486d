/**
 * The guardrail step of an egress decision (docs/governance.md): after the egress policy allowed a
 * call (decideEgress), its method, URL and body go through the guardrail engine under the tenant's
 * guardrail policy and the agent's trust level. `block` refuses the call (`guardrail_blocked`);
 * `require_approval` refuses it too (`approval_required`) until approvals exist — the agent is told
 * clearly that a person would have to approve; `log` lets it go and records the finding. Pure: the
 * gate applies the outcome (refusal, audit).
 */
import { checkGuardrails, type GuardrailDecision, type GuardrailPolicy } from "../guardrails/index";
import type { TrustLevel } from "../trust-levels";

/** Bodies are read up to this many bytes (the shell reader's own cap is 64 KiB of text). */
export const GUARDRAIL_BODY_BYTES = 65_536;

export type EgressGuardrailOutcome =
  | { refused: false; decision: GuardrailDecision }
  | { refused: true; reason: "guardrail_blocked" | "approval_required"; detail: string; decision: GuardrailDecision };

export function egressGuardrails(
  policy: GuardrailPolicy,
  trustLevel: TrustLevel,
  call: { method: string; url: string; body: Uint8Array | null; contentType: string | null },
): EgressGuardrailOutcome {
  const body =
    call.body && call.body.byteLength > 0
      ? new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(call.body.subarray(0, GUARDRAIL_BODY_BYTES))
      : null;
  const decision = checkGuardrails(
    { kind: "http", method: call.method, url: call.url, body, contentType: call.contentType },
    policy,
    trustLevel,
  );
  if (decision.action !== "block" && decision.action !== "require_approval") return { refused: false, decision };
  const which = decision.findings.filter((f) => f.action === decision.action);
  const detail = which.map((f) => `${f.ruleId}: ${f.reason}`).join("; ");
  return { refused: true, reason: decision.action === "block" ? "guardrail_blocked" : "approval_required", detail, decision };
}
