/**
 * Teams: named groups of a tenant's agents (each team gets its own relay later). An agent may be
 * in several teams. Membership changes go through services/team-links.ts, which re-checks both
 * sides inside the insert. Deleting a team is soft and drops its memberships in the same batch.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, eq, getTableColumns, gt, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { newId } from "../../../shared/crypto/ids";
import { agents, teamAgents, teams, type TeamRow } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { AgentSchema } from "../../../shared/schemas/agents";
import { pageOf, PageQuerySchema } from "../../../shared/schemas/common";
import { CreateTeamInputSchema, TeamSchema, UpdateTeamInputSchema } from "../../../shared/schemas/teams";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { TeamAgentParams, TeamParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { toAgent, toTeam } from "../serializers";
import { listProjectFilter, requireProjectForCreate } from "../services/projects";
import { defaultProjectId, projectIdOf } from "../../../shared/projects";
import { ProjectFilterQuerySchema } from "../../../shared/schemas/projects";
import { insertWithinPlanLimit } from "../services/plan-limits";
import { evictAgentFromRelays } from "../services/relay";
import { findTeamInScope as findTeam, liveTeam } from "../services/team-scope";
import { agentIdsByTeam, assertAgentsJoinable, linkAgentsToTeam, linkOrUndo, teamIdsByAgent } from "../services/team-links";

export const teamsRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Teams"];
const TeamEnvelope = z.object({ team: TeamSchema });
const TeamWithAgentsSchema = z.object({ team: TeamSchema, agents: z.array(AgentSchema) }).meta({ id: "TeamWithAgents" });

teamsRoutes.openapi(
  defineRoute("teams:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/teams",
    tags,
    summary: "Create a team, optionally with agents",
    description:
      "The team is made in `projectId` (default: the API key's project, else the tenant's default project); `agentIds` must be active agents of that project.",
    request: { params: TenantParams, body: jsonBody(CreateTeamInputSchema) },
    responses: {
      201: jsonResponse(TeamEnvelope, "Created."),
      402: jsonResponse(ErrorBodySchema, "`plan_limit_exceeded`: the plan's team limit is reached."),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const agentIds = [...new Set(input.agentIds ?? [])];
    const project = await requireProjectForCreate(c, input.projectId, "teams:write");
    await assertAgentsJoinable(db, tenant.id, agentIds, project);
    const now = Date.now();
    const row: TeamRow = {
      id: newId("team", now),
      tenantId: tenant.id,
      name: input.name,
      description: input.description ?? "",
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      projectId: project.id,
    };
    await insertWithinPlanLimit(c, "teams", teams, row);
    const linked = await linkOrUndo(
      () => linkAgentsToTeam(db, tenant.id, row.id, agentIds, now, project),
      () => db.delete(teams).where(eq(teams.id, row.id)),
    );
    linked.sort();
    await audit(c, {
      action: "team.created",
      target: { type: "team", id: row.id },
      details: { name: row.name, agentIds: linked, projectId: project.id },
    });
    return c.json({ team: toTeam(row, linked) }, 201);
  },
);

teamsRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/teams",
    tags,
    summary: "List teams, oldest first",
    description:
      "With `projectId`, only that project's teams; without, those of every project the caller may see (a project-bound API key: its project).",
    request: { params: TenantParams, query: PageQuerySchema.extend(ProjectFilterQuerySchema.shape) },
    responses: { 200: jsonResponse(pageOf(TeamSchema, "TeamPage"), "A page of teams.") },
  }),
  async (c) => {
    const { limit, cursor, projectId } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const inScope = await listProjectFilter(c, teams.projectId, "teams:read", projectId);
    const rows = await db
      .select()
      .from(teams)
      .where(and(eq(teams.tenantId, tenant.id), isNull(teams.deletedAt), inScope, after !== undefined ? gt(teams.id, after) : undefined))
      .orderBy(asc(teams.id))
      .limit(limit + 1)
      .all();
    const agentIds = await agentIdsByTeam(
      db,
      rows.slice(0, limit).map((r) => r.id),
    );
    return c.json(
      toPage(rows, limit, (r) => toTeam(r, agentIds.get(r.id) ?? [])),
      200,
    );
  },
);

teamsRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/teams/{teamId}",
    tags,
    summary: "Get a team with its member agents",
    request: { params: TeamParams },
    responses: { 200: jsonResponse(TeamWithAgentsSchema, "The team and its agents.") },
  }),
  async (c) => {
    const team = await findTeam(c, c.req.valid("param").teamId);
    const db = c.get("db");
    const members = await db
      .select(getTableColumns(agents))
      .from(teamAgents)
      .innerJoin(agents, eq(agents.id, teamAgents.agentId))
      .where(and(eq(teamAgents.teamId, team.id), isNull(agents.deletedAt)))
      .orderBy(asc(agents.id))
      .all();
    const teamIds = await teamIdsByAgent(
      db,
      members.map((a) => a.id),
    );
    return c.json(
      {
        team: toTeam(
          team,
          members.map((a) => a.id),
        ),
        agents: members.map((a) => toAgent(a, teamIds.get(a.id) ?? [])),
      },
      200,
    );
  },
);

teamsRoutes.openapi(
  defineRoute("teams:write", {
    method: "patch",
    path: "/v1/tenants/{tenantId}/teams/{teamId}",
    tags,
    summary: "Change a team's name or description",
    request: { params: TeamParams, body: jsonBody(UpdateTeamInputSchema) },
    responses: { 200: jsonResponse(TeamEnvelope, "Updated.") },
  }),
  async (c) => {
    const { teamId } = c.req.valid("param");
    const input = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const before = await findTeam(c, teamId, "teams:write", { write: true });
    const updated = await c
      .get("db")
      .update(teams)
      .set({ ...input, updatedAt: Date.now() })
      .where(liveTeam(tenant.id, teamId))
      .returning()
      .get();
    if (!updated) throw notFound("Team");
    const changed = Object.keys(input) as Array<keyof typeof input>;
    await audit(c, {
      action: "team.updated",
      target: { type: "team", id: teamId },
      details: {
        changed,
        from: Object.fromEntries(changed.map((k) => [k, before[k]])),
        to: Object.fromEntries(changed.map((k) => [k, updated[k]])),
        projectId: projectIdOf(before),
      },
    });
    return c.json({ team: await withAgents(c, updated) }, 200);
  },
);

teamsRoutes.openapi(
  defineRoute("teams:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/teams/{teamId}",
    tags,
    summary: "Delete a team; its agents stay, they just leave the team",
    request: { params: TeamParams },
    responses: { 204: { description: "Deleted." } },
  }),
  async (c) => {
    const { teamId } = c.req.valid("param");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const team = await findTeam(c, teamId, "teams:write");
    const agentIds = (await agentIdsByTeam(db, [team.id])).get(team.id) ?? [];
    const now = Date.now();
    const [update] = await db.batch([
      db.update(teams).set({ deletedAt: now, updatedAt: now }).where(liveTeam(tenant.id, team.id)),
      db.delete(teamAgents).where(eq(teamAgents.teamId, team.id)),
    ]);
    if (update.meta.changes === 0) throw notFound("Team");
    await Promise.all(agentIds.map((agentId) => evictAgentFromRelays(c.env, [team.id], agentId, "removed")));
    await audit(c, {
      action: "team.deleted",
      target: { type: "team", id: team.id },
      details: { name: team.name, removedAgentIds: agentIds, projectId: projectIdOf(team) },
    });
    return c.body(null, 204);
  },
);

teamsRoutes.openapi(
  defineRoute("teams:write", {
    method: "put",
    path: "/v1/tenants/{tenantId}/teams/{teamId}/agents/{agentId}",
    tags,
    summary: "Add an agent to a team (idempotent)",
    description:
      "The agent must be an active agent of the team's project. Adding an agent that is already a member changes nothing and answers 200.",
    request: { params: TeamAgentParams },
    responses: { 200: jsonResponse(TeamEnvelope, "The agent is a member of the team.") },
  }),
  async (c) => {
    const { teamId, agentId } = c.req.valid("param");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const team = await findTeam(c, teamId, "teams:write", { write: true });
    const project = { id: projectIdOf(team), isDefault: projectIdOf(team) === defaultProjectId(tenant.id) };
    const added = await linkAgentsToTeam(db, tenant.id, team.id, [agentId], Date.now(), project);
    const agentIds = (await agentIdsByTeam(db, [team.id])).get(team.id) ?? [];
    if (!agentIds.includes(agentId)) {
      // Nothing was linked and it is not already a member: say why.
      await assertAgentsJoinable(db, tenant.id, [agentId], project);
      throw notFound("Agent");
    }
    if (added.length > 0)
      await audit(c, { action: "team.agent_added", target: { type: "team", id: team.id }, details: { agentId, projectId: project.id } });
    return c.json({ team: toTeam(team, agentIds) }, 200);
  },
);

teamsRoutes.openapi(
  defineRoute("teams:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/teams/{teamId}/agents/{agentId}",
    tags,
    summary: "Remove an agent from a team",
    request: { params: TeamAgentParams },
    responses: { 204: { description: "Removed." } },
  }),
  async (c) => {
    const { teamId, agentId } = c.req.valid("param");
    const team = await findTeam(c, teamId, "teams:write");
    const removed = await c
      .get("db")
      .delete(teamAgents)
      .where(and(eq(teamAgents.teamId, team.id), eq(teamAgents.agentId, agentId)))
      .run();
    if (removed.meta.changes === 0) throw new ApiError("not_found", `Agent ${agentId} is not in this team.`);
    await evictAgentFromRelays(c.env, [team.id], agentId, "removed");
    await audit(c, {
      action: "team.agent_removed",
      target: { type: "team", id: team.id },
      details: { agentId, projectId: projectIdOf(team) },
    });
    return c.body(null, 204);
  },
);

async function withAgents(c: Context<AppEnv>, team: TeamRow) {
  const agentIds = await agentIdsByTeam(c.get("db"), [team.id]);
  return toTeam(team, agentIds.get(team.id) ?? []);
}
