/**
 * One retention job for one chain (what a queue message asks for): archive every closed UTC day
 * not archived yet, then apply the hot window (the ledger drops whole segments; legacy D1 rows are
 * deleted) and the cold window (R2). Safe to run any number of times, concurrently, or after a
 * crash at any point (docs/audit-archives.md):
 * - one job per chain at a time (the checkpoint lease); a busy chain answers `busy`;
 * - per day: write archive + digest, then advance the checkpoint (compare-and-set); a re-run finds
 *   the objects and reuses them (archive-day.ts), so nothing is duplicated and no day is skipped;
 * - a day's entries must continue the chain exactly from the checkpoint (seqs, every hash): a
 *   broken or incomplete chain is never signed; the job fails and is retried, then dead-lettered;
 * - the job's clock is the EARLIER of the time it was handed and the wall clock: a day that has
 *   not ended is never sealed, whatever time a message claims.
 */
import { createHash } from "node:crypto";
import { and, eq, inArray, isNull, lt } from "drizzle-orm";
import type { LedgerHead } from "../../../../durable-objects/audit-ledger";
import { createDb } from "../../db/client";
import { auditArchives } from "../../db/schema";
import { ChainWalker, LEGACY_CHAIN_SCHEME_VERSION, type ChainBreak, type LedgerEntryV1 } from "../chain";
import { syncChainHasher } from "../chain-hash-node";
import { chainPieces, type ChainPiece } from "../chain-reader";
import { payloadLines } from "../payload";
import { ledgerFor } from "../emit";
import { legacyDeleteArchived, legacyEarliestAt, legacyLastSeqBefore } from "../legacy-d1";
import { archiveDay, type ArchiveSource } from "./archive-day";
import { buildArchive } from "./archive-file";
import { acquireLease, advanceCheckpoint, releaseLease, type Checkpoint } from "./checkpoint";
import { currentDigestKey, type DigestSigningKey } from "./digest-keys";
import { DAY_MS, dayEnd, dayOf, nextDay } from "./layout";
import { retentionPolicyOf, type RetentionPolicy } from "./retention-policy";

type RetentionEnv = Pick<Env, "DB" | "AUDIT_ARCHIVE" | "AUDIT_LEDGER" | "DATA_ENCRYPTION_KEY">;

/** A day is archived this long after it ends, so events staged just before midnight are in. */
export const CLOSE_GRACE_MS = 15 * 60 * 1000;
/** Days archived per job; a chain further behind (first run, long outage) continues in a new message. */
export const MAX_DAYS_PER_JOB = 62;

export interface RetentionJob {
  chainId: string;
  /** The job's clock (capped at the wall clock): days ending before it - CLOSE_GRACE_MS are archived, windows count back from it. */
  asOf: number;
}

export interface RetentionJobResult {
  chainId: string;
  status: "done" | "busy";
  archived: string[];
  reused: string[];
  /** More closed days remain (MAX_DAYS_PER_JOB reached): enqueue the job again. */
  more: boolean;
  /** Entries that left the hot window: legacy D1 rows deleted plus entries of dropped segments. */
  hotRowsDeleted: number;
  coldDaysDeleted: string[];
}

export class ChainNotArchivableError extends Error {
  constructor(
    readonly chainId: string,
    readonly day: string,
    readonly reason: ChainBreak,
  ) {
    super(`audit archive ${chainId} ${day}: chain not archivable (${JSON.stringify(reason)})`);
    this.name = "ChainNotArchivableError";
  }
}

export interface RetentionJobOptions {
  maxDays?: number;
  leaseOwner?: string;
  /** The wall clock (tests move it; the queue consumer never passes one). */
  clock?: () => number;
}

