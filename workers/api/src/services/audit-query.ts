/**
 * Reading a tenant's chain for the API: the filtered, newest-first list and one entry. The ledger
 * object serves its hot window (durable-objects/audit-ledger); seqs up to the chain's `legacyTop`
 * come from D1's legacy rows while they last (workers/shared/audit/legacy-d1.ts). The cursor is the
 * seq of the last entry returned, so a page can run from the ledger into the legacy rows.
 */
import type { LedgerEntry } from "../../../shared/audit/chain";
import { ledgerFor, type AuditEnv } from "../../../shared/audit/emit";
import type { EntryFilter } from "../../../shared/audit/filter";
import { legacyGet, legacyList } from "../../../shared/audit/legacy-d1";
import { parseTimeBound, type AuditListQuery } from "../../../shared/schemas/audit";

type QueryEnv = AuditEnv & Pick<Env, "DB">;

/** The project a list is narrowed to (resolved and access-checked by the route). */
export interface ProjectScope {
  id: string;
  isDefault: boolean;
}

export function filterOf(q: Omit<AuditListQuery, "limit" | "cursor" | "projectId">, project?: ProjectScope): EntryFilter {
  return {
    actorType: q.actorType,
    actorId: q.actorId,
    action: q.action,
    targetType: q.targetType,
    targetId: q.targetId,
    severity: q.severity,
    outcome: q.outcome,
    fromMs: q.from !== undefined ? parseTimeBound(q.from)! : undefined,
    toMs: q.to !== undefined ? parseTimeBound(q.to)! : undefined,
    q: q.q,
    ...(project ? { projectId: project.id, projectIncludesUnscoped: project.isDefault } : {}),
  };
}

/** Newest first; `beforeSeq` is the cursor (the last seq of the previous page). Answers up to limit + 1 entries. */
export async function listEntries(
  env: QueryEnv,
  chainId: string,
  q: Omit<AuditListQuery, "projectId">,
  beforeSeq: number | undefined,
  project?: ProjectScope,
): Promise<LedgerEntry[]> {
  const filter = filterOf(q, project);
  const want = q.limit + 1;
  const page = await ledgerFor(env, chainId).list(filter, beforeSeq ?? null, want);
  const entries: LedgerEntry[] = page.entries;
  if (page.exhausted && entries.length < want && page.legacyTop > 0) {
    const before = Math.min(beforeSeq ?? Infinity, entries.length ? entries[entries.length - 1]!.seq : Infinity, page.legacyTop + 1);
    entries.push(...(await legacyList(env.DB, chainId, page.legacyTop, filter, before, want - entries.length)));
  }
  return entries;
}

export async function getEntry(env: QueryEnv, chainId: string, seq: number): Promise<LedgerEntry | null> {
  const ledger = ledgerFor(env, chainId);
  const entry = await ledger.get(seq);
  if (entry) return entry;
  const { legacyTop } = await ledger.currentHead();
  return legacyGet(env.DB, chainId, legacyTop, seq);
}
