/**
 * The API Worker's queue consumer: one handler per queue, chosen by the batch's queue name.
 * Queues are declared in wrangler.toml (`[[queues.consumers]]`); each handler lives with the
 * capability it serves and is registered here. A batch for an unknown queue is retried (not
 * acked), so a misconfiguration never silently drops messages.
 */
import { ALERT_WEBHOOKS_DLQ, ALERT_WEBHOOKS_QUEUE } from "../../shared/alerts/queue-message";
import { handleAlertWebhooks, handleAlertWebhooksDeadLetters } from "./services/alerts/webhook-delivery";
import { AUDIT_RETENTION_QUEUE, handleRetentionBatch } from "../../shared/audit/archive/retention-queue";
import { log, withLogContext } from "../../shared/observability/log";
import { BILLING_JOBS_QUEUE, STRIPE_EVENTS_QUEUE } from "./services/billing/queue-messages";
import { handleStripeEvents } from "./services/billing/stripe-events";
import { handleBillingJobs } from "./services/billing/jobs";

export type QueueHandler = (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => Promise<void>;

/** Queue name (without any environment suffix) → handler. */
const handlers: Record<string, QueueHandler> = {
  [ALERT_WEBHOOKS_QUEUE]: (batch, env) => handleAlertWebhooks(batch, env),
  [ALERT_WEBHOOKS_DLQ]: (batch, env) => handleAlertWebhooksDeadLetters(batch, env),
  [AUDIT_RETENTION_QUEUE]: (batch, env) => handleRetentionBatch(batch, env),
  // Billing (docs/billing.md).
  [STRIPE_EVENTS_QUEUE]: (batch, env) => handleStripeEvents(batch, env),
  [BILLING_JOBS_QUEUE]: (batch, env) => handleBillingJobs(batch, env),
};

export function queue(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  // Every line logged while handling the batch names its queue.
  return withLogContext({ queue: batch.queue, messages: batch.messages.length }, async () => {
    const handler = handlers[batch.queue];
    if (!handler) {
      log.error("no handler for queue");
      batch.retryAll();
      return;
    }
    await handler(batch, env, ctx);
  });
}
