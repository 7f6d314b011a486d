/**
 * The ledger object's storage migrations, run in the constructor before any call. Versions only
 * append; never edit one that has shipped.
 *
 * - 1 (the first ledger): `ledger_meta` and `ledger_entries` (one row per v1 entry, kept 7 days,
 *   mirrored to D1's `audit_events`, which served the hot window).
 * - 2 (the block ledger): the object serves the hot window itself, in segments (segments.ts);
 *   `ledger_actions` lists the actions ever seen (the `q` filter). An object at version 1 is
 *   carried over without downtime (docs/audit.md, "Migrating from the D1 hot window"):
 *   the seqs its D1 mirror had reached stay in D1 (`legacy_top`; readers take them from there until
 *   they age out), the entries D1 did not have yet become v1 links of segment 1, the chain goes on
 *   from the v1 head, and `ledger_entries` stays one more day for duplicate checks of batches a
 *   relay flushed just before the upgrade.
 */
import { ledgerEntryV1Schema, type LedgerEntryV1 } from "../../../workers/shared/audit/chain";
import { legacyLink } from "../links";
import { deleteMeta, readHead, readMeta, writeHead, writeMeta } from "./meta";
import { DIRECTORY_DDL, insertBlock, openSegmentRow } from "./segments";

export const SCHEMA_VERSION = 2;
/** How long `ledger_entries` stays after the upgrade, for duplicate checks of batches retried across it. */
export const LEGACY_ENTRIES_GRACE_MS = 24 * 60 * 60 * 1000;

export function migrate(sql: SqlStorage, now: number): void {
  sql.exec("CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const current = Number(readMeta(sql, "schema_version") ?? 0);
  if (current >= SCHEMA_VERSION) return;
  sql.exec(DIRECTORY_DDL);
  sql.exec("CREATE TABLE IF NOT EXISTS ledger_actions (action TEXT PRIMARY KEY) WITHOUT ROWID");
  if (current === 1) fromVersion1(sql, now);
  writeMeta(sql, "schema_version", SCHEMA_VERSION);
}

function fromVersion1(sql: SqlStorage, now: number): void {
  const head = readHead(sql); // from head_seq / head_hash
  const mirrored = Math.min(Number(readMeta(sql, "mirrored_seq") ?? 0), head.seq);
  writeHead(sql, head);
  writeMeta(sql, "legacy_top", mirrored);
  for (const key of ["head_seq", "head_hash", "mirrored_seq"]) deleteMeta(sql, key);

  const hasEntriesTable =
    sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'ledger_entries'").one().n > 0;
  if (!hasEntriesTable) return;
  // Entries committed but not yet in D1 when the old code stopped: they become segment 1's first links.
  const pending = sql.exec<{ entry: string }>("SELECT entry FROM ledger_entries WHERE seq > ? ORDER BY seq", mirrored).toArray();
  if (pending.length > 0) {
    openSegmentRow(sql, 1, mirrored + 1, now);
    for (const { entry } of pending) {
      const parsed: LedgerEntryV1 = ledgerEntryV1Schema.parse(JSON.parse(entry));
      const built = legacyLink(parsed, now);
      insertBlock(sql, 1, built.row, built.payload, built.terms);
      sql.exec("INSERT OR IGNORE INTO ledger_actions (action) VALUES (?)", parsed.action);
    }
  }
  writeMeta(sql, "legacy_entries_drop_at", now + LEGACY_ENTRIES_GRACE_MS);
}

/** The v1 table's copy of these ids (duplicate checks during the grace day). */
export function legacySeqsOfIds(sql: SqlStorage, ids: readonly string[]): Map<string, number> {
  const found = new Map<string, number>();
  if (readMeta(sql, "legacy_entries_drop_at") === null) return found;
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    for (const r of sql.exec<{ id: string; seq: number }>(
      `SELECT id, seq FROM ledger_entries WHERE id IN (${chunk.map(() => "?").join(",")})`,
      ...chunk,
    ))
      found.set(r.id, r.seq);
  }
  return found;
}

/** After the grace day: one DROP (not metered per row). */
export function dropLegacyEntries(sql: SqlStorage, now: number): number | null {
  const at = readMeta(sql, "legacy_entries_drop_at");
  if (at === null) return null;
  if (Number(at) > now) return Number(at);
  sql.exec("DROP TABLE IF EXISTS ledger_entries");
  deleteMeta(sql, "legacy_entries_drop_at");
  return null;
}
