/**
 * Agents: a tenant's AI agents, each with a template, tool categories, a trust level and a secret.
 * The secret is returned only by create and rotate-secret and stored as a SHA-256 hash; every
 * other response carries just its prefix. Deleting is soft (the row stays for the audit trail)
 * and drops the agent's team memberships in the same batch.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { AgentTemplateSchema, TEMPLATE_DEFAULTS } from "../../../shared/agent-templates";
import { newId } from "../../../shared/crypto/ids";
import { agents, teamAgents, type AgentRow } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import {
  AgentSchema,
  AgentStatusSchema,
  AgentWithSecretSchema,
  CreateAgentInputSchema,
  UpdateAgentInputSchema,
} from "../../../shared/schemas/agents";
import { pageOf, PageQuerySchema } from "../../../shared/schemas/common";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { AgentParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { toAgent } from "../serializers";
import { reputationOfAgent, reputationsOf } from "../services/runs/reputation";
import { listProjectFilter, requireProjectForCreate } from "../services/projects";
import { projectIdOf } from "../../../shared/projects";
import { ProjectFilterQuerySchema } from "../../../shared/schemas/projects";
import { findAgentInScope as findAgent, liveAgent } from "../services/agent-scope";
import { newAgentSecret } from "../services/agent-secrets";
import { insertWithinPlanLimit } from "../services/plan-limits";
import { evictAgentFromRelays, updateAgentOnRelays } from "../services/relay";
import { invalidateEgressGates } from "../services/egress";
import { assertTeamsExist, linkAgentToTeams, linkOrUndo, teamIdsByAgent } from "../services/team-links";

export const agentsRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Agents"];
const AgentEnvelope = z.object({ agent: AgentSchema });
const AgentListQuerySchema = PageQuerySchema.extend(ProjectFilterQuerySchema.shape).extend({
  status: AgentStatusSchema.optional().meta({ description: "Only agents with this status." }),
  template: AgentTemplateSchema.optional().meta({ description: "Only agents made from this template." }),
});

agentsRoutes.openapi(
  defineRoute("agents:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/agents",
    tags,
    summary: "Create an agent; its secret is in this response only",
    description:
      "Tool categories default to the template's; trust level to the tenant's `defaultTrustLevel`. The agent is made in `projectId` (default: the API key's project, else the tenant's default project; 409 `project_archived` for an archived one); `teamIds` must be teams of that project.",
    request: { params: TenantParams, body: jsonBody(CreateAgentInputSchema) },
    responses: {
      201: jsonResponse(AgentWithSecretSchema, "Created. Store the secret now: it is never shown again."),
      402: jsonResponse(ErrorBodySchema, "`plan_limit_exceeded`: the plan's agent limit is reached."),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const teamIds = [...new Set(input.teamIds ?? [])];
    const project = await requireProjectForCreate(c, input.projectId, "agents:write");
    await assertTeamsExist(db, tenant.id, teamIds, project);
    const now = Date.now();
    const { secret, secretHash, secretPrefix } = await newAgentSecret();
    const row: AgentRow = {
      id: newId("agent", now),
      tenantId: tenant.id,
      name: input.name,
      description: input.description ?? "",
      template: input.template,
      toolCategories: input.toolCategories ?? [...TEMPLATE_DEFAULTS[input.template].tools],
      trustLevel: input.trustLevel ?? tenant.config.defaultTrustLevel,
      status: "active",
      secretHash,
      secretPrefix,
      secretRotatedAt: now,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      projectId: project.id,
    };
    await insertWithinPlanLimit(c, "agents", agents, row);
    const linked = await linkOrUndo(
      () => linkAgentToTeams(db, tenant.id, row.id, teamIds, now, project),
      () => db.delete(agents).where(eq(agents.id, row.id)),
    );
    linked.sort();
    await audit(c, {
      action: "agent.created",
      target: { type: "agent", id: row.id },
      details: {
        name: row.name,
        template: row.template,
        toolCategories: row.toolCategories,
        trustLevel: row.trustLevel,
        teamIds: linked,
        projectId: project.id,
      },
    });
    return c.json({ agent: toAgent(row, linked), secret }, 201);
  },
);

agentsRoutes.openapi(
  defineRoute("agents:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/agents",
    tags,
    summary: "List agents, oldest first",
    description:
      "With `projectId`, only that project's agents; without, those of every project the caller may see (a project-bound API key: its project).",
    request: { params: TenantParams, query: AgentListQuerySchema },
    responses: { 200: jsonResponse(pageOf(AgentSchema, "AgentPage"), "A page of agents.") },
  }),
  async (c) => {
    const { limit, cursor, status, template, projectId } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const inScope = await listProjectFilter(c, agents.projectId, "agents:read", projectId);
    const rows = await db
      .select()
      .from(agents)
      .where(
        and(
          eq(agents.tenantId, tenant.id),
          inScope,
          isNull(agents.deletedAt),
          after !== undefined ? gt(agents.id, after) : undefined,
          status !== undefined ? eq(agents.status, status) : undefined,
          template !== undefined ? eq(agents.template, template) : undefined,
        ),
      )
      .orderBy(asc(agents.id))
      .limit(limit + 1)
      .all();
    const teamIds = await teamIdsByAgent(
      db,
      rows.slice(0, limit).map((r) => r.id),
    );
    // Runs: each agent's reputation (docs/runs.md), one read for the page.
    const reputations = await reputationsOf(
      c.env,
      tenant.id,
      rows.slice(0, limit).map((r) => r.id),
    );
    return c.json(
      toPage(rows, limit, (r) => ({ ...toAgent(r, teamIds.get(r.id) ?? []), reputation: reputations.get(r.id)! })),
      200,
    );
  },
);

agentsRoutes.openapi(
  defineRoute("agents:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/agents/{agentId}",
    tags,
    summary: "Get an agent",
    request: { params: AgentParams },
    responses: { 200: jsonResponse(AgentEnvelope, "The agent.") },
  }),
  async (c) => {
    const agent = await findAgent(c, c.req.valid("param").agentId);
    const reputation = await reputationOfAgent(c.env, agent.tenantId, agent.id);
    return c.json({ agent: { ...(await withTeams(c, agent)), reputation } }, 200);
  },
);

agentsRoutes.openapi(
  defineRoute("agents:write", {
    method: "patch",
    path: "/v1/tenants/{tenantId}/agents/{agentId}",
    tags,
    summary: "Change an agent's name, description, template, tool categories or trust level",
    description:
      "A new template (the agent's role on allowlists) or trust level reaches the agent's open relay connections at once: role edges, its message rate and the broadcast right apply from its next frame.",
    request: { params: AgentParams, body: jsonBody(UpdateAgentInputSchema) },
    responses: { 200: jsonResponse(AgentEnvelope, "Updated.") },
  }),
  async (c) => {
    const { agentId } = c.req.valid("param");
    const input = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const before = await findAgent(c, agentId, "agents:write", { write: true });
    const updated = await c
      .get("db")
      .update(agents)
      .set({ ...input, updatedAt: Date.now() })
      .where(liveAgent(tenant.id, agentId))
      .returning()
      .get();
    if (!updated) throw notFound("Agent");
    const changed = Object.keys(input) as Array<keyof typeof input>;
    if (updated.template !== before.template || updated.trustLevel !== before.trustLevel) {
      const teamIds = (await teamIdsByAgent(c.get("db"), [agentId])).get(agentId) ?? [];
      await updateAgentOnRelays(c.env, tenant.id, teamIds, { agentId, role: updated.template, trust: updated.trustLevel });
    }
    // Egress hook: the trust level decides the agent's egress methods and limits.
    if (updated.trustLevel !== before.trustLevel) await invalidateEgressGates(c.env, [agentId]);
    await audit(c, {
      action: "agent.updated",
      target: { type: "agent", id: agentId },
      details: { changed, from: pick(before, changed), to: pick(updated, changed), projectId: projectIdOf(before) },
    });
    return c.json({ agent: await withTeams(c, updated) }, 200);
  },
);

agentsRoutes.openapi(
  defineRoute("agents:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/agents/{agentId}",
    tags,
    summary: "Delete an agent and remove it from its teams",
    request: { params: AgentParams },
    responses: { 204: { description: "Deleted." } },
  }),
  async (c) => {
    const { agentId } = c.req.valid("param");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const agent = await findAgent(c, agentId, "agents:write");
    const teamIds = (await teamIdsByAgent(db, [agent.id])).get(agent.id) ?? [];
    const now = Date.now();
    const [update] = await db.batch([
      db.update(agents).set({ deletedAt: now, updatedAt: now }).where(liveAgent(tenant.id, agent.id)),
      db.delete(teamAgents).where(eq(teamAgents.agentId, agent.id)),
    ]);
    if (update.meta.changes === 0) throw notFound("Agent");
    await evictAgentFromRelays(c.env, teamIds, agent.id, "removed");
    await invalidateEgressGates(c.env, [agent.id]);
    await audit(c, {
      action: "agent.deleted",
      target: { type: "agent", id: agent.id },
      details: { name: agent.name, removedFromTeams: teamIds, projectId: projectIdOf(agent) },
    });
    return c.body(null, 204);
  },
);

for (const to of ["suspended", "active"] as const) {
  const verb = to === "suspended" ? "suspend" : "resume";
  agentsRoutes.openapi(
    defineRoute("agents:write", {
      method: "post",
      path: `/v1/tenants/{tenantId}/agents/{agentId}/${verb}`,
      tags,
      summary: to === "suspended" ? "Suspend an agent: it can no longer get tokens or connect" : "Resume a suspended agent",
      request: { params: AgentParams },
      responses: {
        200: jsonResponse(AgentEnvelope, to === "suspended" ? "Suspended." : "Resumed."),
        409: jsonResponse(ErrorBodySchema, `\`conflict\`: the agent is ${to === "suspended" ? "already suspended" : "not suspended"}.`),
      },
    }),
    async (c) => {
      const { agentId } = c.req.valid("param");
      const { tenant } = c.get("tenantAccess");
      const from = to === "suspended" ? "active" : "suspended";
      // Suspending is a safety action and works in an archived project; resuming changes it, so it does not.
      const agent = await findAgent(c, agentId, "agents:write", { write: to === "active" });
      // Conditional on the current status, so of two racing requests exactly one changes it.
      const updated = await c
        .get("db")
        .update(agents)
        .set({ status: to, updatedAt: Date.now() })
        .where(and(liveAgent(tenant.id, agentId), eq(agents.status, from)))
        .returning()
        .get();
      if (!updated) {
        await findAgent(c, agentId);
        throw new ApiError(
          "conflict",
          to === "suspended" ? "The agent is already suspended." : "The agent is not suspended, so there is nothing to resume.",
          { status: to },
        );
      }
      if (to === "suspended")
        await evictAgentFromRelays(c.env, (await teamIdsByAgent(c.get("db"), [agentId])).get(agentId) ?? [], agentId, "suspended");
      const projectId = projectIdOf(agent);
      // Egress hook: the gate refuses a suspended agent's next call (and serves a resumed one).
      await invalidateEgressGates(c.env, [agentId]);
      await audit(
        c,
        to === "suspended"
          ? { action: "agent.suspended", target: { type: "agent", id: agentId }, severity: "warning", details: { projectId } }
          : { action: "agent.resumed", target: { type: "agent", id: agentId }, details: { projectId } },
      );
      return c.json({ agent: await withTeams(c, updated) }, 200);
    },
  );
}

agentsRoutes.openapi(
  defineRoute("agents:credentials", {
    method: "post",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/rotate-secret",
    tags,
    summary: "Replace an agent's secret; the old one stops working at once",
    request: { params: AgentParams },
    responses: { 200: jsonResponse(AgentWithSecretSchema, "Rotated. Store the new secret now: it is never shown again.") },
  }),
  async (c) => {
    const { agentId } = c.req.valid("param");
    const { tenant } = c.get("tenantAccess");
    const agent = await findAgent(c, agentId, "agents:credentials");
    const now = Date.now();
    const { secret, secretHash, secretPrefix } = await newAgentSecret();
    const updated = await c
      .get("db")
      .update(agents)
      .set({ secretHash, secretPrefix, secretRotatedAt: now, updatedAt: now })
      .where(liveAgent(tenant.id, agentId))
      .returning()
      .get();
    if (!updated) throw notFound("Agent");
    await audit(c, {
      action: "agent.secret_rotated",
      target: { type: "agent", id: agentId },
      severity: "warning",
      details: { secretPrefix, projectId: projectIdOf(agent) },
    });
    return c.json({ agent: await withTeams(c, updated), secret }, 200);
  },
);

async function withTeams(c: Context<AppEnv>, agent: AgentRow) {
  const teamIds = await teamIdsByAgent(c.get("db"), [agent.id]);
  return toAgent(agent, teamIds.get(agent.id) ?? []);
}

function pick<K extends keyof AgentRow>(row: AgentRow, keys: K[]): Pick<AgentRow, K> {
  return Object.fromEntries(keys.map((k) => [k, row[k]])) as Pick<AgentRow, K>;
}
