/**
 * The legacy hot window: D1's `audit_events` rows the first ledger mirrored (scheme v1, one row per
 * entry), and the mapping between such a row and its entry, both ways. Since the block ledger the
 * ledger objects serve the hot window and nothing writes these rows; readers take seqs up to each
 * chain's `legacyTop` from here until retention has deleted them (docs/audit.md, "Migrating from
 * the D1 hot window"). The round trip is exact for every field the v1 hash commits to.
 */
import { LEGACY_CHAIN_SCHEME_VERSION, type LedgerEntryV1 } from "./chain";
import type { AuditEventRow, auditEvents } from "../db/schema";

export function entryToRow(entry: LedgerEntryV1): typeof auditEvents.$inferInsert {
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

export function rowToEntry(row: ChainedRow): LedgerEntryV1 {
  return {
    v: LEGACY_CHAIN_SCHEME_VERSION,
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
