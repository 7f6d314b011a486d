/**
 * The STRIPE_EVENTS queue consumer (docs/billing.md, "Webhooks"): applies each verified Stripe
 * event exactly once.
 *
 * - **Dedup in the same batch as the effects.** The `stripe_events` row (primary key = event id)
 *   is the first statement of the ONE D1 batch (a transaction) that also writes the event's
 *   effects. Either both commit or neither: a crash, a failing statement or a lost race leaves no
 *   row, and the redelivered message applies the event again — never "seen but not applied".
 * - **Duplicates, also concurrent ones**: a seen id is acked at once; two consumers racing on the
 *   same id both compute, one batch commits and the other fails on the primary key (rolled back
 *   whole) and is treated as the duplicate it is.
 * - **Out of order**: subscription snapshots are ordered by the event's `created`, ties re-fetched
 *   from Stripe (subscription-state.ts).
 * - **Audit after commit, exactly once**: the events' audit entries are computed with ids derived
 *   from the Stripe event id, stored in the dedup row, emitted after the commit, and emitted again
 *   (the ledger keeps one per id) whenever the event is seen again — so a crash between commit and
 *   emit loses nothing.
 */
import { createHash } from "node:crypto";
import type Stripe from "stripe";
import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { emitAuditBatch, type StagedAuditEvent } from "../../../../shared/audit/emit";
import { derivedId } from "../../../../shared/crypto/ids";
import { createDb, type Database } from "../../../../shared/db/client";
import { billingCustomers, billingSubscriptions, stripeEvents, tenants } from "../../../../shared/db/schema";
import { log } from "../../../../shared/observability/log";
import { PLAN_RANK, type PlanId } from "../../../../shared/plans";
import { reloadUsageMeter } from "../../../../shared/billing/usage";
import { planLimitsUsage } from "../plan-limits";
import { billingConfig, requireBilling } from "./stripe-client";
import { billingRetryDelay, type StripeEventMessage } from "./queue-messages";
import { orderAgainst, planFromSubscriptions, planFromSubscriptionsSql, snapshotOf, type Snapshot } from "./subscription-state";

export type EventOutcome =
  | "applied"
  | "refetched"
  | "stale"
  | "ignored"
  | "unknown_customer"
  | "customer_mismatch"
  | "livemode_mismatch"
  | "audited";

interface Effects {
  tenantId: string | null;
  outcome: EventOutcome;
  statements: BatchItem<"sqlite">[];
  audit: Array<Omit<StagedAuditEvent, "id">>;
  planChanged: boolean;
}

const STRIPE_ACTOR = { type: "system" as const, id: null, name: "stripe" };

export async function handleStripeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // One at a time, in order: events of one batch often concern the same subscription.
  for (const message of batch.messages) {
    try {
      await processStripeEventMessage(env, message.body as StripeEventMessage);
      message.ack();
    } catch (error) {
      log.error("stripe event failed; will retry", { error, attempts: message.attempts });
      message.retry({ delaySeconds: billingRetryDelay(message.attempts) });
    }
  }
}

export async function processStripeEventMessage(
  env: Env,
  message: StripeEventMessage,
): Promise<{ outcome: EventOutcome; duplicate: boolean }> {
  const event = "event" in message ? message.event : await requireBilling(env).stripe.events.retrieve(message.eventId);
  return processStripeEvent(env, event);
}

export async function processStripeEvent(env: Env, event: Stripe.Event): Promise<{ outcome: EventOutcome; duplicate: boolean }> {
  const db = createDb(env.DB);
  const seen = await db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get();
  if (seen) {
    await emitAuditBatch(env, seen.audit as StagedAuditEvent[]);
    return { outcome: seen.outcome as EventOutcome, duplicate: true };
  }
  const effects = await effectsOf(env, db, event);
  const audit = effects.audit.map((a, i) => ({ ...a, id: auditIdOf(event, i) }));
  const dedupRow = db.insert(stripeEvents).values({
    id: event.id,
    type: event.type,
    created: event.created,
    livemode: event.livemode,
    tenantId: effects.tenantId,
    outcome: effects.outcome,
    audit,
    processedAt: Date.now(),
  });
  try {
    await db.batch([dedupRow, ...effects.statements]);
  } catch (error) {
    // Lost a race with a concurrent delivery of the same event: its batch committed, ours rolled back whole.
    if (
      /UNIQUE|PRIMARY KEY/.test(`${String(error)} ${String((error as { cause?: unknown }).cause)}`) &&
      (await db.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, event.id)).get())
    ) {
      return { outcome: effects.outcome, duplicate: true };
    }
    throw error;
  }
  await emitAuditBatch(env, audit);
  if (effects.planChanged && effects.tenantId)
    await reloadUsageMeter(env, effects.tenantId).catch((error: unknown) =>
      log.warn("usage meter reload failed (it refreshes within a minute)", { error }),
    );
  return { outcome: effects.outcome, duplicate: false };
}

