/**
 * The team's work queue. States: blocked → queued → claimed → completed, with failed attempts
 * going back to queued until `max_attempts`, then `dead` (the dead letter). A claim is one
 * synchronous read-then-write, so of any number of concurrent claimers exactly one gets a task
 * (Durable Object input gates run one event at a time and nothing awaits in between). A claim is
 * a lease: `claim_token` + `lease_expires_at`; an unsettled lease is re-delivered after the
 * visibility timeout (the attempt counts) and its old token stops working (`lease_lost`).
 */
import { mayCoordinate, type Caller } from "../../workers/shared/coordination/policy";
import type { CompiledAllowlist } from "../../workers/shared/relay/allowlist";
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import { newId } from "../../workers/shared/crypto/ids";
import type { CoordActor, Task, TaskState } from "../../workers/shared/coordination/schemas";
import { TASK_LIMITS } from "../../workers/shared/coordination/schemas";
import { actorOf, fail, iso, isoOrNull, ok, type CoordResult, type CoordState } from "./context";

export type TaskRow = {
  seq: number;
  id: string;
  title: string;
  body: string;
  labels: string;
  priority: number;
  assignee: string | null;
  capability: string | null;
  depends_on: string;
  state: TaskState;
  attempts: number;
  max_attempts: number;
  visibility_ms: number;
  claimed_by: string | null;
  claim_token: string | null;
  lease_expires_at: number | null;
  result: string | null;
  last_error: string | null;
  created_by: string;
  workflow_run_id: string | null;
  step_key: string | null;
  created_at: number;
  updated_at: number;
};

export interface TaskCreate {
  title: string;
  body?: string;
  labels?: string[];
  priority?: number;
  assignee?: string;
  capability?: string;
  dependsOn?: string[];
  maxAttempts?: number;
  visibilityTimeoutMs?: number;
}

export interface MemberLookup {
  role(agentId: string): AgentTemplate | null;
}

