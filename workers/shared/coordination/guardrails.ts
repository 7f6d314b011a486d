/**
 * `check_guardrails` (MCP) and `POST /v1/agent/guardrails/check` (HTTP): an agent asks, before it
 * acts, what the tenant's guardrail policy says about a command, an SQL statement or an HTTP call.
 * The decision is the guardrail engine's (workers/shared/guardrails/, docs/governance.md) under the
 * tenant's policy and the agent's trust level; every check is an audit event (`guardrail.checked`).
 * Both surfaces call `guardrailEngine(env).check`, so they answer and audit identically.
 */
import { emitAudit } from "../audit/emit";
import { guardrailEvent } from "../guardrails/events";
import { checkGuardrails, type GuardrailSubject as Scanned } from "../guardrails/index";
import type { GuardrailPolicy } from "../guardrails/policy";
import { loadGuardrailPolicy } from "../guardrails/tenant-policy";
import type { GuardrailCheckInput, GuardrailVerdict } from "../schemas/guardrails";
import type { TrustLevel } from "../trust-levels";

// The input and verdict schemas live in schemas/guardrails.ts (pure zod, shared with the dashboard).
export {
  GuardrailCheckInputSchema,
  GuardrailFindingSchema,
  GuardrailVerdictSchema,
  TenantGuardrailCheckInputSchema,
  TenantGuardrailCheckSchema,
  type GuardrailCheckInput,
  type GuardrailVerdict,
} from "../schemas/guardrails";

export interface GuardrailSubject {
  tenantId: string;
  teamId: string | null;
  agentId: string;
  trustLevel: number;
}

export interface GuardrailEngine {
  check(
    subject: GuardrailSubject,
    input: GuardrailCheckInput,
    via: "http" | "mcp",
    request?: { ip: string | null; userAgent: string | null },
  ): Promise<GuardrailVerdict>;
}

/** What the input asks to be scanned, or null when there is nothing to scan. */
export function scannedOf(input: GuardrailCheckInput): Scanned | null {
  const http = /^(?:http|egress)\.([a-z]+)$/i.exec(input.action);
  if (http && input.resource)
    return {
      kind: "http",
      method: http[1]!.toUpperCase(),
      url: input.resource,
      body: input.content ?? null,
      contentType: input.content?.trimStart().startsWith("{") ? "application/json" : null,
    };
  if (!input.content) return null;
  if (/^sql(\.|$)/i.test(input.action)) return { kind: "sql", sql: input.content };
  return { kind: "command", command: input.content };
}

/**
 * The verdict for one input under a policy and trust level: pure, no audit. The engine below adds
 * the audit event; the dashboard's "test a command" box (`POST /v1/tenants/{tenantId}/guardrails/check`)
 * calls it alone, because a person trying a command is not an agent acting.
 */
export function guardrailVerdict(input: GuardrailCheckInput, policy: GuardrailPolicy, trustLevel: TrustLevel) {
  const scanned = scannedOf(input);
  const decision = scanned
    ? checkGuardrails(scanned, policy, trustLevel)
    : { action: "allow" as const, findings: [], trustAdjusted: false };
  const verdict: GuardrailVerdict = {
    allowed: decision.action === "allow" || decision.action === "log",
    requiresApproval: decision.action === "require_approval",
    decision: decision.action,
    engine: "native",
    trustAdjusted: decision.trustAdjusted,
    reasons: scanned
      ? decision.findings.map((f) => f.reason)
      : ["Nothing to check: give `content` (a command, SQL or a body) or, for `http.*`, the URL in `resource`."],
    findings: decision.findings,
  };
  return { scanned, decision, verdict };
}

export const NATIVE_GUARDRAILS: (env: Pick<Env, "DB" | "AUDIT_LEDGER">) => GuardrailEngine = (env) => ({
  async check(subject, input, via, request) {
    const policy = await loadGuardrailPolicy(env, subject.tenantId);
    const { scanned, decision, verdict } = guardrailVerdict(input, policy, subject.trustLevel as TrustLevel);
    await emitAudit(env, {
      ...guardrailEvent(
        {
          tenantId: subject.tenantId,
          agentId: subject.agentId,
          trustLevel: subject.trustLevel,
          via,
          subject: scanned?.kind ?? "none",
          extra: { requested: input.action.slice(0, 200) },
        },
        decision,
      ),
      ip: request?.ip ?? null,
      userAgent: request?.userAgent ?? null,
    });
    return verdict;
  },
});

export function guardrailEngine(env: Pick<Env, "DB" | "AUDIT_LEDGER">): GuardrailEngine {
  return NATIVE_GUARDRAILS(env);
}
