/**
 * Coordination for agents over HTTP: locks, the work queue, hand-offs, memory, discovery,
 * guardrail checks and the agent's own audit trail, authenticated by a team agent token (the team
 * is the token's). The MCP tools (workers/api/src/mcp/) call the same coordinator RPCs with the
 * same caller, so both surfaces behave identically. Contract: docs/coordination.md.
 */
import { OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  AcquireLockInputSchema,
  ClaimTaskInputSchema,
  CompleteTaskInputSchema,
  CreateHandoffInputSchema,
  CreateTaskInputSchema,
  FailTaskInputSchema,
  HeartbeatInputSchema,
  LockHandleInputSchema,
  ReadHandoffsInputSchema,
  RecallInputSchema,
  RememberInputSchema,
  RenewLockInputSchema,
  TaskListQuerySchema,
} from "../../../shared/coordination/schemas";
import {
  AgentsEnvelope,
  ClaimEnvelope,
  CompleteEnvelope,
  DeletedEnvelope,
  HandoffEnvelope,
  HandoffsEnvelope,
  LockEnvelope,
  LocksEnvelope,
  MemoriesEnvelope,
  MemoryEnvelope,
  PresenceEnvelope,
  ReleasedEnvelope,
  TaskEnvelope,
  TasksEnvelope,
} from "../../../shared/coordination/envelopes";
import { GuardrailCheckInputSchema, GuardrailVerdictSchema, guardrailEngine } from "../../../shared/coordination/guardrails";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { AuditPageSchema } from "../../../shared/schemas/audit";
import type { AppEnv } from "../env";
import { decodeCursor, toPage } from "../http/pagination";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { agentFromToken, bearerOf, type AgentContext } from "../services/agent-caller";
import { listEntries } from "../services/audit-query";
import { coordinatorOf, unwrap } from "../services/coordination";
import { withReputation } from "../services/runs/reputation";

export const agentCoordinationRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Agent coordination"];
const AGENT_ERRORS = {
  401: jsonResponse(ErrorBodySchema, "`unauthenticated`: no agent token, or it is invalid (`details.reason`)."),
  403: jsonResponse(
    ErrorBodySchema,
    "`agent_suspended`; `forbidden` (not a team token, or a role/trust limit); `not_allowed` (the team's allowlist or the agent's trust level refuses it).",
  ),
};
const MemoryParams = z.object({
  memoryId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "memoryId", in: "path" }, example: "mem_01JD0000000000000000000000" }),
});
const TaskParams = z.object({
  taskId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "taskId", in: "path" }, example: "task_01JD0000000000000000000000" }),
});

export async function agentOf(c: Context<AppEnv>): Promise<AgentContext> {
  return agentFromToken(c.env, bearerOf(c.req.header("authorization")));
}

function route<P extends string, X extends Pick<RouteConfig, "request">, M extends "get" | "post" | "delete">(
  method: M,
  path: P,
  summary: string,
  description: string,
  extra: X,
  ok: ReturnType<typeof jsonResponse>,
  conflicts?: string,
) {
  return defineRoute("public", {
    method,
    path,
    tags,
    summary,
    description: `${description} Authenticated by a team agent token.`,
    ...extra,
    responses: { 200: ok, ...AGENT_ERRORS, ...(conflicts ? { 409: jsonResponse(ErrorBodySchema, conflicts) } : {}) },
  });
}

// ---- locks

agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/locks/acquire",
    "Acquire a lock",
    "Takes the named lock for `ttlMs` and answers a fencing token larger than any issued before in the team. With `waitMs`, waits for a held lock to be released or expire.",
    { request: { body: jsonBody(AcquireLockInputSchema) } },
    jsonResponse(LockEnvelope, "The lock you now hold."),
    "`lock_held`: held by someone else (`details.holder`, `details.expiresAt`).",
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ lock: unwrap(await coordinatorOf(c.env, a.team.teamId).acquireLock(a.team, a.caller, c.req.valid("json"))) }, 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/locks/release",
    "Release a lock",
    "Releases a lock you hold, named with the fencing token you got.",
    { request: { body: jsonBody(LockHandleInputSchema) } },
    jsonResponse(ReleasedEnvelope, "Released."),
    "`lease_lost`: you no longer hold it with that token (expired, taken over).",
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json(unwrap(await coordinatorOf(c.env, a.team.teamId).releaseLock(a.team, a.caller, c.req.valid("json"))), 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/locks/renew",
    "Renew a lock",
    "Extends a lock you hold to `ttlMs` from now; the fencing token stays the same.",
    { request: { body: jsonBody(RenewLockInputSchema) } },
    jsonResponse(LockEnvelope, "The renewed lock."),
    "`lease_lost`: you no longer hold it with that token.",
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ lock: unwrap(await coordinatorOf(c.env, a.team.teamId).renewLock(a.team, a.caller, c.req.valid("json"))) }, 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "get",
    "/v1/agent/locks",
    "List the team's held locks",
    "Every live lock in the team with its holder and fencing token.",
    {},
    jsonResponse(LocksEnvelope, "Held locks."),
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json(await coordinatorOf(c.env, a.team.teamId).listLocks(a.team), 200);
  },
);

