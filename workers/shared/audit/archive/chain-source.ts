/**
 * Reading one chain's entries back from D1's `audit_events` (the ledger's mirror) for archiving,
 * and the two deletions retention makes there. Entries come back through d1-rows.ts's
 * `rowToEntry`, the mapping the mirror wrote them with.
 */
import { and, asc, eq, gt, lte } from "drizzle-orm";
import { createDb } from "../../db/client";
import { auditEvents } from "../../db/schema";
import type { LedgerEntry } from "../chain";
import { isChainedRow, rowToEntry } from "../d1-rows";

const PAGE = 500;
/** Rows deleted per statement, and statements per job: bounded work per run, the next run continues. */
const DELETE_PAGE = 1_000;
const DELETE_PAGES_PER_RUN = 50;

/** The earliest event time in D1 for the chain (where its first archive day starts), or null. */
export async function earliestEventAt(db: D1Database, chainId: string): Promise<number | null> {
  const row = await db.prepare("SELECT min(at) AS at FROM audit_events WHERE chain_id = ?1").bind(chainId).first<{ at: number | null }>();
  return row?.at ?? null;
}

/**
 * The last seq a day's archive ends at: the highest seq after `afterSeq` whose event time is
 * before `before` (the end of the day); null when the day has no new entry.
 */
export async function lastSeqBefore(db: D1Database, chainId: string, afterSeq: number, before: number): Promise<number | null> {
  const row = await db.prepare("SELECT max(seq) AS seq FROM audit_events WHERE chain_id = ?1 AND seq > ?2 AND at < ?3").bind(chainId, afterSeq, before).first<{ seq: number | null }>();
  return row?.seq ?? null;
}

/** Entries with afterSeq < seq <= toSeq, in seq order. */
export async function entriesBetween(db: D1Database, chainId: string, afterSeq: number, toSeq: number): Promise<LedgerEntry[]> {
  const orm = createDb(db);
  const entries: LedgerEntry[] = [];
  let cursor = afterSeq;
  while (cursor < toSeq) {
    const rows = await orm
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chainId, chainId), gt(auditEvents.seq, cursor), lte(auditEvents.seq, toSeq)))
      .orderBy(asc(auditEvents.seq))
      .limit(PAGE)
      .all();
    if (rows.length === 0) break;
    for (const row of rows) {
      if (!isChainedRow(row)) throw new Error(`audit_events row ${row.id} of chain ${chainId} lacks its chain fields`);
      entries.push(rowToEntry(row));
    }
    cursor = rows[rows.length - 1]!.seq!;
  }
  return entries;
}

/**
 * The hot window: deletes the chain's rows that are archived (seq <= archivedSeq) and older than
 * `before`. Rows not archived yet are never deleted, however old. Returns how many went.
 */
export async function deleteArchivedRows(db: D1Database, chainId: string, archivedSeq: number, before: number): Promise<number> {
  let deleted = 0;
  for (let page = 0; page < DELETE_PAGES_PER_RUN; page++) {
    const result = await db
      .prepare("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE chain_id = ?1 AND seq <= ?2 AND at < ?3 LIMIT ?4)")
      .bind(chainId, archivedSeq, before, DELETE_PAGE)
      .run();
    deleted += result.meta.changes;
    if (result.meta.changes < DELETE_PAGE) break;
  }
  return deleted;
}
