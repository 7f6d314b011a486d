/**
 * The AuditLedger's own SQLite: the chain's entries and its head. Tables are prefixed `ledger_`
 * because the alerts capability keeps its own tables in the same object (alerts-hook.ts).
 *
 * - `ledger_entries`: one row per entry, `seq` is the rowid, `id` unique (idempotent appends),
 *   `entry` the exact JSON of the LedgerEntry (what was hashed, plus `hash`).
 * - `ledger_meta`: `chain_id` (bound on the first append), `head_seq`/`head_hash` (the chain's
 *   tip, kept here so pruning mirrored entries never loses it), `mirrored_seq` (the D1 mirror
 *   cursor: every entry with seq <= it is in D1).
 * Migrations only append; never edit one that has shipped.
 */
import { GENESIS_HASH } from "../../workers/shared/audit/chain";

const MIGRATIONS: string[][] = [
  [
    "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    `CREATE TABLE IF NOT EXISTS ledger_entries (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      entry TEXT NOT NULL,
      hash TEXT NOT NULL,
      appended_at INTEGER NOT NULL
    )`,
  ],
];

export function migrate(sql: SqlStorage): void {
  sql.exec(MIGRATIONS[0]![0]!);
  const current = Number(readMeta(sql, "schema_version") ?? 0);
  for (let v = current; v < MIGRATIONS.length; v++) {
    for (const statement of MIGRATIONS[v]!) sql.exec(statement);
    writeMeta(sql, "schema_version", String(v + 1));
  }
}

export function readMeta(sql: SqlStorage, key: string): string | null {
  return sql.exec<{ value: string }>("SELECT value FROM ledger_meta WHERE key = ?", key).toArray()[0]?.value ?? null;
}

export function writeMeta(sql: SqlStorage, key: string, value: string): void {
  sql.exec("INSERT INTO ledger_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export function readHead(sql: SqlStorage): ChainHead {
  return { seq: Number(readMeta(sql, "head_seq") ?? 0), hash: readMeta(sql, "head_hash") ?? GENESIS_HASH };
}

export function writeHead(sql: SqlStorage, head: ChainHead): void {
  writeMeta(sql, "head_seq", String(head.seq));
  writeMeta(sql, "head_hash", head.hash);
}

export function readMirroredSeq(sql: SqlStorage): number {
  return Number(readMeta(sql, "mirrored_seq") ?? 0);
}

export function seqOfId(sql: SqlStorage, id: string): number | null {
  return sql.exec<{ seq: number }>("SELECT seq FROM ledger_entries WHERE id = ?", id).toArray()[0]?.seq ?? null;
}

export function insertEntry(sql: SqlStorage, seq: number, id: string, entryJson: string, hash: string, appendedAt: number): void {
  sql.exec("INSERT INTO ledger_entries (seq, id, entry, hash, appended_at) VALUES (?, ?, ?, ?, ?)", seq, id, entryJson, hash, appendedAt);
}

/** Entries with seq > afterSeq, oldest first (the mirror's next page). */
export function entriesAfter(sql: SqlStorage, afterSeq: number, limit: number): { seq: number; entry: string }[] {
  return sql.exec<{ seq: number; entry: string }>("SELECT seq, entry FROM ledger_entries WHERE seq > ? ORDER BY seq LIMIT ?", afterSeq, limit).toArray();
}

/** Retained hashes in [fromSeq, toSeq], for verify's comparison of D1 against the ledger itself. */
export function hashesBetween(sql: SqlStorage, fromSeq: number, toSeq: number, limit: number): { seq: number; hash: string }[] {
  return sql
    .exec<{ seq: number; hash: string }>("SELECT seq, hash FROM ledger_entries WHERE seq BETWEEN ? AND ? ORDER BY seq LIMIT ?", fromSeq, toSeq, limit)
    .toArray();
}
