/**
 * The one lookup of "a team this caller may use": a live team of the route's tenant, once the
 * caller holds `permission` in the team's project (docs/projects.md). Anything else — another
 * tenant's team, a deleted one, or a team outside a project-bound key's project — is 404 "Team",
 * so the answer never tells which. Every team-scoped route (teams, relay, coordination) uses it.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import type { Permission } from "../../../shared/auth/permissions";
import { teams, type TeamRow } from "../../../shared/db/schema";
import { projectIdOf } from "../../../shared/projects";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { requireInProject, type ProjectAccessOptions } from "./projects";

export const liveTeam = (tenantId: string, teamId: string) =>
  and(eq(teams.id, teamId), eq(teams.tenantId, tenantId), isNull(teams.deletedAt));

export async function findTeamInScope(
  c: Context<AppEnv>,
  teamId: string,
  permission: Permission = "teams:read",
  options: ProjectAccessOptions = {},
): Promise<TeamRow> {
  const row = await c
    .get("db")
    .select()
    .from(teams)
    .where(liveTeam(c.get("tenantAccess").tenant.id, teamId))
    .get();
  if (!row) throw notFound("Team");
  await requireInProject(c, projectIdOf(row), permission, options).catch((err: unknown) => {
    throw err instanceof ApiError && err.code === "not_found" ? notFound("Team") : err;
  });
  return row;
}
