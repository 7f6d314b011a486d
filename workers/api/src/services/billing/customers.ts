/**
 * A Stripe customer per tenant (docs/billing.md, "Customers"). Created in the background when the
 * tenant is — `enqueueCustomerCreation` after the tenant's D1 batch, the BILLING_JOBS consumer
 * calls `ensureCustomer` and retries with backoff while Stripe is down — so creating a tenant
 * never waits on or fails with Stripe. Checkout calls `ensureCustomer` itself if the job has not
 * run yet. Every call uses the idempotency key `tenant-customer-<tenantId>`: concurrent or repeated
 * attempts within Stripe's 24 h key window get the same customer. (A retry that only succeeds
 * after 24 h could create a second customer; the daily sweep retries long before that.)
 */
import { eq } from "drizzle-orm";
import { createDb } from "../../../../shared/db/client";
import { billingCustomers, tenants } from "../../../../shared/db/schema";
import { log } from "../../../../shared/observability/log";
import { billingConfig, callStripe, requireBilling } from "./stripe-client";
import type { BillingJob } from "./queue-messages";

export const customerIdempotencyKey = (tenantId: string) => `tenant-customer-${tenantId}`;

/** The tenant's Stripe customer id, creating the customer if needed. Null for a deleted or unknown tenant. */
export async function ensureCustomer(env: Env, tenantId: string): Promise<string | null> {
  const db = createDb(env.DB);
  const existing = await db
    .select({ id: billingCustomers.stripeCustomerId })
    .from(billingCustomers)
    .where(eq(billingCustomers.tenantId, tenantId))
    .get();
  if (existing) return existing.id;
  const tenant = await db
    .select({ id: tenants.id, name: tenants.name, deletedAt: tenants.deletedAt })
    .from(tenants)
    .where(eq(tenants.id, tenantId))
    .get();
  if (!tenant || tenant.deletedAt !== null) return null;
  const { stripe, livemode } = requireBilling(env);
  const customer = await callStripe("create the customer", () =>
    stripe.customers.create({ name: tenant.name, metadata: { tenantId } }, { idempotencyKey: customerIdempotencyKey(tenantId) }),
  );
  await db
    .insert(billingCustomers)
    .values({ tenantId, stripeCustomerId: customer.id, livemode, createdAt: Date.now() })
    .onConflictDoNothing();
  const stored = await db
    .select({ id: billingCustomers.stripeCustomerId })
    .from(billingCustomers)
    .where(eq(billingCustomers.tenantId, tenantId))
    .get();
  return stored?.id ?? customer.id;
}

/** Called right after a tenant is created. A failed enqueue is logged, not thrown: the daily sweep (`sweepMissingCustomers`) and Checkout create the customer later. */
export async function enqueueCustomerCreation(env: Env, tenantId: string): Promise<void> {
  if (!billingConfig(env)) return;
  try {
    await env.BILLING_JOBS.send({ type: "ensure_customer", tenantId } satisfies BillingJob);
  } catch (error) {
    log.error("billing: could not enqueue customer creation", { tenantId, error });
  }
}

/** Cron safety net: tenants older than 10 minutes without a customer get a job again. */
export async function sweepMissingCustomers(env: Env, now: number): Promise<number> {
  if (!billingConfig(env)) return 0;
  const rows = await env.DB.prepare(
    "SELECT t.id FROM tenants t LEFT JOIN billing_customers b ON b.tenant_id = t.id WHERE b.tenant_id IS NULL AND t.deleted_at IS NULL AND t.created_at < ? LIMIT 100",
  )
    .bind(now - 10 * 60_000)
    .all<{ id: string }>();
  if (rows.results.length > 0)
    await env.BILLING_JOBS.sendBatch(rows.results.map((r) => ({ body: { type: "ensure_customer", tenantId: r.id } satisfies BillingJob })));
  return rows.results.length;
}
