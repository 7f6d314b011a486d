/**
 * Hard budget caps on the API's own paths (docs/billing.md, "Where usage is refused"): the relay
 * upgrade refuses an agent whose relay messages are capped, and token issuance refuses an agent
 * that would be one active agent too many. Both answer 402 `budget_exceeded` in the usual error
 * shape. If the meter cannot answer, the request goes on (logged): billing must not take the relay down.
 */
import { budgetExceeded, checkBudget, recordUsage } from "../../../../shared/billing/usage";
import { periodOf } from "../../../../shared/billing/period";
import type { UsageKind } from "../../../../shared/billing/usage-kinds";
import { log } from "../../../../shared/observability/log";
import { ApiError } from "../../http/api-error";

export async function assertWithinBudget(env: Env, target: { tenantId: string; agentId: string | null; kind: UsageKind }): Promise<void> {
  let check;
  try {
    check = await checkBudget(env, target);
  } catch (error) {
    log.warn("budget check unavailable; allowing", { ...target, error });
    return;
  }
  if (check.decision === "hard_exceeded") {
    const refusal = budgetExceeded(check);
    throw new ApiError("budget_exceeded", refusal.message, refusal.details);
  }
}

/** The agent's first token of the month counts it as active (once per month: the key). Refused past a hard cap on active agents. */
export async function recordAgentActive(env: Env, agent: { tenantId: string; id: string }, now = Date.now()): Promise<void> {
  let result;
  try {
    result = await recordUsage(
      env,
      {
        tenantId: agent.tenantId,
        agentId: agent.id,
        kind: "active_agents",
        quantity: 1,
        idempotencyKey: `active:${agent.id}:${periodOf(now)}`,
        at: now,
      },
      { enforce: true },
    );
  } catch (error) {
    log.warn("usage meter unavailable; agent activity not recorded", { agentId: agent.id, error });
    return;
  }
  const refused = result.refused[0];
  if (refused) {
    const refusal = budgetExceeded(refused);
    throw new ApiError("budget_exceeded", refusal.message, refusal.details);
  }
}
