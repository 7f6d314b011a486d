/**
 * The relay's storage counters (durable-objects/shared/sql-meter.ts counts the SQL; index entries
 * included — an index on a table is one more row per insert). The relay's modules all receive the
 * metered handle, so nothing escapes the count.
 */
import { SqlMeter } from "../shared/sql-meter";

/** Counters since the object started (in memory: they restart with the instance). */
export interface RelayStats {
  rowsWritten: number;
  rowsRead: number;
  messagesAccepted: number;
  auditFlushed: number;
  /** `setAlarm()` calls: not SQL, but each is billed as one row written. */
  alarmsSet: number;
}

export const relayMeter = () =>
  new SqlMeter<RelayStats>({ rowsWritten: 0, rowsRead: 0, messagesAccepted: 0, auditFlushed: 0, alarmsSet: 0 });
