/**
 * Reading one segment's tables (in the root object or in a store object — the same functions run
 * in both): the filtered newest-first list, one entry, the links of a seq range with their
 * payloads, event ids already present, and the seq ranges that time bounds cover.
 */
import type { LedgerEntry } from "../../../workers/shared/audit/chain";
import { entryMatches, requiredFragments, type EntryFilter } from "../../../workers/shared/audit/filter";
import { payloadEntries, payloadLines } from "../../../workers/shared/audit/payload";
import { idsExpression } from "../terms";
import { blockContaining, blocksFrom, payloadOf, t, type BlockRow } from "./segments";

/** Links looked at per statement while listing. */
const CANDIDATES_PER_QUERY = 64;

export interface ListRequest {
  filter: EntryFilter;
  /** FTS5 expression for the filter's indexed conditions (terms.ts), or null. */
  match: string | null;
  /** Only entries with a smaller seq (the cursor; Infinity for the first page). */
  beforeSeq: number;
  /** How many entries to find at most. */
  want: number;
}

/** Entries matching the filter, newest first, below the cursor. `exhausted`: the segment has no more. */
export function listInSegment(sql: SqlStorage, k: number, req: ListRequest): { entries: LedgerEntry[]; exhausted: boolean } {
  const out: LedgerEntry[] = [];
  const fragments = requiredFragments(req.filter);
  const { fromMs, toMs } = req.filter;
  // The candidates: links starting before the cursor, i.e. up to the one holding beforeSeq - 1.
  let upTo = Number.isFinite(req.beforeSeq)
    ? (blockContaining(sql, k, req.beforeSeq - 1)?.to_seq ?? req.beforeSeq - 1)
    : Number.MAX_SAFE_INTEGER;
  for (;;) {
    const candidates = req.match
      ? sql
          .exec<BlockRow & { payload: ArrayBuffer | null }>(
            `SELECT b.*, p.payload AS payload FROM (SELECT rowid AS r FROM ${t.terms(k)} WHERE ${t.terms(k)} MATCH ? AND rowid <= ? ORDER BY rowid DESC LIMIT ?) c
             JOIN ${t.blocks(k)} b ON b.to_seq = c.r LEFT JOIN ${t.payloads(k)} p ON p.to_seq = c.r ORDER BY b.to_seq DESC`,
            req.match,
            upTo,
            CANDIDATES_PER_QUERY,
          )
          .toArray()
      : sql
          .exec<BlockRow & { payload: ArrayBuffer | null }>(
            `SELECT b.*, p.payload AS payload FROM ${t.blocks(k)} b LEFT JOIN ${t.payloads(k)} p ON p.to_seq = b.to_seq
             WHERE b.to_seq <= ? AND b.at_max >= ? AND b.at_min < ? ORDER BY b.to_seq DESC LIMIT ?`,
            upTo,
            fromMs ?? Number.MIN_SAFE_INTEGER,
            toMs ?? Number.MAX_SAFE_INTEGER,
            CANDIDATES_PER_QUERY,
          )
          .toArray();
    if (candidates.length === 0) return { entries: out, exhausted: true };
    for (const block of candidates) {
      upTo = block.to_seq - 1;
      if ((fromMs !== undefined && block.at_max < fromMs) || (toMs !== undefined && block.at_min >= toMs)) continue;
      const lines = block.payload ? payloadLines(new Uint8Array(block.payload)) : [];
      for (let i = lines.length - 1; i >= 0; i--) {
        const seq = block.from_seq + i;
        if (seq >= req.beforeSeq) continue;
        const line = lines[i]!;
        if (!fragments.every((f) => line.includes(f))) continue;
        const entry = JSON.parse(line) as LedgerEntry;
        if (!entryMatches(entry, req.filter)) continue;
        out.push(entry);
        if (out.length >= req.want) return { entries: out, exhausted: false };
      }
    }
  }
}

