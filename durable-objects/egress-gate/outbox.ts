/**
 * The gate's audit and metering, batched like the relay's (docs/relay.md): every decision is
 * staged as a row in the object's SQLite in the same run of code that made it, and the alarm
 * flushes up to 100 at a time through `emitAuditBatch` (one ledger append per batch — never one
 * D1 write per call). In the same flush, the staged calls' counts and bytes are added to the
 * per-day usage totals (in one transaction with the outbox delete, so a call is counted exactly
 * once), and the day's absolute totals are upserted into D1's `egress_usage` (idempotent: `max`
 * of totals, the gate being the only writer of its agent's row).
 */
import { recordUsage } from "../../workers/shared/billing/usage";
import { emitAuditBatch, type StagedAuditEvent } from "../../workers/shared/audit/emit";

export const FLUSH_BATCH = 100;
export const FLUSH_DELAY_MS = 1_000;

export function createOutboxTables(sql: SqlStorage): void {
  // rowid key, no other index: every index entry is a billed row written (docs/relay.md), so an
  // insert and its delete cost one row each. Event ids are fresh per event (newId), never re-staged.
  sql.exec(
    `CREATE TABLE IF NOT EXISTS audit_outbox (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, event TEXT NOT NULL, day TEXT, allowed INTEGER NOT NULL DEFAULT 0, denied INTEGER NOT NULL DEFAULT 0, bytes_out INTEGER NOT NULL DEFAULT 0, bytes_in INTEGER NOT NULL DEFAULT 0)`,
  );
  sql.exec(
    `CREATE TABLE IF NOT EXISTS usage (day TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, allowed INTEGER NOT NULL, denied INTEGER NOT NULL, bytes_out INTEGER NOT NULL, bytes_in INTEGER NOT NULL, flushed INTEGER NOT NULL DEFAULT 0)`,
  );
}

export interface Metered {
  allowed: boolean;
  bytesOut: number;
  bytesIn: number;
}

/** Stages one event; `metered` counts the call once (secret-use events ride along unmetered). */
export function stage(sql: SqlStorage, event: StagedAuditEvent, metered?: Metered): void {
  const day = metered ? new Date(event.at).toISOString().slice(0, 10) : null;
  sql.exec(
    "INSERT INTO audit_outbox (id, event, day, allowed, denied, bytes_out, bytes_in) VALUES (?, ?, ?, ?, ?, ?, ?)",
    event.id,
    JSON.stringify(event),
    day,
    metered?.allowed ? 1 : 0,
    metered && !metered.allowed ? 1 : 0,
    metered?.bytesOut ?? 0,
    metered?.bytesIn ?? 0,
  );
}

export function stagedCount(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT count(*) AS n FROM audit_outbox").one().n;
}

/** One batch: to the ledger, then (one transaction) out of the outbox and into the usage totals. Returns how many. */
export async function flushBatch(ctx: DurableObjectState, env: Pick<Env, "DB">, tenantId: string): Promise<number> {
  const sql = ctx.storage.sql;
  const rows = sql
    .exec<{
      seq: number;
      id: string;
      event: string;
      day: string | null;
      allowed: number;
      denied: number;
      bytes_out: number;
      bytes_in: number;
    }>("SELECT * FROM audit_outbox ORDER BY seq LIMIT ?", FLUSH_BATCH)
    .toArray();
  if (rows.length === 0) return 0;
  await emitAuditBatch(
    env,
    rows.map((r) => JSON.parse(r.event) as StagedAuditEvent),
  );
  ctx.storage.transactionSync(() => {
    for (const r of rows) {
      if (r.day !== null) {
        sql.exec(
          `INSERT INTO usage (day, tenant_id, allowed, denied, bytes_out, bytes_in) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(day) DO UPDATE SET allowed = allowed + excluded.allowed, denied = denied + excluded.denied, bytes_out = bytes_out + excluded.bytes_out, bytes_in = bytes_in + excluded.bytes_in, flushed = 0`,
          r.day,
          tenantId,
          r.allowed,
          r.denied,
          r.bytes_out,
          r.bytes_in,
        );
      }
      sql.exec("DELETE FROM audit_outbox WHERE seq = ?", r.seq);
    }
  });
  return rows.length;
}

/** Upserts the days whose totals moved since the last upsert into D1 (absolute totals: idempotent). */
export async function flushUsage(sql: SqlStorage, env: Pick<Env, "DB" | "USAGE_METER">, agentId: string): Promise<void> {
  const days = sql
    .exec<{ day: string; tenant_id: string; allowed: number; denied: number; bytes_out: number; bytes_in: number }>(
      "SELECT * FROM usage WHERE flushed = 0",
    )
    .toArray();
  if (days.length === 0) return;
  // Billing (docs/billing.md, "Metering"): each day's running total of allowed calls goes to the
  // tenant's UsageMeter, which adds only the growth since the last total it saw for this counter —
  // so a flush retried after a failure counts nothing twice. It runs first: if the meter cannot
  // answer, nothing is marked flushed and the next alarm sends the totals again.
  await recordUsage(
    env,
    days.map((d) => ({
      tenantId: d.tenant_id,
      agentId,
      kind: "egress_calls" as const,
      counter: `egress:${agentId}:${d.day}`,
      total: d.allowed,
      at: Date.parse(d.day),
    })),
  );
  await env.DB.batch(
    days.map((d) =>
      env.DB.prepare(
        `INSERT INTO egress_usage (tenant_id, agent_id, day, allowed, denied, bytes_out, bytes_in) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(tenant_id, agent_id, day) DO UPDATE SET allowed = max(allowed, excluded.allowed), denied = max(denied, excluded.denied), bytes_out = max(bytes_out, excluded.bytes_out), bytes_in = max(bytes_in, excluded.bytes_in)`,
      ).bind(d.tenant_id, agentId, d.day, d.allowed, d.denied, d.bytes_out, d.bytes_in),
    ),
  );
  for (const d of days) sql.exec("UPDATE usage SET flushed = 1 WHERE day = ? AND allowed = ? AND denied = ?", d.day, d.allowed, d.denied);
  // Keep 35 days of totals in the object; D1 has them all.
  sql.exec("DELETE FROM usage WHERE day < ? AND flushed = 1", new Date(Date.now() - 35 * 86_400_000).toISOString().slice(0, 10));
}
