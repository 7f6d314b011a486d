/**
 * `check_guardrails` (MCP) and `POST /v1/agent/guardrails/check` (HTTP): an agent asks, before it
 * acts, what the tenant's guardrail policy says about a command, an SQL statement or an HTTP call.
 * The decision is the guardrail engine's (workers/shared/guardrails/, docs/governance.md) under the
 * tenant's policy and the agent's trust level; every check is an audit event (`guardrail.checked`).
 * Both surfaces call `guardrailEngine(env).check`, so they answer and audit identically.
 */
import { z } from "zod";
import { emitAudit } from "../audit/emit";
import { guardrailEvent } from "../guardrails/events";
import { checkGuardrails, GuardrailActionSchema, PACKS, RULES, type GuardrailSubject as Scanned } from "../guardrails/index";
import type { GuardrailPolicy } from "../guardrails/policy";
import { loadGuardrailPolicy } from "../guardrails/tenant-policy";
import type { TrustLevel } from "../trust-levels";

export const GuardrailCheckInputSchema = z
  .object({
    action: z.string().min(1).max(200).meta({
      description:
        "What the agent is about to do. `http.<method>` (e.g. `http.delete`) or `egress.<method>`: an HTTP call to `resource` (the URL) with `content` as its body. `sql` or `sql.*`: `content` is SQL. Anything else (e.g. `shell.exec`, `deploy`): `content` is a command line.",
    }),
    resource: z.string().max(2000).optional().meta({ description: "What it acts on: the URL for `http.*`; otherwise informational." }),
    content: z.string().max(16_384).optional().meta({
      description:
        "The command line, SQL or request body to check. Without it (and without an HTTP URL) there is nothing to check: the verdict allows and says so.",
    }),
  })
  .strict()
  .meta({ id: "GuardrailCheckInput" });
export type GuardrailCheckInput = z.infer<typeof GuardrailCheckInputSchema>;

const packIds = Object.keys(PACKS) as [keyof typeof PACKS, ...Array<keyof typeof PACKS>];
const ruleIds = Object.keys(RULES) as [keyof typeof RULES, ...Array<keyof typeof RULES>];
export const GuardrailFindingSchema = z
  .object({
    ruleId: z.enum(ruleIds),
    pack: z.enum(packIds),
    severity: z.enum(["critical", "high", "medium"]),
    action: GuardrailActionSchema.meta({ description: "What the tenant's policy says for this finding (before the trust level)." }),
    reason: z.string(),
    match: z.string().meta({ description: "The command, statement or request it was found in (≤ 200 characters)." }),
  })
  .meta({ id: "GuardrailFinding" });

export const GuardrailVerdictSchema = z
  .object({
    allowed: z.boolean().meta({ description: "True when the decision is `allow` or `log`: the agent may go ahead." }),
    requiresApproval: z.boolean().meta({
      description: "The decision is `require_approval`: a person must approve first. Approvals do not exist yet: treat it as a refusal.",
    }),
    decision: GuardrailActionSchema,
    engine: z.string().meta({ description: "`native`: the built-in rule registry (docs/governance.md)." }),
    trustAdjusted: z.boolean().meta({ description: "The agent's trust level (3–4) turned `require_approval` into `log`." }),
    reasons: z.array(z.string()),
    findings: z.array(GuardrailFindingSchema),
  })
  .meta({ id: "GuardrailVerdict" });
export type GuardrailVerdict = z.infer<typeof GuardrailVerdictSchema>;

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
  const decision = scanned ? checkGuardrails(scanned, policy, trustLevel) : { action: "allow" as const, findings: [], trustAdjusted: false };
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
