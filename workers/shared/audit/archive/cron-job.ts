/**
 * The audit archive part of the API Worker's cron (workers/api/src/cron.ts): rotate the digest
 * signing key when it is due, then enqueue the retention jobs. Both steps decide for themselves
 * whether there is work, so any number of triggers a day is harmless.
 */
import { emitAudit } from "../emit";
import { rotateDigestKeys } from "./digest-keys";
import { enqueueRetentionJobs } from "./retention-queue";

type CronEnv = Pick<Env, "DB" | "AUDIT_ARCHIVE" | "AUDIT_LEDGER" | "AUDIT_RETENTION" | "DATA_ENCRYPTION_KEY">;

export async function auditArchiveCron(env: CronEnv, now: number): Promise<{ keyCreated: string | null; enqueued: number }> {
  const rotation = await rotateDigestKeys(env, now);
  if (rotation.created) {
    await emitAudit(env, {
      tenantId: null,
      actor: { type: "system", id: null, name: "cron" },
      action: "audit_digest_key.rotated",
      target: { type: "audit_digest_key", id: rotation.created },
      details: { ...rotation },
      ip: null,
      userAgent: null,
      at: now,
    });
  }
  const enqueued = await enqueueRetentionJobs(env, now);
  return { keyCreated: rotation.created, enqueued };
}
