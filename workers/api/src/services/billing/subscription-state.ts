/**
 * Subscriptions as Switchboard sees them: the snapshot we keep of a Stripe subscription, whether an
 * incoming snapshot is newer than the stored one, and the plan a tenant's subscriptions give it.
 * Pure (docs/billing.md, "Ordering"): the queue consumer applies the results.
 *
 * Ordering: Stripe sends events out of order and more than once. Each stored snapshot keeps the
 * `created` (Stripe's clock, seconds) of the event it came from. An older event never overwrites a
 * newer state; an event from the SAME second cannot be ordered by time (a subscription is created
 * and updated within a second), so the consumer re-fetches the subscription from Stripe and stores
 * what Stripe says now. `canceled` and `incomplete_expired` are terminal: nothing revives them.
 */
import type Stripe from "stripe";
import { sql, type SQL } from "drizzle-orm";
import { PLAN_RANK, type PlanId } from "../../../../shared/plans";
import type { BillingSubscriptionRow } from "../../../../shared/db/schema";
import type { SubscriptionStatus } from "../../../../shared/schemas/billing";
import { planOfPrice, type StripePrices } from "./stripe-client";

/** Statuses in which a subscription gives its plan: Stripe is still collecting (past_due) or the trial runs. */
export const PLAN_GRANTING_STATUSES: readonly SubscriptionStatus[] = ["active", "trialing", "past_due"];
const TERMINAL: readonly SubscriptionStatus[] = ["canceled", "incomplete_expired"];

export type Snapshot = Omit<BillingSubscriptionRow, "updatedAt">;

export function snapshotOf(subscription: Stripe.Subscription, prices: StripePrices, tenantId: string, stateAt: number): Snapshot {
  const items = subscription.items?.data ?? [];
  const base =
    items.find((i) => planOfPrice(prices, i.price?.id) !== null) ??
    items.find((i) => i.price?.recurring?.usage_type !== "metered") ??
    items[0];
  const seconds = (s: number | null | undefined) => (s ? s * 1000 : null);
  return {
    id: subscription.id,
    tenantId,
    status: subscription.status as SubscriptionStatus,
    plan: planOfPrice(prices, base?.price?.id),
    priceId: base?.price?.id ?? null,
    currentPeriodEnd: seconds(base?.current_period_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    trialEnd: seconds(subscription.trial_end),
    stateAt,
  };
}

export type Ordering = "apply" | "stale" | "refetch";

export function orderAgainst(
  stored: Pick<Snapshot, "stateAt" | "status"> | undefined,
  incoming: Pick<Snapshot, "stateAt" | "status">,
): Ordering {
  if (!stored) return "apply";
  if (TERMINAL.includes(stored.status) && !TERMINAL.includes(incoming.status)) return "stale";
  if (incoming.stateAt < stored.stateAt) return "stale";
  if (incoming.stateAt === stored.stateAt) return "refetch";
  return "apply";
}

/** The plan a tenant's subscriptions give it: the highest plan among those in a plan-granting status, else free. */
export function planFromSubscriptions(subscriptions: Array<Pick<Snapshot, "status" | "plan">>): PlanId {
  let best: PlanId = "free";
  for (const s of subscriptions)
    if (s.plan && PLAN_GRANTING_STATUSES.includes(s.status) && PLAN_RANK[s.plan] > PLAN_RANK[best]) best = s.plan;
  return best;
}

/** The same rule in SQL, for the UPDATE that runs in the consumer's D1 batch (so concurrent events of one tenant cannot leave a plan that disagrees with the rows). */
export function planFromSubscriptionsSql(tenantId: string): SQL {
  const statuses = sql.join(
    PLAN_GRANTING_STATUSES.map((s) => sql`${s}`),
    sql`, `,
  );
  const rank = sql.raw(
    `CASE plan ${Object.entries(PLAN_RANK)
      .map(([plan, r]) => `WHEN '${plan}' THEN ${r}`)
      .join(" ")} ELSE -1 END`,
  );
  return sql`coalesce((SELECT plan FROM billing_subscriptions WHERE tenant_id = ${tenantId} AND plan IS NOT NULL AND status IN (${statuses}) ORDER BY ${rank} DESC LIMIT 1), 'free')`;
}
