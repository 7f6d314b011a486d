/**
 * The BILLING_JOBS queue consumer: a tenant's Stripe customer (customers.ts) and a tenant's usage
 * report (usage-report.ts). Both are idempotent; a failing job is retried with backoff
 * (5 s doubling to 1 h, 10 tries), then lands in the dead-letter queue for an operator (the
 * operator console's health shows it), while the daily sweep keeps re-enqueueing what is missing.
 */
import { log } from "../../../../shared/observability/log";
import { ensureCustomer, sweepMissingCustomers } from "./customers";
import { billingRetryDelay, type BillingJob } from "./queue-messages";
import { reportUsage, sweepUsageReports } from "./usage-report";

export async function handleBillingJobs(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const job = message.body as BillingJob;
    try {
      if (job.type === "ensure_customer") await ensureCustomer(env, job.tenantId);
      else if (job.type === "report_usage")
        log.info("usage reported", { tenantId: job.tenantId, ...(await reportUsage(env, job.tenantId)) });
      else log.warn("unknown billing job", { job });
      message.ack();
    } catch (error) {
      log.error("billing job failed; will retry", { job, attempts: message.attempts, error });
      message.retry({ delaySeconds: billingRetryDelay(message.attempts) });
    }
  }
}

/** The daily cron's billing part. */
export async function billingSweep(env: Env, now: number): Promise<{ customers: number; reports: number }> {
  return { customers: await sweepMissingCustomers(env, now), reports: await sweepUsageReports(env) };
}
