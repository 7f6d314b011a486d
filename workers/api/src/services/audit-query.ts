/**
 * Reading a tenant's chain from D1's hot window: the filtered, newest-first list, one entry, and
 * pages in chain order for verify and export. Only chained rows (mirrored by the AuditLedger)
 * are entries; rows written before the ledger existed have no seq and are not shown.
 */
import { and, asc, desc, eq, gte, lt, lte, gt, sql, type SQL } from "drizzle-orm";
import { rowToEntry, isChainedRow } from "../../../shared/audit/d1-rows";
import type { LedgerEntry } from "../../../shared/audit/chain";
import type { Database } from "../../../shared/db/client";
import { auditEvents } from "../../../shared/db/schema";
import { parseTimeBound, type AuditListQuery } from "../../../shared/schemas/audit";

function listConditions(chainId: string, q: Omit<AuditListQuery, "limit" | "cursor">): SQL[] {
  const c: SQL[] = [eq(auditEvents.chainId, chainId)];
  if (q.actorType) c.push(eq(auditEvents.actorType, q.actorType));
  if (q.actorId) c.push(eq(auditEvents.actorId, q.actorId));
  if (q.action) c.push(eq(auditEvents.action, q.action));
  if (q.targetType) c.push(eq(auditEvents.targetType, q.targetType));
  if (q.targetId) c.push(eq(auditEvents.targetId, q.targetId));
  if (q.severity) c.push(eq(auditEvents.severity, q.severity));
  if (q.outcome) c.push(eq(auditEvents.outcome, q.outcome));
  if (q.from) c.push(gte(auditEvents.at, parseTimeBound(q.from)!));
  if (q.to) c.push(lt(auditEvents.at, parseTimeBound(q.to)!));
  // instr, not LIKE: the user's text is matched literally (no % or _ wildcards to escape).
  if (q.q) c.push(sql`instr(lower(${auditEvents.action}), ${q.q.toLowerCase()}) > 0`);
  return c;
}

/** Newest first; `beforeSeq` is the cursor (the last seq of the previous page). Fetches limit + 1 rows. */
export async function listEntries(db: Database, chainId: string, q: AuditListQuery, beforeSeq: number | undefined): Promise<LedgerEntry[]> {
  const conditions = listConditions(chainId, q);
  if (beforeSeq !== undefined) conditions.push(lt(auditEvents.seq, beforeSeq));
  const rows = await db.select().from(auditEvents).where(and(...conditions)).orderBy(desc(auditEvents.seq)).limit(q.limit + 1).all();
  return rows.filter(isChainedRow).map(rowToEntry);
}

export async function getEntry(db: Database, chainId: string, seq: number): Promise<LedgerEntry | null> {
  const row = await db.select().from(auditEvents).where(and(eq(auditEvents.chainId, chainId), eq(auditEvents.seq, seq))).get();
  return row && isChainedRow(row) ? rowToEntry(row) : null;
}

/** Entries with afterSeq < seq <= toSeq in chain order, one page. */
export async function entriesPage(db: Database, chainId: string, afterSeq: number, toSeq: number, limit: number): Promise<LedgerEntry[]> {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.chainId, chainId), gt(auditEvents.seq, afterSeq), lte(auditEvents.seq, toSeq)))
    .orderBy(asc(auditEvents.seq))
    .limit(limit)
    .all();
  return rows.filter(isChainedRow).map(rowToEntry);
}

/** The lowest and highest seq D1 holds for the chain (null when it holds none). */
export async function seqBounds(db: Database, chainId: string): Promise<{ min: number; max: number } | null> {
  const row = await db
    .select({ min: sql<number | null>`min(${auditEvents.seq})`, max: sql<number | null>`max(${auditEvents.seq})` })
    .from(auditEvents)
    .where(eq(auditEvents.chainId, chainId))
    .get();
  return row && row.min !== null && row.max !== null ? { min: row.min, max: row.max } : null;
}

/** The seq range covering [fromMs, toMs): first seq at or after `fromMs`, last seq before `toMs`. */
export async function seqRangeForTimes(db: Database, chainId: string, fromMs: number | undefined, toMs: number | undefined): Promise<{ min: number | null; max: number | null }> {
  const conditions: SQL[] = [eq(auditEvents.chainId, chainId)];
  if (fromMs !== undefined) conditions.push(gte(auditEvents.at, fromMs));
  if (toMs !== undefined) conditions.push(lt(auditEvents.at, toMs));
  const row = await db
    .select({ min: sql<number | null>`min(${auditEvents.seq})`, max: sql<number | null>`max(${auditEvents.seq})` })
    .from(auditEvents)
    .where(and(...conditions))
    .get();
  return { min: row?.min ?? null, max: row?.max ?? null };
}
