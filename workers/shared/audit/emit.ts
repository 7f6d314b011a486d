/**
 * The single audit emit point. Every mutation and every authentication success or failure, in
 * every Worker, calls `emitAudit` (or `emitAuditBatch` for events staged elsewhere first). Each
 * event is appended to its chain's AuditLedger Durable Object (one per tenant, plus the platform
 * chain for tenant-less events), which assigns seq/prevHash/hash, persists, mirrors to D1's
 * `audit_events` and only then answers — so when these functions resolve the event is durable and,
 * unless D1 failed (the ledger's alarm then retries), already queryable in D1. See docs/audit.md.
 *
 * Callers pass their Worker `Env` (typed loosely as `Pick<Env, "DB">` for historical reasons: the
 * signature is shared by every caller); it must carry the `AUDIT_LEDGER` binding.
 */
import { newId } from "../crypto/ids";
import type { AuditEventRow } from "../db/schema";
import { PLATFORM_CHAIN_ID } from "./chain";

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
  await ledgerFor(env, chainIdFor(event)).append([{ ...event, id: newId("audit", at), at }]);
}

/** An event staged elsewhere first (e.g. a relay's outbox), carrying the id it was staged with. */
export interface StagedAuditEvent extends AuditEvent {
  id: string;
  at: number;
}

/**
 * Appends many events, in order, as ONE atomic append per chain (normally one: a relay's batch is
 * one tenant's). For callers that stage events durably and flush them later (the TeamRelay):
 * delivery is at least once, so each event keeps the id it was staged with and the ledger answers
 * a repeated event with the seq it already has instead of appending it again.
 */
export async function emitAuditBatch(env: Pick<Env, "DB">, events: StagedAuditEvent[]): Promise<void> {
  const byChain = new Map<string, StagedAuditEvent[]>();
  for (const event of events) {
    const chainId = chainIdFor(event);
    const group = byChain.get(chainId);
    if (group) group.push(event);
    else byChain.set(chainId, [event]);
  }
  // Acknowledged once the chain has committed (see AuditLedger.append): these callers never read
  // their events back, so they need not wait for the D1 mirror.
  await Promise.all([...byChain].map(([chainId, group]) => ledgerFor(env, chainId).append(group, { awaitMirror: false })));
}

function chainIdFor(event: Pick<AuditEvent, "tenantId">): string {
  return event.tenantId ?? PLATFORM_CHAIN_ID;
}

/** The chain's ledger object. Exported for the audit API (verify's head) and tests. */
export function ledgerFor(env: Pick<Env, "DB">, chainId: string): DurableObjectStub<import("../../../durable-objects/audit-ledger").AuditLedger> {
  const namespace = (env as Partial<Env>).AUDIT_LEDGER;
  if (!namespace) throw new Error("emitAudit needs the Worker's Env with the AUDIT_LEDGER Durable Object binding");
  return namespace.get(namespace.idFromName(chainId));
}
