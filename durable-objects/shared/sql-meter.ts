/**
 * Counts what a SQLite-backed Durable Object's storage costs, the way Cloudflare bills it: every
 * `sql.exec` cursor's `rowsWritten` and `rowsRead` (the runtime's own meter: a table row, an index
 * entry, a virtual-table insert each count one; a DROP TABLE counts none). `setAlarm()` is billed as
 * one row written and is invisible to cursors, so the objects count it themselves in their
 * counters. The relay and the audit ledger expose theirs through `stats()` for the benchmarks and
 * the cost tests.
 *
 * A cursor's counters are final only once it has been consumed; every caller consumes its cursor
 * before the next `exec` (`.toArray()`, `.one()`, or a write with no result rows), so the previous
 * cursor is settled when the next one is created, and on every read of the stats.
 */
export interface SqlRowCounters {
  rowsWritten: number;
  rowsRead: number;
}

export class SqlMeter<Counters extends SqlRowCounters> {
  private last: SqlStorageCursor<Record<string, SqlStorageValue>> | null = null;

  /** @param counters the object's counters (in memory: they restart with the instance). */
  constructor(readonly counters: Counters) {}

  /**
   * `sql` with `exec` counted. `execOnly`: a plain object offering only `exec` (for a hot path: no
   * Proxy on every statement); otherwise every other member is the real one.
   */
  wrap(sql: SqlStorage, { execOnly = false }: { execOnly?: boolean } = {}): SqlStorage {
    const exec = (query: string, ...bindings: unknown[]) => {
      this.settle();
      const cursor = sql.exec(query, ...bindings);
      this.last = cursor;
      return cursor;
    };
    if (execOnly) return { exec } as unknown as SqlStorage;
    return new Proxy(sql, {
      get: (target, prop) => {
        if (prop === "exec") return exec;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  snapshot(): Counters {
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
