/**
 * The tenant's rules as the ledger evaluates them: a copy of the D1 rows in the object's SQLite,
 * plus an in-memory cache of that copy. D1 stays the source of truth; the copy is reloaded when
 * the rules API pokes the object after a change, and when events arrive more than
 * RULES_MAX_AGE_MS after the last load (a safety net for a poke that was lost).
 *
 * When a rule's trigger (enabled, match, threshold, window) changes, or it is deleted, its window
 * and quiet period are dropped: counts gathered under old conditions do not fire the new rule.
 */
import { eq } from "drizzle-orm";
import { createDb } from "../../../workers/shared/db/client";
import { alertRules, type AlertRuleRow } from "../../../workers/shared/db/schema";
import { readMeta, writeMeta, type AlertsInstance } from "./storage";

export const RULES_MAX_AGE_MS = 60_000;

export function cachedRules(inst: AlertsInstance): AlertRuleRow[] {
  inst.rules ??= inst.sql
    .exec<{ rule: string }>("SELECT rule FROM alert_rules ORDER BY id")
    .toArray()
    .map((r) => JSON.parse(r.rule) as AlertRuleRow);
  return inst.rules;
}

export function rulesLoaded(inst: AlertsInstance): boolean {
  return readMeta(inst.sql, "rules_loaded_at") !== null;
}

export function rulesAreStale(inst: AlertsInstance, now = Date.now()): boolean {
  return now - Number(readMeta(inst.sql, "rules_loaded_at") ?? 0) > RULES_MAX_AGE_MS;
}

/** Reads the tenant's rules from D1 and replaces the copy. Serialised per object, so an older read never lands after a newer one. */
export function reloadRules(inst: AlertsInstance, env: Env, tenantId: string): Promise<AlertRuleRow[]> {
  const next = inst.reloading
    .catch(() => undefined)
    .then(async () => {
      const rows = await createDb(env.DB).select().from(alertRules).where(eq(alertRules.tenantId, tenantId)).orderBy(alertRules.id).all();
      replaceRules(inst, rows);
      return rows;
    });
  inst.reloading = next;
  return next;
}

const trigger = (r: AlertRuleRow) => JSON.stringify([r.enabled, r.match, r.threshold, r.windowSeconds]);

export function replaceRules(inst: AlertsInstance, rows: AlertRuleRow[]): void {
  const { sql } = inst;
  const after = new Map(rows.map((r) => [r.id, r]));
  for (const old of cachedRules(inst)) {
    const now = after.get(old.id);
    if (!now || trigger(now) !== trigger(old)) {
      sql.exec("DELETE FROM alert_window WHERE rule_id = ?", old.id);
      sql.exec("DELETE FROM alert_active WHERE rule_id = ?", old.id);
    }
  }
  sql.exec("DELETE FROM alert_rules");
  for (const r of rows) sql.exec("INSERT INTO alert_rules (id, rule) VALUES (?, ?)", r.id, JSON.stringify(r));
  writeMeta(sql, "rules_loaded_at", Date.now());
  inst.rules = rows;
}