export function toTask(r: TaskRow, revealClaimToken = false): Task {
  return {
    id: r.id,
    title: r.title,
    body: r.body,
    labels: JSON.parse(r.labels) as string[],
    priority: r.priority,
    assignee: r.assignee,
    capability: r.capability,
    dependsOn: JSON.parse(r.depends_on) as string[],
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    visibilityTimeoutMs: r.visibility_ms,
    claimedBy: r.claimed_by,
    claimToken: revealClaimToken ? r.claim_token : null,
    leaseExpiresAt: isoOrNull(r.lease_expires_at),
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    lastError: r.last_error,
    createdBy: JSON.parse(r.created_by) as CoordActor,
    workflowRunId: r.workflow_run_id,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export function getTaskRow(sql: SqlStorage, id: string): TaskRow | undefined {
  return sql.exec<TaskRow>("SELECT * FROM tasks WHERE id = ?", id).toArray()[0];
}

export function createTask(
  co: CoordState,
  caller: Caller,
  input: TaskCreate,
  ctx: { allowlist: CompiledAllowlist; members: MemberLookup },
  now: number,
  workflow?: { runId: string; stepKey: string },
): CoordResult<Task> {
  const { sql } = co;
  const actor = actorOf(caller);
  let target: { agentId: string; role: AgentTemplate } | null = null;
  if (input.assignee) {
    const role = ctx.members.role(input.assignee);
    if (!role) return fail("not_found", "The assignee is not an agent of this team.", { assignee: input.assignee });
    target = { agentId: input.assignee, role };
  }
  const decision = mayCoordinate(caller, "task.create", { allowlist: ctx.allowlist, target });
  if (!decision.ok) {
    co.stage({
      actor,
      action: "coordination.task_create_denied",
      outcome: "denied",
      details: { reason: decision.code, assignee: input.assignee ?? null, ...decision.details },
    });
    return fail(decision.code, decision.message, decision.details);
  }
  const deps = [...new Set(input.dependsOn ?? [])];
  let blocked = false;
  for (const dep of deps) {
    const d = sql.exec<{ state: TaskState }>("SELECT state FROM tasks WHERE id = ?", dep).toArray()[0];
    if (!d)
      return fail("validation_failed", `dependsOn names a task that does not exist in this team: ${dep}`, {
        issues: [{ path: "dependsOn", message: `unknown task ${dep}` }],
      });
    if (d.state !== "completed") blocked = true;
  }
  const id = newId("task", now);
  const r = {
    id,
    title: input.title,
    body: input.body ?? "",
    labels: JSON.stringify(input.labels ?? []),
    priority: input.priority ?? 5,
    assignee: input.assignee ?? null,
    capability: input.capability ?? null,
    depends_on: JSON.stringify(deps),
    state: (blocked ? "blocked" : "queued") as TaskState,
    max_attempts: input.maxAttempts ?? co.settings.taskMaxAttempts,
    visibility_ms: input.visibilityTimeoutMs ?? co.settings.taskVisibilityTimeoutMs,
    created_by: JSON.stringify(actor),
    workflow_run_id: workflow?.runId ?? null,
    step_key: workflow?.stepKey ?? null,
  };
  sql.exec(
    `INSERT INTO tasks (id, title, body, labels, priority, assignee, capability, depends_on, state, attempts, max_attempts, visibility_ms, created_by, workflow_run_id, step_key, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)`,
    r.id,
    r.title,
    r.body,
    r.labels,
    r.priority,
    r.assignee,
    r.capability,
    r.depends_on,
    r.state,
    r.max_attempts,
    r.visibility_ms,
    r.created_by,
    r.workflow_run_id,
    r.step_key,
    now,
    now,
  );
  for (const dep of deps) sql.exec("INSERT OR IGNORE INTO task_deps (depends_on, task_id) VALUES (?, ?)", dep, id);
  co.stage({
    actor,
    action: "coordination.task_created",
    target: { type: "task", id },
    details: {
      title: r.title,
      priority: r.priority,
      assignee: r.assignee,
      capability: r.capability,
      dependsOn: deps,
      state: r.state,
      workflowRunId: r.workflow_run_id,
    },
  });
  return ok(toTask(getTaskRow(sql, id)!));
}

/** Re-delivers (or dead-letters) every lease past its deadline. Returns the tasks that went dead. */
export function expireLeases(co: CoordState, now: number): TaskRow[] {
  const { sql } = co;
  const expired = sql.exec<TaskRow>("SELECT * FROM tasks WHERE state = 'claimed' AND lease_expires_at <= ?", now).toArray();
  const dead: TaskRow[] = [];
  for (const t of expired) {
    const toDead = t.attempts >= t.max_attempts;
    sql.exec(
      "UPDATE tasks SET state = ?, claimed_by = NULL, claim_token = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ? WHERE id = ?",
      toDead ? "dead" : "queued",
      `visibility timeout: not completed within ${t.visibility_ms} ms by ${t.claimed_by}`,
      now,
      t.id,
    );
    co.stage({
      actor: { type: "system", id: null, name: "coordinator" },
      action: toDead ? "coordination.task_dead_lettered" : "coordination.task_redelivered",
      target: { type: "task", id: t.id },
      details: { reason: "visibility_timeout", claimedBy: t.claimed_by, attempts: t.attempts, maxAttempts: t.max_attempts },
    });
    if (toDead) dead.push({ ...t, state: "dead" });
  }
  return dead;
}

export function nextLeaseExpiry(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>("SELECT min(lease_expires_at) AS t FROM tasks WHERE state = 'claimed'").one().t;
}

const CLAIM_SCAN = 50;

function creatorOf(t: TaskRow, members: MemberLookup): { agentId: string; role: AgentTemplate } | null {
  const creator = JSON.parse(t.created_by) as CoordActor;
  if (creator.type !== "agent" || !creator.id) return null;
  const role = members.role(creator.id);
  return role ? { agentId: creator.id, role } : null;
}

function mayClaimFrom(
  t: TaskRow,
  caller: Extract<Caller, { kind: "agent" }>,
  ctx: { allowlist: CompiledAllowlist; members: MemberLookup },
): boolean {
  return mayCoordinate(caller, "task.claim", { allowlist: ctx.allowlist, from: creatorOf(t, ctx.members) }).ok;
}

export function claimTask(
  co: CoordState,
  caller: Extract<Caller, { kind: "agent" }>,
  input: { taskId?: string; capabilities: string[] },
  ctx: { allowlist: CompiledAllowlist; members: MemberLookup },
  now: number,
): CoordResult<Task | null> {
  const { sql } = co;
  const caps = [...new Set([caller.role, ...input.capabilities])];
  const capsSql = caps.map(() => "?").join(",");
  let candidates: TaskRow[];
  if (input.taskId) {
    const t = getTaskRow(sql, input.taskId);
    if (!t) return fail("not_found", "No such task in this team.", { taskId: input.taskId });
    if (t.state !== "queued") return fail("conflict", `The task is ${t.state}, not queued.`, { state: t.state, claimedBy: t.claimed_by });
    if (t.assignee && t.assignee !== caller.agentId)
      return fail("forbidden", "The task is assigned to another agent.", { assignee: t.assignee });
    if (t.capability && !caps.includes(t.capability))
      return fail("forbidden", `The task wants the capability ${t.capability}.`, { capability: t.capability });
    candidates = [t];
  } else {
    // Usually the first candidate is allowed: read a few rows, and more only if the allowlist refused them.
    const scan = (limit: number) =>
      sql
        .exec<TaskRow>(
          `SELECT * FROM tasks WHERE state = 'queued' AND (assignee IS NULL OR assignee = ?) AND (capability IS NULL OR capability IN (${capsSql})) ORDER BY priority DESC, seq LIMIT ${limit}`,
          caller.agentId,
          ...caps,
        )
        .toArray();
    candidates = scan(4);
    if (candidates.length === 4 && !candidates.some((t) => mayClaimFrom(t, caller, ctx))) candidates = scan(CLAIM_SCAN);
  }
  for (const t of candidates) {
    const decision = mayCoordinate(caller, "task.claim", { allowlist: ctx.allowlist, from: creatorOf(t, ctx.members) });
    if (!decision.ok) {
      if (input.taskId) {
        co.stage({
          actor: actorOf(caller),
          action: "coordination.task_claim_denied",
          target: { type: "task", id: t.id },
          outcome: "denied",
          details: { reason: decision.code, ...decision.details },
        });
        return fail(decision.code, decision.message, decision.details);
      }
      continue;
    }
    const token = crypto.randomUUID();
    const lease = now + t.visibility_ms;
    sql.exec(
      "UPDATE tasks SET state = 'claimed', attempts = attempts + 1, claimed_by = ?, claim_token = ?, lease_expires_at = ?, updated_at = ? WHERE id = ?",
      caller.agentId,
      token,
      lease,
      now,
      t.id,
    );
    co.stage({
      actor: actorOf(caller),
      action: "coordination.task_claimed",
      target: { type: "task", id: t.id },
      details: { attempt: t.attempts + 1, leaseExpiresAt: iso(lease) },
    });
    return ok(
      toTask(
        {
          ...t,
          state: "claimed",
          attempts: t.attempts + 1,
          claimed_by: caller.agentId,
          claim_token: token,
          lease_expires_at: lease,
          updated_at: now,
        },
        true,
      ),
    );
  }
  return ok(null);
}

function leased(sql: SqlStorage, caller: Caller, taskId: string, claimToken: string, now: number): CoordResult<TaskRow> {
  const t = getTaskRow(sql, taskId);
  if (!t) return fail("not_found", "No such task in this team.", { taskId });
  const who = caller.kind === "agent" ? caller.agentId : null;
  if (t.state !== "claimed" || t.claim_token !== claimToken || t.claimed_by !== who || (t.lease_expires_at ?? 0) <= now) {
    return fail("lease_lost", "This claim is no longer yours: it expired and was re-delivered, or the task was settled or cancelled.", {
      taskId,
      state: t.state,
    });
  }
  return ok(t);
}

export function completeTask(
  co: CoordState,
  caller: Caller,
  input: { taskId: string; claimToken: string; result?: unknown },
  now: number,
): CoordResult<{ task: Task; unblocked: string[] }> {
  const { sql } = co;
  const l = leased(sql, caller, input.taskId, input.claimToken, now);
  if (!l.ok) return l;
  const result = input.result === undefined ? null : JSON.stringify(input.result);
  if (result !== null && result.length > TASK_LIMITS.maxBodyBytes)
    return fail("payload_too_large", `The result is larger than ${TASK_LIMITS.maxBodyBytes} bytes of JSON.`, {
      maxBytes: TASK_LIMITS.maxBodyBytes,
    });
  sql.exec(
    "UPDATE tasks SET state = 'completed', result = ?, claim_token = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?",
    result,
    now,
    input.taskId,
  );
  const unblocked: string[] = [];
  for (const { task_id } of sql.exec<{ task_id: string }>("SELECT task_id FROM task_deps WHERE depends_on = ?", input.taskId).toArray()) {
    const open = sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM task_deps d JOIN tasks t ON t.id = d.depends_on WHERE d.task_id = ? AND t.state != 'completed'",
        task_id,
      )
      .one().n;
    if (open === 0) {
      sql.exec("UPDATE tasks SET state = 'queued', updated_at = ? WHERE id = ? AND state = 'blocked'", now, task_id);
      unblocked.push(task_id);
    }
  }
  co.stage({
    actor: actorOf(caller),
    action: "coordination.task_completed",
    target: { type: "task", id: input.taskId },
    details: { attempts: l.value.attempts, unblocked, resultBytes: result?.length ?? 0 },
  });
  return ok({ task: toTask(getTaskRow(sql, input.taskId)!), unblocked });
}

export function failTask(
  co: CoordState,
  caller: Caller,
  input: { taskId: string; claimToken: string; error: string; retry: boolean },
  now: number,
): CoordResult<Task> {
  const { sql } = co;
  const l = leased(sql, caller, input.taskId, input.claimToken, now);
  if (!l.ok) return l;
  const toDead = !input.retry || l.value.attempts >= l.value.max_attempts;
  sql.exec(
    "UPDATE tasks SET state = ?, claimed_by = NULL, claim_token = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ? WHERE id = ?",
    toDead ? "dead" : "queued",
    input.error,
    now,
    input.taskId,
  );
  co.stage({
    actor: actorOf(caller),
    action: toDead ? "coordination.task_dead_lettered" : "coordination.task_failed",
    target: { type: "task", id: input.taskId },
    outcome: "failure",
    details: { attempts: l.value.attempts, maxAttempts: l.value.max_attempts, retry: input.retry, error: input.error.slice(0, 500) },
  });
  return ok(toTask(getTaskRow(sql, input.taskId)!));
}

/** People only (teams:write): cancel a task that is not settled; a dead one can be re-queued with `requeue`. */
export function cancelTask(co: CoordState, caller: Caller, taskId: string, now: number): CoordResult<Task> {
  const decision = mayCoordinate(caller, "task.cancel");
  if (!decision.ok) return fail(decision.code, decision.message, decision.details);
  const t = getTaskRow(co.sql, taskId);
  if (!t) return fail("not_found", "No such task in this team.", { taskId });
  if (t.state === "completed" || t.state === "cancelled") return fail("conflict", `The task is already ${t.state}.`, { state: t.state });
  co.sql.exec(
    "UPDATE tasks SET state = 'cancelled', claimed_by = NULL, claim_token = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?",
    now,
    taskId,
  );
  co.stage({
    actor: actorOf(caller),
    action: "coordination.task_cancelled",
    target: { type: "task", id: taskId },
    details: { previousState: t.state },
  });
  return ok(toTask(getTaskRow(co.sql, taskId)!));
}

/** People only: put a dead-lettered task back in the queue with its attempts reset. */
export function requeueTask(co: CoordState, caller: Caller, taskId: string, now: number): CoordResult<Task> {
  const decision = mayCoordinate(caller, "task.cancel");
  if (!decision.ok) return fail(decision.code, decision.message, decision.details);
  const t = getTaskRow(co.sql, taskId);
  if (!t) return fail("not_found", "No such task in this team.", { taskId });
  if (t.state !== "dead") return fail("conflict", `Only dead-lettered tasks can be re-queued; this one is ${t.state}.`, { state: t.state });
  co.sql.exec("UPDATE tasks SET state = 'queued', attempts = 0, updated_at = ? WHERE id = ?", now, taskId);
  co.stage({ actor: actorOf(caller), action: "coordination.task_requeued", target: { type: "task", id: taskId } });
  return ok(toTask(getTaskRow(co.sql, taskId)!));
}

export function listTasks(sql: SqlStorage, filter: { state?: TaskState; limit: number }): Task[] {
  const rows = filter.state
    ? sql.exec<TaskRow>("SELECT * FROM tasks WHERE state = ? ORDER BY seq DESC LIMIT ?", filter.state, filter.limit).toArray()
    : sql.exec<TaskRow>("SELECT * FROM tasks ORDER BY seq DESC LIMIT ?", filter.limit).toArray();
  return rows.map((r) => toTask(r));
}

export function taskCounts(sql: SqlStorage): Record<TaskState, number> {
  const counts = { blocked: 0, queued: 0, claimed: 0, completed: 0, dead: 0, cancelled: 0 } as Record<TaskState, number>;
  for (const r of sql.exec<{ state: TaskState; n: number }>("SELECT state, count(*) AS n FROM tasks GROUP BY state")) counts[r.state] = r.n;
  return counts;
}
