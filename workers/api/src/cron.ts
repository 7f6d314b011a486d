/**
 * The API Worker's cron handler (`[triggers] crons` in wrangler.toml). Every trigger runs every
 * job: each job decides for itself whether there is work, so a duplicate or retried run (cron
 * delivery is at least once) or a changed schedule is harmless.
 */
import { rotateSigningKeys } from "../../shared/agent-identity/signing-keys";
import { emitAudit } from "../../shared/audit/emit";
import { auditArchiveCron } from "../../shared/audit/archive/cron-job";
import { rewrapVaultKeys } from "../../shared/vault/rewrap";

export async function scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  const now = controller.scheduledTime;
  // Audit archives (docs/audit-archives.md): logged, not thrown, so it cannot hold up the jobs below.
  await auditArchiveCron(env, now).then(
    (result) => console.log(JSON.stringify({ level: "info", msg: "audit archive cron", cron: controller.cron, ...result })),
    (error: unknown) => console.error(JSON.stringify({ level: "error", msg: "audit archive cron failed", cron: controller.cron, error: String(error) })),
  );
  // Vault KEK rotation (docs/secrets.md): re-wrap data keys still under an older KEK. Logged, not thrown.
  // Silent when there was nothing to move (every day but a rotation's).
  await rewrapVaultKeys(env, { now }).then(
    (result) => {
      if (result.rewrapped > 0 || result.remaining > 0) console.log(JSON.stringify({ level: result.missingKekIds.length ? "error" : "info", msg: "vault rewrap", cron: controller.cron, ...result }));
    },
    (error: unknown) => console.error(JSON.stringify({ level: "error", msg: "vault rewrap failed", cron: controller.cron, error: String(error) })),
  );
  const result = await rotateSigningKeys(env, now);
  console.log(JSON.stringify({ level: "info", msg: "signing key rotation", cron: controller.cron, ...result }));
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
