/**
 * Reading the legacy hot window (D1 `audit_events`, scheme v1) of one chain, bounded by the chain's
 * `legacyTop` (the last seq the first ledger mirrored; later seqs, even if D1 happens to hold a
 * copy, are read from the ledger). Used by the audit API and the archiver while legacy rows remain;
 * once retention has deleted a chain's last legacy row these queries find nothing.
 */
import { and, asc, desc, eq, gt, gte, lt, lte, sql, type SQL } from "drizzle-orm";
import { createDb } from "../db/client";
import { auditEvents } from "../db/schema";
import type { LedgerEntryV1 } from "./chain";
import { isChainedRow, rowToEntry } from "./d1-rows";
import type { EntryFilter } from "./filter";

const PAGE = 500;

function conditions(chainId: string, legacyTop: number, f: EntryFilter): SQL[] {
  const c: SQL[] = [eq(auditEvents.chainId, chainId), lte(auditEvents.seq, legacyTop)];
  if (f.actorType) c.push(eq(auditEvents.actorType, f.actorType));
  if (f.actorId) c.push(eq(auditEvents.actorId, f.actorId));
  if (f.action) c.push(eq(auditEvents.action, f.action));
  if (f.targetType) c.push(eq(auditEvents.targetType, f.targetType));
  if (f.targetId) c.push(eq(auditEvents.targetId, f.targetId));
  if (f.severity) c.push(eq(auditEvents.severity, f.severity));
  if (f.outcome) c.push(eq(auditEvents.outcome, f.outcome));
  if (f.fromMs !== undefined) c.push(gte(auditEvents.at, f.fromMs));
  if (f.toMs !== undefined) c.push(lt(auditEvents.at, f.toMs));
  // instr, not LIKE: the user's text is matched literally (no % or _ wildcards to escape).
  if (f.q) c.push(sql`instr(lower(${auditEvents.action}), ${f.q.toLowerCase()}) > 0`);
  if (f.projectId !== undefined) {
    const project = sql`json_extract(${auditEvents.details}, '$.projectId')`;
    c.push(
      f.projectIncludesUnscoped
        ? sql`(${project} = ${f.projectId} OR (${project} IS NULL AND ${auditEvents.targetType} IN ('agent', 'team')))`
        : sql`${project} = ${f.projectId}`,
    );
  }
  return c;
}

/** Newest first, seq < beforeSeq. */
export async function legacyList(
  db: D1Database,
  chainId: string,
  legacyTop: number,
  f: EntryFilter,
  beforeSeq: number,
  limit: number,
): Promise<LedgerEntryV1[]> {
  if (legacyTop < 1 || limit < 1) return [];
  const c = conditions(chainId, legacyTop, f);
  if (Number.isFinite(beforeSeq)) c.push(lt(auditEvents.seq, beforeSeq));
  const rows = await createDb(db)
    .select()
    .from(auditEvents)
    .where(and(...c))
    .orderBy(desc(auditEvents.seq))
    .limit(limit)
    .all();
  return rows.filter(isChainedRow).map(rowToEntry);
}

export async function legacyGet(db: D1Database, chainId: string, legacyTop: number, seq: number): Promise<LedgerEntryV1 | null> {
  if (seq > legacyTop) return null;
  const row = await createDb(db)
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.chainId, chainId), eq(auditEvents.seq, seq)))
    .get();
  return row && isChainedRow(row) ? rowToEntry(row) : null;
}

/** Entries with afterSeq < seq <= min(toSeq, legacyTop), in seq order, one page. */
export async function legacyPage(
  db: D1Database,
  chainId: string,
  legacyTop: number,
  afterSeq: number,
  toSeq: number,
  limit = PAGE,
): Promise<LedgerEntryV1[]> {
  const upTo = Math.min(toSeq, legacyTop);
  if (afterSeq >= upTo) return [];
  const rows = await createDb(db)
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.chainId, chainId), gt(auditEvents.seq, afterSeq), lte(auditEvents.seq, upTo)))
    .orderBy(asc(auditEvents.seq))
    .limit(limit)
    .all();
  return rows.filter(isChainedRow).map(rowToEntry);
}

/** The lowest and highest legacy seq D1 still holds (null: none). */
export async function legacyBounds(db: D1Database, chainId: string, legacyTop: number): Promise<{ min: number; max: number } | null> {
  if (legacyTop < 1) return null;
  const row = await db
    .prepare("SELECT min(seq) AS min, max(seq) AS max FROM audit_events WHERE chain_id = ?1 AND seq <= ?2")
    .bind(chainId, legacyTop)
    .first<{ min: number | null; max: number | null }>();
  return row && row.min !== null && row.max !== null ? { min: row.min, max: row.max } : null;
}

/** First legacy seq at or after fromMs, last before toMs. */
export async function legacySeqRangeForTimes(
  db: D1Database,
  chainId: string,
  legacyTop: number,
  fromMs: number | undefined,
  toMs: number | undefined,
): Promise<{ min: number | null; max: number | null }> {
  if (legacyTop < 1) return { min: null, max: null };
  const row = await db
    .prepare(
      "SELECT min(CASE WHEN at >= ?3 THEN seq END) AS min, max(CASE WHEN at < ?4 THEN seq END) AS max FROM audit_events WHERE chain_id = ?1 AND seq <= ?2",
    )
    .bind(chainId, legacyTop, fromMs ?? Number.MIN_SAFE_INTEGER, toMs ?? Number.MAX_SAFE_INTEGER)
    .first<{ min: number | null; max: number | null }>();
  return { min: row?.min ?? null, max: row?.max ?? null };
}

/** The archiver's day cut in the legacy range: the highest seq after afterSeq whose event happened before beforeMs. */
export async function legacyLastSeqBefore(
  db: D1Database,
  chainId: string,
  legacyTop: number,
  afterSeq: number,
  beforeMs: number,
): Promise<number | null> {
  if (afterSeq >= legacyTop) return null;
  const row = await db
    .prepare("SELECT max(seq) AS seq FROM audit_events WHERE chain_id = ?1 AND seq > ?2 AND seq <= ?3 AND at < ?4")
    .bind(chainId, afterSeq, legacyTop, beforeMs)
    .first<{ seq: number | null }>();
  return row?.seq ?? null;
}

/** The earliest legacy event time (where a chain's first archive day starts). */
export async function legacyEarliestAt(db: D1Database, chainId: string, legacyTop: number): Promise<number | null> {
  if (legacyTop < 1) return null;
  const row = await db
    .prepare("SELECT min(at) AS at FROM audit_events WHERE chain_id = ?1 AND seq <= ?2")
    .bind(chainId, legacyTop)
    .first<{ at: number | null }>();
  return row?.at ?? null;
}

/** Retention of the legacy range: deletes archived rows (seq <= archivedSeq) older than `before`, in bounded pages. */
export async function legacyDeleteArchived(
  db: D1Database,
  chainId: string,
  archivedSeq: number,
  before: number,
  pageSize = 1_000,
  maxPages = 50,
): Promise<number> {
  let deleted = 0;
  for (let page = 0; page < maxPages; page++) {
    const result = await db
      .prepare("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE chain_id = ?1 AND seq <= ?2 AND at < ?3 LIMIT ?4)")
      .bind(chainId, archivedSeq, before, pageSize)
      .run();
    deleted += result.meta.changes;
    if (result.meta.changes < pageSize) break;
  }
  return deleted;
}