// ---- tasks

agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/tasks",
    "Create a task",
    "Adds a task to the team's queue. An `assignee` must be reachable from you on the team's allowlist; trust level 0 may not create tasks.",
    { request: { body: jsonBody(CreateTaskInputSchema) } },
    jsonResponse(TaskEnvelope, "The task."),
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ task: unwrap(await coordinatorOf(c.env, a.team.teamId).createTask(a.team, a.caller, c.req.valid("json"))) }, 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/tasks/claim",
    "Claim a task",
    "Leases the highest-priority, oldest claimable task for you (or `taskId`): assigned to you or to nobody, wanting a capability you have, created by someone allowed to send you work. Exactly one concurrent claimer wins a task. Answers `claimToken`; complete or fail before `leaseExpiresAt` or it is re-delivered.",
    { request: { body: jsonBody(ClaimTaskInputSchema) } },
    jsonResponse(ClaimEnvelope, "The claimed task, or null."),
    "`conflict`: `taskId` is not queued.",
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ task: unwrap(await coordinatorOf(c.env, a.team.teamId).claimTask(a.team, a.caller, c.req.valid("json"))) }, 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/tasks/complete",
    "Complete a claimed task",
    "Settles your claim with a result (any JSON, ≤ 16 KiB). Tasks that depended on it become claimable.",
    { request: { body: jsonBody(CompleteTaskInputSchema) } },
    jsonResponse(CompleteEnvelope, "The completed task."),
    "`lease_lost`: the claim expired and was re-delivered, or the task was settled.",
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json(unwrap(await coordinatorOf(c.env, a.team.teamId).completeTask(a.team, a.caller, c.req.valid("json"))), 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/tasks/fail",
    "Fail a claimed task",
    "Gives the task back: re-queued while attempts remain (unless `retry: false`), else dead-lettered.",
    { request: { body: jsonBody(FailTaskInputSchema) } },
    jsonResponse(TaskEnvelope, "The task after the failure (`queued` or `dead`)."),
    "`lease_lost`: the claim is no longer yours.",
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ task: unwrap(await coordinatorOf(c.env, a.team.teamId).failTask(a.team, a.caller, c.req.valid("json"))) }, 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "get",
    "/v1/agent/tasks",
    "List the team's tasks",
    "Newest first, optionally by state, with counts per state.",
    { request: { query: TaskListQuerySchema } },
    jsonResponse(TasksEnvelope, "Tasks."),
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json(await coordinatorOf(c.env, a.team.teamId).listTasks(a.team, c.req.valid("query")), 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "get",
    "/v1/agent/tasks/{taskId}",
    "Get a task",
    "One task of the team.",
    { request: { params: TaskParams } },
    jsonResponse(TaskEnvelope, "The task."),
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ task: unwrap(await coordinatorOf(c.env, a.team.teamId).getTask(a.team, c.req.valid("param").taskId)) }, 200);
  },
);

// ---- hand-offs

agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/handoffs",
    "Hand off to another agent",
    "Leaves a structured hand-off (done, next, links, context) for `to`, which must be reachable from you on the team's allowlist. The same `key` to the same agent makes a new version.",
    { request: { body: jsonBody(CreateHandoffInputSchema) } },
    jsonResponse(HandoffEnvelope, "The hand-off."),
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ handoff: unwrap(await coordinatorOf(c.env, a.team.teamId).handoff(a.team, a.caller, c.req.valid("json"))) }, 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/handoffs/read",
    "Read hand-offs left for you",
    "Newest first; by default only unread ones. Each unread one returned gets its read receipt now (a POST: reading changes state).",
    { request: { body: jsonBody(ReadHandoffsInputSchema) } },
    jsonResponse(HandoffsEnvelope, "Hand-offs."),
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ handoffs: await coordinatorOf(c.env, a.team.teamId).readHandoffs(a.team, a.caller, c.req.valid("json")) }, 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "get",
    "/v1/agent/handoffs/sent",
    "Hand-offs you wrote",
    "Newest first, with read receipts.",
    {},
    jsonResponse(HandoffsEnvelope, "Hand-offs."),
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json(
      { handoffs: await coordinatorOf(c.env, a.team.teamId).listHandoffs(a.team, { fromId: a.caller.agentId, limit: 50 }) },
      200,
    );
  },
);

