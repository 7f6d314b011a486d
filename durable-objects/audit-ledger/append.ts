/**
 * Appending to the chain, synchronously. Duplicate check, seq assignment, hashing and the inserts
 * all happen in one synchronous run inside `transactionSync`, so no other call can interleave (a
 * Durable Object only switches between calls at an `await`), the append commits or rolls back as a
 * whole, and the chain can neither fork nor gap. Hashing uses node:crypto's synchronous SHA-256
 * (chain-hash-node.ts), byte for byte chain.ts's WebCrypto result.
 *
 * An append becomes ONE block (one link, four rows written: block, payload, index document, head)
 * whatever its size — a relay's 100-event flush costs what a single event costs — except that very
 * large appends are cut into blocks of at most MAX_BLOCK_ENTRIES entries and ~1 MB of payload (a
 * SQLite row holds at most 2 MB).
 */
import { newId } from "../../workers/shared/crypto/ids";
import { chainIdFor, type AuditEvent, type StagedAuditEvent } from "../../workers/shared/audit/event";
import { buildBlock, type BuiltLink, type Sequenced } from "./links";
import type { ChainHead } from "./storage/meta";

export type AppendInput = StagedAuditEvent | (AuditEvent & { id?: string });

export const MAX_BLOCK_ENTRIES = 512;
export const MAX_BLOCK_PAYLOAD_BYTES = 1_000_000;

export interface AppendPlan {
  /** The seq of each input event, in input order (an event already in the chain keeps its seq). */
  seqs: number[];
  links: BuiltLink[];
  head: ChainHead;
}

/**
 * What an append writes: the new blocks after `head`, given the seqs the duplicate check found.
 * Pure apart from reading the clock for events without a time; never mutates `head`.
 */
export function planAppend(
  chainId: string,
  head: ChainHead,
  events: readonly AppendInput[],
  existing: ReadonlyMap<string, number>,
  now: number,
): AppendPlan {
  const fresh: Sequenced[] = [];
  const seqs: number[] = [];
  const assigned = new Map<string, number>();
  for (const event of events) {
    if (chainIdFor(event) !== chainId) throw new Error(`audit event for chain ${chainIdFor(event)} sent to ledger ${chainId}`);
    const at = event.at ?? now;
    const id = "id" in event && typeof event.id === "string" && event.id ? event.id : newId("audit", at);
    const seq = assigned.get(id) ?? existing.get(id);
    if (seq !== undefined) {
      seqs.push(seq);
      continue;
    }
    const next = head.seq + fresh.length + 1;
    assigned.set(id, next);
    seqs.push(next);
    fresh.push({ id, at, event });
  }
  const links: BuiltLink[] = [];
  let tip = { ...head };
  for (let i = 0; i < fresh.length; ) {
    const built = fitBlock(chainId, tip, fresh.slice(i, i + MAX_BLOCK_ENTRIES), now);
    links.push(built);
    i += built.entries.length;
    tip = { seq: built.row.to_seq, hash: built.row.hash };
  }
  return { seqs, links, head: tip };
}

/** The largest prefix of `events` whose block stays under the payload limit. */
function fitBlock(chainId: string, head: ChainHead, events: readonly Sequenced[], now: number): BuiltLink {
  const built = buildBlock(chainId, head, events, now);
  if (built.payload.byteLength <= MAX_BLOCK_PAYLOAD_BYTES || events.length === 1) {
    if (built.payload.byteLength > 1_900_000)
      throw new Error(`audit event ${events[0]!.id} is too large to store (${built.payload.byteLength} bytes compressed)`);
    return built;
  }
  return fitBlock(chainId, head, events.slice(0, Math.ceil(events.length / 2)), now);
}
