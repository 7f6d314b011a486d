/**
 * The archive file of one day: JSONL, one LedgerEntry per line exactly as chain.ts defines it
 * (so each line re-hashes on its own), in seq order, gzip-compressed with CompressionStream.
 * Web APIs only, so the same code runs in the Worker and in Node.
 */
import { sha256Hex } from "../../crypto/sha256";
import type { LedgerEntry } from "../chain";

export interface BuiltArchive {
  bytes: Uint8Array<ArrayBuffer>;
  sha256: string;
}

export async function buildArchive(entries: readonly LedgerEntry[]): Promise<BuiltArchive> {
  const text = entries.map((e) => `${JSON.stringify(e)}\n`).join("");
  const bytes = await gzip(new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>);
  return { bytes, sha256: await sha256Hex(bytes) };
}

export async function gzip(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzipText(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}