export async function runRetentionJob(
  env: RetentionEnv,
  job: RetentionJob,
  options: RetentionJobOptions = {},
): Promise<RetentionJobResult> {
  const owner = options.leaseOwner ?? crypto.randomUUID();
  // Never ahead of the wall clock: a message from the future must not seal today or sign days that have not ended.
  const clock = options.clock ?? Date.now;
  const asOf = Math.min(job.asOf, clock());
  const result: RetentionJobResult = {
    chainId: job.chainId,
    status: "done",
    archived: [],
    reused: [],
    more: false,
    hotRowsDeleted: 0,
    coldDaysDeleted: [],
  };
  const checkpoint = await acquireLease(env.DB, job.chainId, owner, Date.now());
  if (!checkpoint) return { ...result, status: "busy" };
  try {
    const policy = await retentionPolicyOf(env, job.chainId);
    const ledger = ledgerFor(env, job.chainId);
    const head = await ledger.currentHead();
    const archivedThrough = await archiveClosedDays(
      env,
      job.chainId,
      asOf,
      clock,
      head,
      policy,
      checkpoint,
      owner,
      options.maxDays ?? MAX_DAYS_PER_JOB,
      result,
    );
    const hotBefore = asOf - policy.hotDays * DAY_MS;
    const legacyDeleted =
      head.legacyTop > 0 ? await legacyDeleteArchived(env.DB, job.chainId, Math.min(archivedThrough, head.legacyTop), hotBefore) : 0;
    const dropped = await ledger.expire(archivedThrough, hotBefore);
    result.hotRowsDeleted = legacyDeleted + dropped.entries;
    result.coldDaysDeleted = await expireColdDays(env, job.chainId, dayOf(asOf - policy.coldDays * DAY_MS), asOf);
    return result;
  } finally {
    await releaseLease(env.DB, job.chainId, owner);
  }
}

/** Archives days until the last closed one (or the per-job cap); returns the last archived seq. */
async function archiveClosedDays(
  env: RetentionEnv,
  chainId: string,
  asOf: number,
  clock: () => number,
  head: LedgerHead,
  policy: RetentionPolicy,
  start: Checkpoint,
  owner: string,
  maxDays: number,
  result: RetentionJobResult,
): Promise<number> {
  let cp = {
    day: start.lastDay,
    seq: start.lastSeq,
    hash: start.lastHash,
    digestKey: start.lastDigestKey,
    digestSha256: start.lastDigestSha256,
  };
  let day = cp.day ? nextDay(cp.day) : await firstDay(env, chainId, head);
  const ledger = ledgerFor(env, chainId);
  let key: DigestSigningKey | null = null;
  for (let n = 0; day !== null && isClosed(day, asOf); n++, day = nextDay(day)) {
    if (n === maxDays) {
      result.more = true;
      break;
    }
    const end = dayEnd(day);
    const cuts = await Promise.all([legacyLastSeqBefore(env.DB, chainId, head.legacyTop, cp.seq, end), ledger.lastLinkBefore(cp.seq, end)]);
    const toSeq = Math.max(cp.seq, ...cuts.map((c) => c ?? 0));
    const walked = await walkDay(env, chainId, head, day, cp, toSeq);

    key ??= await currentDigestKey(env);
    const now = clock();
    const previousDigest = cp.digestKey && cp.digestSha256 ? { key: cp.digestKey, sha256: cp.digestSha256 } : null;
    const written = await archiveDay(
      env,
      { chainId, tenantId: policy.tenantId, day, prevHash: cp.hash, prevSeq: cp.seq, toSeq, ...walked, previousDigest },
      key,
      now,
    );
    const { digest } = written;
    await advanceCheckpoint(
      env.DB,
      owner,
      cp.day,
      {
        chainId,
        day,
        fromSeq: digest.fromSeq,
        toSeq: digest.toSeq,
        count: digest.count,
        archiveKey: digest.archive?.key ?? null,
        archiveSha256: digest.archive?.sha256 ?? null,
        archiveBytes: digest.archive?.bytes ?? null,
        digestKey: written.digestKey,
        digestSha256: written.digestSha256,
        kid: digest.kid,
        createdAt: now,
      },
      digest.lastHash,
    );
    (written.reused ? result.reused : result.archived).push(day);
    cp = { day, seq: digest.toSeq, hash: digest.lastHash, digestKey: written.digestKey, digestSha256: written.digestSha256 };
  }
  return cp.seq;
}

/**
 * First pass over a day: verifies that its entries continue the chain exactly from the checkpoint
 * and computes what the digest says (count, first/last link, scheme) and the archive's size and
 * SHA-256 — without holding the day in memory: the archive is the legacy rows' gzip (one member)
 * followed by the ledger links' stored payloads (members), and the second pass (`write`) streams
 * the same bytes into R2.
 */
