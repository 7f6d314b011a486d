/**
 * Where audit archives live in R2 and which UTC day is which. One module so the archiver, the
 * archives API, the docs and the offline verifier agree on the layout (docs/audit-archives.md):
 *
 *   tenants/<tenantId>/<yyyy>/<mm>/<dd>/audit.jsonl.gz   the day's entries, gzip JSONL
 *   tenants/<tenantId>/<yyyy>/<mm>/<dd>/digest.json      the signed digest of that day
 *   platform/<yyyy>/<mm>/<dd>/…                          the same for the platform chain
 */
import { PLATFORM_CHAIN_ID } from "../chain";

export const DAY_MS = 24 * 60 * 60 * 1000;
export const ARCHIVE_FILE = "audit.jsonl.gz";
export const DIGEST_FILE = "digest.json";

/** `YYYY-MM-DD`, a real calendar day. */
export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day: the pattern, and a date that exists (2026-13-45, 2026-02-30 and 0000-00-00 do not). */
export function isDay(text: string): boolean {
  if (!DAY_PATTERN.test(text)) return false;
  const start = dayStart(text);
  return Number.isFinite(start) && dayOf(start) === text;
}

/** The UTC day a time falls in. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The first millisecond after the day. */
export function dayEnd(day: string): number {
  return dayStart(day) + DAY_MS;
}

export function nextDay(day: string): string {
  return dayOf(dayEnd(day));
}

export function chainPrefix(chainId: string): string {
  return chainId === PLATFORM_CHAIN_ID ? "platform/" : `tenants/${chainId}/`;
}

function dayPrefix(chainId: string, day: string): string {
  const [yyyy, mm, dd] = day.split("-");
  return `${chainPrefix(chainId)}${yyyy}/${mm}/${dd}/`;
}

export function archiveKey(chainId: string, day: string): string {
  return dayPrefix(chainId, day) + ARCHIVE_FILE;
}

export function digestKey(chainId: string, day: string): string {
  return dayPrefix(chainId, day) + DIGEST_FILE;
}
