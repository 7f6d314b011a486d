/**
 * Team membership (the team_agents link table), seen from either side. Links are only written
 * by conditional INSERT … SELECT statements that re-check, in the same statement, that the other
 * side is still live in the tenant: a team or agent deleted between our validation and the insert
 * can then never be left holding a link. Reads drop links to soft-deleted rows for the same reason.
 *
 * Id lists are bound as one JSON parameter (`json_each`) because D1 allows at most 100 bound
 * parameters per statement and a team may hold more agents than that.
 */
import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Database } from "../../../shared/db/client";
import { agents, teamAgents, teams } from "../../../shared/db/schema";
import { ApiError } from "../http/api-error";
import { inProject } from "./projects";

/** The project both sides of a link must share (a team's agents are all in the team's project). */
type Project = { id: string; isDefault: boolean };

/** `column IN (ids…)` with the whole list as a single bound parameter. */
export function inIds(column: SQLiteColumn, ids: readonly string[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

const liveTeamOf = (tenantId: string, project?: Project) =>
  and(eq(teams.tenantId, tenantId), isNull(teams.deletedAt), project ? inProject(teams.projectId, project) : undefined);
/** Only active agents may join a team: a suspended agent keeps its teams but gains no new ones. */
const joinableAgentOf = (tenantId: string, project?: Project) =>
  and(
    eq(agents.tenantId, tenantId),
    isNull(agents.deletedAt),
    eq(agents.status, "active"),
    project ? inProject(agents.projectId, project) : undefined,
  );

/** Throws 404 naming the first id that is not a live team of the tenant. */
export async function assertTeamsExist(db: Database, tenantId: string, teamIds: readonly string[], project?: Project): Promise<void> {
  if (teamIds.length === 0) return;
  const found = await db
    .select({ id: teams.id })
    .from(teams)
    .where(and(inIds(teams.id, teamIds), liveTeamOf(tenantId, project)))
    .all();
  const missing = firstMissing(teamIds, found);
  if (missing !== undefined) throw new ApiError("not_found", `Team ${missing} not found${project ? " in this project" : ""}.`);
}

/** Throws 404 naming the first id that is not an active, live agent of the tenant. */
export async function assertAgentsJoinable(db: Database, tenantId: string, agentIds: readonly string[], project?: Project): Promise<void> {
  if (agentIds.length === 0) return;
  const found = await db
    .select({ id: agents.id })
    .from(agents)
    .where(and(inIds(agents.id, agentIds), joinableAgentOf(tenantId, project)))
    .all();
  const missing = firstMissing(agentIds, found);
  if (missing !== undefined)
    throw new ApiError(
      "not_found",
      `Agent ${missing} not found${project ? " in the team's project" : ""}, or it is suspended (resume it to add it to a team).`,
    );
}

/** Links one agent to the given teams that are still live; returns the team ids actually linked. */
export async function linkAgentToTeams(
  db: Database,
  tenantId: string,
  agentId: string,
  teamIds: readonly string[],
  now: number,
  project?: Project,
): Promise<string[]> {
  if (teamIds.length === 0) return [];
  const rows = await db
    .insert(teamAgents)
    .select((qb) =>
      qb
        .select({ teamId: teams.id, agentId: sql<string>`${agentId}`.as("agent_id"), addedAt: sql<number>`${now}`.as("added_at") })
        .from(teams)
        .where(and(inIds(teams.id, teamIds), liveTeamOf(tenantId, project))),
    )
    .onConflictDoNothing()
    .returning({ teamId: teamAgents.teamId })
    .all();
  return rows.map((r) => r.teamId);
}

/** Links the given joinable agents to one team; returns the agent ids newly linked (existing links are kept as they are). */
export async function linkAgentsToTeam(
  db: Database,
  tenantId: string,
  teamId: string,
  agentIds: readonly string[],
  now: number,
  project?: Project,
): Promise<string[]> {
  if (agentIds.length === 0) return [];
  const rows = await db
    .insert(teamAgents)
    .select((qb) =>
      qb
        .select({ teamId: sql<string>`${teamId}`.as("team_id"), agentId: agents.id, addedAt: sql<number>`${now}`.as("added_at") })
        .from(agents)
        .where(and(inIds(agents.id, agentIds), joinableAgentOf(tenantId, project))),
    )
    .onConflictDoNothing()
    .returning({ agentId: teamAgents.agentId })
    .all();
  return rows.map((r) => r.agentId);
}

/** Team ids of each agent (live teams only, in creation order), for a page of agents in one query. */
export async function teamIdsByAgent(db: Database, agentIds: readonly string[]): Promise<Map<string, string[]>> {
  if (agentIds.length === 0) return new Map();
  const rows = await db
    .select({ key: teamAgents.agentId, value: teamAgents.teamId })
    .from(teamAgents)
    .innerJoin(teams, eq(teams.id, teamAgents.teamId))
    .where(and(inIds(teamAgents.agentId, agentIds), isNull(teams.deletedAt)))
    .orderBy(teamAgents.teamId)
    .all();
  return groupBy(rows);
}

/** Agent ids of each team (live agents only, in creation order), for a page of teams in one query. */
export async function agentIdsByTeam(db: Database, teamIds: readonly string[]): Promise<Map<string, string[]>> {
  if (teamIds.length === 0) return new Map();
  const rows = await db
    .select({ key: teamAgents.teamId, value: teamAgents.agentId })
    .from(teamAgents)
    .innerJoin(agents, eq(agents.id, teamAgents.agentId))
    .where(and(inIds(teamAgents.teamId, teamIds), isNull(agents.deletedAt)))
    .orderBy(teamAgents.agentId)
    .all();
  return groupBy(rows);
}

function groupBy(rows: Array<{ key: string; value: string }>): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const { key, value } of rows) {
    const list = grouped.get(key);
    if (list) list.push(value);
    else grouped.set(key, [value]);
  }
  return grouped;
}

function firstMissing(wanted: readonly string[], found: Array<{ id: string }>): string | undefined {
  const present = new Set(found.map((r) => r.id));
  return wanted.find((id) => !present.has(id));
}

/**
 * Runs the link step that follows a plan-limited insert (which has to be a statement of its own).
 * If linking fails, the freshly inserted row is removed again: the client saw an error and will
 * retry, and must not find a half-made twin counting against its plan.
 */
export async function linkOrUndo<T>(link: () => Promise<T>, undo: () => Promise<unknown>): Promise<T> {
  try {
    return await link();
  } catch (err) {
    await undo();
    throw err;
  }
}
