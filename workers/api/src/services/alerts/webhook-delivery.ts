/**
 * The ALERT_WEBHOOKS queue consumer: one message = one delivery (alert × webhook). Signs the
 * stored payload (workers/shared/alerts/signature.ts), POSTs it, records the attempt, and on
 * anything but a 2xx asks the queue to redeliver after RETRY_DELAYS_SECONDS[attempt]. After the
 * queue's max_retries the message goes to the dead-letter queue, whose consumer marks the
 * delivery `failed`. Idempotent: a delivery that is no longer pending is acked without sending.
 */
import { eq, and, sql } from "drizzle-orm";
import { decryptField } from "../../../../shared/crypto/encryption";
import { createDb } from "../../../../shared/db/client";
import { webhookDeliveries, webhookDeliveryAttempts, webhooks } from "../../../../shared/db/schema";
import type { AlertWebhookMessage } from "../../../../shared/alerts/queue-message";
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from "../../../../shared/alerts/signature";
import { log } from "../../../../shared/observability/log";

export const WEBHOOK_SECRET_PURPOSE = "webhook-secret";
/** Delay before attempt n+1, after attempt n failed (n = message.attempts, 1-based). ~4.5 h in all with max_retries = 8. */
export const RETRY_DELAYS_SECONDS = [10, 30, 120, 600, 1800, 3600, 7200, 14400] as const;
export const DELIVERY_TIMEOUT_MS = 10_000;
export const USER_AGENT = "Switchboard-Webhooks/1";

export function retryDelaySeconds(attempt: number): number {
  return RETRY_DELAYS_SECONDS[Math.min(Math.max(attempt, 1), RETRY_DELAYS_SECONDS.length) - 1]!;
}

export type AttemptOutcome = "delivered" | "retry" | "skipped";

export async function handleAlertWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const deliveryId = deliveryIdOf(message);
      if (!deliveryId) return message.ack();
      let outcome: AttemptOutcome;
      try {
        outcome = await attemptDelivery(env, deliveryId, message.attempts);
      } catch (err) {
        log.error("webhook attempt crashed", { deliveryId, error: err });
        outcome = "retry";
      }
      if (outcome === "retry") message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      else message.ack();
    }),
  );
}

/** Dead letters: retries are exhausted. */
export async function handleAlertWebhooksDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = createDb(env.DB);
  for (const message of batch.messages) {
    const deliveryId = deliveryIdOf(message);
    if (!deliveryId) {
      message.ack();
      continue;
    }
    await db
      .update(webhookDeliveries)
      .set({ status: "failed", updatedAt: Date.now() })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending")));
    log.warn("webhook delivery dead-lettered", { deliveryId });
    message.ack();
  }
}

/** A message that is not ours to read is logged and dropped: retrying cannot fix its shape. */
function deliveryIdOf(message: Message<unknown>): string | null {
  const id = (message.body as Partial<AlertWebhookMessage> | null)?.deliveryId;
  if (typeof id === "string" && id.length > 0) return id;
  log.error("malformed alert webhook message dropped", { messageId: message.id });
  return null;
}

export async function attemptDelivery(env: Env, deliveryId: string, attempt: number): Promise<AttemptOutcome> {
  const db = createDb(env.DB);
  const row = await db
    .select({ delivery: webhookDeliveries, url: webhooks.url, secretEnc: webhooks.secretEnc })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, deliveryId))
    .get();
  // Gone with its webhook, or already settled by an earlier (redelivered) message.
  if (!row || row.delivery.status !== "pending") return "skipped";
  const { delivery } = row;
  const secret = await decryptField(row.secretEnc, env.DATA_ENCRYPTION_KEY, WEBHOOK_SECRET_PURPOSE);
  const started = Date.now();
  const { statusCode, error } = await sendSigned(row.url, secret, delivery.payload, {
    [DELIVERY_HEADER]: delivery.id,
    [EVENT_HEADER]: delivery.event,
    "Switchboard-Attempt": String(attempt),
  });
  const now = Date.now();
  const delivered = error === null;
  await db.batch([
    db
      .insert(webhookDeliveryAttempts)
      .values({ deliveryId, attempt, at: started, statusCode, error, durationMs: now - started })
      .onConflictDoUpdate({
        target: [webhookDeliveryAttempts.deliveryId, webhookDeliveryAttempts.attempt],
        set: { at: started, statusCode, error, durationMs: now - started },
      }),
    db
      .update(webhookDeliveries)
      .set({
        attempts: sql`max(${webhookDeliveries.attempts}, ${attempt})`,
        lastStatusCode: statusCode,
        lastError: error,
        updatedAt: now,
        ...(delivered ? { status: "delivered" as const, deliveredAt: now } : {}),
      })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending"))),
  ]);
  return delivered ? "delivered" : "retry";
}

export interface SendResult {
  /** null when no response came back (timeout, DNS, connection). */
  statusCode: number | null;
  /** null on a 2xx. */
  error: string | null;
}

/** One signed POST. Redirects are failures (the tenant registered this URL, not wherever it points). */
export async function sendSigned(url: string, secret: string, payload: string, headers: Record<string, string>): Promise<SendResult> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        [SIGNATURE_HEADER]: await signatureHeader(secret, payload, Math.floor(Date.now() / 1000)),
        ...headers,
      },
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    const statusCode = response.status;
    await response.body?.cancel();
    if (statusCode >= 200 && statusCode < 300) return { statusCode, error: null };
    return { statusCode, error: statusCode >= 300 && statusCode < 400 ? "redirects are not followed" : `HTTP ${statusCode}` };
  } catch (err) {
    return {
      statusCode: null,
      error:
        err instanceof Error && err.name === "TimeoutError" ? `no response within ${DELIVERY_TIMEOUT_MS} ms` : String(err).slice(0, 300),
    };
  }
}
