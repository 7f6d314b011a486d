/**
 * `POST /v1/billing/webhooks`: every signature case Stripe's docs warn about, livemode refused and
 * audited, and "200 only after a durable enqueue" (the event is on the queue when 200 is answered).
 */
import { describe, expect, it } from "vitest";
import { auditRows } from "../../../../../test/workers/audit-view";
import { call, expectError } from "../../../../../test/workers/harness";
import { postWebhook, sign, TEST_STRIPE } from "../../../../../test/workers/stripe-test";

const eventPayload = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: `evt_test_${crypto.randomUUID().slice(0, 8)}`,
    object: "event",
    type: "customer.created",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    api_version: "2026-11-18.endive",
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: { id: "cus_x", object: "customer" } },
    ...overrides,
  });

describe("POST /v1/billing/webhooks — signatures", () => {
  it("a valid signature is accepted and the event is queued", async () => {
    const payload = eventPayload();
    const res = await postWebhook(payload, await sign(payload));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, id: JSON.parse(payload).id });
  });

  it("refuses a stale timestamp (older than the 300 s tolerance) and one from the future", async () => {
    const payload = eventPayload();
    const now = Math.floor(Date.now() / 1000);
    expectError(await postWebhook(payload, await sign(payload, { timestamp: now - 301 })), 400, "invalid_signature");
    expectError(await postWebhook(payload, await sign(payload, { timestamp: now + 301 })), 400, "invalid_signature");
    // Inside the tolerance either way passes.
    expect((await postWebhook(payload, await sign(payload, { timestamp: now - 250 }))).status).toBe(200);
  });

  it("accepts a header with two v1 signatures of which one is valid (secret rotation)", async () => {
    const payload = eventPayload();
    const good = await sign(payload);
    const other = await sign(payload, { secret: "whsec_the_old_secret" });
    const [t, v1Good] = good.split(",");
    const v1Other = other.split(",")[1];
    expect((await postWebhook(payload, `${t},${v1Other},${v1Good}`)).status).toBe(200);
  });

  it("refuses v0 only, a missing header, a wrong secret, an altered body and garbage", async () => {
    const payload = eventPayload();
    const good = await sign(payload);
    const [t, v1] = good.split(",");
    expectError(await postWebhook(payload, `${t},v0=${v1!.slice(3)}`), 400, "invalid_signature");
    expectError(await postWebhook(payload, null), 400, "invalid_signature");
    expectError(await postWebhook(payload, await sign(payload, { secret: "whsec_wrong" })), 400, "invalid_signature");
    expectError(await postWebhook(payload.replace("customer.created", "customer.deleted"), good), 400, "invalid_signature");
    expectError(await postWebhook(payload, "nonsense"), 400, "invalid_signature");
  });

  it("refuses a live-mode event on a test-mode deployment, and audits it on the platform chain", async () => {
    const payload = eventPayload({ livemode: true });
    const id = JSON.parse(payload).id;
    expectError(await postWebhook(payload, await sign(payload)), 400, "livemode_mismatch");
    const rows = await auditRows<{ target_id: string; tenant_id: string | null; outcome: string; details: string }>(
      "select target_id, tenant_id, outcome, details from audit_events where action = 'billing.webhook_rejected'",
    );
    const row = rows.find((r) => r.target_id === id);
    expect({ ...row, details: JSON.parse(row!.details) }).toMatchObject({
      tenant_id: null,
      outcome: "denied",
      details: expect.objectContaining({ reason: "livemode_mismatch", eventLivemode: true }),
    });
  });

  it("answers 503 (so Stripe retries) when the queue refuses, and 503 unavailable without a Stripe key", async () => {
    const payload = eventPayload();
    const failing = {
      send: async () => {
        throw new Error("queue down");
      },
    } as unknown as Queue;
    expectError(
      await call("/v1/billing/webhooks", {
        method: "POST",
        rawBody: payload,
        contentType: "application/json",
        headers: { "stripe-signature": await sign(payload) },
        env: { STRIPE_EVENTS: failing },
      }),
      503,
      "unavailable",
    );
    expectError(
      await call("/v1/billing/webhooks", {
        method: "POST",
        rawBody: payload,
        contentType: "application/json",
        headers: { "stripe-signature": await sign(payload) },
        env: { STRIPE_SECRET_KEY: "" },
      }),
      503,
      "unavailable",
    );
  });

  it("checks the signature over the raw bytes: a re-serialised body fails", async () => {
    const payload = eventPayload();
    const pretty = JSON.stringify(JSON.parse(payload), null, 2);
    expectError(await postWebhook(pretty, await sign(payload)), 400, "invalid_signature");
    expect(TEST_STRIPE.webhookSecret.startsWith("whsec_")).toBe(true);
  });
});
