/**
 * Verify: recomputes a tenant's chain over D1's rows for a seq range, page by page, and reports
 * the first broken link. Three sources of truth are compared:
 * 1. the rows themselves — each row's hash recomputed (RFC 8785 + SHA-256, chain.ts), each
 *    prevHash against the previous row's hash, seqs consecutive (`verifyChain`);
 * 2. the AuditLedger's own copy — the object still holds the hashes of recent entries (7 days) and
 *    always the head, so a rewritten suffix whose hashes were recomputed to look consistent is
 *    caught at its first forged seq, and a shortened chain is caught as `truncated`;
 * 3. rows past the head (`unexpected_entry`): D1 may not hold entries the ledger never wrote.
 * Design and the report's meaning: docs/audit.md.
 */
import { GENESIS_HASH, verifyChain, type ChainBreak, type LedgerEntry } from "../../../shared/audit/chain";
import { ledgerFor } from "../../../shared/audit/emit";
import type { Database } from "../../../shared/db/client";
import type { ChainBreakReport, VerifyInput, VerifyResult } from "../../../shared/schemas/audit";
import { ApiError } from "../http/api-error";
import { entriesPage, getEntry, seqBounds } from "./audit-query";

export const VERIFY_PAGE = 500;
/** Entries one verify call may cover (CPU and D1 reads per request); larger ranges are verified in parts. */
export const MAX_VERIFY_SPAN = 50_000;

export async function verifyRange(env: Env, db: Database, chainId: string, input: VerifyInput): Promise<VerifyResult> {
  const ledger = ledgerFor(env, chainId);
  const head = await ledger.syncMirror();
  // Entries past the mirror cursor may legitimately be missing from D1 (a D1 outage the alarm is retrying).
  const lastMirrored = Math.min(head.headSeq, head.mirroredSeq);
  if (input.fromSeq !== undefined && input.fromSeq > head.headSeq) {
    throw rangeError("fromSeq", `fromSeq is after the chain's head (${head.headSeq}).`);
  }
  const toSeq = Math.min(input.toSeq ?? lastMirrored, lastMirrored);
  const bounds = await seqBounds(db, chainId);
  const fromSeq = input.fromSeq ?? Math.max(bounds?.min ?? 1, toSeq - MAX_VERIFY_SPAN + 1, 1);
  if (toSeq - fromSeq + 1 > MAX_VERIFY_SPAN) {
    throw rangeError("toSeq", `Verify at most ${MAX_VERIFY_SPAN.toLocaleString("en")} entries per call; split the range with fromSeq and toSeq.`);
  }

  if (toSeq < fromSeq) return (await forgedTail(db, chainId, head.headSeq, toSeq, bounds)) ?? { status: "intact", fromSeq, toSeq, count: 0, headSeq: head.headSeq, headHash: head.headHash };

  let start = await anchorBefore(db, ledger, chainId, fromSeq);
  let after = fromSeq - 1;
  let count = 0;
  while (after < toSeq) {
    const page = await entriesPage(db, chainId, after, toSeq, VERIFY_PAGE);
    if (page.length === 0) break;
    if (start === null) start = { prevHash: page[0]!.prevHash, prevSeq: fromSeq - 1 };
    const walked = await verifyChain(page, start);
    const chainBreak = walked.ok ? null : toReport(walked.break);
    const witnessBreak = await compareWithLedger(ledger, page, chainBreak?.seq ?? Infinity);
    const first = witnessBreak ?? chainBreak;
    if (first) return broken(first);
    if (!walked.ok) break; // unreachable: chainBreak is set
    count += walked.count;
    start = { prevHash: walked.headHash, prevSeq: walked.headSeq };
    after = walked.headSeq;
  }
  if (after < toSeq) return broken({ seq: after + 1, kind: "truncated", expected: toSeq, found: after >= fromSeq ? after : null });
  if (toSeq === head.headSeq && start && start.prevHash !== head.headHash) {
    return broken({ seq: toSeq, kind: "hash_mismatch", expected: head.headHash, found: start.prevHash });
  }
  return (await forgedTail(db, chainId, head.headSeq, toSeq, bounds)) ?? { status: "intact", fromSeq, toSeq, count, headSeq: head.headSeq, headHash: head.headHash };
}

/** When the range reaches the head: a row after the head is one the ledger never wrote. */
async function forgedTail(db: Database, chainId: string, headSeq: number, toSeq: number, bounds: { max: number } | null): Promise<VerifyResult | null> {
  if (toSeq < headSeq || !bounds || bounds.max <= headSeq) return null;
  const extra = (await entriesPage(db, chainId, headSeq, bounds.max, 1))[0];
  return extra ? broken({ seq: extra.seq, kind: "unexpected_entry", expected: null, found: extra.hash }) : null;
}

type Ledger = ReturnType<typeof ledgerFor>;

/**
 * What the entry before `fromSeq` must hash to: GENESIS for seq 1, else that row's hash in D1, else
 * the ledger's retained copy; null when neither holds it (the start of the hot window after
 * retention) — the first row's own prevHash is then taken as given.
 */
async function anchorBefore(db: Database, ledger: Ledger, chainId: string, fromSeq: number): Promise<{ prevHash: string; prevSeq: number } | null> {
  if (fromSeq === 1) return { prevHash: GENESIS_HASH, prevSeq: 0 };
  const previous = await getEntry(db, chainId, fromSeq - 1);
  if (previous) return { prevHash: previous.hash, prevSeq: previous.seq };
  const [retained] = await ledger.retainedHashes(fromSeq - 1, fromSeq - 1);
  return retained ? { prevHash: retained.hash, prevSeq: retained.seq } : null;
}

/** The first entry of the page (before `beforeSeq`) whose hash differs from the ledger's own copy. */
async function compareWithLedger(ledger: Ledger, page: LedgerEntry[], beforeSeq: number): Promise<ChainBreakReport | null> {
  const witness = new Map((await ledger.retainedHashes(page[0]!.seq, page[page.length - 1]!.seq)).map((w) => [w.seq, w.hash]));
  for (const entry of page) {
    if (entry.seq >= beforeSeq) return null;
    const expected = witness.get(entry.seq);
    if (expected !== undefined && expected !== entry.hash) return { seq: entry.seq, kind: "hash_mismatch", expected, found: entry.hash };
  }
  return null;
}

function toReport(b: ChainBreak): ChainBreakReport {
  if (b.kind === "gap") return { seq: b.expectedSeq, kind: "gap", expected: b.expectedSeq, found: b.seq };
  return { seq: b.seq, kind: b.kind, expected: b.expected, found: b.found };
}

function broken(firstBreak: ChainBreakReport): VerifyResult {
  return { status: "broken", firstBreak };
}

function rangeError(path: string, message: string): ApiError {
  return new ApiError("validation_failed", message, { location: "body", issues: [{ path, code: "out_of_range", message }] });
}
