/**
 * Where a skill invocation meets two capabilities built elsewhere, as named hooks:
 *
 * - **Billing** (usage metering, another branch): `recordSkillUsage` is called once per finished
 *   invocation with what billing prices. Until billing provides its `recordUsage`, this records
 *   nothing beyond the audit event (which carries the same fields); at merge, point it at billing's
 *   recorder — the one line marked below.
 * - **Runs** (a later issue): `chargeRunBudget` is called with the run id an invocation names
 *   (`runId` on the HTTP/SDK/MCP call), before the code runs; it may refuse (throw an ApiError)
 *   when the run's budget is spent. Until runs exist, every run id is accepted and recorded (audit
 *   `details.run`, the egress calls' `run`).
 */
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

/** The run budget hook: throw an ApiError to refuse an invocation whose run is out of budget. */
export async function chargeRunBudget(
  _env: Env,
  _run: { runId: string; tenantId: string; agentId: string; skill: string; tool: string },
): Promise<void> {}
