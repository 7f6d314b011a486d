/**
 * The A2A SDK's `TaskStore` on D1 (table `a2a_tasks`): the SDK's InMemoryTaskStore lives in one
 * isolate's memory, so a `GetTask` served by another isolate (or after eviction) would not find
 * the task. A store is made per request for one owner — the callee agent of the URL and the
 * caller agent of the token, in one tenant — and every read and write is scoped to that owner:
 * another agent (or another tenant) asking for the same task id gets "task not found".
 * Tasks are kept as A2A JSON (`Task.toJSON`), the wire form, so a row reads like the API answer.
 */
import { Task, TaskState, type ListTasksRequest, type ListTasksResponse } from "@a2a-js/sdk";
import type { ServerCallContext, TaskStore } from "@a2a-js/sdk/server";

export interface TaskOwner {
  tenantId: string;
  /** The callee: the agent whose A2A endpoint was called. */
  agentId: string;
  /** The caller: the agent of the bearer token. */
  callerAgentId: string;
}

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 50;

export class D1TaskStore implements TaskStore {
  constructor(
    private readonly db: D1Database,
    private readonly owner: TaskOwner,
  ) {}

  async save(task: Task, _context: ServerCallContext): Promise<void> {
    const { tenantId, agentId, callerAgentId } = this.owner;
    const now = Date.now();
    const state = TaskState[task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED] ?? "TASK_STATE_UNSPECIFIED";
    // The id is the SDK's (a UUID); an existing id owned by someone else is left alone (no takeover).
    // A task in a terminal state stays there (first end wins): a reply arriving after a CancelTask
    // does not turn a CANCELED task into a COMPLETED one.
    await this.db
      .prepare(
        `INSERT INTO a2a_tasks (id, tenant_id, agent_id, caller_agent_id, context_id, state, task, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, task = excluded.task, context_id = excluded.context_id, updated_at = excluded.updated_at
           WHERE a2a_tasks.tenant_id = excluded.tenant_id AND a2a_tasks.agent_id = excluded.agent_id AND a2a_tasks.caller_agent_id = excluded.caller_agent_id
             AND a2a_tasks.state NOT IN ('TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED')`,
      )
      .bind(task.id, tenantId, agentId, callerAgentId, task.contextId, state, JSON.stringify(Task.toJSON(task)), now)
      .run();
  }

  async load(taskId: string, _context: ServerCallContext): Promise<Task | undefined> {
    const { tenantId, agentId, callerAgentId } = this.owner;
    const row = await this.db
      .prepare("SELECT task FROM a2a_tasks WHERE id = ?1 AND tenant_id = ?2 AND agent_id = ?3 AND caller_agent_id = ?4")
      .bind(taskId, tenantId, agentId, callerAgentId)
      .first<{ task: string }>();
    return row ? Task.fromJSON(JSON.parse(row.task)) : undefined;
  }

  async list(params: ListTasksRequest, _context: ServerCallContext): Promise<ListTasksResponse> {
    const { tenantId, agentId, callerAgentId } = this.owner;
    const pageSize = Math.max(1, Math.min(params.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
    const offset = params.pageToken ? Math.max(0, Number.parseInt(params.pageToken, 10) || 0) : 0;
    const filters = ["tenant_id = ?1", "agent_id = ?2", "caller_agent_id = ?3"];
    const binds: unknown[] = [tenantId, agentId, callerAgentId];
    if (params.contextId) {
      binds.push(params.contextId);
      filters.push(`context_id = ?${binds.length}`);
    }
    if (params.status) {
      binds.push(TaskState[params.status]);
      filters.push(`state = ?${binds.length}`);
    }
    const where = filters.join(" AND ");
    const [count, rows] = await this.db.batch<{ n?: number; task?: string }>([
      this.db.prepare(`SELECT count(*) AS n FROM a2a_tasks WHERE ${where}`).bind(...binds),
      this.db
        .prepare(`SELECT task FROM a2a_tasks WHERE ${where} ORDER BY updated_at DESC, id DESC LIMIT ${pageSize + 1} OFFSET ${offset}`)
        .bind(...binds),
    ]);
    const totalSize = Number(count?.results[0]?.n ?? 0);
    const page = (rows?.results ?? []).map((r) => Task.fromJSON(JSON.parse(String(r.task))));
    const more = page.length > pageSize;
    const tasks = page.slice(0, pageSize).map((t) => (params.includeArtifacts ? t : { ...t, artifacts: [] }));
    return { tasks, nextPageToken: more ? String(offset + pageSize) : "", pageSize, totalSize };
  }
}
