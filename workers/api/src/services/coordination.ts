/**
 * The API's side of coordination: addressing a team's TeamCoordinator, turning its Result answers
 * into ApiErrors, and the caller for a person or API key acting on a team from the dashboard/API.
 */
import type { Context } from "hono";
import type { Caller } from "../../../shared/coordination/policy";
import type { CoordResult } from "../../../../durable-objects/team-coordinator/context";
import type { TeamCoordinator, TeamRef } from "../../../../durable-objects/team-coordinator/team-coordinator";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { actorOf } from "../http/audit";
import { requirePrincipal } from "../middleware/access";
import { findTeamInScope } from "./team-scope";

/**
 * The team's coordinator as its methods' own types. Workers' RPC stub type maps every answer
 * through its serialisability check, which turns fields typed `unknown` (a task's result, a
 * hand-off's JSON context) into `never`; the values themselves are plain JSON and cross intact.
 */
export type CoordinatorStub = {
  [K in keyof TeamCoordinator as TeamCoordinator[K] extends (...args: never[]) => unknown ? K : never]: TeamCoordinator[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

export function coordinatorOf(env: Env, teamId: string): CoordinatorStub {
  return env.TEAM_COORDINATOR.get(env.TEAM_COORDINATOR.idFromName(teamId)) as unknown as CoordinatorStub;
}

/** The value, or the coordinator's refusal as an ApiError (same code, message and details). */
export function unwrap<T>(result: CoordResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error.code, result.error.message, result.error.details);
}

export function personCaller(c: Context<AppEnv>): Caller {
  const principal = requirePrincipal(c);
  const actor = actorOf(principal);
  return {
    kind: "person",
    actor: { type: principal.type, id: actor.id, name: actor.name },
    admin: c.get("tenantAccess").permissions.has("coordination:admin"),
  };
}

/**
 * The route's team, in the route's tenant and within the caller's project scope (404 otherwise,
 * whatever the reason): reads need teams:read in the team's project, changes teams:write.
 */
export async function teamOf(c: Context<AppEnv>, teamId: string): Promise<TeamRef & { name: string; description: string }> {
  const writes = c.req.method !== "GET";
  const row = await findTeamInScope(c, teamId, writes ? "teams:write" : "teams:read", { write: writes });
  return { teamId: row.id, tenantId: row.tenantId, name: row.name, description: row.description };
}
