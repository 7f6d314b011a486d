/**
 * A tenant's billing (docs/billing.md): the overview (plan, subscription, usage against the plan
 * and budgets, what the banner says), Checkout to upgrade from free, a plan change between paid
 * plans, the Customer Portal (payment methods, invoices, cancellation), invoices, usage history.
 *
 * The tenant is always the route's, bound server-side: Checkout gets it as `client_reference_id`
 * and in the session's and the subscription's metadata, never from the request body. Plans change
 * only when Stripe's events say so (the webhook queue), not when these routes answer.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, gte, inArray } from "drizzle-orm";
import type { Context } from "hono";
import { spendCents } from "../../../shared/billing/budget-decision";
import { periodOf } from "../../../shared/billing/period";
import { usageMeterFor } from "../../../shared/billing/usage";
import { USAGE_KIND_IDS, USAGE_KINDS } from "../../../shared/billing/usage-kinds";
import { billingCustomers, billingSubscriptions, usageCounters, type BillingSubscriptionRow } from "../../../shared/db/schema";
import { PLAN_RANK, PLANS } from "../../../shared/plans";
import {
  BillingOverviewSchema,
  ChangePlanInputSchema,
  CheckoutInputSchema,
  InvoiceSchema,
  RedirectSchema,
  UsageHistorySchema,
  type BillingOverview,
} from "../../../shared/schemas/billing";
import { toIso } from "../../../shared/schemas/common";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { audit } from "../http/audit";
import { linkOrigin } from "../http/link-origin";
import { TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { ensureCustomer } from "../services/billing/customers";
import { billingConfig, callStripe, requireBilling } from "../services/billing/stripe-client";
import { PLAN_GRANTING_STATUSES } from "../services/billing/subscription-state";
import { planLimitsUsage } from "../services/plan-limits";

export const billingRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Billing"];

async function subscriptionsOf(c: Context<AppEnv>): Promise<BillingSubscriptionRow[]> {
  return c
    .get("db")
    .select()
    .from(billingSubscriptions)
    .where(eq(billingSubscriptions.tenantId, c.get("tenantAccess").tenant.id))
    .orderBy(desc(billingSubscriptions.updatedAt))
    .all();
}

/** The subscription that gives the plan, else the most recent one. */
const currentOf = (subs: BillingSubscriptionRow[]) => subs.find((s) => PLAN_GRANTING_STATUSES.includes(s.status)) ?? subs[0] ?? null;

billingRoutes.openapi(
  defineRoute("billing:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/billing",
    tags,
    summary: "The tenant's plan, subscription and usage this month against the plan and budgets",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(BillingOverviewSchema, "The overview.") },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const [customer, subs, limits, meter] = await Promise.all([
      db.select({ id: billingCustomers.stripeCustomerId }).from(billingCustomers).where(eq(billingCustomers.tenantId, tenant.id)).get(),
      subscriptionsOf(c),
      planLimitsUsage(db, tenant.id, tenant.plan),
      usageMeterFor(c.env, tenant.id).summary(tenant.id),
    ]);
    const current = currentOf(subs);
    const now = Date.now();
    const alerts: BillingOverview["alerts"] = [];
    const checks = [...meter.tenant, ...meter.agents];
    const hard = checks.filter((ch) => ch.decision === "hard_exceeded");
    const soft = checks.filter((ch) => ch.decision === "soft_exceeded");
    const describe = (ch: (typeof checks)[number]) =>
      `${USAGE_KINDS[ch.kind].label.toLowerCase()}${ch.agentId ? ` (agent ${ch.agentId})` : ""}`;
    if (hard.length)
      alerts.push({
        code: "budget_hard_exceeded",
        message: `Hard limit reached — refused until next month or a higher limit: ${hard.map(describe).join(", ")}.`,
      });
    if (soft.length) alerts.push({ code: "budget_soft_exceeded", message: `Soft budget reached: ${soft.map(describe).join(", ")}.` });
    const over = limits.filter((l) => l.max !== null && l.used > l.max);
    if (over.length)
      alerts.push({
        code: "over_plan_limit",
        message: `Over the ${PLANS[tenant.plan].name} plan's limits (${over.map((l) => `${l.used} of ${l.max} ${l.limit}`).join(", ")}): nothing was removed, but new ones are refused until you are under the limit or upgrade.`,
      });
    if (current?.status === "past_due")
      alerts.push({
        code: "past_due",
        message: "The last payment failed. Update the payment method in the billing portal to keep the plan.",
      });
    if (current?.status === "trialing" && current.trialEnd !== null && current.trialEnd - now < 3 * 86_400_000)
      alerts.push({ code: "trial_ending", message: `The trial ends ${new Date(current.trialEnd).toISOString().slice(0, 10)}.` });
    if (current?.cancelAtPeriodEnd && current.status !== "canceled")
      alerts.push({
        code: "canceling",
        message: `The subscription ends ${current.currentPeriodEnd ? new Date(current.currentPeriodEnd).toISOString().slice(0, 10) : "at the end of the period"}; the tenant then returns to the free plan.`,
      });
    const usage = meter.tenant.map((ch) => {
      const allowance = PLANS[tenant.plan].usage[ch.kind];
      return {
        kind: ch.kind,
        used: meter.totals[ch.kind],
        included: allowance.included,
        overageCentsPer1000: allowance.overageCentsPer1000,
        state: ch.decision,
      };
    });
    const body: BillingOverview = {
      plan: tenant.plan,
      configured: billingConfig(c.env) !== null,
      customer: Boolean(customer),
      subscription: current
        ? {
            id: current.id,
            status: current.status,
            plan: current.plan,
            currentPeriodEnd: toIso(current.currentPeriodEnd),
            cancelAtPeriodEnd: current.cancelAtPeriodEnd,
            trialEnd: toIso(current.trialEnd),
          }
        : null,
      period: meter.period,
      usage,
      limits,
      spendCents: Math.round(spendCents(tenant.plan, (agentId, kind) => (agentId === null ? meter.totals[kind] : 0), null) * 100) / 100,
      alerts,
    };
    return c.json(body, 200);
  },
);

