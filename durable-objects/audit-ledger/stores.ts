/**
 * Growing past one object: when the root object's database passes LOCAL_BYTES_BUDGET, its alarm
 * moves the oldest sealed segment, whole, to a store object of its own (same class, named
 * `<chainId>/segment/<k>`), then drops the local tables. Reads of that segment go to the store
 * (segment-reader.ts); expiry deletes the store's storage at once (`deleteAll`).
 *
 * The move is resumable and idempotent: links are copied in pages by seq (the store skips those it
 * has), the directory flips to the store only after the store reports the same count and last
 * hash, and the local tables are dropped in the same transaction as the flip. Reads keep using
 * the local copy until then. The two newest segments never move (the duplicate check reads them).
 */
import type { LedgerEntry } from "../../workers/shared/audit/chain";
import { payloadEntries } from "../../workers/shared/audit/payload";
import { storeStub } from "./segment-reader";
import {
  blocksFrom,
  createSegmentTables,
  dropSegmentTables,
  insertBlock,
  markSegmentMoved,
  segmentFigures,
  type BlockWithPayload,
  type SegmentRow,
} from "./storage/segments";
import { termsOf } from "./terms";

/** A root object keeps its database under this size; older segments move out. */
export const LOCAL_BYTES_BUDGET = 4_000_000_000;
/** Bytes of payload per copy call (an RPC carries at most 32 MiB). */
const COPY_PAGE_BYTES = 4_000_000;

export function storeName(chainId: string, k: number): string {
  return `${chainId}/segment/${k}`;
}

/** Moves the oldest movable segment if the database is over budget; true if one moved. */
export async function moveOneSegment(
  ctx: DurableObjectState,
  env: Pick<Env, "AUDIT_LEDGER">,
  chainId: string,
  live: readonly SegmentRow[],
  budgetBytes: number,
): Promise<SegmentRow | null> {
  const sql = ctx.storage.sql;
  if (sql.databaseSize <= budgetBytes) return null;
  const movable = live.slice(0, Math.max(0, live.length - 2)).filter((s) => s.sealed_at !== null && s.store === null);
  const seg = movable[0];
  if (!seg) return null;
  const name = storeName(chainId, seg.k);
  const store = storeStub(env, name);
  let after = seg.from_seq - 1;
  const last = seg.to_seq!;
  while (after < last) {
    const page = blocksFrom(sql, seg.k, after, last, COPY_PAGE_BYTES);
    if (page.length === 0) break;
    await store.storeImport(chainId, seg.k, page);
    after = page[page.length - 1]!.to_seq;
  }
  const local = segmentFigures(sql, seg.k);
  const remote = await store.storeFigures(seg.k);
  if (remote.entries !== local.entries || remote.toSeq !== local.toSeq || remote.lastHash !== lastHash(sql, seg.k, local.toSeq)) {
    throw new Error(`audit ledger ${chainId}: segment ${seg.k} copy to ${name} does not match (${JSON.stringify({ local, remote })})`);
  }
  ctx.storage.transactionSync(() => {
    markSegmentMoved(sql, seg.k, name);
    dropSegmentTables(sql, seg.k);
  });
  return { ...seg, store: name };
}

function lastHash(sql: SqlStorage, k: number, toSeq: number | null): string | null {
  if (toSeq === null) return null;
  return sql.exec<{ hash: string }>(`SELECT hash FROM s${k}_blocks WHERE to_seq = ?`, toSeq).toArray()[0]?.hash ?? null;
}

/** The store side of a copy: inserts the links it does not have yet (the index is rebuilt from the payloads). */
export function importLinks(sql: SqlStorage, k: number, links: readonly BlockWithPayload[]): number {
  createSegmentTables(sql, k);
  let added = 0;
  for (const link of links) {
    if (sql.exec(`SELECT 1 FROM s${k}_blocks WHERE to_seq = ?`, link.to_seq).toArray().length > 0) continue;
    const payload = new Uint8Array(link.payload);
    const entries: LedgerEntry[] = payloadEntries(payload);
    const { payload: _p, ...row } = link;
    insertBlock(sql, k, row, payload, termsOf(entries));
    added++;
  }
  return added;
}

export function storeFigures(sql: SqlStorage, k: number): { entries: number; toSeq: number | null; lastHash: string | null } {
  const f = segmentFigures(sql, k);
  return { entries: f.entries, toSeq: f.toSeq, lastHash: lastHash(sql, k, f.toSeq) };
}