export function entryAt(sql: SqlStorage, k: number, seq: number): LedgerEntry | null {
  const block = blockContaining(sql, k, seq);
  if (!block) return null;
  const payload = payloadOf(sql, k, block.to_seq);
  if (!payload) return null;
  const line = payloadLines(payload)[seq - block.from_seq];
  if (line === undefined) return null;
  const entry = JSON.parse(line) as LedgerEntry;
  return entry.seq === seq ? entry : null;
}

/** The seq each of these event ids already has in the segment (duplicate checks). */
export function findIds(sql: SqlStorage, k: number, ids: readonly string[]): Map<string, number> {
  const found = new Map<string, number>();
  if (ids.length === 0) return found;
  const wanted = new Set(ids);
  const rows = sql
    .exec<{ r: number }>(`SELECT rowid AS r FROM ${t.terms(k)} WHERE ${t.terms(k)} MATCH ?`, idsExpression([...wanted]))
    .toArray();
  for (const { r } of rows) {
    const payload = payloadOf(sql, k, r);
    if (!payload) continue;
    for (const e of payloadEntries(payload)) if (wanted.has(e.id)) found.set(e.id, e.seq);
  }
  return found;
}

/** The last seq of the last link after `afterSeq` whose entries all happened before `beforeMs` (a day's cut). */
export function lastLinkBefore(sql: SqlStorage, k: number, afterSeq: number, beforeMs: number): number | null {
  return sql
    .exec<{ s: number | null }>(`SELECT max(to_seq) AS s FROM ${t.blocks(k)} WHERE to_seq > ? AND at_max < ?`, afterSeq, beforeMs)
    .one().s;
}

/** The first seq whose event happened at or after `fromMs`; null if none in the segment. */
export function firstSeqAtOrAfter(sql: SqlStorage, k: number, fromMs: number): number | null {
  const block = sql.exec<BlockRow>(`SELECT * FROM ${t.blocks(k)} WHERE at_max >= ? ORDER BY to_seq LIMIT 1`, fromMs).toArray()[0];
  if (!block) return null;
  const payload = payloadOf(sql, k, block.to_seq);
  const hit = payload ? payloadEntries(payload).find((e) => e.at >= fromMs) : undefined;
  return hit?.seq ?? null;
}

/** The last seq whose event happened before `toMs`; null if none in the segment. */
export function lastSeqBefore(sql: SqlStorage, k: number, toMs: number): number | null {
  const block = sql.exec<BlockRow>(`SELECT * FROM ${t.blocks(k)} WHERE at_min < ? ORDER BY to_seq DESC LIMIT 1`, toMs).toArray()[0];
  if (!block) return null;
  const payload = payloadOf(sql, k, block.to_seq);
  const hits = payload ? payloadEntries(payload).filter((e) => e.at < toMs) : [];
  return hits.length ? hits[hits.length - 1]!.seq : null;
}

/** The link (seq range) holding `seq` in this segment. */
export function linkOf(sql: SqlStorage, k: number, seq: number): { fromSeq: number; toSeq: number } | null {
  const block = blockContaining(sql, k, seq);
  return block ? { fromSeq: block.from_seq, toSeq: block.to_seq } : null;
}

/**
 * Entries with afterSeq < seq <= toSeq from the segments held in this object (at most `max`), in
 * seq order: for the alerts hook's catch-up, which re-reads entries it never saw.
 */
export function localEntriesBetween(sql: SqlStorage, afterSeq: number, toSeq: number, max: number): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  const local = sql.exec<{ k: number }>("SELECT k FROM ledger_segments WHERE dropped_at IS NULL AND store IS NULL ORDER BY k").toArray();
  for (const { k } of local) {
    let after = afterSeq;
    while (out.length < max && after < toSeq) {
      const blocks = blocksFrom(sql, k, after, toSeq, 4_000_000, 64);
      if (blocks.length === 0) break;
      for (const b of blocks) {
        for (const e of payloadEntries(b.payload)) if (e.seq > afterSeq && e.seq <= toSeq && out.length < max) out.push(e);
        after = b.to_seq;
      }
    }
  }
  return out;
}
