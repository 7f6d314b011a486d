/**
 * Guardrails: content and action checks an agent can ask for before it acts (`check_guardrails`
 * over MCP, `POST /v1/agent/guardrails/check` over HTTP).
 *
 * STUB. The engine is the governance issue's to build (Cedar policies, destructive-command
 * classifiers, approvals). Until then `guardrailEngine()` returns `NO_GUARDRAILS`, which allows
 * everything and SAYS SO in its verdict (`engine: "none"`), so no caller can mistake the answer
 * for a real check. The interface below is the contract the real engine must fill; every caller
 * already goes through `guardrailEngine()`, so swapping it is a one-line change.
 */
import { z } from "zod";

export const GuardrailCheckInputSchema = z
  .object({
    action: z.string().min(1).max(200).meta({ description: "What the agent is about to do, e.g. `shell.exec`, `http.post`, `deploy`." }),
    resource: z.string().max(2000).optional().meta({ description: "What it acts on (a URL, a path, a service)." }),
    content: z.string().max(16_384).optional().meta({ description: "The command, message or payload to check." }),
  })
  .strict()
  .meta({ id: "GuardrailCheckInput" });
export type GuardrailCheckInput = z.infer<typeof GuardrailCheckInputSchema>;

export const GuardrailVerdictSchema = z
  .object({
    allowed: z.boolean(),
    requiresApproval: z.boolean(),
    engine: z.string().meta({ description: "`none` while no guardrail engine is configured: the verdict is then not a check." }),
    reasons: z.array(z.string()),
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
  check(subject: GuardrailSubject, input: GuardrailCheckInput): Promise<GuardrailVerdict>;
}

export const NO_GUARDRAILS: GuardrailEngine = {
  async check() {
    return { allowed: true, requiresApproval: false, engine: "none", reasons: ["No guardrail engine is configured yet (governance is a later issue): nothing was checked."] };
  },
};

export function guardrailEngine(_env: unknown): GuardrailEngine {
  return NO_GUARDRAILS;
}
