/**
 * The API Worker's cron handler (`[triggers] crons` in wrangler.toml). Every trigger runs every
 * job: each job decides for itself whether there is work, so a duplicate or retried run (cron
 * delivery is at least once) or a changed schedule is harmless. Each job's last run is recorded
 * (services/health/cron-runs.ts) for the operator console, and one failing job never stops the next.
 */
import { rotateSigningKeys } from "../../shared/agent-identity/signing-keys";
import { emitAudit } from "../../shared/audit/emit";
import { auditArchiveCron } from "../../shared/audit/archive/cron-job";
import { log, withLogContext } from "../../shared/observability/log";
import { rewrapVaultKeys } from "../../shared/vault/rewrap";
import { recordCronRun } from "./services/health/cron-runs";
import { billingSweep } from "./services/billing/jobs";

export function scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  return withLogContext({ cron: controller.cron }, () => runJobs(controller, env));
}

async function runJobs(controller: ScheduledController, env: Env): Promise<void> {
  const now = controller.scheduledTime;
  const failures: unknown[] = [];
  // Audit archives (docs/audit-archives.md).
  await recordCronRun(env, "audit-archive", () => auditArchiveCron(env, now)).then(
    (result) => log.info("audit archive cron", { ...result }),
    (error: unknown) => {
      log.error("audit archive cron failed", { error });
      failures.push(error);
    },
  );
  // Vault KEK rotation (docs/secrets.md): re-wrap data keys still under an older KEK (a no-op every day but a rotation's).
  await recordCronRun(env, "vault-rewrap", async () => ({ ...(await rewrapVaultKeys(env, { now })) })).then(
    (result) => {
      if (result.rewrapped > 0 || result.remaining > 0) (result.missingKekIds.length ? log.error : log.info)("vault rewrap", { ...result });
    },
    (error: unknown) => {
      log.error("vault rewrap failed", { error });
      failures.push(error);
    },
  );
  await recordCronRun(env, "signing-key-rotation", () => rotateAndAudit(env, now)).then(
    (result) => log.info("signing key rotation", { ...result }),
    (error: unknown) => {
      log.error("signing key rotation failed", { error });
      failures.push(error);
    },
  );
  // Billing: tenants still without a Stripe customer, usage not yet reported (docs/billing.md).
  await recordCronRun(env, "billing-sweep", () => billingSweep(env, now)).then(
    (result) => log.info("billing sweep", { ...result }),
    (error: unknown) => {
      log.error("billing sweep failed", { error });
      failures.push(error);
    },
  );
  // Every job has had its turn; a failure still marks the invocation as failed (Cron Events).
  if (failures.length > 0) throw failures[0];
}

async function rotateAndAudit(env: Env, now: number) {
  const result = await rotateSigningKeys(env, now);
  if (result.created === null && result.deleted.length === 0) return { ...result };
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
  return { ...result };
}
