/**
 * A team's coordination state for people and API keys (the dashboard): the task board, locks
 * (force-release), hand-offs, the memory browser, who is online, workflow runs and settings.
 * Reads need teams:read; changes teams:write; force-release coordination:admin. Agents use
 * /v1/agent/* (agent-coordination.ts) or MCP. Contract: docs/coordination.md.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import {
  AgentsEnvelope,
  DeletedEnvelope,
  ForceReleasedEnvelope,
  HandoffsEnvelope,
  LocksEnvelope,
  MemoriesEnvelope,
  MemoryUsageEnvelope,
  TaskEnvelope,
  TasksEnvelope,
  WorkflowRunEnvelope,
  WorkflowRunsEnvelope,
} from "../../../shared/coordination/envelopes";
import {
  CoordinationSettingsSchema,
  CreateTaskInputSchema,
  LabelSchema,
  LockNameSchema,
  MemoryKindSchema,
  TaskListQuerySchema,
} from "../../../shared/coordination/schemas";
import { StartWorkflowInputSchema, WORKFLOW_TEMPLATES, WorkflowTemplateSchema } from "../../../shared/coordination/workflow-templates";
import type { AppEnv } from "../env";
import { TeamParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { coordinatorOf, personCaller, teamOf, unwrap } from "../services/coordination";

export const coordinationRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Coordination"];
const base = "/v1/tenants/{tenantId}/teams/{teamId}/coordination";
const id = (name: string, example: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name, in: "path" }, example });
const TaskParams = TeamParams.extend({ taskId: id("taskId", "task_01JD0000000000000000000000") });
const MemoryParams = TeamParams.extend({ memoryId: id("memoryId", "mem_01JD0000000000000000000000") });
const RunParams = TeamParams.extend({ runId: id("runId", "wfr_01JD0000000000000000000000") });
const Limit = z.coerce.number().int().min(1).max(200).default(50);

coordinationRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: `${base}/locks`,
    tags,
    summary: "List a team's held locks",
    description: "Live locks with holder, fencing token and expiry, and the team's fencing counter.",
    request: { params: TeamParams },
    responses: { 200: jsonResponse(LocksEnvelope, "Held locks.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json(await coordinatorOf(c.env, team.teamId).listLocks(team), 200);
  },
);

coordinationRoutes.openapi(
  defineRoute("coordination:admin", {
    method: "post",
    path: `${base}/locks/force-release`,
    tags,
    summary: "Force-release a lock",
    description:
      "Frees a lock whoever holds it (e.g. a crashed agent holding a long TTL). The holder's fencing token is then stale: the next acquirer gets a larger one. Audited as `coordination.lock_force_released`.",
    request: { params: TeamParams, body: jsonBody(z.object({ name: LockNameSchema }).strict()) },
    responses: { 200: jsonResponse(ForceReleasedEnvelope, "Whether a live lock was released, and which.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json(unwrap(await coordinatorOf(c.env, team.teamId).forceReleaseLock(team, personCaller(c), c.req.valid("json").name)), 200);
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: `${base}/tasks`,
    tags,
    summary: "List a team's tasks",
    description: "Newest first, optionally by state, with counts per state (the task board).",
    request: { params: TeamParams, query: TaskListQuerySchema },
    responses: { 200: jsonResponse(TasksEnvelope, "Tasks.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json(await coordinatorOf(c.env, team.teamId).listTasks(team, c.req.valid("query")), 200);
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:write", {
    method: "post",
    path: `${base}/tasks`,
    tags,
    summary: "Create a task",
    description: "Adds a task to the team's queue (people are not bound by the agents' allowlist).",
    request: { params: TeamParams, body: jsonBody(CreateTaskInputSchema) },
    responses: { 201: jsonResponse(TaskEnvelope, "The task.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json({ task: unwrap(await coordinatorOf(c.env, team.teamId).createTask(team, personCaller(c), c.req.valid("json"))) }, 201);
  },
);

for (const action of ["cancel", "requeue"] as const) {
  coordinationRoutes.openapi(
    defineRoute("teams:write", {
      method: "post",
      path: `${base}/tasks/{taskId}/${action}`,
      tags,
      summary: action === "cancel" ? "Cancel a task" : "Re-queue a dead-lettered task",
      description:
        action === "cancel"
          ? "Cancels a task that is not completed; a live claim on it stops working (`lease_lost`)."
          : "Puts a `dead` task back in the queue with its attempts reset.",
      request: { params: TaskParams },
      responses: { 200: jsonResponse(TaskEnvelope, "The task.") },
    }),
    async (c) => {
      const { teamId, taskId } = c.req.valid("param");
      const team = await teamOf(c, teamId);
      const coordinator = coordinatorOf(c.env, team.teamId);
      const result =
        action === "cancel"
          ? await coordinator.cancelTask(team, personCaller(c), taskId)
          : await coordinator.requeueTask(team, personCaller(c), taskId);
      return c.json({ task: unwrap(result) }, 200);
    },
  );
}

coordinationRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: `${base}/handoffs`,
    tags,
    summary: "List a team's hand-offs",
    description: "Newest first, with versions and read receipts; filter by recipient or key.",
    request: {
      params: TeamParams,
      query: z.object({ to: z.string().max(64).optional(), key: LabelSchema.optional(), limit: Limit }).strict(),
    },
    responses: { 200: jsonResponse(HandoffsEnvelope, "Hand-offs.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    const q = c.req.valid("query");
    return c.json(
      { handoffs: await coordinatorOf(c.env, team.teamId).listHandoffs(team, { toAgent: q.to, key: q.key, limit: q.limit }) },
      200,
    );
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: `${base}/memory`,
    tags,
    summary: "Browse and search a team's memory",
    description:
      "Team entries and every agent's private entries. `q`: full text (FTS5); `tags`: comma-separated, all must match; otherwise newest first.",
    request: {
      params: TeamParams,
      query: z
        .object({
          q: z.string().max(500).optional(),
          tags: z.string().max(500).optional(),
          kind: MemoryKindSchema.optional(),
          scope: z.enum(["agent", "team", "all"]).default("all"),
          limit: z.coerce.number().int().min(1).max(100).default(50),
        })
        .strict(),
    },
    responses: { 200: jsonResponse(MemoriesEnvelope, "Entries.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    const q = c.req.valid("query");
    const tags = q.tags
      ? q.tags
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean)
      : undefined;
    return c.json(
      {
        memories: unwrap(
          await coordinatorOf(c.env, team.teamId).recall(team, null, { query: q.q, tags, kind: q.kind, scope: q.scope, limit: q.limit }),
        ),
      },
      200,
    );
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: `${base}/memory/usage`,
    tags,
    summary: "Memory usage against quotas",
    description: "Bytes used by team memory and by each agent's private memory.",
    request: { params: TeamParams },
    responses: { 200: jsonResponse(MemoryUsageEnvelope, "Usage.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json(await coordinatorOf(c.env, team.teamId).memoryUsage(team), 200);
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:write", {
    method: "delete",
    path: `${base}/memory/{memoryId}`,
    tags,
    summary: "Delete a memory entry",
    description: "Any entry of the team, private or shared.",
    request: { params: MemoryParams },
    responses: { 200: jsonResponse(DeletedEnvelope, "Deleted.") },
  }),
  async (c) => {
    const { teamId, memoryId } = c.req.valid("param");
    const team = await teamOf(c, teamId);
    return c.json(unwrap(await coordinatorOf(c.env, team.teamId).forget(team, personCaller(c), memoryId)), 200);
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: `${base}/agents`,
    tags,
    summary: "Who is online",
    description: "The team's agents with capabilities, online, last seen, status line and current task.",
    request: { params: TeamParams },
    responses: { 200: jsonResponse(AgentsEnvelope, "Agents.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json({ agents: await coordinatorOf(c.env, team.teamId).listAgents(team, null) }, 200);
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: `${base}/workflow-templates`,
    tags,
    summary: "Workflow templates",
    description: "The templates a run can be started from.",
    request: { params: TeamParams },
    responses: { 200: jsonResponse(z.object({ templates: z.array(WorkflowTemplateSchema) }), "Templates.") },
  }),
  async (c) => {
    await teamOf(c, c.req.valid("param").teamId);
    return c.json(
      {
        templates: Object.values(WORKFLOW_TEMPLATES).map((t) => ({
          ...t,
          steps: t.steps.map((s) => ({ ...s, dependsOn: "dependsOn" in s ? [...s.dependsOn] : undefined })),
        })),
      },
      200,
    );
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:write", {
    method: "post",
    path: `${base}/workflows`,
    tags,
    summary: "Start a workflow run",
    description:
      "Creates every step's task (chained by dependencies, assigned to the team's agent of each role) and starts the run. Hand-offs follow as steps complete; watch it with GET …/workflows/{runId}.",
    request: { params: TeamParams, body: jsonBody(StartWorkflowInputSchema) },
    responses: { 201: jsonResponse(WorkflowRunEnvelope, "The run.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json({ run: unwrap(await coordinatorOf(c.env, team.teamId).startWorkflow(team, personCaller(c), c.req.valid("json"))) }, 201);
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: `${base}/workflows`,
    tags,
    summary: "List workflow runs",
    description: "Newest first, with each step's task state.",
    request: { params: TeamParams, query: z.object({ limit: Limit }).strict() },
    responses: { 200: jsonResponse(WorkflowRunsEnvelope, "Runs.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json({ runs: await coordinatorOf(c.env, team.teamId).listWorkflowRuns(team, c.req.valid("query").limit) }, 200);
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: `${base}/workflows/{runId}`,
    tags,
    summary: "Get a workflow run",
    description: "The run with each step's task, state, assignee and hand-off.",
    request: { params: RunParams },
    responses: { 200: jsonResponse(WorkflowRunEnvelope, "The run.") },
  }),
  async (c) => {
    const { teamId, runId } = c.req.valid("param");
    const team = await teamOf(c, teamId);
    return c.json({ run: unwrap(await coordinatorOf(c.env, team.teamId).getWorkflowRun(team, runId)) }, 200);
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: `${base}/settings`,
    tags,
    summary: "Coordination settings",
    description: "Default lock TTL, task visibility timeout and attempts, team memory quota.",
    request: { params: TeamParams },
    responses: { 200: jsonResponse(z.object({ settings: CoordinationSettingsSchema }), "Settings.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json({ settings: await coordinatorOf(c.env, team.teamId).getSettings(team) }, 200);
  },
);

coordinationRoutes.openapi(
  defineRoute("teams:write", {
    method: "put",
    path: `${base}/settings`,
    tags,
    summary: "Replace coordination settings",
    description: "Omitted fields take their defaults. Audited when something changes.",
    request: { params: TeamParams, body: jsonBody(CoordinationSettingsSchema) },
    responses: { 200: jsonResponse(z.object({ settings: CoordinationSettingsSchema }), "Settings.") },
  }),
  async (c) => {
    const team = await teamOf(c, c.req.valid("param").teamId);
    return c.json({ settings: await coordinatorOf(c.env, team.teamId).putSettings(team, personCaller(c), c.req.valid("json")) }, 200);
  },
);
