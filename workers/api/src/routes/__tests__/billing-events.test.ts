/**
 * The Stripe events consumer against the Stripe fake: upgrade through Checkout, duplicates
 * (sequential and concurrent) applied once, a crash inside the batch that holds the dedup row
 * re-applied on redelivery (never "seen but not applied"), out-of-order and same-second events,
 * unknown customers, and what a downgrade below the tenant's usage does. The real queue path is
 * exercised end to end in the last test (webhook → queue → plan), which also measures the latency.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { createDb } from "../../../../shared/db/client";
import { billingSubscriptions, stripeEvents } from "../../../../shared/db/schema";
import { auditRow, auditRows } from "../../../../../test/workers/audit-view";
import { call, expectError } from "../../../../../test/workers/harness";
import { tokenFor, type RelayAgent } from "../../../../../test/workers/relay-harness";
import {
  apply,
  deliveriesOf,
  fakeControl,
  planOf,
  postWebhook,
  subscribedTenant,
  tenantWithCustomer,
} from "../../../../../test/workers/stripe-test";
import { processStripeEvent } from "../../services/billing/stripe-events";

const db = () => createDb(env.DB);
const auditCount = async (tenantId: string | null, action: string) =>
  (tenantId === null
    ? await auditRows("select id from audit_events where action = ?", action)
    : await auditRows("select id from audit_events where action = ? and tenant_id = ?", action, tenantId)
  ).length;

describe("Stripe events → plan", () => {
  it("Checkout and payment make the tenant's plan the one bought, with the tenant bound server-side", async () => {
    const t = await subscribedTenant("team", "upgrade");
    expect(await planOf(t.tenantId)).toBe("team");
    const sub = await db().select().from(billingSubscriptions).where(eq(billingSubscriptions.id, t.subscriptionId)).get();
    expect(sub).toMatchObject({ tenantId: t.tenantId, status: "active", plan: "team", cancelAtPeriodEnd: false });
    const session = await fakeControl(`sessions/${t.sessionId}`);
    expect(session).toMatchObject({
      client_reference_id: t.tenantId,
      metadata: { tenantId: t.tenantId, plan: "team" },
      subscription_metadata: { tenantId: t.tenantId, plan: "team" },
      customer: t.customer,
    });
    expect(await auditCount(t.tenantId, "billing.plan_changed")).toBe(1);
    expect(await auditCount(t.tenantId, "billing.checkout_completed")).toBe(1);
  });

  it("a duplicate event is acknowledged without being applied again; concurrent duplicates apply once", async () => {
    const t = await subscribedTenant("team", "dupes");
    const [created] = await deliveriesOf(t.customer);
    const again = await apply(created!);
    expect(again.duplicate).toBe(true);
    // A fresh event, delivered twice at the same time.
    await fakeControl("clock", { advanceSeconds: 5 });
    expect((await call(`/v1/tenants/${t.tenantId}/billing/plan`, { body: { plan: "business" }, cookie: t.owner.cookie })).status).toBe(202);
    const update = (await deliveriesOf(t.customer)).at(-1)!;
    expect(update.type).toBe("customer.subscription.updated");
    const results = await Promise.all([apply(update), apply(update), apply(update)]);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await planOf(t.tenantId)).toBe("business");
    expect(await auditCount(t.tenantId, "billing.plan_changed")).toBe(2); // free → team, team → business: once each
    expect(await db().select().from(stripeEvents).where(eq(stripeEvents.id, update.eventId)).all()).toHaveLength(1);
  });

  it("a crash inside the batch that writes the dedup row rolls it back: the redelivery applies the event", async () => {
    const t = await subscribedTenant("team", "crash");
    await fakeControl("clock", { advanceSeconds: 5 });
    await call(`/v1/tenants/${t.tenantId}/billing/plan`, { body: { plan: "business" }, cookie: t.owner.cookie });
    const update = (await deliveriesOf(t.customer)).at(-1)!;
    // A failure after the dedup row's INSERT, inside the same D1 batch (the effect statements come after it).
    await env.DB.exec(
      "CREATE TRIGGER simulated_crash BEFORE UPDATE ON billing_subscriptions BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;",
    );
    try {
      await expect(apply(update)).rejects.toThrow(/simulated crash/);
    } finally {
      await env.DB.exec("DROP TRIGGER simulated_crash;");
    }
    expect(await db().select().from(stripeEvents).where(eq(stripeEvents.id, update.eventId)).get()).toBeUndefined();
    expect(await planOf(t.tenantId)).toBe("team");
    const redelivered = await apply(update);
    expect(redelivered).toEqual({ outcome: "applied", duplicate: false });
    expect(await planOf(t.tenantId)).toBe("business");
  });

  it("out of order: an older event never overwrites a newer state; canceled is final", async () => {
    const t = await subscribedTenant("business", "order");
    await fakeControl("clock", { advanceSeconds: 10 });
    await call(`/v1/tenants/${t.tenantId}/billing/plan`, { body: { plan: "team" }, cookie: t.owner.cookie });
    const downgrade = (await deliveriesOf(t.customer)).at(-1)!;
    await fakeControl("clock", { advanceSeconds: 10 });
    await fetch(`https://api.stripe.com/v1/subscriptions/${t.subscriptionId}`, {
      method: "DELETE",
      headers: { authorization: "Bearer sk_test_switchboard_vitest" },
    });
    const deleted = (await deliveriesOf(t.customer)).at(-1)!;
    expect(deleted.type).toBe("customer.subscription.deleted");
    // Stripe delivers the later event first.
    expect((await apply(deleted)).outcome).toBe("applied");
    expect(await planOf(t.tenantId)).toBe("free");
    expect((await apply(downgrade)).outcome).toBe("stale");
    expect(await planOf(t.tenantId)).toBe("free");
    expect((await db().select().from(billingSubscriptions).where(eq(billingSubscriptions.id, t.subscriptionId)).get())!.status).toBe(
      "canceled",
    );
  });

  it("two events of the same second cannot be ordered by time: the subscription is re-fetched from Stripe", async () => {
    const t = await subscribedTenant("team", "tie");
    const stored = (await db().select().from(billingSubscriptions).where(eq(billingSubscriptions.id, t.subscriptionId)).get())!;
    await fakeControl("clock", { advanceSeconds: 3 });
    await call(`/v1/tenants/${t.tenantId}/billing/plan`, { body: { plan: "business" }, cookie: t.owner.cookie });
    // An event from the stored state's second that still shows the old plan (Stripe's state is business now).
    const [created] = await deliveriesOf(t.customer);
    const stale = JSON.parse(created!.payload) as Stripe.Event;
    const tie = {
      ...stale,
      id: `evt_tie_${crypto.randomUUID().slice(0, 8)}`,
      type: "customer.subscription.updated",
      created: stored.stateAt,
    } as Stripe.Event;
    expect((await processStripeEvent(env, tie)).outcome).toBe("refetched");
    expect(await planOf(t.tenantId)).toBe("business");
  });

  it("an event for a customer we do not know is recorded and audited on the platform chain, not retried", async () => {
    const t = await tenantWithCustomer("unknown");
    const event = {
      id: `evt_unknown_${crypto.randomUUID().slice(0, 8)}`,
      object: "event",
      type: "customer.subscription.created",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: {
        object: {
          id: "sub_nobody",
          object: "subscription",
          customer: "cus_nobody",
          status: "active",
          items: { data: [] },
          cancel_at_period_end: false,
          trial_end: null,
          metadata: { tenantId: t.tenantId },
        },
      },
    } as unknown as Stripe.Event;
    expect(await processStripeEvent(env, event)).toEqual({ outcome: "unknown_customer", duplicate: false });
    expect(await planOf(t.tenantId)).toBe("free");
    expect(
      (
        await auditRows<{ tenant_id: string | null; details: string }>(
          "select tenant_id, details from audit_events where action = 'billing.webhook_unmatched'",
        )
      ).some((r) => r.tenant_id === null && JSON.parse(r.details).eventId === event.id),
    ).toBe(true);
    expect((await processStripeEvent(env, event)).duplicate).toBe(true);
  });

  it("past_due keeps the plan (Stripe is still collecting); unpaid drops to free; trial_will_end is audited", async () => {
    const t = await subscribedTenant("team", "dunning");
    await fakeControl("clock", { advanceSeconds: 5 });
    await fakeControl(`subscriptions/${t.subscriptionId}/status`, { status: "past_due" });
    for (const d of (await deliveriesOf(t.customer)).slice(-2)) await apply(d);
    expect(await planOf(t.tenantId)).toBe("team");
    expect(await auditCount(t.tenantId, "billing.payment_failed")).toBe(1);
    const overview = await call(`/v1/tenants/${t.tenantId}/billing`, { cookie: t.owner.cookie });
    expect(overview.body.alerts.map((a: any) => a.code)).toContain("past_due");
    await fakeControl(`subscriptions/${t.subscriptionId}/trial-will-end`, {});
    await apply((await deliveriesOf(t.customer)).at(-1)!);
    expect(await auditCount(t.tenantId, "billing.trial_will_end")).toBe(1);
    await fakeControl("clock", { advanceSeconds: 5 });
    await fakeControl(`subscriptions/${t.subscriptionId}/status`, { status: "unpaid" });
    await apply((await deliveriesOf(t.customer)).at(-1)!);
    expect(await planOf(t.tenantId)).toBe("free");
  });
});

describe("downgrade below what the tenant uses", () => {
  it("nothing is removed and agents active this month keep working; new agents are refused until under the limit", async () => {
    const t = await subscribedTenant("business", "downgrade");
    const agents: RelayAgent[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await call(`/v1/tenants/${t.tenantId}/agents`, { body: { name: `A${i}`, template: "custom" }, cookie: t.owner.cookie });
      expect(res.status).toBe(201);
      agents.push({ id: res.body.agent.id, secret: res.body.secret, template: "custom" });
    }
    for (const a of agents) await tokenFor(a);
    await fakeControl("clock", { advanceSeconds: 5 });
    await fetch(`https://api.stripe.com/v1/subscriptions/${t.subscriptionId}`, {
      method: "DELETE",
      headers: { authorization: "Bearer sk_test_switchboard_vitest" },
    });
    await apply((await deliveriesOf(t.customer)).at(-1)!);
    expect(await planOf(t.tenantId)).toBe("free");
    const over = await auditRow<{ details: string }>(
      "select details from audit_events where tenant_id = ? and action = 'billing.over_plan_limit'",
      t.tenantId,
    );
    expect(JSON.parse(over!.details)).toMatchObject({ plan: "free", limits: [{ limit: "agents", used: 7, max: 5 }] });
    // Everything is still there, and still works for agents already active this month.
    expect((await call(`/v1/tenants/${t.tenantId}/agents`, { cookie: t.owner.cookie })).body.data).toHaveLength(7);
    for (const a of agents) await tokenFor(a);
    // New ones are refused until the tenant is under the limit.
    expectError(
      await call(`/v1/tenants/${t.tenantId}/agents`, { body: { name: "New", template: "custom" }, cookie: t.owner.cookie }),
      402,
      "plan_limit_exceeded",
    );
    for (const a of agents.slice(0, 2))
      expect((await call(`/v1/tenants/${t.tenantId}/agents/${a.id}`, { method: "DELETE", cookie: t.owner.cookie })).status).toBe(204);
    expectError(
      await call(`/v1/tenants/${t.tenantId}/agents`, { body: { name: "New", template: "custom" }, cookie: t.owner.cookie }),
      402,
      "plan_limit_exceeded",
    );
    expect((await call(`/v1/tenants/${t.tenantId}/agents/${agents[2]!.id}`, { method: "DELETE", cookie: t.owner.cookie })).status).toBe(
      204,
    );
    expect(
      (await call(`/v1/tenants/${t.tenantId}/agents`, { body: { name: "New", template: "custom" }, cookie: t.owner.cookie })).status,
    ).toBe(201);
    const overview = await call(`/v1/tenants/${t.tenantId}/billing`, { cookie: t.owner.cookie });
    expect(overview.body.plan).toBe("free");
  });
});

describe("end to end through the queue", () => {
  it("webhook → STRIPE_EVENTS queue → consumer → plan, within seconds (the latency is logged)", async () => {
    const t = await tenantWithCustomer("e2e");
    const checkout = await call(`/v1/tenants/${t.tenantId}/billing/checkout`, { body: { plan: "team" }, cookie: t.owner.cookie });
    const sessionId = new URL(checkout.body.url).pathname.split("/").pop()!;
    await fakeControl(`sessions/${sessionId}/pay`, {});
    const started = Date.now();
    for (const d of await deliveriesOf(t.customer)) expect((await postWebhook(d.payload, d.signature)).status).toBe(200);
    while ((await planOf(t.tenantId)) !== "team") {
      if (Date.now() - started > 15_000) throw new Error("plan did not change within 15 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`webhook → plan change through the local queue: ${Date.now() - started} ms`);
  });
});
