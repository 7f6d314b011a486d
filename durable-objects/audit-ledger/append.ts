/**
 * Appending to the chain, synchronously. Deduplication, seq assignment, hashing and the insert all
 * happen in one synchronous run inside `transactionSync`, so no other call can interleave (a
 * Durable Object only switches between calls at an `await`), the batch commits or rolls back as a
 * whole, and the chain can neither fork nor gap. Hashing is the chain's SHA-256 over RFC 8785 JSON
 * (chain.ts), computed with node:crypto's synchronous SHA-256 — byte-for-byte the digest WebCrypto
 * gives `hashEntry` (asserted in the tests) — because WebCrypto's digest is async and an await
 * inside the append would reopen the object to other callers.
 */
import { createHash } from "node:crypto";
import {
  canonicalEntry,
  CHAIN_SCHEME_VERSION,
  PLATFORM_CHAIN_ID,
  type LedgerEntry,
  type LedgerEntryBody,
} from "../../workers/shared/audit/chain";
import type { AuditEvent, StagedAuditEvent } from "../../workers/shared/audit/emit";
import { newId } from "../../workers/shared/crypto/ids";
import { insertEntry, seqOfId, writeHead, type ChainHead } from "./storage";

export type AppendInput = StagedAuditEvent | AuditEvent;

export interface AppendResult {
  /** The seq of each input event, in input order (an event already in the chain keeps its seq). */
  seqs: number[];
  /** Entries this call added, in chain order (empty for a fully retried batch). */
  appended: LedgerEntry[];
  head: ChainHead;
}

export function chainIdOf(event: Pick<AuditEvent, "tenantId">): string {
  return event.tenantId ?? PLATFORM_CHAIN_ID;
}

export function hashEntrySync(body: LedgerEntryBody): string {
  return createHash("sha256").update(canonicalEntry(body), "utf8").digest("hex");
}

/** Plain JSON only (what canonicalisation and the D1 round trip preserve): drops undefined, turns Dates into strings. */
function plainJson(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  const copy: unknown = JSON.parse(JSON.stringify(details));
  return copy !== null && typeof copy === "object" && !Array.isArray(copy) ? (copy as Record<string, unknown>) : {};
}

export function toEntryBody(chainId: string, seq: number, prevHash: string, id: string, event: AuditEvent, at: number): LedgerEntryBody {
  return {
    v: CHAIN_SCHEME_VERSION,
    chainId,
    seq,
    id,
    at: Math.trunc(at),
    tenantId: event.tenantId,
    actor: { type: event.actor.type, id: event.actor.id ?? null, name: event.actor.name ?? null },
    action: event.action,
    target: event.target ? { type: event.target.type, id: event.target.id } : null,
    severity: event.severity ?? "info",
    outcome: event.outcome ?? "success",
    details: plainJson(event.details),
    ip: event.ip ?? null,
    userAgent: event.userAgent ?? null,
    prevHash,
  };
}

/**
 * Must run inside `ctx.storage.transactionSync`. Never mutates `head`; returns the new one, which
 * the caller adopts only after the transaction committed.
 */
export function appendSync(sql: SqlStorage, chainId: string, head: ChainHead, events: readonly AppendInput[], now: number): AppendResult {
  let tip = { ...head };
  const seqs: number[] = [];
  const appended: LedgerEntry[] = [];
  const assignedInThisBatch = new Map<string, number>();
  for (const event of events) {
    if (chainIdOf(event) !== chainId) throw new Error(`audit event for chain ${chainIdOf(event)} sent to ledger ${chainId}`);
    const at = event.at ?? now;
    const id = "id" in event && typeof event.id === "string" && event.id ? event.id : newId("audit", at);
    const existing = assignedInThisBatch.get(id) ?? seqOfId(sql, id);
    if (existing !== null) {
      seqs.push(existing);
      continue;
    }
    const body = toEntryBody(chainId, tip.seq + 1, tip.hash, id, event, at);
    const entry: LedgerEntry = { ...body, hash: hashEntrySync(body) };
    insertEntry(sql, entry.seq, entry.id, JSON.stringify(entry), entry.hash, now);
    assignedInThisBatch.set(id, entry.seq);
    seqs.push(entry.seq);
    appended.push(entry);
    tip = { seq: entry.seq, hash: entry.hash };
  }
  if (appended.length > 0) writeHead(sql, tip);
  return { seqs, appended, head: tip };
}
