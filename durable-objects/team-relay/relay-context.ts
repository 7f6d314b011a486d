/**
 * What the relay's modules share: storage, the team's identity and the in-memory caches. The
 * TeamRelay class implements it; every cache here is rebuilt from SQL in its constructor.
 */
import type { CompiledAllowlist } from "../../workers/shared/relay/allowlist";
import type { LogCache } from "./log-cache";
import type { RateLimits } from "./rate-limit";
import type { RelayStats } from "./sql-meter";

export interface RelayLimits {
  /** Unacknowledged messages one recipient may have waiting before senders get `queue_full`. */
  queueCap: number;
  /** Open connections one agent may hold at once. */
  maxSocketsPerAgent: number;
  /**
   * Least time between two TTL purges. A purge scans the log (it has no expiry index, to keep a
   * message at one row written); expired messages are never delivered meanwhile, so batching
   * the deletes costs nothing but a little storage.
   */
  purgeIntervalMs: number;
  /**
   * How long audit events may wait for a flush: under load batches of 100 form well within it, and
   * an idle team's events still reach the audit trail within a second. A backlog left after one
   * alarm run is flushed at once, not after this delay.
   */
  auditFlushDelayMs: number;
}

export const RELAY_LIMITS: RelayLimits = { queueCap: 1000, maxSocketsPerAgent: 5, purgeIntervalMs: 60_000, auditFlushDelayMs: 500 };

export interface Relay {
  readonly state: DurableObjectState;
  readonly sql: SqlStorage;
  readonly rates: RateLimits;
  readonly limits: RelayLimits;
  /** Caches over the message log (idempotency, queue lengths, next expiry). */
  readonly cache: LogCache;
  /** Counters since the object started (rows from the SQL meter). */
  readonly counters: RelayStats;
  /** Cache of max(seq): the seq of the latest message. */
  head: number;
  /** Cache of the stored allowlist, compiled. */
  allowlist: CompiledAllowlist;
  teamId: string;
  tenantId: string;
  /** Asks for the alarm to run no later than `at`. */
  wakeAt(at: number): Promise<void>;
}
