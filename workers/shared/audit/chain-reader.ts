/**
 * A chain's entries in seq order, from wherever they are: the legacy D1 rows (scheme v1, seqs up
 * to the chain's `legacyTop`, while they last) and then the ledger's links. Verify, export and
 * the archiver walk a range through this, page by page. A hole in either source is not skipped
 * over silently: the next piece simply starts later, and the walker reports the gap.
 */
import type { LedgerHead, StoredLink } from "../../../durable-objects/audit-ledger";
import { entryLine, type LedgerEntry, type LedgerEntryV1 } from "./chain";
import { ledgerFor, type AuditEnv } from "./emit";
import { legacyPage } from "./legacy-d1";
import { payloadLines } from "./payload";

export type ChainPiece = { kind: "legacy"; entries: LedgerEntryV1[] } | { kind: "links"; links: StoredLink[] };

type ReaderEnv = AuditEnv & Pick<Env, "DB">;

/** Pieces covering afterSeq < seq <= toSeq, in order (links are whole: the first may start before afterSeq + 1). */
export async function* chainPieces(
  env: ReaderEnv,
  chainId: string,
  head: Pick<LedgerHead, "legacyTop">,
  afterSeq: number,
  toSeq: number,
  pageBytes = 4_000_000,
): AsyncGenerator<ChainPiece> {
  let after = afterSeq;
  while (after < Math.min(toSeq, head.legacyTop)) {
    const entries = await legacyPage(env.DB, chainId, head.legacyTop, after, toSeq);
    if (entries.length === 0) break;
    yield { kind: "legacy", entries };
    after = entries[entries.length - 1]!.seq;
  }
  after = Math.max(after, Math.min(head.legacyTop, toSeq));
  const ledger = ledgerFor(env, chainId);
  while (after < toSeq) {
    const links = await ledger.links(after, toSeq, pageBytes);
    if (links.length === 0) break;
    yield { kind: "links", links };
    after = links[links.length - 1]!.to_seq;
  }
}

/** A piece's JSONL lines, exactly as exported and archived. */
export function pieceLines(piece: ChainPiece): string[] {
  if (piece.kind === "legacy") return piece.entries.map(entryLine);
  return piece.links.flatMap((l) => payloadLines(l.payload));
}

export function pieceEntries(piece: ChainPiece): LedgerEntry[] {
  if (piece.kind === "legacy") return piece.entries;
  return piece.links.flatMap((l) => payloadLines(l.payload).map((line) => JSON.parse(line) as LedgerEntry));
}
