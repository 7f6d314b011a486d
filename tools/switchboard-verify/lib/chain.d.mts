/** Types of the verifier's chain rules (lib/chain.mjs), for TypeScript callers such as the platform's tests. */
export const GENESIS_HASH: string;
export function sha256Hex(bytes: Uint8Array): Promise<string>;
/** An entry's v1 hash or v2 leaf hash, recomputed from its content. */
export function entryHash(entry: Record<string, unknown>): Promise<string>;
export function merkleRoot(leafHashes: string[]): Promise<string>;
export function blockHash(header: { chainId: string; fromSeq: number; toSeq: number; prevHash: string; root: string }): Promise<string>;
export interface Link {
  v2?: true;
  fromSeq: number;
  toSeq: number;
  prevHash: string;
  root?: string;
  hash: string;
  entries: Array<Record<string, unknown>>;
  problems: Array<{ kind: "header" | "incomplete" | "root" | "block_hash"; seq?: number; expected?: string; missing?: number[] }>;
}
export function linksOf(entries: Array<Record<string, unknown>>): Promise<Link[]>;
