/**
 * Workflow runs (templates in workers/shared/coordination/workflow-templates.ts): a run row with
 * its steps, the steps' tasks in the queue, and hand-offs made as steps complete. The run's state
 * is advanced in the same synchronous write as the task event that moves it.
 */
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import { newId } from "../../workers/shared/crypto/ids";
import type { Caller } from "../../workers/shared/coordination/policy";
import type { CoordActor, WorkflowRun } from "../../workers/shared/coordination/schemas";
import { WORKFLOW_TEMPLATES, type StartWorkflowInput } from "../../workers/shared/coordination/workflow-templates";
import type { CompiledAllowlist } from "../../workers/shared/relay/allowlist";
import { actorOf, fail, iso, ok, type CoordResult, type CoordState } from "./context";
import { createHandoff } from "./handoffs";
import { cancelTask, createTask, getTaskRow, type MemberLookup, type TaskRow } from "./tasks";

interface StoredStep {
  key: string;
  title: string;
  role: AgentTemplate;
  taskId: string | null;
  assignee: string | null;
  handoffId: string | null;
  handoffError?: string | null;
}

type RunRow = {
  id: string;
  template: string;
  title: string;
  status: WorkflowRun["status"];
  started_by: string;
  params: string;
  steps: string;
  created_at: number;
  updated_at: number;
};

