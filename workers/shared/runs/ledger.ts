/**
 * The run row's state changes, as single SQL statements over D1 — shared by the API Worker and the
 * egress Worker (which charges egress calls to a run but has no other run code). Why D1 and not a
 * Durable Object (docs/runs.md, "Where the counters live"): every charge is one conditional UPDATE
 * that D1 serialises (`used + n <= max AND status = 'running'`), so concurrent charges from the
 * callee's skills, egress calls and messages cannot overspend; the row is also the index the runs
 * list reads, so there is no second copy to reconcile, and no extra hop on the invoke path.
 */
import type { RunEndStatus } from "./schemas";

/** What one charge costs (docs/runs.md, "Budget"): every charge is one call or one egress call, plus its cost units. */
export const RUN_CHARGES = {
  /** A relay send/request/reply made for the run. */
  message: { calls: 1, egressCalls: 0, costUnits: 1 },
  /** A skill tool call. */
  skill: { calls: 1, egressCalls: 0, costUnits: 10 },
  /** A nested invocation (a run whose parent is this run). */
  invoke: { calls: 1, egressCalls: 0, costUnits: 5 },
  /** An outbound HTTP call through the egress proxy. */
  egress: { calls: 0, egressCalls: 1, costUnits: 5 },
} as const;
export type RunChargeKind = keyof typeof RUN_CHARGES;

export type ChargeResult =
  | { ok: true }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "not_running"; status: string }
  | { ok: false; reason: "out_of_scope"; scope: string[] }
  | { ok: false; reason: "budget_exceeded"; budget: "calls" | "egressCalls" | "costUnits"; limit: number; used: number };

interface ChargeRow {
  status: string;
  scope: string;
  deadline_at: number;
  max_calls: number | null;
  max_egress_calls: number | null;
  max_cost_units: number | null;
  used_calls: number;
  used_egress_calls: number;
  used_cost_units: number;
}

/**
 * Charges one unit of `kind` to the run, made by `agentId` (must be the run's callee). `scopeItem`
 * (`skill/tool`) is checked against the run's scope for skill calls. Refuses without charging when
 * the run is unknown (or another agent's / tenant's), over, out of scope or out of budget; a budget
 * overrun also ENDS the run as `budget_exceeded` (the same statement can't, so a second one, guarded
 * by `status = 'running'`).
 */
export async function chargeRun(
  db: D1Database,
  charge: { runId: string; tenantId: string; agentId: string; kind: RunChargeKind; scopeItem?: { skill: string; tool: string } },
  now = Date.now(),
): Promise<ChargeResult> {
  const c = RUN_CHARGES[charge.kind];
  const skill = charge.scopeItem?.skill ?? null;
  const tool = charge.scopeItem ? `${charge.scopeItem.skill}/${charge.scopeItem.tool}` : null;
  const updated = await db
    .prepare(
      `UPDATE runs SET used_calls = used_calls + ?1, used_egress_calls = used_egress_calls + ?2, used_cost_units = used_cost_units + ?3
       WHERE id = ?4 AND tenant_id = ?5 AND callee_agent_id = ?6 AND status = 'running' AND deadline_at > ?7
         AND (max_calls IS NULL OR used_calls + ?1 <= max_calls)
         AND (max_egress_calls IS NULL OR used_egress_calls + ?2 <= max_egress_calls)
         AND (max_cost_units IS NULL OR used_cost_units + ?3 <= max_cost_units)
         AND (?8 IS NULL OR json_array_length(scope) = 0 OR EXISTS (SELECT 1 FROM json_each(runs.scope) WHERE value IN (?8, ?9)))
       RETURNING id`,
    )
    .bind(c.calls, c.egressCalls, c.costUnits, charge.runId, charge.tenantId, charge.agentId, now, skill, tool)
    .first<{ id: string }>();
  if (updated) return { ok: true };
  const row = await db
    .prepare(
      "SELECT status, scope, deadline_at, max_calls, max_egress_calls, max_cost_units, used_calls, used_egress_calls, used_cost_units FROM runs WHERE id = ? AND tenant_id = ? AND callee_agent_id = ?",
    )
    .bind(charge.runId, charge.tenantId, charge.agentId)
    .first<ChargeRow>();
  if (!row) return { ok: false, reason: "not_found" };
  if (row.status !== "running") return { ok: false, reason: "not_running", status: row.status };
  if (row.deadline_at <= now) return { ok: false, reason: "not_running", status: "timed_out" };
  const scope = JSON.parse(row.scope) as string[];
  if (skill && tool && scope.length > 0 && !scope.includes(skill) && !scope.includes(tool))
    return { ok: false, reason: "out_of_scope", scope };
  const over =
    row.max_calls !== null && row.used_calls + c.calls > row.max_calls
      ? { budget: "calls" as const, limit: row.max_calls, used: row.used_calls }
      : row.max_egress_calls !== null && row.used_egress_calls + c.egressCalls > row.max_egress_calls
        ? { budget: "egressCalls" as const, limit: row.max_egress_calls, used: row.used_egress_calls }
        : row.max_cost_units !== null && row.used_cost_units + c.costUnits > row.max_cost_units
          ? { budget: "costUnits" as const, limit: row.max_cost_units, used: row.used_cost_units }
          : null;
  // Nothing over: a concurrent charge changed the row between the two statements; report it as spent
  // only if it is (the caller may retry otherwise — in practice the UPDATE lost to a finish).
  if (!over) return { ok: false, reason: "not_running", status: row.status };
  await endRun(db, {
    runId: charge.runId,
    tenantId: charge.tenantId,
    status: "budget_exceeded",
    errorCode: "run_budget_exceeded",
    errorMessage: `The run's ${over.budget} budget (${over.limit}) is spent.`,
    outputHash: null,
    output: null,
    now,
  });
  return { ok: false, reason: "budget_exceeded", ...over };
}

