/**
 * How the ledger stores a link's entries, and how readers get them back: the gzip (RFC 1952) of
 * the link's JSONL lines — exactly the lines of an export or an archive, one `LedgerEntry` per
 * line in its RFC 8785 form (chain.ts `entryLine`), `\n`-terminated. Several payloads one after another are a valid multi-member gzip file
 * (RFC 1952 §2.2) whose text is the links' lines in order: a day's archive is its links' payloads
 * concatenated, with no recompression. node:zlib (Workers with nodejs_compat, the Durable Object):
 * synchronous, and it reads multi-member files where DecompressionStream stops at the first member.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { entryLine, type LedgerEntry } from "./chain";

/** Entries as their stored lines (RFC 8785 text, `entryLine`). */
export function encodePayload(entries: readonly LedgerEntry[]): Uint8Array {
  return encodeLines(entries.map(entryLine));
}

export function encodeLines(lines: readonly string[]): Uint8Array {
  return new Uint8Array(gzipSync(lines.map((l) => `${l}\n`).join("")));
}

/** A payload's (or several concatenated payloads') JSONL lines, without the final newline. */
export function payloadLines(payload: Uint8Array): string[] {
  if (payload.byteLength === 0) return [];
  const lines = gunzipSync(payload).toString("utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function payloadEntries(payload: Uint8Array): LedgerEntry[] {
  return payloadLines(payload).map((l) => JSON.parse(l) as LedgerEntry);
}
