/**
 * The mapping between a LedgerEntry and its mirrored row in D1's `audit_events`, both ways. The
 * mirror writes rows with `entryToRow`; verify, export and the archiver read them back with
 * `rowToEntry`. The round trip is exact for every field the hash commits to (`details` is plain
 * JSON; the scheme version is not stored because v1 is the only one), so a row recomputes to the
 * same hash unless someone changed it.
 */
import { CHAIN_SCHEME_VERSION, type LedgerEntry } from "./chain";
import type { AuditEventRow, auditEvents } from "../db/schema";

export function entryToRow(entry: LedgerEntry): typeof auditEvents.$inferInsert {
  return {
    id: entry.id,
    tenantId: entry.tenantId,
    at: entry.at,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    actorName: entry.actor.name,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    severity: entry.severity,
    outcome: entry.outcome,
    details: entry.details,
    ip: entry.ip,
    userAgent: entry.userAgent,
    chainId: entry.chainId,
    seq: entry.seq,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

/** A chained row (chainId, seq, prevHash and hash set) as the entry it was mirrored from. */
export type ChainedRow = AuditEventRow & { chainId: string; seq: number; prevHash: string; hash: string };

export function isChainedRow(row: AuditEventRow): row is ChainedRow {
  return row.chainId !== null && row.seq !== null && row.prevHash !== null && row.hash !== null;
}

export function rowToEntry(row: ChainedRow): LedgerEntry {
  return {
    v: CHAIN_SCHEME_VERSION,
    chainId: row.chainId,
    seq: row.seq,
    id: row.id,
    at: row.at,
    tenantId: row.tenantId,
    actor: { type: row.actorType, id: row.actorId, name: row.actorName },
    action: row.action,
    target: row.targetType !== null || row.targetId !== null ? { type: row.targetType ?? "", id: row.targetId ?? "" } : null,
    severity: row.severity,
    outcome: row.outcome,
    details: row.details,
    ip: row.ip,
    userAgent: row.userAgent,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}
