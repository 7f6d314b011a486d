/**
 * The ledger's storage counters (durable-objects/shared/sql-meter.ts counts the SQL). The alerts
 * capability's tables (alerts-hook.ts) use the unmetered handle; their cost is stated in
 * docs/alerts.md.
 */
import { SqlMeter } from "../shared/sql-meter";

export interface LedgerStats {
  rowsWritten: number;
  rowsRead: number;
  /** `setAlarm()` calls: not SQL, but each is billed as one row written. */
  alarmsSet: number;
  appends: number;
  entriesAppended: number;
  blocksWritten: number;
}

export const ledgerMeter = () =>
  new SqlMeter<LedgerStats>({ rowsWritten: 0, rowsRead: 0, alarmsSet: 0, appends: 0, entriesAppended: 0, blocksWritten: 0 });
