/**
 * Where a skill invocation meets two capabilities built elsewhere, as named hooks:
 *
 * - **Billing** (usage metering, another branch): `recordSkillUsage` is called once per finished
 *   invocation with what billing prices. Until billing provides its `recordUsage`, this records
 *   nothing beyond the audit event (which carries the same fields); at merge, point it at billing's
 *   recorder — the one line marked below.
 * - **Runs** (docs/runs.md): `chargeRunBudget` is called with the run id an invocation names
 *   (`runId` on the HTTP/SDK/MCP call), before the code runs; it refuses (throws an ApiError)
 *   a call outside the run's scope or budget, or for a run that has ended or is not the agent's.
 */
import { chargeRunCall } from "../services/runs";

export interface SkillUsage {
  tenantId: string;
  agentId: string;
  skill: string;
  version: string;
  tool: string;
  runId: string | null;
  outcome: string;
  durationMs: number;
  at: number;
}

export type SkillUsageRecorder = (env: Env, usage: SkillUsage) => Promise<void>;

/** Billing's hook: replace the body with billing's `recordUsage(env, …)` at merge. */
export const recordSkillUsage: SkillUsageRecorder = async () => {};

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
