/**
 * The gzip member of an archive that holds legacy (D1, scheme v1) entries: JSONL, one entry per
 * line in its RFC 8785 form (chain.ts `entryLine`, as the ledger stores lines), in seq order, gzip-compressed with CompressionStream. (The
 * ledger's links are archived as their stored payloads, workers/shared/audit/payload.ts.)
 * Web APIs only, so the same code runs in the Worker and in Node.
 */
import { sha256Hex } from "../../crypto/sha256";
import { entryLine, type LedgerEntry } from "../chain";

export interface BuiltArchive {
  bytes: Uint8Array<ArrayBuffer>;
  sha256: string;
}

export async function buildArchive(entries: readonly LedgerEntry[]): Promise<BuiltArchive> {
  const text = entries.map((e) => `${entryLine(e)}\n`).join("");
  const bytes = await gzip(new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>);
  return { bytes, sha256: await sha256Hex(bytes) };
}

export async function gzip(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
