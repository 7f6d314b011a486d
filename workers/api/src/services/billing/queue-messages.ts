/**
 * Messages of the two billing queues (wrangler.toml): Stripe events as the webhook endpoint
 * verified them, and billing jobs (a tenant's Stripe customer, a tenant's usage report).
 */
export const STRIPE_EVENTS_QUEUE = "switchboard-stripe-events";
export const BILLING_JOBS_QUEUE = "switchboard-billing-jobs";

/**
 * A verified Stripe event. The whole event when it fits a queue message (128 KB); otherwise only
 * its id, and the consumer fetches it from Stripe (`events.retrieve`, kept 30 days there).
 */
export type StripeEventMessage = { v: 1; event: import("stripe").Stripe.Event } | { v: 1; eventId: string };

export type BillingJob = { type: "ensure_customer"; tenantId: string } | { type: "report_usage"; tenantId: string };

/** Backoff for both queues' retries: 5 s, 10 s, 20 s … capped at 1 h (attempts is 1-based). */
export function billingRetryDelay(attempts: number): number {
  return Math.min(3600, 5 * 2 ** Math.max(0, attempts - 1));
}
