/**
 * Runs over HTTP (docs/runs.md): an agent invokes another (`POST /v1/agent/runs`, synchronous up to
 * the run's deadline) and reads runs it is part of; people and API keys list runs, read one with its
 * timeline, and export its signed provenance bundle. Every invocation goes through the runs service
 * (services/runs), as the MCP tool, the SDK and A2A do.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { InvokeAgentInputSchema, RunSchema, RunStatusSchema } from "../../../shared/runs/schemas";
import { LedgerEntrySchema } from "../../../shared/schemas/audit";
import { pageOf, PageQuerySchema } from "../../../shared/schemas/common";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { TenantParams } from "../http/params";
import { decodeCursor, toPage } from "../http/pagination";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { agentFromToken, bearerOf } from "../services/agent-caller";
import { invokeAgent, listRunRows, runBundle, runOf, runRow } from "../services/runs";
import { runAuditEntries } from "../services/runs/provenance";

export const runsRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Runs"];
const RunEnvelope = z.object({ run: RunSchema }).meta({ id: "RunEnvelope" });
const RunIdParam = z
  .string()
  .min(1)
  .max(64)
  .meta({ param: { name: "runId", in: "path" }, example: "run_01JD0000000000000000000000" });
const AGENT_ERRORS = {
  401: jsonResponse(ErrorBodySchema, "`unauthenticated`: no agent token, or it is invalid."),
  403: jsonResponse(ErrorBodySchema, "`agent_suspended`; `forbidden` (not a team token)."),
};

runsRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/agent/runs",
    tags,
    summary: "Invoke another agent as a run",
    description:
      "Starts a run: the input is delivered to the callee as a relay request (the team's allowlist decides), and the call waits for the callee's reply up to `budget.deadlineMs`. Answers the ended run whatever its status (`succeeded`, `failed`, `denied`, `timed_out`, `budget_exceeded`); errors only for a bad request, an unknown callee or parent run (404), or a parent run out of budget. Authenticated by a team agent token.",
    request: { body: jsonBody(InvokeAgentInputSchema) },
    responses: {
      201: jsonResponse(RunEnvelope, "The run, ended."),
      ...AGENT_ERRORS,
      409: jsonResponse(ErrorBodySchema, "`run_not_running`: the parent run has ended."),
      429: jsonResponse(ErrorBodySchema, "`run_budget_exceeded`: the parent run's budget is spent; `rate_limited`."),
    },
  }),
  async (c) => {
    const agent = await agentFromToken(c.env, bearerOf(c.req.header("authorization")));
    const via = c.req.header("x-switchboard-client")?.startsWith("sdk") ? "sdk" : "http";
    return c.json({ run: await invokeAgent(c.env, agent, c.req.valid("json"), { via }) }, 201);
  },
);

runsRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/agent/runs/{runId}",
    tags,
    summary: "A run you are the caller or callee of",
    description: "Authenticated by a team agent token; another agent's run is 404.",
    request: { params: z.object({ runId: RunIdParam }) },
    responses: { 200: jsonResponse(RunEnvelope, "The run."), ...AGENT_ERRORS },
  }),
  async (c) => {
    const agent = await agentFromToken(c.env, bearerOf(c.req.header("authorization")));
    const row = await runRow(c.env, agent.team.tenantId, c.req.valid("param").runId);
    const me = agent.caller.agentId;
    if (!row || (row.callerAgentId !== me && row.calleeAgentId !== me)) throw notFound("Run");
    return c.json({ run: runOf(row) }, 200);
  },
);

const RunListQuery = PageQuerySchema.extend({
  agentId: z.string().startsWith("agt_").max(64).optional().meta({ description: "Runs this agent called or was called in." }),
  status: RunStatusSchema.optional(),
  teamId: z.string().max(64).optional(),
  from: z.iso.datetime().optional().meta({ description: "Started at or after (ISO 8601)." }),
  to: z.iso.datetime().optional().meta({ description: "Started before (ISO 8601)." }),
});

runsRoutes.openapi(
  defineRoute("agents:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/runs",
    tags,
    summary: "List runs",
    description: "Newest first; filter by agent (caller or callee), status, team and start time.",
    request: { params: TenantParams, query: RunListQuery },
    responses: { 200: jsonResponse(pageOf(RunSchema, "RunPage"), "A page of runs (without outputs).") },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const rows = await listRunRows(c.env, c.get("tenantAccess").tenant.id, {
      limit: q.limit,
      ...(q.agentId ? { agentId: q.agentId } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.teamId ? { teamId: q.teamId } : {}),
      ...(q.from ? { fromMs: Date.parse(q.from) } : {}),
      ...(q.to ? { toMs: Date.parse(q.to) } : {}),
      ...(q.cursor ? { beforeId: decodeCursor(q.cursor) } : {}),
    });
    return c.json(
      toPage(rows, q.limit, (r) => runOf(r, false)),
      200,
    );
  },
);

const RunParams = TenantParams.extend({ runId: RunIdParam });

runsRoutes.openapi(
  defineRoute("agents:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/runs/{runId}",
    tags,
    summary: "A run, with its timeline",
    description:
      "The run (output included), its audit events in order (`timeline`: started, budget exceeded, finished — one entry per agent), the runs it started (`children`) and its signed provenance record once it has ended.",
    request: { params: RunParams },
    responses: {
      200: jsonResponse(
        z.object({
          run: RunSchema,
          timeline: z.array(LedgerEntrySchema),
          children: z.array(RunSchema),
          provenance: z.record(z.string(), z.unknown()).nullable(),
        }),
        "The run.",
      ),
    },
  }),
  async (c) => {
    const tenantId = c.get("tenantAccess").tenant.id;
    const row = await runRow(c.env, tenantId, c.req.valid("param").runId);
    if (!row) throw notFound("Run");
    const [timeline, children] = await Promise.all([
      runAuditEntries(c.env, row),
      c.env.DB.prepare("SELECT id FROM runs WHERE tenant_id = ? AND parent_run_id = ? ORDER BY id LIMIT 100")
        .bind(tenantId, row.id)
        .all<{ id: string }>(),
    ]);
    const kids = await Promise.all(children.results.map((k) => runRow(c.env, tenantId, k.id)));
    return c.json(
      {
        run: runOf(row),
        timeline,
        children: kids.filter((k) => k !== null).map((k) => runOf(k, false)),
        provenance: row.provenance ? ((JSON.parse(row.provenance) as { record: Record<string, unknown> }).record ?? null) : null,
      },
      200,
    );
  },
);

runsRoutes.openapi(
  defineRoute("audit:export", {
    method: "get",
    path: "/v1/tenants/{tenantId}/runs/{runId}/bundle",
    tags,
    summary: "Export a run's provenance bundle",
    description:
      "The run's input and output, its signed provenance record (compact JWS), the public key that signed it and the run's audit entries (whole blocks): what `switchboard-verify --run-bundle` checks offline. 409 `conflict` while the run is still running.",
    request: { params: RunParams },
    responses: {
      200: jsonResponse(z.record(z.string(), z.unknown()).meta({ id: "RunBundle" }), 'The bundle (docs/runs.md, "Provenance").'),
      409: jsonResponse(ErrorBodySchema, "`conflict`: the run has not ended (no provenance yet)."),
    },
  }),
  async (c) => {
    const tenantId = c.get("tenantAccess").tenant.id;
    const row = await runRow(c.env, tenantId, c.req.valid("param").runId);
    if (!row) throw notFound("Run");
    const bundle = await runBundle(c.env, row);
    if (!bundle) throw new ApiError("conflict", "The run has not ended yet: it has no provenance.", { status: row.status });
    c.header("content-disposition", `attachment; filename="${row.id}.bundle.json"`);
    return c.json(bundle, 200);
  },
);
