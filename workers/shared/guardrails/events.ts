/**
 * The guardrail decision as an audit event (`guardrail.checked`), emitted through the one emit
 * point by whoever made the decision (the check endpoint, the MCP tool, the egress gate). Metadata
 * and the matched excerpts only (≤ 200 characters each): never the whole command or body, which may
 * carry data the agent was handling.
 */
import type { AuditEvent } from "../audit/emit";
import type { GuardrailDecision } from "./policy";

export const GUARDRAIL_CHECKED = "guardrail.checked";

export interface GuardrailEventContext {
  tenantId: string;
  agentId: string;
  trustLevel: number | null;
  /** Where the decision was made: `http` (POST /v1/agent/guardrails/check), `mcp`, `egress`. */
  via: "http" | "mcp" | "egress";
  /** What was checked: `command`, `sql`, `http`. */
  subject: string;
  /** For egress: the call id and `METHOD host`. */
  extra?: Record<string, unknown>;
}

export function guardrailEvent(ctx: GuardrailEventContext, decision: GuardrailDecision): Omit<AuditEvent, "ip" | "userAgent"> {
  const refused = decision.action === "block" || decision.action === "require_approval";
  return {
    tenantId: ctx.tenantId,
    actor: { type: "agent", id: ctx.agentId, name: null },
    action: GUARDRAIL_CHECKED,
    target: { type: "agent", id: ctx.agentId },
    severity: decision.action === "block" ? "warning" : decision.action === "require_approval" ? "warning" : "info",
    outcome: refused ? "denied" : "success",
    details: {
      decision: decision.action,
      via: ctx.via,
      subject: ctx.subject,
      trustLevel: ctx.trustLevel,
      trustAdjusted: decision.trustAdjusted,
      findings: decision.findings.map((f) => ({ ruleId: f.ruleId, pack: f.pack, severity: f.severity, action: f.action, match: f.match })),
      ...ctx.extra,
    },
  };
}
