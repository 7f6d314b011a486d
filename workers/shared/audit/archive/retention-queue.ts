/**
 * The AUDIT_RETENTION queue: the cron's producer side (one message per chain that has a closed
 * day to archive) and the consumer (one retention job per message). A message is acked only when
 * its job finished; a busy chain (another job holds its lease) or a failed job is retried with
 * backoff, and after the consumer's max_retries it lands in the dead-letter queue (wrangler.toml).
 */
import { z } from "zod";
import { emitAudit } from "../emit";
import { PLATFORM_CHAIN_ID } from "../chain";
import { dayOf, DAY_MS } from "./layout";
import { ChainNotArchivableError, CLOSE_GRACE_MS, runRetentionJob } from "./retention-job";
import { log } from "../../observability/log";

/** The queue's name in wrangler.toml (what `batch.queue` says). */
export const AUDIT_RETENTION_QUEUE = "switchboard-audit-retention";

export const retentionMessageSchema = z.object({ chainId: z.string().min(1).max(64), asOf: z.number().int().nonnegative() }).strict();
export type RetentionMessage = z.infer<typeof retentionMessageSchema>;

const BUSY_RETRY_SECONDS = 60;
const MAX_RETRY_SECONDS = 60 * 60;
/** Queues accepts at most 100 messages per sendBatch. */
const SEND_BATCH = 100;

type RetentionEnv = Pick<Env, "DB" | "AUDIT_ARCHIVE" | "AUDIT_LEDGER" | "AUDIT_RETENTION" | "DATA_ENCRYPTION_KEY">;

export async function handleRetentionBatch(batch: MessageBatch<unknown>, env: RetentionEnv): Promise<void> {
  // One chain at a time: a day's archive is held in memory while it is written.
  for (const message of batch.messages) {
    const parsed = retentionMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      // Retrying cannot fix a malformed message; the daily cron enqueues a good one.
      log.error("audit retention: malformed message dropped", { id: message.id, issues: parsed.error.issues });
      message.ack();
      continue;
    }
    try {
      const result = await runRetentionJob(env, parsed.data);
      if (result.status === "busy") {
        message.retry({ delaySeconds: BUSY_RETRY_SECONDS });
        continue;
      }
      if (result.more) await env.AUDIT_RETENTION.send(parsed.data);
      log.info("audit retention job", { attempts: message.attempts, ...result });
      message.ack();
    } catch (error) {
      log.error("audit retention job failed", { chainId: parsed.data.chainId, attempts: message.attempts, error });
      // Once per message (not per retry): the daily cron re-enqueues, so an unfixed chain raises it daily.
      if (error instanceof ChainNotArchivableError && message.attempts <= 1) await reportUnarchivable(env, error);
      message.retry({ delaySeconds: Math.min(MAX_RETRY_SECONDS, 30 * 2 ** message.attempts) });
    }
  }
}

/** A chain that does not verify is an incident: it goes to the platform trail (and its alert rules). */
async function reportUnarchivable(env: RetentionEnv, error: ChainNotArchivableError): Promise<void> {
  await emitAudit(env, {
    tenantId: null,
    actor: { type: "system", id: null, name: "audit-retention" },
    action: "audit.archive_failed",
    target: { type: "audit_chain", id: error.chainId },
    severity: "critical",
    outcome: "failure",
    details: { chainId: error.chainId, day: error.day, reason: error.reason },
    ip: null,
    userAgent: null,
  }).catch((e: unknown) => log.error("could not audit an archive failure", { error: e }));
}

/**
 * The cron's side: one message per chain (every tenant, deleted ones too — their data still ages
 * out — and the platform chain) whose checkpoint is behind the last closed day. A chain already
 * done today is not enqueued, so extra cron triggers cost one D1 query.
 */
export async function enqueueRetentionJobs(env: RetentionEnv, asOf: number): Promise<number> {
  const lastClosedDay = dayOf(asOf - CLOSE_GRACE_MS - DAY_MS);
  const rows = await env.DB.prepare(
    `SELECT chain_id FROM (SELECT id AS chain_id FROM tenants UNION ALL SELECT ?1) AS chains
     WHERE NOT EXISTS (SELECT 1 FROM audit_archive_checkpoints c WHERE c.chain_id = chains.chain_id AND c.last_day >= ?2)`,
  )
    .bind(PLATFORM_CHAIN_ID, lastClosedDay)
    .all<{ chain_id: string }>();
  const messages = rows.results.map((r) => ({ body: { chainId: r.chain_id, asOf } satisfies RetentionMessage }));
  for (let i = 0; i < messages.length; i += SEND_BATCH) await env.AUDIT_RETENTION.sendBatch(messages.slice(i, i + SEND_BATCH));
  return messages.length;
}
