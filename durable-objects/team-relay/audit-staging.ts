/**
 * Relay audit events, staged in the relay's own SQLite and flushed to the audit trail in batches.
 *
 * `stage` is synchronous and called in the same run of code as the write it records (the
 * message insert), so both commit together under the output gate: there is no accepted message
 * without its staged event, and an eviction between staging and flushing loses nothing. `flush`
 * (from the alarm) writes a batch through `emitAuditBatch` — one D1 batch — and deletes exactly
 * those rows only after D1 said yes. A crash between the two repeats the batch; the audit rows
 * keep the staged ids, so the repeat is ignored (at least once + idempotent = exactly once).
 */
import { createHash } from "node:crypto";
import { emitAuditBatch, type StagedAuditEvent } from "../../workers/shared/audit/emit";
import { newId } from "../../workers/shared/crypto/ids";

export const AUDIT_FLUSH_BATCH = 100;
/** How long staged events may wait for a flush: batches form under load, and an idle team is still flushed promptly. */
export const AUDIT_FLUSH_DELAY_MS = 2_000;

export interface RelayAuditInput {
  tenantId: string;
  teamId: string;
  agentId: string;
  action: string;
  outcome: "success" | "denied";
  target?: { type: string; id: string } | null;
  details: Record<string, unknown>;
  at: number;
}

export function stageAudit(sql: SqlStorage, input: RelayAuditInput): void {
  const event: StagedAuditEvent = {
    id: newId("audit", input.at),
    at: input.at,
    tenantId: input.tenantId,
    actor: { type: "agent", id: input.agentId, name: null },
    action: input.action,
    target: input.target ?? { type: "team", id: input.teamId },
    details: { teamId: input.teamId, ...input.details },
    severity: input.outcome === "denied" ? "warning" : "info",
    outcome: input.outcome,
    ip: null,
    userAgent: null,
  };
  sql.exec("INSERT INTO audit_outbox (id, event) VALUES (?, ?)", event.id, JSON.stringify(event));
}

export function stagedCount(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT count(*) AS n FROM audit_outbox").one().n;
}

/** Flushes up to one batch; returns how many events were written. Throws if D1 refuses (the alarm retries). */
export async function flushAudit(sql: SqlStorage, env: Pick<Env, "DB">, limit = AUDIT_FLUSH_BATCH): Promise<number> {
  const rows = sql.exec<{ id: string; event: string }>("SELECT id, event FROM audit_outbox ORDER BY id LIMIT ?", limit).toArray();
  if (rows.length === 0) return 0;
  await emitAuditBatch(env, rows.map((r) => JSON.parse(r.event) as StagedAuditEvent));
  // Exactly the rows written (events staged meanwhile stay), in chunks under the bound-parameter limit.
  for (let i = 0; i < rows.length; i += 50) {
    const ids = rows.slice(i, i + 50).map((r) => r.id);
    sql.exec(`DELETE FROM audit_outbox WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
  }
  return rows.length;
}

/** SHA-256 of a body's JSON text, hex. Synchronous (node:crypto), so it can sit inside the write. */
export function bodyHash(bodyJson: string): string {
  return createHash("sha256").update(bodyJson).digest("hex");
}
