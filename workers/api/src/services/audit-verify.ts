/**
 * Verify: recomputes a tenant's chain over a seq range, page by page, and reports the first broken
 * link. What it compares:
 * 1. the entries themselves — every hash recomputed (v1 entry hashes; v2 leaf hashes, Merkle
 *    roots and block hashes), every link's prevHash against the link before, seqs consecutive
 *    (`ChainWalker` from chain.ts, with the node:crypto hasher);
 * 2. the ledger's head, stored apart from the blocks — a cut-off or rewritten end of the chain;
 * 3. the last archived day's checkpoint in D1 (`audit_archive_checkpoints`: the hash of the link
 *    ending at its seq, signed in that day's digest) — a history rewritten with recomputed hashes
 *    before the last archived day, even if the head was rewritten too;
 * 4. links stored past the head (`unexpected_entry`).
 * Design and the report's meaning: docs/audit.md, "Verify".
 */
import { ChainWalker, GENESIS_HASH, leafOfLine, type ChainBreak, type ChainPosition, type LedgerEntry } from "../../../shared/audit/chain";
import { syncChainHasher } from "../../../shared/audit/chain-hash-node";
import { chainPieces, type ChainPiece } from "../../../shared/audit/chain-reader";
import { payloadLines } from "../../../shared/audit/payload";
import { ledgerFor, type AuditEnv } from "../../../shared/audit/emit";
import { legacyBounds, legacyGet } from "../../../shared/audit/legacy-d1";
import type { ChainBreakReport, VerifyInput, VerifyResult } from "../../../shared/schemas/audit";
import { ApiError } from "../http/api-error";

/** Entries one verify call may cover (CPU per request); larger ranges are verified in parts. */
export const MAX_VERIFY_SPAN = 100_000;

type VerifyEnv = AuditEnv & Pick<Env, "DB">;

/** Links read per call while verifying: small pages keep few entries alive at once (less GC, more cache hits). */
const VERIFY_PAGE_BYTES = 512_000;

/** A piece's entries one at a time: legacy rows as entries, ledger links as their stored lines (hashed without parsing where they allow it). */
function* entriesOf(piece: ChainPiece): Generator<LedgerEntry | string> {
  if (piece.kind === "legacy") return yield* piece.entries;
  for (const link of piece.links) yield* payloadLines(link.payload);
}

/** The seq a stored line holds, cheaply: its first link's lines are skipped when a page starts before the range. */
const seqOf = (e: LedgerEntry | string) => (typeof e === "string" ? (leafOfLine(e)?.seq ?? (JSON.parse(e) as LedgerEntry).seq) : e.seq);

