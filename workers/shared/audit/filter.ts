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
  /** Events of one project: `details.projectId` equals it (docs/audit.md, "List"). */
  projectId?: string;
  /**
   * With `projectId` the tenant's default project: also events about an agent or team that carry no
   * project (recorded before projects existed; such agents and teams are the default project's).
   */
  projectIncludesUnscoped?: boolean;
}

/** Targets whose unscoped events belong to the default project (a null project_id reads as it). */
const DEFAULT_PROJECT_TARGETS = new Set(["agent", "team"]);

function inProject(e: LedgerEntry, f: EntryFilter): boolean {
  const p = (e.details as Record<string, unknown> | null | undefined)?.projectId;
  if (p === f.projectId) return true;
  return f.projectIncludesUnscoped === true && (p === undefined || p === null) && DEFAULT_PROJECT_TARGETS.has(e.target?.type ?? "");
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
  if (f.projectId !== undefined && !inProject(e, f)) return false;
  return true;
}

/**
 * Strings the JSON text of a matching entry must contain: a cheap test on a raw JSONL line before
 * parsing it (JSON.stringify escapes a value the same way inside the line and on its own).
 */
export function requiredFragments(f: EntryFilter): string[] {
  const project = f.projectIncludesUnscoped ? undefined : f.projectId;
  return [f.actorId, f.action, f.targetId, f.targetType, project].filter((v): v is string => v !== undefined).map((v) => JSON.stringify(v));
}
