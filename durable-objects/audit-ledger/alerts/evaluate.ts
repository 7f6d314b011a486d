/**
 * Rule evaluation, run by the ledger for every committed entry, in chain order. Synchronous SQL
 * only (no await), so one call's window updates and staged alerts commit together.
 *
 * Semantics (docs/alerts.md "When a rule fires"):
 * - threshold 1: every matching event is its own alert.
 * - threshold N > 1: the rule fires when N matching events fall within `windowSeconds` of each
 *   other (a sliding window over the events' own `at` times). The alert takes those N events;
 *   the window is emptied; for the next `windowSeconds` (the quiet period, measured from the event
 *   that crossed the threshold) further matches are added to that same alert — its count and last
 *   seq grow, no new alert, no new webhook. After the quiet period counting starts from zero.
 *   Resolving the alert ends its quiet period early.
 */
import { eventMatches } from "../../../workers/shared/alerts/match";
import type { LedgerEntry } from "../../../workers/shared/audit/chain";
import { newId } from "../../../workers/shared/crypto/ids";
import type { AlertRow, AlertRuleRow } from "../../../workers/shared/db/schema";
import { ALERT_LIMITS } from "../../../workers/shared/schemas/alerts";
import { stageAlert } from "./outbox";
import type { AlertsInstance } from "./storage";

export function evaluateEntry(
  inst: AlertsInstance,
  tenantId: string,
  rules: readonly AlertRuleRow[],
  entry: LedgerEntry,
  now = Date.now(),
): void {
  for (const rule of rules) {
    if (!rule.enabled || !eventMatches(rule.match, entry)) continue;
    if (rule.threshold <= 1) {
      stageAlert(inst.sql, newAlert(tenantId, rule, [toWindowEvent(entry)], now), true, rule.webhookIds);
      continue;
    }
    const active = inst.sql
      .exec<{ alert: string; quiet_until: number }>("SELECT alert, quiet_until FROM alert_active WHERE rule_id = ?", rule.id)
      .toArray()[0];
    if (active && entry.at < active.quiet_until) {
      const grown = grow(JSON.parse(active.alert) as AlertRow, entry);
      inst.sql.exec("UPDATE alert_active SET alert = ? WHERE rule_id = ?", JSON.stringify(grown), rule.id);
      stageAlert(inst.sql, grown, false, []);
      continue;
    }
    if (active) inst.sql.exec("DELETE FROM alert_active WHERE rule_id = ?", rule.id);
    const windowMs = rule.windowSeconds * 1000;
    inst.sql.exec(
      "INSERT OR IGNORE INTO alert_window (rule_id, seq, at, event_id) VALUES (?, ?, ?, ?)",
      rule.id,
      entry.seq,
      entry.at,
      entry.id,
    );
    inst.sql.exec("DELETE FROM alert_window WHERE rule_id = ? AND at <= ?", rule.id, entry.at - windowMs);
    // Count in SQLite; materialise the window only when it fires (it can hold up to threshold − 1 rows).
    if (inst.sql.exec<{ n: number }>("SELECT count(*) AS n FROM alert_window WHERE rule_id = ?", rule.id).one().n < rule.threshold)
      continue;
    const events = inst.sql
      .exec<WindowEvent>("SELECT seq, at, event_id FROM alert_window WHERE rule_id = ? ORDER BY seq", rule.id)
      .toArray();
    const alert = newAlert(tenantId, rule, events, now);
    inst.sql.exec("DELETE FROM alert_window WHERE rule_id = ?", rule.id);
    inst.sql.exec(
      "INSERT INTO alert_active (rule_id, alert_id, quiet_until, alert) VALUES (?, ?, ?, ?)",
      rule.id,
      alert.id,
      entry.at + windowMs,
      JSON.stringify(alert),
    );
    stageAlert(inst.sql, alert, true, rule.webhookIds);
  }
}

/** Resolving an alert ends its quiet period: the next match starts a new window. */
export function endQuietPeriod(inst: AlertsInstance, alertId: string): void {
  inst.sql.exec("DELETE FROM alert_active WHERE alert_id = ?", alertId);
}

type WindowEvent = {
  seq: number;
  at: number;
  event_id: string;
};

const toWindowEvent = (e: LedgerEntry): WindowEvent => ({ seq: e.seq, at: e.at, event_id: e.id });

function newAlert(tenantId: string, rule: AlertRuleRow, events: WindowEvent[], now: number): AlertRow {
  const first = events[0]!;
  const last = events[events.length - 1]!;
  return {
    id: newId("alert", now),
    tenantId,
    ruleId: rule.id,
    ruleName: rule.name,
    severity: rule.severity,
    status: "open",
    summary:
      rule.threshold <= 1
        ? `${rule.match.action} matched`
        : `${events.length} × ${rule.match.action} within ${formatSeconds(rule.windowSeconds)}`,
    count: events.length,
    firstSeq: first.seq,
    lastSeq: last.seq,
    firstEventAt: first.at,
    lastEventAt: last.at,
    sampleEventIds: events.slice(0, ALERT_LIMITS.sampleEventIds).map((e) => e.event_id),
    firedAt: now,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolutionNote: null,
  };
}

function grow(alert: AlertRow, entry: LedgerEntry): AlertRow {
  return {
    ...alert,
    count: alert.count + 1,
    lastSeq: entry.seq,
    lastEventAt: Math.max(alert.lastEventAt, entry.at),
    sampleEventIds: alert.sampleEventIds.length < ALERT_LIMITS.sampleEventIds ? [...alert.sampleEventIds, entry.id] : alert.sampleEventIds,
  };
}

function formatSeconds(s: number): string {
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}
