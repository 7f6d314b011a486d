/**
 * Coordination audit events: staged in SQLite in the same synchronous write as the operation
 * (so an acknowledged operation always has its record, eviction or crash notwithstanding) and
 * flushed by the alarm in batches through `emitAuditBatch`, the single emit point. Exactly the
 * rows written are deleted, and each event keeps the id it was staged with, so a repeated flush
 * after a crash is answered by the ledger without a second append. The same scheme as the relay's
 * outbox (durable-objects/team-relay/audit-staging.ts), kept separate so the two objects evolve apart.
 */
import { emitAuditBatch, type StagedAuditEvent } from "../../workers/shared/audit/emit";
import { newId } from "../../workers/shared/crypto/ids";
import type { CoordAuditInput } from "./context";

export const AUDIT_FLUSH_BATCH = 200;
/** Coalescing delay: a burst of claims becomes one append to the ledger. */
export const AUDIT_FLUSH_DELAY_MS = 500;

export function stageAudit(sql: SqlStorage, team: { teamId: string; tenantId: string }, input: CoordAuditInput, at = Date.now()): void {
  const event: StagedAuditEvent = {
    id: newId("audit", at),
    at,
    tenantId: team.tenantId,
    actor: { type: input.actor.type, id: input.actor.id, name: input.actor.name ?? null },
    action: input.action,
    target: input.target ?? { type: "team", id: team.teamId },
    details: { teamId: team.teamId, ...input.details },
    severity: input.outcome === "denied" ? "warning" : "info",
    outcome: input.outcome ?? "success",
    ip: null,
    userAgent: null,
  };
  sql.exec("INSERT INTO audit_outbox (id, event) VALUES (?, ?)", event.id, JSON.stringify(event));
}

export function stagedCount(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT count(*) AS n FROM audit_outbox").one().n;
}

/** Flushes up to one batch; returns how many events were written. Throws if the ledger refuses (the alarm retries). */
export async function flushAudit(sql: SqlStorage, env: Pick<Env, "DB">, limit = AUDIT_FLUSH_BATCH): Promise<number> {
  const rows = sql.exec<{ id: string; event: string }>("SELECT id, event FROM audit_outbox ORDER BY id LIMIT ?", limit).toArray();
  if (rows.length === 0) return 0;
  await emitAuditBatch(
    env,
    rows.map((r) => JSON.parse(r.event) as StagedAuditEvent),
  );
  for (let i = 0; i < rows.length; i += 50) {
    const ids = rows.slice(i, i + 50).map((r) => r.id);
    sql.exec(`DELETE FROM audit_outbox WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
  }
  return rows.length;
}
