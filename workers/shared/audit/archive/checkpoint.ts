/**
 * The per-chain checkpoint (table `audit_archive_checkpoints`) and the lease that makes one job
 * at a time work on a chain. Invariants (docs/audit-archives.md, "Idempotence"):
 * - the checkpoint names the newest day whose archive and digest are both in R2;
 * - it moves forward one day at a time, by compare-and-set on `last_day`, only for the lease
 *   holder, in the same D1 batch (one transaction) that indexes the day in `audit_archives`;
 * - a job that dies leaves its lease to expire (LEASE_MS, longer than a queue consumer may run).
 */
import { eq } from "drizzle-orm";
import { createDb } from "../../db/client";
import { auditArchiveCheckpoints, type AuditArchiveCheckpointRow, type AuditArchiveRow } from "../../db/schema";
import { GENESIS_HASH } from "../chain";

/** A queue consumer runs for at most 15 minutes of wall time; a lease outlives it. */
export const LEASE_MS = 20 * 60 * 1000;

export type Checkpoint = AuditArchiveCheckpointRow;

/**
 * Takes the chain's lease (creating the checkpoint row on first use). Null when another job holds
 * an unexpired lease.
 */
export async function acquireLease(db: D1Database, chainId: string, owner: string, now: number): Promise<Checkpoint | null> {
  const [, claimed] = await db.batch([
    db
      .prepare(
        "INSERT INTO audit_archive_checkpoints (chain_id, last_seq, last_hash, updated_at) VALUES (?1, 0, ?2, ?3) ON CONFLICT (chain_id) DO NOTHING",
      )
      .bind(chainId, GENESIS_HASH, now),
    db
      .prepare(
        "UPDATE audit_archive_checkpoints SET lease_owner = ?2, lease_until = ?3 WHERE chain_id = ?1 AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_until <= ?4) RETURNING chain_id",
      )
      .bind(chainId, owner, now + LEASE_MS, now),
  ]);
  if ((claimed?.results ?? []).length === 0) return null;
  return (await readCheckpoint(db, chainId)) ?? null;
}

export async function releaseLease(db: D1Database, chainId: string, owner: string): Promise<void> {
  await db
    .prepare("UPDATE audit_archive_checkpoints SET lease_owner = NULL, lease_until = NULL WHERE chain_id = ?1 AND lease_owner = ?2")
    .bind(chainId, owner)
    .run();
}

export function readCheckpoint(db: D1Database, chainId: string): Promise<Checkpoint | undefined> {
  return createDb(db).select().from(auditArchiveCheckpoints).where(eq(auditArchiveCheckpoints.chainId, chainId)).get();
}

export class LeaseLostError extends Error {
  constructor(chainId: string, day: string) {
    super(`audit archive ${chainId}: lost the lease (or the checkpoint moved) before recording ${day}`);
    this.name = "LeaseLostError";
  }
}

/**
 * Records a written day: moves the checkpoint from `expectedLastDay` to `archive.day` and indexes
 * the day, atomically and only while `owner` holds the lease.
 */
export async function advanceCheckpoint(
  db: D1Database,
  owner: string,
  expectedLastDay: string | null,
  archive: Omit<AuditArchiveRow, "expiredAt">,
  lastHash: string,
): Promise<void> {
  const [moved] = await db.batch([
    db
      .prepare(
        "UPDATE audit_archive_checkpoints SET last_day = ?2, last_seq = ?3, last_hash = ?4, last_digest_key = ?5, last_digest_sha256 = ?6, updated_at = ?7 WHERE chain_id = ?1 AND lease_owner = ?8 AND last_day IS ?9",
      )
      .bind(
        archive.chainId,
        archive.day,
        archive.toSeq,
        lastHash,
        archive.digestKey,
        archive.digestSha256,
        archive.createdAt,
        owner,
        expectedLastDay,
      ),
    // Only if the update above happened (same transaction): the index never runs ahead of the checkpoint.
    db
      .prepare(
        `INSERT INTO audit_archives (chain_id, day, from_seq, to_seq, count, archive_key, archive_sha256, archive_bytes, digest_key, digest_sha256, kid, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12
         WHERE EXISTS (SELECT 1 FROM audit_archive_checkpoints WHERE chain_id = ?1 AND last_day = ?2 AND lease_owner = ?13)
         ON CONFLICT (chain_id, day) DO NOTHING`,
      )
      .bind(
        archive.chainId,
        archive.day,
        archive.fromSeq,
        archive.toSeq,
        archive.count,
        archive.archiveKey,
        archive.archiveSha256,
        archive.archiveBytes,
        archive.digestKey,
        archive.digestSha256,
        archive.kid,
        archive.createdAt,
        owner,
      ),
  ]);
  if ((moved?.meta.changes ?? 0) !== 1) throw new LeaseLostError(archive.chainId, archive.day);
}
