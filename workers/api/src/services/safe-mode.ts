/**
 * Safe mode, the write side (docs/governance.md "Kill switch and safe mode"): hold a tenant or one
 * team, and lift it. Entering writes the `safe_modes` row first — from that moment every agent-token
 * verification and token exchange refuses the held agents (423 `safe_mode`) — then pushes the
 * change to what caches agent state: the relays close the held agents' sockets (4023) and the
 * EgressGates reload (their next call is refused). A relay or gate that cannot be reached is
 * logged; the row still holds (a gate reloads within STATE_TTL_MS, a socket's next reconnect is refused).
 */
import { expirePendingApprovals } from "./approvals";
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Context } from "hono";
import type { Database } from "../../../shared/db/client";
import { agents, safeModes, teamAgents, teams, users, type SafeModeRow } from "../../../shared/db/schema";
import { log } from "../../../shared/observability/log";
import { CLOSE_CODES } from "../../../shared/relay/protocol";
import { toIso } from "../../../shared/schemas/common";
import type { SafeMode, SafeModeStatus } from "../../../shared/schemas/safe-mode";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { audit } from "../http/audit";
import { ensureAlertRuleFor } from "./alerts/ensure-rule";
import { invalidateEgressGates } from "./egress";
import { relayOf } from "./relay";

/** What a hook learns when a tenant or team enters safe mode. */
export interface SafeModeEntry {
  tenantId: string;
  /** Undefined for the whole tenant. */
  teamId?: string;
  reason: string;
}
export type SafeModeHook = (env: Env, entry: SafeModeEntry) => Promise<void>;

/**
 * Everything else that stops when a tenant or team enters safe mode, run after sockets are closed
 * and egress is frozen; a failing hook is logged and does not undo the hold. The approvals
 * capability joins here with `(env, e) => expirePendingApprovals(env, e.tenantId, { teamId: e.teamId, reason: e.reason })`
 * (workers/api/src/services/approvals.ts), so pending approvals of the held scope expire with it.
 */
export const ON_ENTER_SAFE_MODE: SafeModeHook[] = [
  (env, e) => expirePendingApprovals(env, e.tenantId, { teamId: e.teamId, reason: `safe mode: ${e.reason}` }).then(() => undefined),
];

const scopeIdOf = (tenantId: string, teamId: string | null) => teamId ?? tenantId;

/** The tenant's safe modes: its own and each held team's, with who entered them. */
export async function readSafeMode(db: Database, tenantId: string): Promise<SafeModeStatus> {
  const rows = await db
    .select({ row: safeModes, teamName: teams.name, user: { id: users.id, name: users.name, email: users.email } })
    .from(safeModes)
    .leftJoin(teams, eq(teams.id, safeModes.teamId))
    .leftJoin(users, eq(users.id, safeModes.enteredBy))
    .where(eq(safeModes.tenantId, tenantId))
    .orderBy(safeModes.enteredAt)
    .all();
  const all = rows.map(
    (r): SafeMode => ({
      scope: r.row.teamId ? "team" : "tenant",
      teamId: r.row.teamId,
      teamName: r.teamName,
      reason: r.row.reason,
      enteredBy: r.user?.id ? { id: r.user.id, name: r.user.name, email: r.user.email } : null,
      enteredAt: toIso(r.row.enteredAt),
    }),
  );
  return { tenant: all.find((s) => s.scope === "tenant") ?? null, teams: all.filter((s) => s.scope === "team") };
}

/** The agents a hold covers: every live agent of the tenant, or the team's members. */
async function heldAgents(db: Database, tenantId: string, teamId: string | null): Promise<string[]> {
  const rows = teamId
    ? await db.select({ id: teamAgents.agentId }).from(teamAgents).where(eq(teamAgents.teamId, teamId)).all()
    : await db
        .select({ id: agents.id })
        .from(agents)
        .where(and(eq(agents.tenantId, tenantId), isNull(agents.deletedAt)))
        .all();
  return rows.map((r) => r.id);
}

/**
 * Holds the tenant (`teamId` null) or one team. 409 `conflict` when it is already held. Returns
 * how many agent connections were closed and how many agents are held.
 */
