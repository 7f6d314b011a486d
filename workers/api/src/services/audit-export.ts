/**
 * Export: a contiguous seq range of a tenant's chain, streamed from D1 page by page (a pull
 * stream, so a slow client slows the reads instead of filling memory). JSONL lines are exactly
 * `LedgerEntry` objects — what the offline verifier checks; CSV is the same entries flattened for
 * spreadsheets. A time range is turned into the seq range it covers, so every export is a
 * contiguous piece of the chain and verifies on its own.
 */
import type { LedgerEntry } from "../../../shared/audit/chain";
import type { Database } from "../../../shared/db/client";
import { parseTimeBound, type ExportQuery } from "../../../shared/schemas/audit";
import { entriesPage, seqBounds, seqRangeForTimes } from "./audit-query";

export const EXPORT_PAGE = 500;

export type ExportFormat = ExportQuery["format"];

/** The seq range an export covers, or null when nothing matches. */
export async function resolveExportRange(db: Database, chainId: string, q: ExportQuery): Promise<{ fromSeq: number; toSeq: number } | null> {
  const bounds = await seqBounds(db, chainId);
  if (!bounds) return null;
  let fromSeq = Math.max(q.fromSeq ?? bounds.min, bounds.min);
  let toSeq = Math.min(q.toSeq ?? bounds.max, bounds.max);
  if (q.from !== undefined || q.to !== undefined) {
    const byTime = await seqRangeForTimes(db, chainId, q.from !== undefined ? parseTimeBound(q.from)! : undefined, q.to !== undefined ? parseTimeBound(q.to)! : undefined);
    if (byTime.min === null || byTime.max === null) return null;
    fromSeq = Math.max(fromSeq, byTime.min);
    toSeq = Math.min(toSeq, byTime.max);
  }
  return fromSeq <= toSeq ? { fromSeq, toSeq } : null;
}

export function exportStream(db: Database, chainId: string, range: { fromSeq: number; toSeq: number } | null, format: ExportFormat): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = range ? range.fromSeq - 1 : 0;
  let headerSent = format !== "csv";
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvLine(CSV_COLUMNS.map((c) => c.name))));
          return;
        }
        if (!range || after >= range.toSeq) return controller.close();
        const page = await entriesPage(db, chainId, after, range.toSeq, EXPORT_PAGE);
        if (page.length === 0) return controller.close();
        const text = format === "csv" ? page.map((e) => csvLine(CSV_COLUMNS.map((c) => c.value(e)))).join("") : page.map((e) => `${JSON.stringify(e)}\n`).join("");
        controller.enqueue(encoder.encode(text));
        after = page[page.length - 1]!.seq;
      },
    },
    { highWaterMark: 0 },
  );
}

export function exportFilename(tenantId: string, range: { fromSeq: number; toSeq: number } | null, format: ExportFormat): string {
  const span = range ? `${range.fromSeq}-${range.toSeq}` : "empty";
  return `audit-${tenantId}-${span}.${format}`;
}

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
  { name: "prev_hash", value: (e) => e.prevHash },
  { name: "hash", value: (e) => e.hash },
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