export interface RunEnd {
  runId: string;
  tenantId: string;
  status: RunEndStatus;
  errorCode: string | null;
  errorMessage: string | null;
  outputHash: string | null;
  output: string | null;
  now?: number;
}

/**
 * Ends a running run (first end wins: a reply after a budget overrun leaves it `budget_exceeded`)
 * and, in the SAME batch (one transaction), adds the outcome to the callee's reputation — only when
 * this call ended it (`changes() = 1` right after the UPDATE). Returns whether it did.
 */
export async function endRun(db: D1Database, end: RunEnd): Promise<boolean> {
  const now = end.now ?? Date.now();
  const s = end.status;
  const counted = s === "denied" ? 0 : 1;
  const [ended] = await db.batch([
    db
      .prepare(
        `UPDATE runs SET status = ?1, error_code = ?2, error_message = ?3, output_hash = ?4, output = ?5, finished_at = ?6, duration_ms = MAX(0, ?6 - started_at)
         WHERE id = ?7 AND tenant_id = ?8 AND status = 'running' RETURNING id`,
      )
      .bind(s, end.errorCode, end.errorMessage, end.outputHash, end.output, now, end.runId, end.tenantId),
    db
      .prepare(
        `INSERT INTO agent_reputation (agent_id, tenant_id, succeeded, failed, timed_out, budget_exceeded, denied, finished, durations, updated_at)
         SELECT callee_agent_id, tenant_id, ?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?6 = 1 THEN json_array(duration_ms) ELSE json_array() END, ?7
           FROM runs WHERE changes() = 1 AND id = ?8
         ON CONFLICT(agent_id) DO UPDATE SET
           succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed, timed_out = timed_out + excluded.timed_out,
           budget_exceeded = budget_exceeded + excluded.budget_exceeded, denied = denied + excluded.denied,
           durations = CASE WHEN excluded.finished = 0 THEN durations
                            WHEN finished < 100 THEN json_insert(durations, '$[#]', json_extract(excluded.durations, '$[0]'))
                            ELSE json_set(durations, '$[' || (finished % 100) || ']', json_extract(excluded.durations, '$[0]')) END,
           finished = finished + excluded.finished, updated_at = excluded.updated_at`,
      )
      .bind(
        s === "succeeded" ? 1 : 0,
        s === "failed" ? 1 : 0,
        s === "timed_out" ? 1 : 0,
        s === "budget_exceeded" ? 1 : 0,
        s === "denied" ? 1 : 0,
        counted,
        now,
        end.runId,
      ),
  ]);
  return (ended?.results.length ?? 0) > 0;
}

/** A refused charge in the project's error shape (one mapping for the API and the egress Worker). */
export function chargeRefusal(
  result: Exclude<ChargeResult, { ok: true }>,
  runId: string,
): {
  code: "not_found" | "run_not_running" | "run_out_of_scope" | "run_budget_exceeded";
  message: string;
  details: Record<string, unknown>;
} {
  switch (result.reason) {
    case "not_found":
      return { code: "not_found", message: "Run not found (or you are not its callee).", details: { runId } };
    case "not_running":
      return { code: "run_not_running", message: `The run has ended (${result.status}).`, details: { runId, status: result.status } };
    case "out_of_scope":
      return { code: "run_out_of_scope", message: "This skill/tool is outside the run's scope.", details: { runId, scope: result.scope } };
    case "budget_exceeded":
      return {
        code: "run_budget_exceeded",
        message: `The run's ${result.budget} budget (${result.limit}) is spent; the run has ended budget_exceeded.`,
        details: { runId, budget: result.budget, limit: result.limit, used: result.used },
      };
  }
}
