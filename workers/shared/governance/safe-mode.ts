/**
 * Safe mode, the read side (docs/governance.md "Kill switch and safe mode"): is this agent held?
 * An agent is held while its tenant is in safe mode or any team it belongs to is — the same rule
 * at every enforcement point (token issue and verification, so the relay, MCP, the HTTP agent API
 * and the skill runtime; the egress proxy's EgressGate). Egress and tenant-wide tokens cannot be
 * told apart by team, so a team's safe mode holds its agents everywhere: it fails closed.
 *
 * The check is one correlated subquery on the primary key of `safe_modes`, folded into the D1
 * read each of those points already does for the agent's status — no extra round trip.
 */
import { sql, type SQL } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { safeModes, teamAgents, teams } from "../db/schema";

export type SafeModeHold = { scope: "tenant" } | { scope: "team"; teamId: string };

/**
 * A SQL expression for the agent's hold: the `scope_id` of a safe mode that covers it (the
 * tenant's own row first), or NULL when it is free.
 */
export function safeModeHoldSql(agentId: AnySQLiteColumn, tenantId: AnySQLiteColumn): SQL<string | null> {
  return sql<
    string | null
  >`(select ${safeModes.scopeId} from ${safeModes} where ${safeModes.tenantId} = ${tenantId} and (${safeModes.teamId} is null or ${safeModes.teamId} in (select ${teamAgents.teamId} from ${teamAgents} inner join ${teams} on ${teams.id} = ${teamAgents.teamId} where ${teamAgents.agentId} = ${agentId} and ${teams.deletedAt} is null)) order by ${safeModes.teamId} is not null limit 1)`;
}

/** The hold a `safeModeHoldSql` value stands for. */
export function holdOf(scopeId: string | null, tenantId: string): SafeModeHold | null {
  if (scopeId === null) return null;
  return scopeId === tenantId ? { scope: "tenant" } : { scope: "team", teamId: scopeId };
}

/** What an agent (or its operator) is told, everywhere the hold refuses something. */
export function safeModeMessage(hold: SafeModeHold): string {
  return hold.scope === "tenant"
    ? "The tenant is in safe mode: agents cannot get tokens, connect, call out or use tools until an owner or admin lifts it."
    : `Team ${hold.teamId} is in safe mode: its agents cannot get tokens, connect, call out or use tools until an owner or admin lifts it.`;
}

/** The error details every refusal carries. */
export function safeModeDetails(hold: SafeModeHold): { scope: "tenant" | "team"; teamId?: string } {
  return hold.scope === "tenant" ? { scope: "tenant" } : { scope: "team", teamId: hold.teamId };
}
