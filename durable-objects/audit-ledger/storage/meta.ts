/**
 * `ledger_meta`: the ledger object's key/value facts. Keys:
 * - `chain_id`: the chain this object writes (bound on the first append; a store object: its root's);
 * - `schema_version`: the storage migrations applied (migrate.ts);
 * - `head`: JSON `{ seq, hash }`, the chain's last link (kept apart from the blocks, so a truncated
 *   block table is noticed);
 * - `legacy_top`: the last seq the ledger mirrored to D1 under scheme v1 before it kept the hot
 *   window itself; seqs up to it are read from D1's `audit_events` until they age out (0: none);
 * - `legacy_entries_drop_at`: when the v1 `ledger_entries` table (kept for duplicate checks) goes;
 * - `store_of`: on a segment store object, `{ chainId, k }` of the segment it holds.
 * Schema v1 kept `head_seq`/`head_hash`/`mirrored_seq` instead of `head`/`legacy_top`.
 */
import { GENESIS_HASH } from "../../../workers/shared/audit/chain";

export function readMeta(sql: SqlStorage, key: string): string | null {
  return sql.exec<{ value: string }>("SELECT value FROM ledger_meta WHERE key = ?", key).toArray()[0]?.value ?? null;
}

export function writeMeta(sql: SqlStorage, key: string, value: string | number): void {
  sql.exec("INSERT INTO ledger_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, String(value));
}

export function deleteMeta(sql: SqlStorage, key: string): void {
  sql.exec("DELETE FROM ledger_meta WHERE key = ?", key);
}

/** The chain's last link: the seq it ends at and its hash (GENESIS/0 for an empty chain). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export function readHead(sql: SqlStorage): ChainHead {
  const json = readMeta(sql, "head");
  if (json) return JSON.parse(json) as ChainHead;
  // Schema v1 kept the head in two keys (migrate.ts rewrites them; this reads an object mid-migration).
  return { seq: Number(readMeta(sql, "head_seq") ?? 0), hash: readMeta(sql, "head_hash") ?? GENESIS_HASH };
}

/** One row written per commit, whatever the block's size. */
export function writeHead(sql: SqlStorage, head: ChainHead): void {
  writeMeta(sql, "head", JSON.stringify({ seq: head.seq, hash: head.hash }));
}
