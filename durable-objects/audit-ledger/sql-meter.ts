/**
 * Counts what the ledger's storage costs, the way Cloudflare bills a SQLite-backed Durable Object:
 * every `sql.exec` cursor's `rowsWritten` and `rowsRead` (the runtime's own meter: a table row, an
 * index entry, a virtual-table insert each count one; a DROP TABLE counts none), plus one row per
 * `setAlarm()` (billed as a row written, and invisible to cursors). Exposed through `stats()` for
 * the benchmark and the cost tests. The alerts capability's tables (alerts-hook.ts) use the
 * unmetered handle; their cost is stated in docs/alerts.md.
 *
 * A cursor's counters are final once it is consumed; every caller consumes its cursor before the
 * next `exec`, so the previous cursor is settled when the next one is created and on every read.
 */
export interface LedgerStats {
  rowsWritten: number;
  rowsRead: number;
  alarmsSet: number;
  appends: number;
  entriesAppended: number;
  blocksWritten: number;
}

export class SqlMeter {
  readonly counters: LedgerStats = { rowsWritten: 0, rowsRead: 0, alarmsSet: 0, appends: 0, entriesAppended: 0, blocksWritten: 0 };
  private last: SqlStorageCursor<Record<string, SqlStorageValue>> | null = null;

  /** `sql` with `exec` counted; every other member is the real one. */
  wrap(sql: SqlStorage): SqlStorage {
    const exec = (query: string, ...bindings: unknown[]) => {
      this.settle();
      const cursor = sql.exec(query, ...bindings);
      this.last = cursor;
      return cursor;
    };
    return new Proxy(sql, {
      get: (target, prop) => {
        if (prop === "exec") return exec;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  snapshot(): LedgerStats {
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