// ---- memory

agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/memory",
    "Remember something",
    "Stores an episodic, working or procedural entry in your private memory or the team's, with tags and an optional TTL, within the quota.",
    { request: { body: jsonBody(RememberInputSchema) } },
    jsonResponse(MemoryEnvelope, "The entry."),
    "`quota_exceeded`: the entry would pass the quota (`details`).",
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ memory: unwrap(await coordinatorOf(c.env, a.team.teamId).remember(a.team, a.caller, c.req.valid("json"))) }, 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/memory/recall",
    "Recall memories",
    "Your private entries and the team's: by full text (FTS5, ranked), by tags (all must match), by kind, else newest first.",
    { request: { body: jsonBody(RecallInputSchema) } },
    jsonResponse(MemoriesEnvelope, "Entries."),
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ memories: unwrap(await coordinatorOf(c.env, a.team.teamId).recall(a.team, a.caller, c.req.valid("json"))) }, 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "delete",
    "/v1/agent/memory/{memoryId}",
    "Forget a memory",
    "Deletes one of your private entries, or a team entry you wrote.",
    { request: { params: MemoryParams } },
    jsonResponse(DeletedEnvelope, "Deleted."),
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json(unwrap(await coordinatorOf(c.env, a.team.teamId).forget(a.team, a.caller, c.req.valid("param").memoryId)), 200);
  },
);

// ---- discovery

agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/heartbeat",
    "Heartbeat and advertise",
    "Marks you online and sets what you advertise: capabilities, a status line, your current task. Any coordination call also counts as a heartbeat.",
    { request: { body: jsonBody(HeartbeatInputSchema) } },
    jsonResponse(PresenceEnvelope, "Your presence."),
  ),
  async (c) => {
    const a = await agentOf(c);
    return c.json({ agent: await coordinatorOf(c.env, a.team.teamId).heartbeat(a.team, a.caller, c.req.valid("json")) }, 200);
  },
);
agentCoordinationRoutes.openapi(
  route(
    "get",
    "/v1/agent/agents",
    "Who is in the team",
    "Every agent of the team: template, trust, capabilities, online, last seen, status line, current task, and its reputation as a callee of runs (docs/runs.md).",
    {},
    jsonResponse(AgentsEnvelope, "Agents."),
  ),
  async (c) => {
    const a = await agentOf(c);
    // Runs: each agent's reputation as a callee (docs/runs.md), for choosing whom to invoke.
    const agents = await withReputation(c.env, a.team.tenantId, await coordinatorOf(c.env, a.team.teamId).listAgents(a.team, a.caller));
    return c.json({ agents }, 200);
  },
);

// ---- guardrails (docs/governance.md) and own audit trail

agentCoordinationRoutes.openapi(
  route(
    "post",
    "/v1/agent/guardrails/check",
    "Check an action against guardrails",
    "Asks, before acting, what the tenant's guardrail policy says about a command line, SQL or an HTTP call (see `action`): `allow`, `log`, `require_approval` or `block`, with the destructive operations found. Every check is an audit event (`guardrail.checked`). docs/governance.md.",
    { request: { body: jsonBody(GuardrailCheckInputSchema) } },
    jsonResponse(GuardrailVerdictSchema, "The verdict."),
  ),
  async (c) => {
    const a = await agentOf(c);
    const verdict = await guardrailEngine(c.env).check(
      { tenantId: a.team.tenantId, teamId: a.team.teamId, agentId: a.caller.agentId, trustLevel: a.caller.trust },
      c.req.valid("json"),
      "http",
      { ip: c.req.header("cf-connecting-ip") ?? null, userAgent: c.req.header("user-agent") ?? null },
    );
    return c.json(verdict, 200);
  },
);

const OwnAuditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(200).optional(),
    action: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
agentCoordinationRoutes.openapi(
  route(
    "get",
    "/v1/agent/audit",
    "Your own audit events",
    "Audit entries whose actor is you, newest first (no one else's).",
    { request: { query: OwnAuditQuery } },
    jsonResponse(AuditPageSchema, "A page of entries."),
  ),
  async (c) => {
    const a = await agentOf(c);
    const q = c.req.valid("query");
    const rows = await listEntries(
      c.env,
      a.team.tenantId,
      { limit: q.limit, actorType: "agent", actorId: a.caller.agentId, ...(q.action ? { action: q.action } : {}) },
      decodeCursor(q.cursor, "number"),
    );
    return c.json(
      toPage(
        rows,
        q.limit,
        (e) => e,
        (e) => e.seq,
      ),
      200,
    );
  },
);
