/**
 * What an audit event is before the ledger chains it, and which chain it belongs to. Its own
 * module (no Worker imports, no ledger imports) so the emit client, the ledger and the relay's
 * staging can all depend on it without depending on one another.
 */
import { PLATFORM_CHAIN_ID, type EntryFields } from "./chain";

export interface AuditActor {
  type: EntryFields["actor"]["type"];
  id: string | null;
  name: string | null;
}

export interface AuditEvent {
  tenantId: string | null;
  actor: AuditActor;
  /** `<resource>.<verb>` in the past tense, e.g. `agent.created`, `auth.login_failed`. */
  action: string;
  target?: { type: string; id: string } | null;
  details?: Record<string, unknown>;
  severity?: EntryFields["severity"];
  outcome?: EntryFields["outcome"];
  ip: string | null;
  userAgent: string | null;
  at?: number;
}

/** An event staged elsewhere first (e.g. a relay's outbox), carrying the id it was staged with. */
export interface StagedAuditEvent extends AuditEvent {
  id: string;
  at: number;
}

/** The one rule for which chain an event belongs to: its tenant's, or the platform chain. */
export function chainIdFor(event: Pick<AuditEvent, "tenantId">): string {
  return event.tenantId ?? PLATFORM_CHAIN_ID;
}