function auditIdOf(event: Stripe.Event, index: number): string {
  return derivedId("audit", event.created * 1000, createHash("sha256").update(`stripe:${event.id}:${index}`).digest());
}

const none = (outcome: EventOutcome, tenantId: string | null = null): Effects => ({
  tenantId,
  outcome,
  statements: [],
  audit: [],
  planChanged: false,
});

async function effectsOf(env: Env, db: Database, event: Stripe.Event): Promise<Effects> {
  const config = billingConfig(env);
  if (config && event.livemode !== config.livemode) return none("livemode_mismatch");
  switch (event.type) {
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
    case "customer.subscription.paused":
    case "customer.subscription.resumed":
    case "customer.subscription.trial_will_end":
      return subscriptionEffects(env, db, event, event.data.object);
    case "checkout.session.completed":
      return checkoutEffects(db, event, event.data.object);
    case "invoice.payment_failed":
    case "invoice.paid":
      return invoiceEffects(db, event, event.data.object);
    default:
      return none("ignored");
  }
}

const customerIdOf = (customer: string | { id: string } | null | undefined) =>
  typeof customer === "string" ? customer : (customer?.id ?? null);

async function tenantOfCustomer(db: Database, customerId: string | null): Promise<string | null> {
  if (!customerId) return null;
  const row = await db
    .select({ tenantId: billingCustomers.tenantId })
    .from(billingCustomers)
    .where(eq(billingCustomers.stripeCustomerId, customerId))
    .get();
  return row?.tenantId ?? null;
}

function unknownCustomer(event: Stripe.Event, customerId: string | null): Effects {
  return {
    ...none("unknown_customer"),
    audit: [
      {
        tenantId: null,
        actor: STRIPE_ACTOR,
        action: "billing.webhook_unmatched",
        target: customerId ? { type: "stripe_customer", id: customerId } : null,
        details: { eventId: event.id, type: event.type, customer: customerId },
        severity: "warning",
        outcome: "failure",
        ip: null,
        userAgent: null,
        at: event.created * 1000,
      },
    ],
  };
}

