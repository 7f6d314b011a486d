/**
 * Hand-off documents: structured context one agent leaves for another (what was done, what is
 * next, links, JSON context). A thread is (key, recipient); each new hand-off in it is the next
 * version and older versions stay readable. The recipient's first read stamps `read_at` (the read
 * receipt), visible to the author and the dashboard.
 */
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import { newId } from "../../workers/shared/crypto/ids";
import { mayCoordinate, type Caller } from "../../workers/shared/coordination/policy";
import type { CoordActor, Handoff } from "../../workers/shared/coordination/schemas";
import type { CompiledAllowlist } from "../../workers/shared/relay/allowlist";
import { actorOf, fail, iso, isoOrNull, ok, type CoordResult, type CoordState } from "./context";
import type { MemberLookup } from "./tasks";

type HandoffRow = {
  seq: number;
  id: string;
  key: string;
  version: number;
  from_actor: string;
  from_id: string | null;
  to_agent: string;
  title: string;
  done: string;
  next: string;
  links: string;
  context: string;
  task_id: string | null;
  workflow_run_id: string | null;
  created_at: number;
  read_at: number | null;
};

export interface HandoffCreate {
  to: string;
  key?: string;
  title: string;
  done?: string;
  next?: string;
  links?: Array<{ title: string; url: string }>;
  context?: Record<string, unknown>;
  taskId?: string;
}

export const MAX_CONTEXT_BYTES = 16_384;

function toHandoff(r: HandoffRow): Handoff {
  return {
    id: r.id,
    key: r.key,
    version: r.version,
    from: JSON.parse(r.from_actor) as CoordActor,
    to: r.to_agent,
    title: r.title,
    done: r.done,
    next: r.next,
    links: JSON.parse(r.links) as Handoff["links"],
    context: JSON.parse(r.context) as Record<string, unknown>,
    taskId: r.task_id,
    workflowRunId: r.workflow_run_id,
    createdAt: iso(r.created_at),
    readAt: isoOrNull(r.read_at),
  };
}

export function createHandoff(
  co: CoordState,
  caller: Caller,
  input: HandoffCreate,
  ctx: { allowlist: CompiledAllowlist; members: MemberLookup },
  now: number,
  workflowRunId: string | null = null,
): CoordResult<Handoff> {
  const { sql } = co;
  const actor = actorOf(caller);
  const role: AgentTemplate | null = ctx.members.role(input.to);
  const decision = mayCoordinate(caller, "handoff.create", { allowlist: ctx.allowlist, target: role ? { agentId: input.to, role } : null });
  if (!decision.ok) {
    co.stage({
      actor,
      action: "coordination.handoff_denied",
      target: { type: "agent", id: input.to },
      outcome: "denied",
      details: { reason: decision.code, ...decision.details },
    });
    return fail(decision.code, decision.message, decision.details);
  }
  const context = JSON.stringify(input.context ?? {});
  if (context.length > MAX_CONTEXT_BYTES)
    return fail("payload_too_large", `context is larger than ${MAX_CONTEXT_BYTES} bytes of JSON.`, { maxBytes: MAX_CONTEXT_BYTES });
  const id = newId("handoff", now);
  const key = input.key ?? id;
  const version =
    sql.exec<{ v: number | null }>("SELECT max(version) AS v FROM handoffs WHERE key = ? AND to_agent = ?", key, input.to).one().v ?? 0;
  sql.exec(
    "INSERT INTO handoffs (id, key, version, from_actor, from_id, to_agent, title, done, next, links, context, task_id, workflow_run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    id,
    key,
    version + 1,
    JSON.stringify(actor),
    actor.id,
    input.to,
    input.title,
    input.done ?? "",
    input.next ?? "",
    JSON.stringify(input.links ?? []),
    context,
    input.taskId ?? null,
    workflowRunId,
    now,
  );
  co.stage({
    actor,
    action: "coordination.handoff_created",
    target: { type: "handoff", id },
    details: { to: input.to, key, version: version + 1, taskId: input.taskId ?? null, workflowRunId },
  });
  return ok(toHandoff(sql.exec<HandoffRow>("SELECT * FROM handoffs WHERE id = ?", id).one()));
}

/** The recipient reads its hand-offs; unread ones it returns get their read receipt now. */
export function readHandoffs(
  co: CoordState,
  caller: Extract<Caller, { kind: "agent" }>,
  input: { unreadOnly: boolean; key?: string; limit: number },
  now: number,
): Handoff[] {
  const { sql } = co;
  const where = ["to_agent = ?"];
  const args: unknown[] = [caller.agentId];
  if (input.unreadOnly) where.push("read_at IS NULL");
  if (input.key) where.push("key = ?"), args.push(input.key);
  const rows = sql
    .exec<HandoffRow>(`SELECT * FROM handoffs WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT ?`, ...args, input.limit)
    .toArray();
  const unread = rows.filter((r) => r.read_at === null);
  for (const r of unread) {
    sql.exec("UPDATE handoffs SET read_at = ? WHERE id = ?", now, r.id);
    r.read_at = now;
  }
  if (rows.length > 0)
    co.stage({
      actor: actorOf(caller),
      action: "coordination.handoffs_read",
      details: { ids: rows.map((r) => r.id), newlyRead: unread.map((r) => r.id) },
    });
  return rows.map(toHandoff);
}

/** Hand-offs the caller wrote (agents) or all of the team's (people), newest first. */
export function listHandoffs(sql: SqlStorage, filter: { fromId?: string; toAgent?: string; key?: string; limit: number }): Handoff[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.fromId) where.push("from_id = ?"), args.push(filter.fromId);
  if (filter.toAgent) where.push("to_agent = ?"), args.push(filter.toAgent);
  if (filter.key) where.push("key = ?"), args.push(filter.key);
  const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
  return sql
    .exec<HandoffRow>(`SELECT * FROM handoffs ${clause} ORDER BY seq DESC LIMIT ?`, ...args, filter.limit)
    .toArray()
    .map(toHandoff);
}
