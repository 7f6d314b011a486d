/**
 * What the relay's modules share: storage, the team's identity and the in-memory caches. The
 * TeamRelay class implements it; every cache here is rebuilt from SQL in its constructor.
 */
import type { CompiledAllowlist } from "../../workers/shared/relay/allowlist";
import type { RateLimits } from "./rate-limit";

export interface RelayLimits {
  /** Unacknowledged messages one recipient may have waiting before senders get `queue_full`. */
  queueCap: number;
  /** Open connections one agent may hold at once. */
  maxSocketsPerAgent: number;
}

export const RELAY_LIMITS: RelayLimits = { queueCap: 1000, maxSocketsPerAgent: 5 };

export interface Relay {
  readonly state: DurableObjectState;
  readonly sql: SqlStorage;
  readonly rates: RateLimits;
  readonly limits: RelayLimits;
  /** Cache of max(seq): the seq of the latest message. */
  head: number;
  /** Cache of the stored allowlist, compiled. */
  allowlist: CompiledAllowlist;
  teamId: string;
  tenantId: string;
  /** Asks for the alarm to run no later than `at`. */
  wakeAt(at: number): Promise<void>;
}