function toRun(sql: SqlStorage, r: RunRow): WorkflowRun {
  const steps = JSON.parse(r.steps) as StoredStep[];
  return {
    id: r.id,
    template: r.template,
    title: r.title,
    status: r.status,
    startedBy: JSON.parse(r.started_by) as CoordActor,
    steps: steps.map((s) => ({
      key: s.key,
      title: s.title,
      role: s.role,
      taskId: s.taskId,
      assignee: s.assignee,
      handoffId: s.handoffId,
      state: s.taskId ? (getTaskRow(sql, s.taskId)?.state ?? null) : null,
    })),
    params: JSON.parse(r.params) as Record<string, unknown>,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export function startRun(
  co: CoordState,
  caller: Caller,
  input: StartWorkflowInput,
  assignees: Partial<Record<AgentTemplate, string>>,
  ctx: { allowlist: CompiledAllowlist; members: MemberLookup },
  now: number,
): CoordResult<WorkflowRun> {
  const template = WORKFLOW_TEMPLATES[input.template];
  const runId = newId("workflowRun", now);
  const taskIds = new Map<string, string>();
  const steps: StoredStep[] = [];
  for (const step of template.steps) {
    const assignee = assignees[step.role] ?? null;
    const created = createTask(
      co,
      caller,
      {
        title: `${step.title}: ${input.title}`,
        body: `${step.body}${input.details ? `\n\n${input.details}` : ""}`,
        labels: [`workflow:${template.id}`, `step:${step.key}`],
        priority: "priority" in step ? step.priority : 5,
        ...(assignee ? { assignee } : { capability: step.role }),
        dependsOn: ("dependsOn" in step ? step.dependsOn : []).map((k) => taskIds.get(k)!),
        ...("visibilityTimeoutMs" in step ? { visibilityTimeoutMs: step.visibilityTimeoutMs } : {}),
      },
      ctx,
      now,
      { runId, stepKey: step.key },
    );
    if (!created.ok) return created;
    taskIds.set(step.key, created.value.id);
    steps.push({ key: step.key, title: step.title, role: step.role, taskId: created.value.id, assignee, handoffId: null });
  }
  co.sql.exec(
    "INSERT INTO workflow_runs (id, template, title, status, started_by, params, steps, created_at, updated_at) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)",
    runId,
    template.id,
    input.title,
    JSON.stringify(actorOf(caller)),
    JSON.stringify({ details: input.details, assignees }),
    JSON.stringify(steps),
    now,
    now,
  );
  co.stage({
    actor: actorOf(caller),
    action: "coordination.workflow_started",
    target: { type: "workflow_run", id: runId },
    details: { template: template.id, title: input.title, tasks: [...taskIds.values()] },
  });
  return ok(toRun(co.sql, co.sql.exec<RunRow>("SELECT * FROM workflow_runs WHERE id = ?", runId).one()));
}

function loadRun(sql: SqlStorage, id: string): RunRow | undefined {
  return sql.exec<RunRow>("SELECT * FROM workflow_runs WHERE id = ?", id).toArray()[0];
}

function saveRun(co: CoordState, run: RunRow, steps: StoredStep[], status: WorkflowRun["status"], now: number): void {
  co.sql.exec("UPDATE workflow_runs SET steps = ?, status = ?, updated_at = ? WHERE id = ?", JSON.stringify(steps), status, now, run.id);
  if (status !== run.status)
    co.stage({
      actor: { type: "system", id: null, name: "workflow" },
      action: `coordination.workflow_${status}`,
      target: { type: "workflow_run", id: run.id },
      details: { template: run.template },
    });
}

/** A step's task completed: hand off to the next steps' agents, settle approvals, finish the run. */
export function onTaskCompleted(
  co: CoordState,
  completer: Caller,
  task: TaskRow,
  result: unknown,
  ctx: { allowlist: CompiledAllowlist; members: MemberLookup },
  now: number,
): void {
  if (!task.workflow_run_id) return;
  const run = loadRun(co.sql, task.workflow_run_id);
  if (!run || run.status !== "running") return;
  const template = WORKFLOW_TEMPLATES[run.template as keyof typeof WORKFLOW_TEMPLATES];
  const steps = JSON.parse(run.steps) as StoredStep[];
  const stepTemplate = template?.steps.find((s) => s.key === task.step_key);
  if (
    stepTemplate &&
    "approval" in stepTemplate &&
    stepTemplate.approval &&
    (result as { approved?: unknown } | null)?.approved === false
  ) {
    for (const s of steps)
      if (s.taskId && s.taskId !== task.id && getTaskRow(co.sql, s.taskId)?.state !== "completed")
        cancelTask(co, { kind: "person", actor: { type: "system", id: null, name: "workflow" }, admin: true }, s.taskId, now);
    return saveRun(co, run, steps, "rejected", now);
  }
  const nextSteps = (template?.steps ?? []).filter(
    (s) => "dependsOn" in s && (s.dependsOn as readonly string[]).includes(task.step_key ?? ""),
  );
  for (const next of nextSteps) {
    const stored = steps.find((s) => s.key === next.key);
    if (!stored?.assignee) continue;
    const handoff = createHandoff(
      co,
      completer,
      {
        to: stored.assignee,
        key: `${run.id}:${next.key}`,
        title: `${next.title}: ${run.title}`,
        done: typeof result === "string" ? result : JSON.stringify(result ?? null),
        next: next.body,
        context: { workflowRunId: run.id, fromStep: task.step_key, result: result ?? null },
        taskId: stored.taskId ?? undefined,
      },
      ctx,
      now,
      run.id,
    );
    if (handoff.ok) stored.handoffId = handoff.value.id;
    else stored.handoffError = handoff.error.message;
  }
  const allDone = steps.every((s) => s.taskId === task.id || (s.taskId && getTaskRow(co.sql, s.taskId)?.state === "completed"));
  saveRun(co, run, steps, allDone ? "completed" : "running", now);
}

export function onTaskDead(co: CoordState, task: TaskRow, now: number): void {
  if (!task.workflow_run_id) return;
  const run = loadRun(co.sql, task.workflow_run_id);
  if (!run || run.status !== "running") return;
  saveRun(co, run, JSON.parse(run.steps) as StoredStep[], "failed", now);
}

export function listRuns(sql: SqlStorage, limit: number): WorkflowRun[] {
  return sql
    .exec<RunRow>("SELECT * FROM workflow_runs ORDER BY created_at DESC, id DESC LIMIT ?", limit)
    .toArray()
    .map((r) => toRun(sql, r));
}

export function getRun(sql: SqlStorage, id: string): CoordResult<WorkflowRun> {
  const r = loadRun(sql, id);
  return r ? ok(toRun(sql, r)) : fail("not_found", "No such workflow run in this team.", { id });
}
