/**
 * A tenant's guardrail policy and the one decision function over findings. The policy maps a
 * finding to an action — by rule, else by pack, else by severity — and the most severe action of
 * all findings wins: block > require_approval > log > allow. The agent's trust level then applies
 * its row of the trust table (`GOVERNANCE_TRUST.guardrailApprovals`): at levels that act without approval (3 and 4),
 * `require_approval` is downgraded to `log`; `block` applies to every level.
 *
 * Pure: the API, MCP, egress gate, relay judge, dry-run replay and eval call it.
 */
import { z } from "zod";
import { governanceLimits, type TrustLevel } from "../trust-levels";
import { PACKS, RULES, type Finding, type Pack, type RuleId, type Severity } from "./registry";

export const GuardrailActionSchema = z.enum(["block", "require_approval", "log", "allow"]).meta({
  id: "GuardrailAction",
  description:
    "`block`: refused. `require_approval`: waits for a person (docs/governance.md). `log`: allowed and recorded. `allow`: the rule is off.",
});
export type GuardrailAction = z.infer<typeof GuardrailActionSchema>;

const packIds = Object.keys(PACKS) as [Pack, ...Pack[]];
const ruleIds = Object.keys(RULES) as [RuleId, ...RuleId[]];

export const GuardrailPolicySchema = z
  .object({
    severities: z
      .object({ critical: GuardrailActionSchema, high: GuardrailActionSchema, medium: GuardrailActionSchema })
      .strict()
      .meta({ description: "The action for each severity, unless a pack or rule says otherwise." }),
    packs: z
      .partialRecord(z.enum(packIds), GuardrailActionSchema)
      .default({})
      .meta({ description: 'Per-pack overrides (e.g. `{"core.git": "block"}`).' }),
    rules: z.partialRecord(z.enum(ruleIds), GuardrailActionSchema).default({}).meta({ description: "Per-rule overrides; win over packs." }),
  })
  .strict()
  .meta({ id: "GuardrailPolicy" });
export type GuardrailPolicy = z.infer<typeof GuardrailPolicySchema>;

export const DEFAULT_GUARDRAIL_POLICY: GuardrailPolicy = {
  severities: { critical: "block", high: "require_approval", medium: "log" },
  packs: {},
  rules: {},
};

const RANK: Record<GuardrailAction, number> = { allow: 0, log: 1, require_approval: 2, block: 3 };

export interface GuardrailDecision {
  action: GuardrailAction;
  /** Each finding with the action the policy gave it (before trust). */
  findings: Array<Finding & { action: GuardrailAction }>;
  /** Set when the trust level changed the action (require_approval → log at levels 3–4). */
  trustAdjusted: boolean;
}

export function actionFor(policy: GuardrailPolicy, ruleId: RuleId, pack: Pack, severity: Severity): GuardrailAction {
  return policy.rules[ruleId] ?? policy.packs[pack] ?? policy.severities[severity];
}

export function decideGuardrails(findings: Finding[], policy: GuardrailPolicy, trustLevel: TrustLevel | null): GuardrailDecision {
  const judged = findings.map((f) => ({ ...f, action: actionFor(policy, f.ruleId, f.pack, f.severity) }));
  let action = judged.reduce<GuardrailAction>((worst, f) => (RANK[f.action] > RANK[worst] ? f.action : worst), "allow");
  let trustAdjusted = false;
  if (action === "require_approval" && trustLevel !== null && !governanceLimits(trustLevel).guardrailApprovals) {
    action = "log";
    trustAdjusted = true;
  }
  return { action, findings: judged, trustAdjusted };
}
