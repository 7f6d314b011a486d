/**
 * The D1 mirror: copies committed entries to `audit_events` (the hot, queryable window) in
 * batches, oldest first, and advances the cursor (`mirrored_seq`) only after D1 accepted a batch.
 * Rows are written with INSERT … ON CONFLICT DO NOTHING on the id, so repeating a batch after a
 * crash or a failed cursor write is harmless (at least once + idempotent = exactly once).
 *
 * One flush runs at a time (`pending`); callers that arrive meanwhile wait for it and flush again
 * only if their entries are still not covered, so N concurrent appends coalesce into few D1 batches.
 *
 * The cursor lives in memory and is persisted lazily (`persistCursor`, called inside the next
 * append's transaction and by the alarm), never on the ack path: a storage write there would hold
 * every acknowledgement behind one more commit. Losing the in-memory cursor to an eviction only
 * means re-sending rows D1 already has, which the conflict clause ignores.
 */
import { type LedgerEntry } from "../../workers/shared/audit/chain";
import { entryToRow } from "../../workers/shared/audit/d1-rows";
import { createDb } from "../../workers/shared/db/client";
import { auditEvents } from "../../workers/shared/db/schema";
import { entriesAfter, readMirroredSeq, writeMeta } from "./storage";

/** Rows per D1 batch (one statement per row: D1 allows 100 bound parameters per statement). */
export const MIRROR_BATCH = 100;

export class D1Mirror {
  private pending: Promise<void> | null = null;
  private cursor: number;
  private persisted: number;

  constructor(
    private readonly sql: SqlStorage,
    private readonly db: D1Database,
  ) {
    this.cursor = this.persisted = readMirroredSeq(sql);
  }

  /** Every entry with seq <= this is in D1. */
  get mirroredSeq(): number {
    return this.cursor;
  }

  /** Stores the cursor if it moved; synchronous, so it joins whatever write is in progress. */
  persistCursor(): void {
    if (this.cursor === this.persisted) return;
    writeMeta(this.sql, "mirrored_seq", String(this.cursor));
    this.persisted = this.cursor;
  }

  /** Resolves once every entry up to `seq` is in D1; throws if this call's own flush failed. */
  async upTo(seq: number): Promise<void> {
    while (this.mirroredSeq < seq) {
      if (this.pending) {
        await this.pending.catch(() => undefined);
        continue;
      }
      this.pending = this.flushAll();
      try {
        await this.pending;
      } finally {
        this.pending = null;
      }
    }
  }

  private async flushAll(): Promise<void> {
    for (;;) {
      const cursor = this.mirroredSeq;
      const rows = entriesAfter(this.sql, cursor, MIRROR_BATCH);
      if (rows.length === 0) return;
      const db = createDb(this.db);
      const statements = rows.map((r) => db.insert(auditEvents).values(entryToRow(JSON.parse(r.entry) as LedgerEntry)).onConflictDoNothing());
      await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
      this.cursor = Math.max(this.cursor, rows[rows.length - 1]!.seq);
    }
  }
}
