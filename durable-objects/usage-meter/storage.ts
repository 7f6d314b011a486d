/**
 * The UsageMeter's SQLite (docs/billing.md, "Metering" has the table). Everything that matters is
 * here, never only in memory: counters, the marks and keys that make records exactly-once, the
 * notices not yet in the audit trail. Synchronous functions, so a whole record call applies in one
 * run of code with no `await` in between (an object's writes without an await commit together).
 */
import type { UsageKind } from "../../workers/shared/billing/usage-kinds";

export function migrate(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS counters (period TEXT NOT NULL, kind TEXT NOT NULL, agent_id TEXT NOT NULL, quantity INTEGER NOT NULL, flushed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (period, kind, agent_id));
    CREATE TABLE IF NOT EXISTS idempotency_keys (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS marks (source TEXT PRIMARY KEY, position INTEGER NOT NULL, at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS notices (id TEXT PRIMARY KEY, event TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS notified (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
  `);
}

export function readMeta(sql: SqlStorage, key: string): string | null {
  return sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
}

export function writeMeta(sql: SqlStorage, key: string, value: string): void {
  sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
}

/** Agent '' is the tenant's total. */
export function counterValue(sql: SqlStorage, period: string, kind: UsageKind, agentId: string): number {
  return (
    sql
      .exec<{ quantity: number }>("SELECT quantity FROM counters WHERE period = ? AND kind = ? AND agent_id = ?", period, kind, agentId)
      .toArray()[0]?.quantity ?? 0
  );
}

export function addToCounter(sql: SqlStorage, period: string, kind: UsageKind, agentId: string, quantity: number): void {
  sql.exec(
    "INSERT INTO counters (period, kind, agent_id, quantity) VALUES (?, ?, ?, ?) ON CONFLICT (period, kind, agent_id) DO UPDATE SET quantity = quantity + excluded.quantity",
    period,
    kind,
    agentId,
    quantity,
  );
}

/** True the first time a key is seen. */
export function claimKey(sql: SqlStorage, key: string, now: number): boolean {
  return sql.exec("INSERT INTO idempotency_keys (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, now).rowsWritten > 0;
}

export function markOf(sql: SqlStorage, source: string): number | null {
  return sql.exec<{ position: number }>("SELECT position FROM marks WHERE source = ?", source).toArray()[0]?.position ?? null;
}

export function setMark(sql: SqlStorage, source: string, position: number, now: number): void {
  sql.exec(
    "INSERT INTO marks (source, position, at) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET position = excluded.position, at = excluded.at",
    source,
    position,
    now,
  );
}

export interface DirtyCounter {
  period: string;
  kind: UsageKind;
  agent_id: string;
  quantity: number;
}

export function dirtyCounters(sql: SqlStorage): DirtyCounter[] {
  return sql
    .exec<DirtyCounter & Record<string, SqlStorageValue>>("SELECT period, kind, agent_id, quantity FROM counters WHERE quantity > flushed")
    .toArray();
}

export function markFlushed(sql: SqlStorage, counters: DirtyCounter[]): void {
  for (const c of counters)
    sql.exec(
      "UPDATE counters SET flushed = ? WHERE period = ? AND kind = ? AND agent_id = ? AND flushed < ?",
      c.quantity,
      c.period,
      c.kind,
      c.agent_id,
      c.quantity,
    );
}

/** Housekeeping: keys and marks older than the longest a producer retries; counters of months D1 has. */
export function prune(sql: SqlStorage, now: number, keepPeriodsFrom: string): void {
  const cutoff = now - 40 * 86_400_000;
  sql.exec("DELETE FROM idempotency_keys WHERE at < ?", cutoff);
  sql.exec("DELETE FROM marks WHERE at < ?", cutoff);
  sql.exec("DELETE FROM notified WHERE at < ?", cutoff);
  sql.exec("DELETE FROM counters WHERE period < ? AND quantity = flushed", keepPeriodsFrom);
}