billingRoutes.openapi(
  defineRoute("billing:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/billing/checkout",
    tags,
    summary: "Start a Stripe Checkout session to subscribe to a paid plan",
    description:
      "For a tenant with no active subscription. Answers the Checkout URL to send the person to; the plan changes when Stripe's events arrive (seconds after payment). A tenant that already pays changes plan with `POST …/billing/plan`.",
    request: { params: TenantParams, body: jsonBody(CheckoutInputSchema) },
    responses: {
      200: jsonResponse(RedirectSchema, "Send the person to `url`."),
      409: jsonResponse(z.any(), "`conflict`: the tenant already has a subscription."),
    },
  }),
  async (c) => {
    const { plan } = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const { stripe, prices } = requireBilling(c.env);
    if (!PLANS[plan].selfServe)
      throw new ApiError(
        "bad_request",
        `The ${PLANS[plan].name} plan is not sold through Checkout${plan === "enterprise" ? " — contact sales" : ""}.`,
        { plan },
      );
    const price = prices[plan];
    if (!price)
      throw new ApiError("unavailable", `No Stripe price is configured for the ${PLANS[plan].name} plan.`, {
        missing: [`STRIPE_PRICES.${plan}.base`],
      });
    const current = currentOf(await subscriptionsOf(c));
    if (current && PLAN_GRANTING_STATUSES.includes(current.status))
      throw new ApiError(
        "conflict",
        "The tenant already has a subscription: change its plan with POST …/billing/plan, or manage it in the billing portal.",
        { subscriptionId: current.id, status: current.status },
      );
    const customer = await ensureCustomer(c.env, tenant.id);
    if (!customer) throw new ApiError("not_found", "Tenant not found.");
    const origin = linkOrigin(c);
    const metadata = { tenantId: tenant.id, plan };
    const session = await callStripe("start Checkout", () =>
      stripe.checkout.sessions.create({
        mode: "subscription",
        customer,
        client_reference_id: tenant.id,
        metadata,
        subscription_data: { metadata },
        line_items: [
          { price: price.base, quantity: 1 },
          ...USAGE_KIND_IDS.flatMap((kind) => (price[kind] ? [{ price: price[kind]! }] : [])),
        ],
        success_url: `${origin}/t/${tenant.id}/billing?checkout=success&session={CHECKOUT_SESSION_ID}`,
        cancel_url: `${origin}/t/${tenant.id}/billing?checkout=canceled`,
      }),
    );
    if (!session.url) throw new ApiError("billing_provider_unavailable", "Stripe did not return a Checkout URL.");
    await audit(c, { action: "billing.checkout_started", target: { type: "checkout_session", id: session.id }, details: { plan } });
    return c.json({ url: session.url }, 200);
  },
);

