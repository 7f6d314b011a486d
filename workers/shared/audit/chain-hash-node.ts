/**
 * The chain's hashes computed synchronously with node:crypto, for the Workers and the AuditLedger
 * Durable Object: the ledger hashes inside its synchronous append (an `await` there would let
 * another caller in between reading the head and writing the block), and verify/archive walks of
 * 100,000 entries are several times faster without a promise per hash. Byte for byte the same as
 * chain.ts's WebCrypto functions (asserted in durable-objects/audit-ledger/ledger.test.ts).
 * Not for the dashboard (no node:crypto in browsers): it uses chain.ts.
 */
import { createHash } from "node:crypto";
import {
  canonicalBlockHeader,
  canonicalEntry,
  canonicalLeaf,
  LEAF_PREFIX,
  LEGACY_CHAIN_SCHEME_VERSION,
  merkleSplit,
  NODE_PREFIX,
  type BlockHeader,
  type ChainHasher,
  type LedgerEntry,
  type LedgerEntryV1Body,
  type LedgerLeaf,
} from "./chain";

const LEAF = Buffer.from([LEAF_PREFIX]);
const NODE = Buffer.from([NODE_PREFIX]);

export function hashEntrySync(entry: LedgerEntryV1Body | LedgerLeaf | LedgerEntry): string {
  if (entry.v === LEGACY_CHAIN_SCHEME_VERSION) return createHash("sha256").update(canonicalEntry(entry), "utf8").digest("hex");
  return hashLeafTextSync(canonicalLeaf(entry));
}

export function hashLeafTextSync(leafText: string): string {
  return createHash("sha256").update(LEAF).update(leafText, "utf8").digest("hex");
}

export function merkleRootSync(leafHashes: readonly string[]): string {
  if (leafHashes.length === 0) throw new Error("a block has at least one entry");
  const tree = (from: number, to: number): Buffer => {
    if (to - from === 1) return Buffer.from(leafHashes[from]!, "hex");
    const k = merkleSplit(to - from);
    return createHash("sha256")
      .update(NODE)
      .update(tree(from, from + k))
      .update(tree(from + k, to))
      .digest();
  };
  return tree(0, leafHashes.length).toString("hex");
}

export function blockHashSync(header: BlockHeader): string {
  return createHash("sha256").update(canonicalBlockHeader(header), "utf8").digest("hex");
}

export const syncChainHasher: ChainHasher = {
  entry: hashEntrySync,
  leafText: hashLeafTextSync,
  root: merkleRootSync,
  block: blockHashSync,
};
