/**
 * The API Worker's cron handler (`[triggers] crons` in wrangler.toml). Every trigger runs every
 * job: each job decides for itself whether there is work, so a duplicate or retried run (cron
 * delivery is at least once) or a changed schedule is harmless.
 */
import { rotateSigningKeys } from "../../shared/agent-identity/signing-keys";
import { emitAudit } from "../../shared/audit/emit";
import { auditArchiveCron } from "../../shared/audit/archive/cron-job";
import { log } from "../../shared/observability/log";

export async function scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  const now = controller.scheduledTime;
  // Audit archives (docs/audit-archives.md): logged, not thrown, so it cannot hold up the jobs below.
  await auditArchiveCron(env, now).then(
    (result) => log.info("audit archive cron", { cron: controller.cron, ...result }),
    (error: unknown) => log.error("audit archive cron failed", { cron: controller.cron, error }),
  );
  const result = await rotateSigningKeys(env, now);
  log.info("signing key rotation", { cron: controller.cron, ...result });
  if (result.created === null && result.deleted.length === 0) return;
  await emitAudit(env, {
    tenantId: null,
    actor: { type: "system", id: null, name: "cron" },
    action: "signing_key.rotated",
    target: result.created ? { type: "signing_key", id: result.created } : null,
    details: { ...result },
    ip: null,
    userAgent: null,
    at: now,
  });
}
