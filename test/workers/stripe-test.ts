/**
 * Billing test helpers (workerd side): talk to the Stripe fake's controls, sign payloads the way
 * Stripe does, deliver webhooks to the real endpoint, and apply events through the real consumer.
 */
import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { expect } from "vitest";
import type { Delivery } from "../../scripts/stripe-fake/fake-stripe";
import { ensureCustomer } from "../../workers/api/src/services/billing/customers";
import { processStripeEvent } from "../../workers/api/src/services/billing/stripe-events";
import { call, createTenant, signup, type TestUser } from "./harness";
import { TEST_STRIPE } from "./stripe-constants";

export { TEST_STRIPE };
const signer = new Stripe("sk_test_signer_only");

export async function fakeControl<T = any>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(
    `https://api.stripe.com/__fake/${path}`,
    body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
  );
  if (!res.ok) throw new Error(`fake control ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export const deliveriesOf = (customer: string) => fakeControl<Delivery[]>(`deliveries?customer=${customer}`);
export const meterEventsOf = (customer: string) =>
  fakeControl<Array<{ identifier: string; event_name: string; payload: Record<string, string>; timestamp: number }>>(
    `meter-events?customer=${customer}`,
  );

/** Stripe's signature header for `payload` (what Stripe sends), with a chosen secret and time. */
export function sign(payload: string, options: { secret?: string; timestamp?: number } = {}): Promise<string> {
  return signer.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? TEST_STRIPE.webhookSecret,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
  });
}

/** POSTs a webhook to the real endpoint. */
export function postWebhook(payload: string, signature: string | null) {
  return call("/v1/billing/webhooks", {
    method: "POST",
    rawBody: payload,
    contentType: "application/json; charset=utf-8",
    headers: signature === null ? {} : { "stripe-signature": signature },
  });
}

/** Applies a delivery through the real consumer (what the queue does), returning its outcome. */
export function apply(delivery: Delivery) {
  return processStripeEvent(env, JSON.parse(delivery.payload) as Stripe.Event);
}

export async function tenantWithCustomer(label = "billing"): Promise<{ owner: TestUser; tenantId: string; customer: string }> {
  const owner = await signup(label);
  const tenantId = await createTenant(owner, `${label} tenant`);
  const customer = (await ensureCustomer(env, tenantId))!;
  return { owner, tenantId, customer };
}

/** A tenant that subscribed to `plan` through the real Checkout route and the fake's pay page, events applied. */
export async function subscribedTenant(plan: "team" | "business" = "team", label = "paying") {
  const tenant = await tenantWithCustomer(label);
  const checkout = await call(`/v1/tenants/${tenant.tenantId}/billing/checkout`, { body: { plan }, cookie: tenant.owner.cookie });
  expect(checkout.status).toBe(200);
  const sessionId = new URL(checkout.body.url).pathname.split("/").pop()!;
  const session = await fakeControl(`sessions/${sessionId}/pay`, {});
  for (const d of await deliveriesOf(tenant.customer)) await apply(d);
  return { ...tenant, subscriptionId: session.subscription as string, sessionId };
}

export async function planOf(tenantId: string): Promise<string> {
  return (await env.DB.prepare("SELECT plan FROM tenants WHERE id = ?").bind(tenantId).first<{ plan: string }>())!.plan;
}