export async function enterSafeMode(
  c: Context<AppEnv>,
  /** `userId`: the person's id, or the API key's (the banner then names no one). */
  input: { teamId: string | null; reason: string; userId: string },
): Promise<{ row: SafeModeRow; closedConnections: number; agentsHeld: number }> {
  const { tenant } = c.get("tenantAccess");
  const db = c.get("db");
  const row = await db
    .insert(safeModes)
    .values({
      tenantId: tenant.id,
      scopeId: scopeIdOf(tenant.id, input.teamId),
      teamId: input.teamId,
      reason: input.reason,
      enteredBy: input.userId,
      enteredAt: Date.now(),
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!row) throw new ApiError("conflict", `The ${input.teamId ? "team" : "tenant"} is already in safe mode.`, { teamId: input.teamId });

  const agentIds = await heldAgents(db, tenant.id, input.teamId);
  const closedConnections = await closeHeldSockets(c.env, db, tenant.id, input.teamId, agentIds);
  await invalidateEgressGates(c.env, agentIds).catch((error: unknown) => log.error("safe mode: egress gate push failed", { error }));
  const entry: SafeModeEntry = { tenantId: tenant.id, reason: input.reason, ...(input.teamId ? { teamId: input.teamId } : {}) };
  for (const hook of ON_ENTER_SAFE_MODE)
    await hook(c.env, entry).catch((error: unknown) => log.error("safe mode: on-enter hook failed", { error }));
  // Entering safe mode is an alert: one of the tenant's rules listens to `safe_mode.*` (created on first use).
  await ensureAlertRuleFor(c, { actionPrefix: "safe_mode", templateId: "safe-mode", reason: "first safe mode" });
  await audit(c, {
    action: "safe_mode.entered",
    target: input.teamId ? { type: "team", id: input.teamId } : { type: "tenant", id: tenant.id },
    severity: "critical",
    details: {
      scope: input.teamId ? "team" : "tenant",
      teamId: input.teamId,
      reason: input.reason,
      closedConnections,
      agentsHeld: agentIds.length,
    },
  });
  return { row, closedConnections, agentsHeld: agentIds.length };
}

/** Lifts the tenant's or a team's safe mode; 409 `conflict` when it is not held. */
export async function liftSafeMode(c: Context<AppEnv>, input: { teamId: string | null; reason: string | null }): Promise<void> {
  const { tenant } = c.get("tenantAccess");
  const db = c.get("db");
  const lifted = await db
    .delete(safeModes)
    .where(and(eq(safeModes.tenantId, tenant.id), eq(safeModes.scopeId, scopeIdOf(tenant.id, input.teamId))))
    .returning()
    .get();
  if (!lifted) throw new ApiError("conflict", `The ${input.teamId ? "team" : "tenant"} is not in safe mode.`, { teamId: input.teamId });
  const agentIds = await heldAgents(db, tenant.id, input.teamId);
  // The gates cached the hold: reload now, so the first call after the lift goes through.
  await invalidateEgressGates(c.env, agentIds).catch((error: unknown) => log.error("safe mode: egress gate push failed", { error }));
  await audit(c, {
    action: "safe_mode.lifted",
    target: input.teamId ? { type: "team", id: input.teamId } : { type: "tenant", id: tenant.id },
    severity: "warning",
    details: {
      scope: input.teamId ? "team" : "tenant",
      teamId: input.teamId,
      reason: input.reason,
      enteredAt: toIso(lifted.enteredAt),
      heldForMs: Date.now() - lifted.enteredAt,
    },
  });
}

/**
 * Closes the held agents' sockets with 4023: for the tenant, every agent socket of every team; for
 * a team, every agent socket of that team and the members' sockets on their other teams (a held
 * agent is held everywhere, docs/governance.md).
 */
async function closeHeldSockets(env: Env, db: Database, tenantId: string, teamId: string | null, agentIds: string[]): Promise<number> {
  const { code, reason } = CLOSE_CODES.safeMode;
  const calls: Promise<number>[] = [];
  if (teamId === null) {
    const teamRows = await db
      .select({ id: teams.id })
      .from(teams)
      .where(and(eq(teams.tenantId, tenantId), isNull(teams.deletedAt)))
      .all();
    for (const t of teamRows) calls.push(relayOf(env, t.id).closeAllAgents(code, reason));
  } else {
    calls.push(relayOf(env, teamId).closeAllAgents(code, reason));
    if (agentIds.length > 0) {
      const others = await db
        .select({ teamId: teamAgents.teamId, agentId: teamAgents.agentId })
        .from(teamAgents)
        .innerJoin(teams, eq(teams.id, teamAgents.teamId))
        .where(and(inArray(teamAgents.agentId, agentIds), isNull(teams.deletedAt)))
        .all();
      for (const o of others) if (o.teamId !== teamId) calls.push(relayOf(env, o.teamId).closeAgent(o.agentId, code, reason));
    }
  }
  const results = await Promise.allSettled(calls);
  let closed = 0;
  for (const r of results) {
    if (r.status === "fulfilled") closed += r.value;
    else log.error("safe mode: relay close failed", { tenantId, teamId, error: r.reason });
  }
  return closed;
}
