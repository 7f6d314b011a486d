/**
 * The audit list's filters as one predicate over an entry: the AuditLedger applies it to the
 * entries its index proposes (the index is coarse — per block, hashed values — so every candidate
 * is checked here), and the legacy D1 reader states the same conditions in SQL
 * (workers/api/src/services/audit-legacy.ts). Semantics: docs/audit.md, "List".
 */
import type { LedgerEntry } from "./chain";

export interface EntryFilter {
  actorType?: LedgerEntry["actor"]["type"];
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  severity?: LedgerEntry["severity"];
  outcome?: LedgerEntry["outcome"];
  /** Inclusive, ms since the epoch. */
  fromMs?: number;
  /** Exclusive, ms since the epoch. */
  toMs?: number;
  /** Case-insensitive substring of the action, matched literally. */
  q?: string;
}

export function entryMatches(e: LedgerEntry, f: EntryFilter): boolean {
  if (f.actorType !== undefined && e.actor.type !== f.actorType) return false;
  if (f.actorId !== undefined && e.actor.id !== f.actorId) return false;
  if (f.action !== undefined && e.action !== f.action) return false;
  if (f.targetType !== undefined && e.target?.type !== f.targetType) return false;
  if (f.targetId !== undefined && e.target?.id !== f.targetId) return false;
  if (f.severity !== undefined && e.severity !== f.severity) return false;
  if (f.outcome !== undefined && e.outcome !== f.outcome) return false;
  if (f.fromMs !== undefined && e.at < f.fromMs) return false;
  if (f.toMs !== undefined && e.at >= f.toMs) return false;
  if (f.q !== undefined && !e.action.toLowerCase().includes(f.q.toLowerCase())) return false;
  return true;
}

/**
 * Strings the JSON text of a matching entry must contain: a cheap test on a raw JSONL line before
 * parsing it (JSON.stringify escapes a value the same way inside the line and on its own).
 */
export function requiredFragments(f: EntryFilter): string[] {
  return [f.actorId, f.action, f.targetId, f.targetType].filter((v): v is string => v !== undefined).map((v) => JSON.stringify(v));
}