billingRoutes.openapi(
  defineRoute("billing:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/billing/plan",
    tags,
    summary: "Change a paying tenant's plan (team ↔ business), prorated by Stripe",
    description:
      "Updates the subscription's base price. The plan changes when Stripe's `customer.subscription.updated` arrives. Going back to free is a cancellation (billing portal).",
    request: { params: TenantParams, body: jsonBody(ChangePlanInputSchema) },
    responses: {
      202: jsonResponse(z.object({ subscriptionId: z.string(), plan: z.string() }), "Requested; the plan follows Stripe's event."),
      409: jsonResponse(z.any(), "`conflict`: no subscription to change, or already on that plan."),
    },
  }),
  async (c) => {
    const { plan } = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const { stripe, prices } = requireBilling(c.env);
    if (!PLANS[plan].selfServe)
      throw new ApiError(
        "bad_request",
        plan === "free"
          ? "To return to the free plan, cancel the subscription in the billing portal."
          : `The ${PLANS[plan].name} plan is not self-serve.`,
        { plan },
      );
    const price = prices[plan];
    if (!price)
      throw new ApiError("unavailable", `No Stripe price is configured for the ${PLANS[plan].name} plan.`, {
        missing: [`STRIPE_PRICES.${plan}.base`],
      });
    const current = currentOf(await subscriptionsOf(c));
    if (!current || !PLAN_GRANTING_STATUSES.includes(current.status))
      throw new ApiError("conflict", "The tenant has no subscription to change; subscribe through Checkout first.");
    if (current.plan === plan) throw new ApiError("conflict", `The tenant is already on the ${PLANS[plan].name} plan.`);
    const subscription = await callStripe("read the subscription", () => stripe.subscriptions.retrieve(current.id));
    const items = subscription.items.data;
    const base = items.find((i) => i.price.id === current.priceId);
    const changes = [
      ...(base ? [{ id: base.id, price: price.base }] : [{ price: price.base, quantity: 1 }]),
      // Metered items follow the plan: swap each to the new plan's price for its kind.
      ...items
        .filter((i) => i !== base)
        .flatMap((i) => {
          const kind = USAGE_KIND_IDS.find((k) => Object.values(prices).some((p) => p?.[k] === i.price.id));
          return kind && price[kind] ? [{ id: i.id, price: price[kind]! }] : [];
        }),
    ];
    await callStripe("change the plan", () =>
      stripe.subscriptions.update(
        current.id,
        { items: changes, proration_behavior: "create_prorations", metadata: { tenantId: tenant.id, plan } },
        { idempotencyKey: `plan-change-${current.id}-${plan}-${Math.floor(Date.now() / 60_000)}` },
      ),
    );
    await audit(c, {
      action: "billing.plan_change_requested",
      target: { type: "subscription", id: current.id },
      details: { from: current.plan, to: plan, upgrade: PLAN_RANK[plan] > PLAN_RANK[tenant.plan] },
    });
    return c.json({ subscriptionId: current.id, plan }, 202);
  },
);

billingRoutes.openapi(
  defineRoute("billing:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/billing/portal",
    tags,
    summary: "Open the Stripe Customer Portal (payment methods, invoices, cancellation)",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(RedirectSchema, "Send the person to `url`.") },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const { stripe } = requireBilling(c.env);
    const customer = await ensureCustomer(c.env, tenant.id);
    if (!customer) throw new ApiError("not_found", "Tenant not found.");
    const session = await callStripe("open the billing portal", () =>
      stripe.billingPortal.sessions.create({ customer, return_url: `${linkOrigin(c)}/t/${tenant.id}/billing` }),
    );
    await audit(c, { action: "billing.portal_opened", target: { type: "tenant", id: tenant.id } });
    return c.json({ url: session.url }, 200);
  },
);

billingRoutes.openapi(
  defineRoute("billing:write", {
    method: "get",
    path: "/v1/tenants/{tenantId}/billing/invoices",
    tags,
    summary: "The tenant's recent invoices (from Stripe), with their hosted pages",
    description: "Owners and admins (`billing:write`): invoices carry amounts and payment details.",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(z.object({ data: z.array(InvoiceSchema) }), "Newest first, at most 24.") },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const { stripe } = requireBilling(c.env);
    const customer = await c
      .get("db")
      .select({ id: billingCustomers.stripeCustomerId })
      .from(billingCustomers)
      .where(eq(billingCustomers.tenantId, tenant.id))
      .get();
    if (!customer) return c.json({ data: [] }, 200);
    const list = await callStripe("list invoices", () => stripe.invoices.list({ customer: customer.id, limit: 24 }));
    return c.json(
      {
        data: list.data.map((i) => ({
          id: i.id ?? "",
          number: i.number ?? null,
          status: i.status ?? null,
          amountDueCents: i.amount_due,
          currency: i.currency,
          createdAt: new Date(i.created * 1000).toISOString(),
          hostedInvoiceUrl: i.hosted_invoice_url ?? null,
        })),
      },
      200,
    );
  },
);

billingRoutes.openapi(
  defineRoute("billing:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/billing/usage",
    tags,
    summary: "Usage this month per agent, and the tenant's monthly totals of the last 6 months",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(UsageHistorySchema, "Usage (this month from the meter, earlier months from D1).") },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const now = new Date();
    const from = periodOf(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 5, 1));
    const [meter, rows] = await Promise.all([
      usageMeterFor(c.env, tenant.id).summary(tenant.id),
      c
        .get("db")
        .select({ period: usageCounters.period, kind: usageCounters.kind, used: usageCounters.quantity })
        .from(usageCounters)
        .where(
          and(
            eq(usageCounters.tenantId, tenant.id),
            eq(usageCounters.agentId, ""),
            gte(usageCounters.period, from),
            inArray(usageCounters.kind, [...USAGE_KIND_IDS]),
          ),
        )
        .orderBy(usageCounters.period)
        .all(),
    ]);
    // This month's totals come from the meter (exact now); D1 may lag by a flush.
    const months = [
      ...rows.filter((r) => r.period !== meter.period),
      ...USAGE_KIND_IDS.map((kind) => ({ period: meter.period, kind, used: meter.totals[kind] })),
    ];
    return c.json({ period: meter.period, agents: meter.byAgent, months }, 200);
  },
);
