/**
 * Export: a contiguous seq range of a tenant's chain, streamed page by page (a pull stream, so a
 * slow client slows the reads instead of filling memory). The range is widened to whole links (a
 * block's entries only verify together) and time bounds are turned into the seq range they cover,
 * so every export is a contiguous piece of the chain that verifies on its own. JSONL lines are the
 * stored lines exactly — what the offline verifier checks; CSV is the same entries flattened.
 */
import { gunzipSync } from "node:zlib";
import { LEGACY_CHAIN_SCHEME_VERSION, type LedgerEntry } from "../../../shared/audit/chain";
import { chainPieces, pieceEntries, pieceLines } from "../../../shared/audit/chain-reader";
import { ledgerFor, type AuditEnv } from "../../../shared/audit/emit";
import { legacyBounds, legacySeqRangeForTimes } from "../../../shared/audit/legacy-d1";
import { parseTimeBound, type ExportQuery } from "../../../shared/schemas/audit";

export type ExportFormat = ExportQuery["format"];
type ExportEnv = AuditEnv & Pick<Env, "DB">;

export interface ExportRange {
  fromSeq: number;
  toSeq: number;
  legacyTop: number;
}

/** The seq range an export covers (whole links), or null when nothing matches. */
export async function resolveExportRange(env: ExportEnv, chainId: string, q: ExportQuery): Promise<ExportRange | null> {
  const ledger = ledgerFor(env, chainId);
  const head = await ledger.currentHead();
  if (head.headSeq === 0) return null;
  const legacy = await legacyBounds(env.DB, chainId, head.legacyTop);
  const min = legacy?.min ?? head.oldestSeq;
  if (min === null) return null;
  let fromSeq = Math.max(q.fromSeq ?? min, min);
  let toSeq = Math.min(q.toSeq ?? head.headSeq, head.headSeq);
  if (q.from !== undefined || q.to !== undefined) {
    const fromMs = q.from !== undefined ? parseTimeBound(q.from)! : undefined;
    const toMs = q.to !== undefined ? parseTimeBound(q.to)! : undefined;
    const [old, hot] = await Promise.all([
      legacySeqRangeForTimes(env.DB, chainId, head.legacyTop, fromMs, toMs),
      ledger.seqRangeForTimes(fromMs, toMs),
    ]);
    const byTimeMin = old.min ?? hot.min;
    const byTimeMax = hot.max ?? old.max;
    if (byTimeMin === null || byTimeMax === null) return null;
    fromSeq = Math.max(fromSeq, byTimeMin);
    toSeq = Math.min(toSeq, byTimeMax);
  }
  if (fromSeq > toSeq) return null;
  if (fromSeq > head.legacyTop) fromSeq = (await ledger.linkOf(fromSeq))?.fromSeq ?? fromSeq;
  if (toSeq > head.legacyTop) toSeq = (await ledger.linkOf(toSeq))?.toSeq ?? toSeq;
  return { fromSeq, toSeq, legacyTop: head.legacyTop };
}

export function exportStream(env: ExportEnv, chainId: string, range: ExportRange | null, format: ExportFormat): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pieces = range ? chainPieces(env, chainId, range, range.fromSeq - 1, range.toSeq) : null;
  let headerSent = format !== "csv";
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvLine(CSV_COLUMNS.map((c) => c.name))));
          return;
        }
        const next = pieces ? await pieces.next() : { done: true as const, value: undefined };
        if (next.done) return controller.close();
        const piece = next.value;
        if (format === "jsonl" && piece.kind === "links") {
          // A link's payload decompresses to exactly its JSONL lines: no parsing, no re-encoding.
          for (const link of piece.links) controller.enqueue(new Uint8Array(gunzipSync(link.payload)));
          return;
        }
        const text =
          format === "csv"
            ? pieceEntries(piece)
                .map((e) => csvLine(CSV_COLUMNS.map((c) => c.value(e))))
                .join("")
            : pieceLines(piece)
                .map((l) => `${l}\n`)
                .join("");
        controller.enqueue(encoder.encode(text));
      },
      async cancel() {
        await pieces?.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

export function exportFilename(tenantId: string, range: ExportRange | null, format: ExportFormat): string {
  const span = range ? `${range.fromSeq}-${range.toSeq}` : "empty";
  return `audit-${tenantId}-${span}.${format}`;
}

const v2 = (e: LedgerEntry) => (e.v === LEGACY_CHAIN_SCHEME_VERSION ? null : e.block);

const CSV_COLUMNS: { name: string; value: (e: LedgerEntry) => string | number | null }[] = [
  { name: "seq", value: (e) => e.seq },
  { name: "id", value: (e) => e.id },
  { name: "at", value: (e) => new Date(e.at).toISOString() },
  { name: "at_ms", value: (e) => e.at },
  { name: "chain_id", value: (e) => e.chainId },
  { name: "tenant_id", value: (e) => e.tenantId },
  { name: "actor_type", value: (e) => e.actor.type },
  { name: "actor_id", value: (e) => e.actor.id },
  { name: "actor_name", value: (e) => e.actor.name },
  { name: "action", value: (e) => e.action },
  { name: "target_type", value: (e) => e.target?.type ?? null },
  { name: "target_id", value: (e) => e.target?.id ?? null },
  { name: "severity", value: (e) => e.severity },
  { name: "outcome", value: (e) => e.outcome },
  { name: "details", value: (e) => JSON.stringify(e.details) },
  { name: "ip", value: (e) => e.ip },
  { name: "user_agent", value: (e) => e.userAgent },
  // v1: the entry's own link; v2: its block's link (prev_hash = the block's prevHash).
  { name: "prev_hash", value: (e) => (e.v === LEGACY_CHAIN_SCHEME_VERSION ? e.prevHash : e.block.prevHash) },
  { name: "hash", value: (e) => e.hash },
  { name: "scheme", value: (e) => e.v },
  { name: "block_from_seq", value: (e) => v2(e)?.fromSeq ?? null },
  { name: "block_to_seq", value: (e) => v2(e)?.toSeq ?? null },
  { name: "block_root", value: (e) => v2(e)?.root ?? null },
  { name: "block_hash", value: (e) => v2(e)?.hash ?? null },
];

/**
 * RFC 4180: fields with a comma, quote, CR or LF are quoted and quotes doubled; lines end CRLF.
 * Text cells starting with = + - @ TAB or CR get a leading apostrophe so a spreadsheet shows them
 * instead of evaluating them (CSV injection; actor names and user agents are attacker-controlled).
 * The JSONL export is the exact, verifiable form.
 */
export function csvLine(values: readonly (string | number | null)[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

function csvField(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
