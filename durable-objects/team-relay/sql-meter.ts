/**
 * Counts what the relay's SQL costs, the way Cloudflare bills it: every `sql.exec` cursor's
 * `rowsWritten` (index entries included — an index on a table is one more row per insert) and
 * `rowsRead`. The relay's modules all receive the metered handle, so nothing escapes the count.
 * Exposed through the `stats()` RPC for the benchmark and the rows-per-message test.
 *
 * A cursor's counters are final only once it has been consumed; every caller here consumes its
 * cursor before the next `exec` (`.toArray()`, `.one()`, or a write with no result rows), so the
 * previous cursor is settled when the next one is created, and on every read of the stats.
 */

/** Counters since the object started (in memory: they restart with the instance). */
export interface RelayStats {
  rowsWritten: number;
  rowsRead: number;
  messagesAccepted: number;
  auditFlushed: number;
  /** `setAlarm()` calls: not SQL, but each is billed as one row written. */
  alarmsSet: number;
}

export class SqlMeter {
  readonly counters: RelayStats = { rowsWritten: 0, rowsRead: 0, messagesAccepted: 0, auditFlushed: 0, alarmsSet: 0 };
  private last: SqlStorageCursor<Record<string, SqlStorageValue>> | null = null;

  /**
   * `sql` with `exec` counted. Only `exec` is offered (all the relay uses): a plain object rather
   * than a Proxy, because this sits on every statement of the message path.
   */
  wrap(sql: SqlStorage): SqlStorage {
    const exec = (query: string, ...bindings: unknown[]) => {
      this.settle();
      const cursor = sql.exec(query, ...bindings);
      this.last = cursor;
      return cursor;
    };
    return { exec } as unknown as SqlStorage;
  }

  snapshot(): RelayStats {
    this.settle();
    return { ...this.counters };
  }

  private settle(): void {
    if (!this.last) return;
    this.counters.rowsWritten += this.last.rowsWritten;
    this.counters.rowsRead += this.last.rowsRead;
    this.last = null;
  }
}