async function subscriptionEffects(env: Env, db: Database, event: Stripe.Event, incoming: Stripe.Subscription): Promise<Effects> {
  const { stripe, prices } = requireBilling(env);
  const customerId = customerIdOf(incoming.customer);
  const tenantId = await tenantOfCustomer(db, customerId);
  if (!tenantId) return unknownCustomer(event, customerId);
  const at = event.created * 1000;
  const base = { tenantId, actor: STRIPE_ACTOR, ip: null, userAgent: null, at };
  const audit: Effects["audit"] = [];
  if (event.type === "customer.subscription.trial_will_end") {
    audit.push({
      ...base,
      action: "billing.trial_will_end",
      target: { type: "subscription", id: incoming.id },
      details: { trialEnd: incoming.trial_end ? new Date(incoming.trial_end * 1000).toISOString() : null },
      severity: "warning",
    });
  }

  const [stored, others, tenant] = await Promise.all([
    db.select().from(billingSubscriptions).where(eq(billingSubscriptions.id, incoming.id)).get(),
    db
      .select({ id: billingSubscriptions.id, status: billingSubscriptions.status, plan: billingSubscriptions.plan })
      .from(billingSubscriptions)
      .where(eq(billingSubscriptions.tenantId, tenantId))
      .all(),
    db.select({ plan: tenants.plan }).from(tenants).where(eq(tenants.id, tenantId)).get(),
  ]);
  let snapshot: Snapshot = snapshotOf(incoming, prices, tenantId, event.created);
  const ordering = orderAgainst(stored, snapshot);
  if (ordering === "stale") return { ...none("stale", tenantId), audit };
  if (ordering === "refetch") snapshot = snapshotOf(await stripe.subscriptions.retrieve(incoming.id), prices, tenantId, event.created);

  const from: PlanId = tenant?.plan ?? "free";
  const to = planFromSubscriptions([...others.filter((o) => o.id !== snapshot.id), snapshot]);
  const now = Date.now();
  const statements: BatchItem<"sqlite">[] = [
    db
      .insert(billingSubscriptions)
      .values({ ...snapshot, updatedAt: now })
      .onConflictDoUpdate({ target: billingSubscriptions.id, set: { ...snapshot, updatedAt: now } }),
    db
      .update(tenants)
      .set({ plan: planFromSubscriptionsSql(tenantId) as unknown as PlanId, updatedAt: now })
      .where(eq(tenants.id, tenantId)),
  ];
  audit.push({
    ...base,
    action: "billing.subscription_updated",
    target: { type: "subscription", id: snapshot.id },
    details: {
      eventId: event.id,
      eventType: event.type,
      status: snapshot.status,
      plan: snapshot.plan,
      cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
      refetched: ordering === "refetch",
    },
  });
  if (to !== from) {
    const downgrade = PLAN_RANK[to] < PLAN_RANK[from];
    audit.push({
      ...base,
      action: "billing.plan_changed",
      target: { type: "tenant", id: tenantId },
      details: { from, to, subscriptionId: snapshot.id, status: snapshot.status },
      severity: downgrade ? "warning" : "info",
    });
    if (downgrade) {
      const over = (await planLimitsUsage(db, tenantId, to)).filter((l) => l.max !== null && l.used > l.max);
      if (over.length > 0)
        audit.push({
          ...base,
          action: "billing.over_plan_limit",
          target: { type: "tenant", id: tenantId },
          details: { plan: to, limits: over },
          severity: "warning",
        });
    }
  }
  return { tenantId, outcome: ordering === "refetch" ? "refetched" : "applied", statements, audit, planChanged: to !== from };
}

async function checkoutEffects(db: Database, event: Stripe.Event, session: Stripe.Checkout.Session): Promise<Effects> {
  const customerId = customerIdOf(session.customer);
  const tenantId = await tenantOfCustomer(db, customerId);
  if (!tenantId) return unknownCustomer(event, customerId);
  // The tenant was bound server-side at creation; a session whose reference disagrees with its customer is not ours to trust.
  if (session.client_reference_id !== tenantId) {
    return {
      ...none("customer_mismatch", tenantId),
      audit: [
        {
          tenantId: null,
          actor: STRIPE_ACTOR,
          action: "billing.webhook_unmatched",
          target: { type: "checkout_session", id: session.id },
          details: { eventId: event.id, reason: "client_reference_id does not match the customer's tenant", customer: customerId },
          severity: "warning",
          outcome: "failure",
          ip: null,
          userAgent: null,
          at: event.created * 1000,
        },
      ],
    };
  }
  const subscription = typeof session.subscription === "string" ? session.subscription : (session.subscription?.id ?? null);
  return {
    ...none("audited", tenantId),
    audit: [
      {
        tenantId,
        actor: STRIPE_ACTOR,
        action: "billing.checkout_completed",
        target: { type: "checkout_session", id: session.id },
        details: { eventId: event.id, subscriptionId: subscription, plan: session.metadata?.plan ?? null },
        ip: null,
        userAgent: null,
        at: event.created * 1000,
      },
    ],
  };
}

async function invoiceEffects(db: Database, event: Stripe.Event, invoice: Stripe.Invoice): Promise<Effects> {
  const customerId = customerIdOf(invoice.customer);
  const tenantId = await tenantOfCustomer(db, customerId);
  if (!tenantId) return unknownCustomer(event, customerId);
  const failed = event.type === "invoice.payment_failed";
  return {
    ...none("audited", tenantId),
    audit: [
      {
        tenantId,
        actor: STRIPE_ACTOR,
        action: failed ? "billing.payment_failed" : "billing.invoice_paid",
        target: { type: "invoice", id: invoice.id ?? "unknown" },
        details: { eventId: event.id, amountDueCents: invoice.amount_due, currency: invoice.currency },
        severity: failed ? "warning" : "info",
        outcome: failed ? "failure" : "success",
        ip: null,
        userAgent: null,
        at: event.created * 1000,
      },
    ],
  };
}
