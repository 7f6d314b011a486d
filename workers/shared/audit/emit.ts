/**
 * The single audit emit point. Every mutation and every authentication success or failure, in
 * every Worker, calls `emitAudit`. Today it writes one row to D1's `audit_events`; the audit-ledger
 * capability replaces this function's inside with a per-tenant hash-chained Durable Object
 * without touching its callers, which is why callers pass `Env` rather than a database handle.
 */
import { newId } from "../crypto/ids";
import { createDb } from "../db/client";
import { auditEvents, type AuditEventRow } from "../db/schema";

export interface AuditActor {
  type: AuditEventRow["actorType"];
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
  severity?: AuditEventRow["severity"];
  outcome?: AuditEventRow["outcome"];
  ip: string | null;
  userAgent: string | null;
  at?: number;
}

export async function emitAudit(env: Pick<Env, "DB">, event: AuditEvent): Promise<void> {
  const at = event.at ?? Date.now();
  await createDb(env.DB).insert(auditEvents).values(toRow(newId("audit", at), event, at));
}

/** An event staged elsewhere first (e.g. a relay's outbox), carrying the id it was staged with. */
export interface StagedAuditEvent extends AuditEvent {
  id: string;
  at: number;
}

/**
 * Writes many events in ONE D1 batch (one round trip, one transaction). For callers that stage
 * events durably and flush them later (the TeamRelay): delivery is at least once, so each event
 * keeps the id it was staged with and a repeated flush is ignored (`INSERT OR IGNORE` on the id).
 */
export async function emitAuditBatch(env: Pick<Env, "DB">, events: StagedAuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  const db = createDb(env.DB);
  const [first, ...rest] = events.map((e) => db.insert(auditEvents).values(toRow(e.id, e, e.at)).onConflictDoNothing({ target: auditEvents.id }));
  await db.batch([first!, ...rest]);
}

function toRow(id: string, event: AuditEvent, at: number) {
  return {
    id,
    tenantId: event.tenantId,
    at,
    actorType: event.actor.type,
    actorId: event.actor.id,
    actorName: event.actor.name,
    action: event.action,
    targetType: event.target?.type ?? null,
    targetId: event.target?.id ?? null,
    severity: event.severity ?? "info",
    outcome: event.outcome ?? "success",
    details: event.details ?? {},
    ip: event.ip,
    userAgent: event.userAgent,
  } satisfies typeof auditEvents.$inferInsert;
}
