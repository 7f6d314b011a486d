/**
 * How long the ledger keeps entries once they are mirrored to D1. The ledger is the writer, not
 * the archive: D1 holds the hot window (90 days by default) and R2 the cold one. The object keeps
 * the head forever (in `ledger_meta`) and every entry for LEDGER_RETENTION_MS after it was
 * appended, and never drops an entry that D1 does not have yet. Seven days is long enough to
 * deduplicate any realistic retry of a batch, to re-mirror after a D1 restore of recent data, and
 * to let verify compare D1's recent rows with the ledger's own copy; short enough that a busy
 * tenant stays far below a Durable Object's 10 GB storage limit. Decision recorded in docs/audit.md.
 */
export const LEDGER_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Rows deleted per alarm run, so one run stays short; the next alarm continues. */
export const PRUNE_BATCH = 5_000;

/** Deletes mirrored entries past retention (never the head row). Returns how many were deleted. */
export function pruneMirrored(sql: SqlStorage, mirroredSeq: number, headSeq: number, now: number): number {
  const upTo = Math.min(mirroredSeq, headSeq - 1);
  if (upTo < 1) return 0;
  const cursor = sql.exec(
    "DELETE FROM ledger_entries WHERE seq IN (SELECT seq FROM ledger_entries WHERE seq <= ? AND appended_at < ? ORDER BY seq LIMIT ?)",
    upTo,
    now - LEDGER_RETENTION_MS,
    PRUNE_BATCH,
  );
  return cursor.rowsWritten;
}

/** When the oldest prunable entry (any but the head) falls out of retention; null when there is none. */
export function nextPruneAt(sql: SqlStorage, headSeq: number): number | null {
  const row = sql.exec<{ at: number | null }>("SELECT min(appended_at) AS at FROM ledger_entries WHERE seq < ?", headSeq).one();
  return row.at === null ? null : row.at + LEDGER_RETENTION_MS;
}
