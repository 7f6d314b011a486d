/**
 * The skill runtime's HTTP surface (docs/skills.md#code):
 *
 * - agents (agent token, relay audience; a team token works too): list the tools of their
 *   installed skills and call one — the same service the MCP tools call;
 * - people: read a version's source (read-only), and the skill's recent invocations (its
 *   `skill.invoked` audit events).
 *
 * "Try it" is the dry run with `tool` (routes/skills.ts): the code runs in mock mode.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { verifyAgentToken } from "../../../shared/agent-identity/agent-token";
import { RELAY_AUDIENCE } from "../../../shared/agent-identity/claims";
import { agentTokenWireError } from "../../../shared/agent-identity/errors";
import { skills, skillVersions } from "../../../shared/db/schema";
import { listEntries } from "../services/audit-query";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { toIso } from "../../../shared/schemas/common";
import { SkillRecentInvocationSchema, SkillSourceSchema } from "../../../shared/schemas/skills";
import { ToolDefinitionSchema } from "../../../shared/skills/code/tools";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { bearerOf } from "../services/agent-caller";
import { apiPlatformHosts } from "../services/egress";
import { ensureCoreBundle } from "../services/skills";
import { loadCode } from "../skill-runtime/code-store";
import { installedTools, invokeSkillTool } from "../skill-runtime/invoke";

export const skillRuntimeRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Skills"];
const nameParam = z
  .string()
  .min(1)
  .max(64)
  .meta({ param: { name: "skillName", in: "path" }, example: "github" });
const toolParam = z
  .string()
  .min(1)
  .max(64)
  .meta({ param: { name: "tool", in: "path" }, example: "list_issues" });
const versionParam = z
  .string()
  .min(1)
  .max(64)
  .meta({ param: { name: "version", in: "path" }, example: "1.1.0" });

const CallableToolSchema = ToolDefinitionSchema.extend({ skill: z.string(), version: z.string(), mode: z.enum(["mock", "live"]) }).meta({
  id: "CallableSkillTool",
});
const InvokeInputSchema = z
  .object({
    input: z.unknown().meta({ description: "The tool's input (its input schema)." }),
    runId: z.string().min(1).max(128).optional().meta({
      description:
        "The run this call belongs to (or the `Switchboard-Run` header): recorded on the call and its egress calls, checked against the run's scope and counted against its budget (docs/runs.md).",
    }),
  })
  .strict()
  .meta({ id: "SkillInvokeInput" });
const InvocationSchema = z
  .object({
    id: z.string(),
    skill: z.string(),
    version: z.string(),
    tool: z.string(),
    mode: z.enum(["mock", "live"]),
    durationMs: z.number().int(),
    run: z.string().nullable(),
  })
  .meta({ id: "SkillInvocation" });
const AGENT_ERRORS = {
  401: jsonResponse(ErrorBodySchema, "`unauthenticated`: no agent token, or it is invalid."),
  403: jsonResponse(ErrorBodySchema, "`agent_suspended`; `egress_denied` never appears here (a refused call is the code's to handle)."),
  423: jsonResponse(ErrorBodySchema, "`safe_mode`: the tenant or one of the agent's teams is in safe mode."),
};

async function agentOf(env: Env, header: string | undefined) {
  const token = bearerOf(header);
  if (!token)
    throw new ApiError("unauthenticated", "Send the agent token as `Authorization: Bearer <token>`.", undefined, {
      "WWW-Authenticate": 'Bearer error="invalid_request"',
    });
  const result = await verifyAgentToken(env, token, { audience: RELAY_AUDIENCE });
  if (!result.ok) {
    const wire = agentTokenWireError(result);
    throw new ApiError(
      wire.code,
      wire.message,
      wire.details,
      wire.code === "unauthenticated" ? { "WWW-Authenticate": 'Bearer error="invalid_token"' } : undefined,
    );
  }
  return { agentId: result.claims.sub, tenantId: result.claims.tid };
}

skillRuntimeRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/agent/skills/tools",
    tags,
    summary: "The tools of the skills installed on the calling agent",
    description:
      "Every tool of every installed skill whose version has code and is not yanked, with its schemas. Authenticated by an agent token.",
    responses: { 200: jsonResponse(z.object({ data: z.array(CallableToolSchema) }), "Callable tools."), ...AGENT_ERRORS },
  }),
  async (c) => {
    const agent = await agentOf(c.env, c.req.header("authorization"));
    return c.json({ data: await installedTools(c.get("db"), agent.agentId) }, 200);
  },
);

skillRuntimeRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/agent/skills/{skillName}/tools/{tool}",
    tags,
    summary: "Call a tool of an installed skill",
    description:
      "Runs the tool's code in the skill version's isolate: its network is the egress proxy (the skill's declared hosts, its secrets injected and redacted, the agent's trust level and the install's mode), its env the manifest's settings. Input and output are validated against the tool's schemas. Audited (`skill.invoked`). Authenticated by an agent token.",
    request: { params: z.object({ skillName: nameParam, tool: toolParam }), body: jsonBody(InvokeInputSchema) },
    responses: {
      200: jsonResponse(z.object({ output: z.unknown(), invocation: InvocationSchema }), "The tool's output."),
      ...AGENT_ERRORS,
      402: jsonResponse(
        ErrorBodySchema,
        "`budget_exceeded`: a hard budget on skill invocations (the agent's, the tenant's or the plan's allowance) is used up this month (docs/billing.md).",
      ),
      404: jsonResponse(ErrorBodySchema, "`not_found` (the skill is not installed on this agent) or `skill_tool_not_found`."),
      409: jsonResponse(ErrorBodySchema, "`skill_version_yanked` or `skill_not_runnable` (a manifest-only version)."),
      502: jsonResponse(
        ErrorBodySchema,
        "`skill_failed`, `skill_cpu_limit`, `skill_memory_limit`, `skill_output_too_large`, `skill_output_invalid`.",
      ),
      503: jsonResponse(ErrorBodySchema, "`skill_runtime_unavailable`: this deployment cannot run code."),
      504: jsonResponse(ErrorBodySchema, "`skill_timeout`."),
    },
  }),
  async (c) => {
    const agent = await agentOf(c.env, c.req.header("authorization"));
    const { skillName, tool } = c.req.valid("param");
    const body = c.req.valid("json");
    const result = await invokeSkillTool(c.env, c.get("db"), (p) => c.executionCtx.waitUntil(p), {
      tenantId: agent.tenantId,
      agentId: agent.agentId,
      skill: skillName,
      tool,
      input: body.input ?? null,
      runId: body.runId ?? c.req.header("switchboard-run") ?? null,
      via: "http",
      platformHosts: apiPlatformHosts(c.req.url, c.env.ALLOWED_ORIGINS),
    });
    return c.json(result, 200);
  },
);

skillRuntimeRoutes.openapi(
  defineRoute("skills:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/skills/{skillName}/versions/{version}/source",
    tags,
    summary: "A version's code, read-only: its modules as published and its tools",
    request: { params: TenantParams.extend({ skillName: nameParam, version: versionParam }) },
    responses: {
      200: jsonResponse(SkillSourceSchema, "The source."),
      409: jsonResponse(ErrorBodySchema, "`skill_not_runnable`: a manifest-only version."),
    },
  }),
  async (c) => {
    const { skillName, version } = c.req.valid("param");
    const db = c.get("db");
    const tenantId = c.get("tenantAccess").tenant.id;
    await ensureCoreBundle(db, tenantId);
    const row = await db
      .select({ v: skillVersions })
      .from(skillVersions)
      .innerJoin(skills, eq(skills.id, skillVersions.skillId))
      .where(and(eq(skills.tenantId, tenantId), eq(skills.name, skillName), eq(skillVersions.version, version)))
      .get();
    if (!row) throw notFound("Skill version");
    if (!row.v.contentHash || !row.v.codeKey) throw new ApiError("skill_not_runnable", `${skillName}@${version} has no code.`);
    const code = await loadCode(c.env, row.v.codeKey, row.v.contentHash);
    c.header("Cache-Control", "private, max-age=3600, immutable");
    return c.json({ contentHash: row.v.contentHash, entry: code.entry, modules: code.modules, tools: code.tools }, 200);
  },
);

skillRuntimeRoutes.openapi(
  defineRoute("skills:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/skills/{skillName}/invocations",
    tags,
    summary: "The skill's recent invocations (its skill.invoked audit events, newest first, up to 50)",
    description: "From the audit trail's queryable window: invocations appear once the calling agent's gate has flushed (about a second).",
    request: { params: TenantParams.extend({ skillName: nameParam }) },
    responses: { 200: jsonResponse(z.object({ data: z.array(SkillRecentInvocationSchema) }), "Recent invocations.") },
  }),
  async (c) => {
    const { skillName } = c.req.valid("param");
    const db = c.get("db");
    const tenantId = c.get("tenantAccess").tenant.id;
    const skill = await db
      .select({ id: skills.id })
      .from(skills)
      .where(and(eq(skills.tenantId, tenantId), eq(skills.name, skillName)))
      .get();
    if (!skill) throw notFound("Skill");
    // Read through the tenant's ledger like every audit reader (services/audit-query).
    const rows = await listEntries(
      c.env,
      tenantId,
      { limit: 50, action: "skill.invoked", targetType: "skill", targetId: skill.id },
      undefined,
    );
    const data = rows.slice(0, 50).map((r) => {
      const d = r.details as Record<string, any>;
      return {
        id: String(d.invocationId ?? r.id),
        at: toIso(r.at),
        agentId: r.actor.id,
        version: String(d.version ?? ""),
        tool: String(d.tool ?? ""),
        outcome: r.outcome,
        error: d.error ?? null,
        durationMs: typeof d.durationMs === "number" ? d.durationMs : null,
        run: d.run ?? null,
        via: d.via ?? null,
      };
    });
    return c.json({ data }, 200);
  },
);
