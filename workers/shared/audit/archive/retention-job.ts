/**
 * One retention job for one chain (what a queue message asks for): archive every closed UTC day
 * not archived yet, then apply the hot window (D1) and the cold window (R2). Safe to run any
 * number of times, concurrently, or after a crash at any point (docs/audit-archives.md):
 * - one job per chain at a time (the checkpoint lease); a busy chain answers `busy`;
 * - per day: write archive + digest, then advance the checkpoint (compare-and-set); a re-run finds
 *   the objects and reuses them (archive-day.ts), so nothing is duplicated and no day is skipped;
 * - a day's entries must continue the chain exactly from the checkpoint (seq and hash): a broken
 *   or incomplete chain is never signed; the job fails and is retried, then dead-lettered.
 */
import { and, eq, inArray, isNull, lt } from "drizzle-orm";
import { createDb } from "../../db/client";
import { auditArchives } from "../../db/schema";
import { ledgerFor } from "../emit";
import { verifyChain, type ChainBreak } from "../chain";
import { archiveDay } from "./archive-day";
import { deleteArchivedRows, earliestEventAt, entriesBetween, lastSeqBefore } from "./chain-source";
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
  /** The job's clock: days ending before `asOf` - CLOSE_GRACE_MS are archived, windows count back from it. */
  asOf: number;
}

export interface RetentionJobResult {
  chainId: string;
  status: "done" | "busy";
  archived: string[];
  reused: string[];
  /** More closed days remain (MAX_DAYS_PER_JOB reached): enqueue the job again. */
  more: boolean;
  hotRowsDeleted: number;
  coldDaysDeleted: string[];
}

export class ChainNotArchivableError extends Error {
  constructor(
    readonly chainId: string,
    readonly day: string,
    readonly reason: ChainBreak | { kind: "mirror_behind"; headSeq: number; mirroredSeq: number },
  ) {
    super(`audit archive ${chainId} ${day}: chain not archivable (${JSON.stringify(reason)})`);
    this.name = "ChainNotArchivableError";
  }
}

export async function runRetentionJob(env: RetentionEnv, job: RetentionJob, options: { maxDays?: number; leaseOwner?: string } = {}): Promise<RetentionJobResult> {
  const owner = options.leaseOwner ?? crypto.randomUUID();
  const result: RetentionJobResult = { chainId: job.chainId, status: "done", archived: [], reused: [], more: false, hotRowsDeleted: 0, coldDaysDeleted: [] };
  const checkpoint = await acquireLease(env.DB, job.chainId, owner, Date.now());
  if (!checkpoint) return { ...result, status: "busy" };
  try {
    const policy = await retentionPolicyOf(env, job.chainId);
    const archivedThrough = await archiveClosedDays(env, job, policy, checkpoint, owner, options.maxDays ?? MAX_DAYS_PER_JOB, result);
    result.hotRowsDeleted = await deleteArchivedRows(env.DB, job.chainId, archivedThrough, job.asOf - policy.hotDays * DAY_MS);
    result.coldDaysDeleted = await expireColdDays(env, job.chainId, dayOf(job.asOf - policy.coldDays * DAY_MS), job.asOf);
    return result;
  } finally {
    await releaseLease(env.DB, job.chainId, owner);
  }
}

/** Archives days until the last closed one (or the per-job cap); returns the last archived seq. */
async function archiveClosedDays(env: RetentionEnv, job: RetentionJob, policy: RetentionPolicy, start: Checkpoint, owner: string, maxDays: number, result: RetentionJobResult): Promise<number> {
  let cp = { day: start.lastDay, seq: start.lastSeq, hash: start.lastHash, digestKey: start.lastDigestKey, digestSha256: start.lastDigestSha256 };
  let day = cp.day ? nextDay(cp.day) : await firstDay(env.DB, job.chainId);
  if (day === null || !isClosed(day, job.asOf)) return cp.seq;

  // Everything the ledger committed so far must be in D1 before a day is cut.
  const head = await ledgerFor(env, job.chainId).syncMirror();
  if (head.mirroredSeq < head.headSeq) throw new ChainNotArchivableError(job.chainId, day, { kind: "mirror_behind", headSeq: head.headSeq, mirroredSeq: head.mirroredSeq });

  let key: DigestSigningKey | null = null;
  for (let n = 0; isClosed(day, job.asOf); n++, day = nextDay(day)) {
    if (n === maxDays) {
      result.more = true;
      break;
    }
    const toSeq = (await lastSeqBefore(env.DB, job.chainId, cp.seq, dayEnd(day))) ?? cp.seq;
    const entries = toSeq > cp.seq ? await entriesBetween(env.DB, job.chainId, cp.seq, toSeq) : [];
    const check = await verifyChain(entries, { prevHash: cp.hash, prevSeq: cp.seq });
    if (!check.ok) throw new ChainNotArchivableError(job.chainId, day, check.break);
    if (check.count !== toSeq - cp.seq) throw new ChainNotArchivableError(job.chainId, day, { kind: "gap", seq: toSeq, expectedSeq: cp.seq + check.count + 1 });

    key ??= await currentDigestKey(env);
    const now = Date.now();
    const previousDigest = cp.digestKey && cp.digestSha256 ? { key: cp.digestKey, sha256: cp.digestSha256 } : null;
    const written = await archiveDay(env, { chainId: job.chainId, tenantId: policy.tenantId, day, prevHash: cp.hash, prevSeq: cp.seq, entries, previousDigest }, key, now);
    const { digest } = written;
    await advanceCheckpoint(
      env.DB,
      owner,
      cp.day,
      {
        chainId: job.chainId,
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

function isClosed(day: string, asOf: number): boolean {
  return dayEnd(day) + CLOSE_GRACE_MS <= asOf;
}

/** A chain's first archive day: the day of its earliest event in D1 (null: nothing to archive yet). */
async function firstDay(db: D1Database, chainId: string): Promise<string | null> {
  const at = await earliestEventAt(db, chainId);
  return at === null ? null : dayOf(at);
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
  await db.update(auditArchives).set({ expiredAt: now }).where(and(eq(auditArchives.chainId, chainId), inArray(auditArchives.day, days)));
  return days;
}
