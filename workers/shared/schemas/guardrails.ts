/**
 * The guardrail check's input and verdict (docs/governance.md): asked by agents
 * (`POST /v1/agent/guardrails/check`, MCP `check_guardrails`) and by people in the dashboard
 * (`POST /v1/tenants/{tenantId}/guardrails/check`, with a trust level to judge at). Pure zod, so
 * the dashboard derives its types from the same schemas without pulling in the engine's effects.
 */
import { z } from "zod";
import { GuardrailActionSchema, GuardrailPolicySchema } from "../guardrails/policy";
import { PACKS, RULES } from "../guardrails/registry";
import { TrustLevelSchema } from "../trust-levels";

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

export const TenantGuardrailCheckInputSchema = GuardrailCheckInputSchema.extend({
  trustLevel: TrustLevelSchema.optional().meta({
    description: "The trust level to judge at (0–4, default 2). At 3–4 `require_approval` becomes `log`; `block` applies at every level.",
  }),
})
  .strict()
  .meta({ id: "TenantGuardrailCheckInput" });
export type TenantGuardrailCheckInput = z.infer<typeof TenantGuardrailCheckInputSchema>;

export const TenantGuardrailCheckSchema = z
  .object({
    verdict: GuardrailVerdictSchema,
    trustLevel: TrustLevelSchema,
    policy: GuardrailPolicySchema.meta({
      description: "The tenant's guardrail policy the verdict was computed under (the default when none is set).",
    }),
    configVersion: z.number().int().meta({ description: "The tenant config version that policy comes from." }),
  })
  .meta({ id: "TenantGuardrailCheck" });
export type TenantGuardrailCheck = z.infer<typeof TenantGuardrailCheckSchema>;
