/**
 * The alerts' tables in the ledger Durable Object's SQLite (prefix `alert_`; the ledger owns
 * `ledger_`). See docs/alerts.md "Storage in the ledger object".
 *
 * - alert_meta: key/value — `tenant_id`, `cursor` (last chain seq evaluated), `rules_loaded_at`.
 * - alert_rules: the tenant's rules as last loaded from D1 (JSON of the D1 row).
 * - alert_window: matching events of each rule's current sliding window (threshold > 1 only).
 * - alert_active: per rule, the alert in its quiet period (further matches grow it).
 * - alert_outbox: alert snapshots not yet written to D1 / queued for webhooks / pushed live.
 *
 * Created lazily (CREATE … IF NOT EXISTS) the first time an instance touches alerts.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS alert_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_rules (id TEXT PRIMARY KEY, rule TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_window (rule_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (rule_id, seq));
CREATE INDEX IF NOT EXISTS alert_window_at ON alert_window (rule_id, at);
CREATE TABLE IF NOT EXISTS alert_active (rule_id TEXT PRIMARY KEY, alert_id TEXT NOT NULL, quiet_until INTEGER NOT NULL, alert TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_outbox (alert_id TEXT PRIMARY KEY, alert TEXT NOT NULL, is_new INTEGER NOT NULL, deliveries TEXT NOT NULL, version INTEGER NOT NULL, staged_at INTEGER NOT NULL);
`;

/** Per object instance: in-memory caches, rebuilt from SQLite after an eviction. */
export interface AlertsInstance {
  sql: SqlStorage;
  rules: import("../../../workers/shared/db/schema").AlertRuleRow[] | null;
  /** Rule reloads and outbox flushes of one object run one after another. */
  reloading: Promise<unknown>;
  flushing: Promise<unknown>;
}

const instances = new WeakMap<DurableObjectState, AlertsInstance>();

export function alertsOf(ctx: DurableObjectState): AlertsInstance {
  let inst = instances.get(ctx);
  if (!inst) {
    const sql = ctx.storage.sql;
    sql.exec(DDL);
    inst = { sql, rules: null, reloading: Promise.resolve(), flushing: Promise.resolve() };
    instances.set(ctx, inst);
  }
  return inst;
}

export function readMeta(sql: SqlStorage, key: string): string | null {
  const row = sql.exec<{ value: string }>("SELECT value FROM alert_meta WHERE key = ?", key).toArray()[0];
  return row?.value ?? null;
}

export function writeMeta(sql: SqlStorage, key: string, value: string | number): void {
  sql.exec("INSERT INTO alert_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, String(value));
}
