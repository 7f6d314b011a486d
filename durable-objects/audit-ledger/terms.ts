/**
 * The per-link index document: which values of the filterable fields (and which event ids) a
 * link's entries contain, as FTS5 tokens. A value becomes `<field prefix><first 16 hex of its
 * SHA-256>` — letters and digits only, so FTS5's `ascii` tokenizer keeps it whole whatever the
 * value holds (spaces, dots, user-chosen topic names). Two values could share a token (64-bit
 * prefix); that only proposes a block to check, and every candidate entry is checked exactly
 * (workers/shared/audit/filter.ts), so the index is never trusted for a match.
 */
import { createHash } from "node:crypto";
import type { LedgerEntry } from "../../workers/shared/audit/chain";
import type { EntryFilter } from "../../workers/shared/audit/filter";

const PREFIX = {
  actorType: "at",
  actorId: "ai",
  action: "ac",
  targetType: "tt",
  targetId: "ti",
  severity: "sv",
  outcome: "oc",
  id: "id",
} as const;

export function token(field: keyof typeof PREFIX, value: string): string {
  return PREFIX[field] + createHash("sha256").update(value, "utf8").digest("hex").slice(0, 16);
}

/** The document of a link: its distinct tokens, space-separated. */
export function termsOf(entries: readonly LedgerEntry[]): string {
  const values = new Map<string, [keyof typeof PREFIX, string]>();
  const add = (field: keyof typeof PREFIX, value: string | null | undefined) => {
    if (value !== null && value !== undefined) values.set(`${field}\u0000${value}`, [field, value]);
  };
  for (const e of entries) {
    add("actorType", e.actor.type);
    add("actorId", e.actor.id);
    add("action", e.action);
    add("targetType", e.target?.type);
    add("targetId", e.target?.id);
    add("severity", e.severity);
    add("outcome", e.outcome);
    add("id", e.id);
  }
  return [...values.values()].map(([field, value]) => token(field, value)).join(" ");
}

/**
 * An FTS5 MATCH expression for the filter's equality conditions (AND), with `q` as the OR of the
 * known actions containing it; null when the filter has no indexed condition (a time range only,
 * or nothing). `[]` for `actions` with a `q` that no action contains means nothing can match.
 */
export function matchExpression(f: EntryFilter, actionsMatchingQ: readonly string[] | null): string | null | "none" {
  const parts: string[] = [];
  const eq = (field: keyof typeof PREFIX, value: string | undefined) => {
    if (value !== undefined) parts.push(`"${token(field, value)}"`);
  };
  eq("actorType", f.actorType);
  eq("actorId", f.actorId);
  eq("action", f.action);
  eq("targetType", f.targetType);
  eq("targetId", f.targetId);
  eq("severity", f.severity);
  eq("outcome", f.outcome);
  if (actionsMatchingQ !== null) {
    if (actionsMatchingQ.length === 0) return "none";
    parts.push(`(${actionsMatchingQ.map((a) => `"${token("action", a)}"`).join(" OR ")})`);
  }
  return parts.length === 0 ? null : parts.join(" AND ");
}

/** The MATCH expression that finds the links holding any of these event ids. */
export function idsExpression(ids: readonly string[]): string {
  return ids.map((id) => `"${token("id", id)}"`).join(" OR ");
}