async function walkDay(
  env: RetentionEnv,
  chainId: string,
  head: LedgerHead,
  day: string,
  cp: { seq: number; hash: string },
  toSeq: number,
) {
  const walker = new ChainWalker({ prevHash: cp.hash, prevSeq: cp.seq }, syncChainHasher);
  const sha = createHash("sha256");
  let bytes = 0;
  let firstHash: string | null = null;
  let schemeVersion: 1 | 2 = 1;
  const legacy: LedgerEntryV1[] = [];
  const fail = (reason: ChainBreak) => new ChainNotArchivableError(chainId, day, reason);
  const pieces = (): AsyncGenerator<ChainPiece> => chainPieces(env, chainId, head, cp.seq, toSeq);
  const settled = (broken: ChainBreak | null) => {
    if (broken) throw fail(broken);
    if (firstHash === null && walker.position.prevSeq >= cp.seq + 1) firstHash = walker.position.prevHash;
  };
  for await (const piece of pieces()) {
    if (piece.kind === "legacy") {
      legacy.push(...piece.entries);
      for (const entry of piece.entries) {
        const pushed = walker.push(entry);
        settled(pushed instanceof Promise ? await pushed : pushed);
      }
      continue;
    }
    for (const link of piece.links) {
      if (link.v !== LEGACY_CHAIN_SCHEME_VERSION) schemeVersion = 2;
      // Stored lines are hashed as they stand where they allow it (ChainWalker.pushLine): a day of 10 M entries is mostly this loop.
      for (const line of payloadLines(link.payload)) {
        const pushed = walker.pushLine(line);
        settled(pushed instanceof Promise ? await pushed : pushed);
      }
    }
  }
  const open = walker.finish();
  if (open) throw fail(open);
  if (walker.position.prevSeq !== toSeq) throw fail({ kind: "gap", seq: toSeq, expectedSeq: walker.position.prevSeq + 1 });
  if (walker.count === 0) return { count: 0, firstHash: null, lastHash: cp.hash, schemeVersion: 2 as const, archive: null };

  const legacyMember = legacy.length > 0 ? (await buildArchive(legacy)).bytes : null;
  if (legacyMember) {
    sha.update(legacyMember);
    bytes += legacyMember.byteLength;
  }
  for await (const piece of pieces()) {
    if (piece.kind !== "links") continue;
    for (const link of piece.links) {
      sha.update(link.payload);
      bytes += link.payload.byteLength;
    }
  }
  const archive: ArchiveSource = {
    sha256: sha.digest("hex"),
    byteLength: bytes,
    async write(writable) {
      const writer = writable.getWriter();
      writer.closed.catch(() => undefined); // a failed upload is reported by the put; this is its echo
      try {
        if (legacyMember) await writer.write(legacyMember);
        for await (const piece of pieces()) {
          if (piece.kind !== "links") continue;
          for (const link of piece.links) await writer.write(new Uint8Array(link.payload));
        }
        await writer.close();
      } catch (error) {
        await writer.abort(error).catch(() => undefined);
        throw error;
      }
    },
  };
  return { count: walker.count, firstHash, lastHash: walker.position.prevHash, schemeVersion, archive };
}

function isClosed(day: string, asOf: number): boolean {
  return dayEnd(day) + CLOSE_GRACE_MS <= asOf;
}

/** A chain's first archive day: the day of its earliest event still held (null: nothing to archive yet). */
async function firstDay(env: RetentionEnv, chainId: string, head: LedgerHead): Promise<string | null> {
  const legacyAt = await legacyEarliestAt(env.DB, chainId, head.legacyTop);
  const ats = [legacyAt, head.oldestAt].filter((a): a is number => a !== null);
  return ats.length ? dayOf(Math.min(...ats)) : null;
}

/** The cold window: deletes the R2 objects of days before `firstKeptDay` and marks them expired. */
async function expireColdDays(env: RetentionEnv, chainId: string, firstKeptDay: string, now: number): Promise<string[]> {
  const db = createDb(env.DB);
  const old = await db
    .select()
    .from(auditArchives)
    .where(and(eq(auditArchives.chainId, chainId), lt(auditArchives.day, firstKeptDay), isNull(auditArchives.expiredAt)))
    .limit(500)
    .all();
  if (old.length === 0) return [];
  await env.AUDIT_ARCHIVE.delete(old.flatMap((a) => (a.archiveKey ? [a.archiveKey, a.digestKey] : [a.digestKey])));
  const days = old.map((a) => a.day);
  await db
    .update(auditArchives)
    .set({ expiredAt: now })
    .where(and(eq(auditArchives.chainId, chainId), inArray(auditArchives.day, days)));
  return days;
}
