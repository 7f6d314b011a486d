/**
 * The one lookup of "an agent this caller may act on": a live agent of the route's tenant, once
 * the caller holds `permission` in the agent's project (docs/projects.md). Anything else — another
 * tenant's agent, a deleted one, or an agent outside a project-bound key's project — is 404
 * "Agent", so the answer never tells which. Every agent-scoped route (agents, egress, skills) uses it.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import type { Permission } from "../../../shared/auth/permissions";
import { agents, type AgentRow } from "../../../shared/db/schema";
import { projectIdOf } from "../../../shared/projects";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { requireInProject, type ProjectAccessOptions } from "./projects";

export const liveAgent = (tenantId: string, agentId: string) =>
  and(eq(agents.id, agentId), eq(agents.tenantId, tenantId), isNull(agents.deletedAt));

export async function findAgentInScope(
  c: Context<AppEnv>,
  agentId: string,
  permission: Permission = "agents:read",
  options: ProjectAccessOptions = {},
): Promise<AgentRow> {
  const row = await c
    .get("db")
    .select()
    .from(agents)
    .where(liveAgent(c.get("tenantAccess").tenant.id, agentId))
    .get();
  if (!row) throw notFound("Agent");
  await requireInProject(c, projectIdOf(row), permission, options).catch((err: unknown) => {
    throw err instanceof ApiError && err.code === "not_found" ? notFound("Agent") : err;
  });
  return row;
}