export async function verifyRange(env: VerifyEnv, chainId: string, input: VerifyInput): Promise<VerifyResult> {
  const ledger = ledgerFor(env, chainId);
  const head = await ledger.currentHead();
  if (input.fromSeq !== undefined && input.fromSeq > head.headSeq) {
    throw rangeError("fromSeq", `fromSeq is after the chain's head (${head.headSeq}).`);
  }
  let toSeq = Math.min(input.toSeq ?? head.headSeq, head.headSeq);
  const legacy = await legacyBounds(env.DB, chainId, head.legacyTop);
  const lowest = legacy?.min ?? head.oldestSeq ?? 1;
  let fromSeq = input.fromSeq ?? Math.max(lowest, toSeq - MAX_VERIFY_SPAN + 1, 1);
  if (toSeq - fromSeq + 1 > MAX_VERIFY_SPAN) {
    throw rangeError(
      "toSeq",
      `Verify at most ${MAX_VERIFY_SPAN.toLocaleString("en")} entries per call; split the range with fromSeq and toSeq.`,
    );
  }
  if (toSeq < fromSeq)
    return (await strayLink(ledger)) ?? { status: "intact", fromSeq, toSeq, count: 0, headSeq: head.headSeq, headHash: head.headHash };

  // Blocks verify whole: widen the range to the links it touches.
  if (fromSeq > head.legacyTop) fromSeq = (await ledger.linkOf(fromSeq))?.fromSeq ?? fromSeq;
  if (toSeq > head.legacyTop) toSeq = (await ledger.linkOf(toSeq))?.toSeq ?? toSeq;

  const anchor = await anchorBefore(env, chainId, head.legacyTop, fromSeq);
  const witness = await checkpointWitness(env.DB, chainId, fromSeq, toSeq);
  let walker: ChainWalker | null = anchor ? new ChainWalker(anchor, syncChainHasher) : null;
  let started = false;
  for await (const piece of chainPieces(env, chainId, head, fromSeq - 1, toSeq, VERIFY_PAGE_BYTES)) {
    for (const item of entriesOf(piece)) {
      if (!started) {
        if (seqOf(item) < fromSeq) continue; // the first link of a page may start before the range (never with the widened range)
        started = true;
      }
      if (!walker) {
        // With no anchor (the start of the hot window after retention), the first link's own prevHash is taken as given.
        const entry = typeof item === "string" ? (JSON.parse(item) as LedgerEntry) : item;
        walker = new ChainWalker(
          { prevHash: entry.v === 1 ? entry.prevHash : entry.block.prevHash, prevSeq: fromSeq - 1 },
          syncChainHasher,
        );
      }
      const pushed = typeof item === "string" ? walker.pushLine(item) : walker.push(item);
      const broken = pushed instanceof Promise ? await pushed : pushed;
      if (broken) return brokenAt(broken);
      if (witness && walker.position.prevSeq === witness.seq && walker.position.prevHash !== witness.hash) {
        return broken_({ seq: witness.seq, kind: "hash_mismatch", expected: witness.hash, found: walker.position.prevHash });
      }
    }
  }
  if (walker) {
    const open = walker.finish();
    if (open) return brokenAt(open);
  }
  const reached = walker?.position.prevSeq ?? fromSeq - 1;
  if (reached < toSeq) return broken_({ seq: reached + 1, kind: "truncated", expected: toSeq, found: reached >= fromSeq ? reached : null });
  if (toSeq === head.headSeq && walker && walker.position.prevHash !== head.headHash) {
    return broken_({ seq: toSeq, kind: "hash_mismatch", expected: head.headHash, found: walker.position.prevHash });
  }
  if (toSeq === head.headSeq) {
    const stray = await strayLink(ledger);
    if (stray) return stray;
  }
  return { status: "intact", fromSeq, toSeq, count: walker?.count ?? 0, headSeq: head.headSeq, headHash: head.headHash };
}

/**
 * The link before `fromSeq`: GENESIS for seq 1, else the hash of the link ending at fromSeq - 1
 * (a legacy row, or a ledger link); null when neither holds it any more (the start of the hot
 * window after retention) — verify older history against the archives.
 */
async function anchorBefore(env: VerifyEnv, chainId: string, legacyTop: number, fromSeq: number): Promise<ChainPosition | null> {
  if (fromSeq === 1) return { prevHash: GENESIS_HASH, prevSeq: 0 };
  const seq = fromSeq - 1;
  if (seq <= legacyTop) {
    const previous = await legacyGet(env.DB, chainId, legacyTop, seq);
    return previous ? { prevHash: previous.hash, prevSeq: seq } : null;
  }
  const [link] = await ledgerFor(env, chainId).links(seq - 1, seq, 1);
  return link && link.to_seq === seq ? { prevHash: link.hash, prevSeq: seq } : null;
}

/** The last archived day's end, if it falls inside the range: a hash signed into a digest and kept in D1. */
async function checkpointWitness(
  db: D1Database,
  chainId: string,
  fromSeq: number,
  toSeq: number,
): Promise<{ seq: number; hash: string } | null> {
  const row = await db
    .prepare("SELECT last_seq AS seq, last_hash AS hash FROM audit_archive_checkpoints WHERE chain_id = ?1 AND last_day IS NOT NULL")
    .bind(chainId)
    .first<{ seq: number; hash: string }>();
  return row && row.seq >= fromSeq && row.seq <= toSeq ? row : null;
}

async function strayLink(ledger: ReturnType<typeof ledgerFor>): Promise<VerifyResult | null> {
  const [stray] = await ledger.strayLinks();
  return stray ? broken_({ seq: stray.fromSeq, kind: "unexpected_entry", expected: null, found: stray.hash }) : null;
}

function brokenAt(b: ChainBreak): VerifyResult {
  if (b.kind === "gap") return broken_({ seq: b.expectedSeq, kind: "gap", expected: b.expectedSeq, found: b.seq });
  return broken_({ seq: b.seq, kind: b.kind, expected: b.expected, found: b.found });
}

function broken_(firstBreak: ChainBreakReport): VerifyResult {
  return { status: "broken", firstBreak };
}

function rangeError(path: string, message: string): ApiError {
  return new ApiError("validation_failed", message, { location: "body", issues: [{ path, code: "out_of_range", message }] });
}
