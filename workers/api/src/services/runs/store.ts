/**
 * Runs in D1: creating the row, reading it back as the API's `Run`, listing. The state changes
 * during a run (charges, the end) are single statements in workers/shared/runs/ledger.ts.
 */
import { and, desc, eq, gte, lt, or, type SQL } from "drizzle-orm";
import { createDb } from "../../../../shared/db/client";
import { runs, type RunRow } from "../../../../shared/db/schema";
import type { Run, RunStatus } from "../../../../shared/runs/schemas";

const iso = (ms: number) => new Date(ms).toISOString();

/** The API shape of a run row; `output` only when asked (the list leaves it out). */
export function runOf(row: RunRow, withOutput = true): Run {
  return {
    id: row.id,
    teamId: row.teamId,
    callerAgentId: row.callerAgentId,
    calleeAgentId: row.calleeAgentId,
    parentRunId: row.parentRunId,
    via: row.via,
    status: row.status,
    scope: row.scope,
    budget: { maxCalls: row.maxCalls, maxEgressCalls: row.maxEgressCalls, maxCostUnits: row.maxCostUnits, deadlineAt: iso(row.deadlineAt) },
    used: { calls: row.usedCalls, egressCalls: row.usedEgressCalls, costUnits: row.usedCostUnits },
    inputHash: row.inputHash,
    outputHash: row.outputHash,
    ...(withOutput && row.output !== null ? { output: JSON.parse(row.output) as unknown } : {}),
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : null,
    cardVersion: row.cardVersion,
    startedAt: iso(row.startedAt),
    finishedAt: row.finishedAt === null ? null : iso(row.finishedAt),
    durationMs: row.durationMs,
  };
}

export async function runRow(env: Env, tenantId: string, runId: string): Promise<RunRow | null> {
  return (
    (await createDb(env.DB)
      .select()
      .from(runs)
      .where(and(eq(runs.tenantId, tenantId), eq(runs.id, runId)))
      .get()) ?? null
  );
}

export async function insertRun(env: Env, row: typeof runs.$inferInsert): Promise<void> {
  await createDb(env.DB).insert(runs).values(row);
}

export interface RunListFilter {
  /** Runs where this agent is the caller or the callee. */
  agentId?: string;
  status?: RunStatus;
  teamId?: string;
  /** Inclusive, ms. */
  fromMs?: number;
  /** Exclusive, ms. */
  toMs?: number;
  /** Cursor: ids strictly before this one (newest first). */
  beforeId?: string;
  limit: number;
}

export async function listRunRows(env: Env, tenantId: string, f: RunListFilter): Promise<RunRow[]> {
  const where: (SQL | undefined)[] = [eq(runs.tenantId, tenantId)];
  if (f.agentId) where.push(or(eq(runs.callerAgentId, f.agentId), eq(runs.calleeAgentId, f.agentId)));
  if (f.status) where.push(eq(runs.status, f.status));
  if (f.teamId) where.push(eq(runs.teamId, f.teamId));
  if (f.fromMs !== undefined) where.push(gte(runs.startedAt, f.fromMs));
  if (f.toMs !== undefined) where.push(lt(runs.startedAt, f.toMs));
  if (f.beforeId) where.push(lt(runs.id, f.beforeId));
  return createDb(env.DB)
    .select()
    .from(runs)
    .where(and(...where))
    .orderBy(desc(runs.id))
    .limit(f.limit + 1)
    .all();
}
