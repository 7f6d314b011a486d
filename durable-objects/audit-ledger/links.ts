/**
 * Building the links the ledger stores, synchronously (inside the append's transaction): a v2
 * block from events, or a v1 entry carried over from before the block ledger.
 * The hash rules are chain.ts's (here through the node:crypto twin); the payload format is
 * workers/shared/audit/payload.ts's.
 */
import {
  canonicalLeaf,
  CHAIN_SCHEME_VERSION,
  lineOfLeaf,
  type LedgerEntry,
  type LedgerEntryV1,
  type LedgerEntryV2,
  type LedgerLeaf,
} from "../../workers/shared/audit/chain";
import { blockHashSync, hashLeafTextSync, merkleRootSync } from "../../workers/shared/audit/chain-hash-node";
import type { AuditEvent } from "../../workers/shared/audit/event";
import type { ChainHead } from "./storage/meta";
import type { BlockRow } from "./storage/segments";
import { encodeLines, encodePayload } from "../../workers/shared/audit/payload";
import { termsOf } from "./terms";

export interface BuiltLink {
  row: BlockRow;
  payload: Uint8Array;
  terms: string;
  entries: LedgerEntry[];
}

/** An event with the id and time it is appended under. */
export interface Sequenced {
  id: string;
  at: number;
  event: AuditEvent;
}

/** Plain JSON only (what canonicalisation and every later JSON round trip preserve): drops undefined, Dates become strings. */
function plainJson(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  const copy: unknown = JSON.parse(JSON.stringify(details));
  return copy !== null && typeof copy === "object" && !Array.isArray(copy) ? (copy as Record<string, unknown>) : {};
}

export function toLeaf(chainId: string, seq: number, s: Sequenced): LedgerLeaf {
  const { event } = s;
  return {
    v: CHAIN_SCHEME_VERSION,
    chainId,
    seq,
    id: s.id,
    at: Math.trunc(s.at),
    tenantId: event.tenantId,
    actor: { type: event.actor.type, id: event.actor.id ?? null, name: event.actor.name ?? null },
    action: event.action,
    target: event.target ? { type: event.target.type, id: event.target.id } : null,
    severity: event.severity ?? "info",
    outcome: event.outcome ?? "success",
    details: plainJson(event.details),
    ip: event.ip ?? null,
    userAgent: event.userAgent ?? null,
  };
}

/** One v2 block after `head`: seqs head.seq+1…, leaves, Merkle root, header hash, payload. */
export function buildBlock(chainId: string, head: ChainHead, events: readonly Sequenced[], now: number): BuiltLink {
  const fromSeq = head.seq + 1;
  const toSeq = head.seq + events.length;
  const leaves = events.map((s, i) => toLeaf(chainId, fromSeq + i, s));
  // Canonicalised once: the leaf text is hashed, and the stored line is that text with `block` and `hash` spliced in.
  const leafTexts = leaves.map(canonicalLeaf);
  const leafHashes = leafTexts.map(hashLeafTextSync);
  const root = merkleRootSync(leafHashes);
  const hash = blockHashSync({ chainId, fromSeq, toSeq, prevHash: head.hash, root });
  const block = { fromSeq, toSeq, prevHash: head.hash, root, hash };
  const entries: LedgerEntryV2[] = leaves.map((leaf, i) => ({ ...leaf, hash: leafHashes[i]!, block }));
  const payload = encodeLines(leafTexts.map((text, i) => lineOfLeaf(text, block, leafHashes[i]!)));
  return link(entries, { to_seq: toSeq, from_seq: fromSeq, v: CHAIN_SCHEME_VERSION, prev_hash: head.hash, root, hash }, now, payload);
}

/** A v1 entry as its own link (carried over from a ledger written before blocks). */
export function legacyLink(entry: LedgerEntryV1, now: number): BuiltLink {
  return link(
    [entry],
    { to_seq: entry.seq, from_seq: entry.seq, v: entry.v, prev_hash: entry.prevHash, root: null, hash: entry.hash },
    now,
  );
}

function link(
  entries: LedgerEntry[],
  row: Omit<BlockRow, "at_min" | "at_max" | "committed_at" | "bytes">,
  now: number,
  payload = encodePayload(entries),
): BuiltLink {
  let atMin = Infinity;
  let atMax = -Infinity;
  for (const e of entries) {
    atMin = Math.min(atMin, e.at);
    atMax = Math.max(atMax, e.at);
  }
  return {
    row: { ...row, at_min: atMin, at_max: atMax, committed_at: now, bytes: payload.byteLength },
    payload,
    terms: termsOf(entries),
    entries,
  };
}
