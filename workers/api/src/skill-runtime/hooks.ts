/**
 * Where a skill invocation meets two capabilities built elsewhere, as named hooks:
 *
 * - **Billing** (docs/billing.md, kind `skill_invocations`): `recordSkillUsage` is called once per
 *   invocation, right before its code runs, and counts one unit in the tenant's UsageMeter keyed by
 *   the invocation id. Metering *before* the code runs is what lets a hard cap be exact: the meter
 *   applies or refuses the unit in one transaction (`enforce`), so concurrent invocations cannot
 *   overshoot it as a check-then-record would. A unit is therefore one execution, successful or
 *   failed (CPU limit, thrown error, invalid output: the isolate did the work); a call refused
 *   before its code runs (404, 409, 400, 402) counts nothing. Over a hard budget or the plan's cap:
 *   402 `budget_exceeded`, the shape budgets use everywhere. If the meter cannot answer, the call
 *   goes on (billing must not take the runtime down) and the same record is retried in the
 *   background: the idempotency key makes the retry count once.
 * - **Runs** (docs/runs.md): `chargeRunBudget` is called with the run id an invocation names
 *   (`runId` on the HTTP/SDK/MCP call), before the code runs; it refuses (throws an ApiError)
 *   a call outside the run's scope or budget, or for a run that has ended or is not the agent's.
 */
import { budgetExceeded, recordUsage, type UsageInput } from "../../../shared/billing/usage";
import { log } from "../../../shared/observability/log";
import { ApiError } from "../http/api-error";
import { chargeRunCall } from "../services/runs";

export interface SkillUsage {
  /** The invocation's id (`skill.invoked`'s `details.invocationId`): the meter's idempotency key. */
  invocationId: string;
  tenantId: string;
  agentId: string;
  skill: string;
  version: string;
  tool: string;
  runId: string | null;
  at: number;
}

export type SkillUsageRecorder = (env: Env, usage: SkillUsage, waitUntil: (p: Promise<unknown>) => void) => Promise<void>;

/** The meter's key for one invocation: recording it again (a retry) adds nothing. */
export const skillUsageKey = (invocationId: string) => `skill:${invocationId}`;

function usageRecord(usage: SkillUsage): UsageInput {
  return {
    tenantId: usage.tenantId,
    agentId: usage.agentId,
    kind: "skill_invocations",
    quantity: 1,
    idempotencyKey: skillUsageKey(usage.invocationId),
    at: usage.at,
  };
}

/** Counts one invocation (before its code runs); throws 402 `budget_exceeded` past a hard cap. */
export const recordSkillUsage: SkillUsageRecorder = async (env, usage, waitUntil) => {
  let result;
  try {
    result = await recordUsage(env, usageRecord(usage), { enforce: true });
  } catch (error) {
    log.warn("usage meter unavailable; skill invocation allowed, recording retried", { invocationId: usage.invocationId, error });
    waitUntil(
      recordUsage(env, usageRecord(usage)).catch((err: unknown) =>
        log.error("skill invocation not metered", { invocationId: usage.invocationId, error: err }),
      ),
    );
    return;
  }
  const refused = result.refused[0];
  if (refused) {
    const refusal = budgetExceeded(refused);
    throw new ApiError("budget_exceeded", refusal.message, refusal.details);
  }
};

/**
 * The run budget hook (docs/runs.md): charges the tool call to the run — the agent must be the
 * run's callee, the skill/tool inside its scope, the run running and within budget — or throws the
 * run's ApiError (`run_budget_exceeded`, which also ends the run; `run_out_of_scope`;
 * `run_not_running`; `not_found`).
 */
export async function chargeRunBudget(
  env: Env,
  run: { runId: string; tenantId: string; agentId: string; skill: string; tool: string },
): Promise<void> {
  await chargeRunCall(env, {
    runId: run.runId,
    tenantId: run.tenantId,
    agentId: run.agentId,
    kind: "skill",
    scopeItem: { skill: run.skill, tool: run.tool },
  });
}
