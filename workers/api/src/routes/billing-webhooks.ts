/**
 * `POST /v1/billing/webhooks`: Stripe's events in (docs/billing.md, "Webhooks").
 *
 * Reads the raw body (the signature is over the exact bytes), verifies it with
 * `constructEventAsync` and an explicit 300 s tolerance (the sync helpers throw in workerd; the
 * low-level ones default to no timestamp check), refuses an event of the other mode (test vs live)
 * and audits that, and answers 200 only once the event is on the STRIPE_EVENTS queue — durably
 * enqueued. Stripe retries anything else, so a failed enqueue answers 503. Nothing is applied
 * here: the queue consumer (services/billing/stripe-events.ts) does that, once per event id.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import Stripe from "stripe";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { log } from "../../../shared/observability/log";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { audit } from "../http/audit";
import { defineRoute, jsonResponse } from "../http/route";
import { requireBilling, WEBHOOK_TOLERANCE_SECONDS } from "../services/billing/stripe-client";
import type { StripeEventMessage } from "../services/billing/queue-messages";

export const billingWebhookRoutes = new OpenAPIHono<AppEnv>();

/** Queue messages are limited to 128 KB; bigger events travel as their id (the consumer fetches them). */
const MAX_INLINE_EVENT_BYTES = 100_000;

billingWebhookRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/billing/webhooks",
    tags: ["Billing"],
    summary: "Stripe webhook endpoint (signed by Stripe)",
    description: `For Stripe only: the body is a Stripe event, signed in the \`Stripe-Signature\` header with the endpoint's secret. Verified with a ${WEBHOOK_TOLERANCE_SECONDS} s tolerance; answered 200 once the event is durably queued.`,
    request: { headers: z.object({ "stripe-signature": z.string().optional() }) },
    responses: {
      200: jsonResponse(
        z.object({ received: z.literal(true), id: z.string() }),
        "Queued: the event will be applied once (usually within seconds).",
      ),
      400: jsonResponse(
        ErrorBodySchema,
        "`invalid_signature`: missing, malformed, wrong secret or outside the tolerance; `livemode_mismatch`: an event of the other mode (audited).",
      ),
      503: jsonResponse(ErrorBodySchema, "`unavailable`: billing is not configured; or the event could not be queued (Stripe retries)."),
    },
  }),
  async (c) => {
    const config = requireBilling(c.env);
    // The exact text the body guard read (Hono caches it): the signature is over these bytes, never a re-serialisation.
    const raw = await c.req.text();
    const signature = c.req.header("stripe-signature");
    if (!signature) throw new ApiError("invalid_signature", "The Stripe-Signature header is missing.");
    let event: Stripe.Event;
    try {
      // stripe-node checks only that a signature is not too OLD; one dated in the future would stay replayable for longer. Stripe never sends one.
      const signedAt = Number(/(?:^|,)t=(\d+)/.exec(signature)?.[1] ?? NaN);
      if (signedAt > Date.now() / 1000 + WEBHOOK_TOLERANCE_SECONDS)
        throw new Error("Timestamp is in the future, outside the tolerance zone");
      event = await config.stripe.webhooks.constructEventAsync(raw, signature, config.webhookSecret, WEBHOOK_TOLERANCE_SECONDS);
    } catch (error) {
      // Logged, not audited: anyone can send garbage here, and an audit entry per attempt would let them write to the trail at will.
      log.warn("stripe webhook refused", { reason: error instanceof Error ? error.message : String(error) });
      throw new ApiError(
        "invalid_signature",
        "The Stripe signature does not verify (wrong secret, altered body, or a timestamp outside the tolerance).",
      );
    }
    if (event.livemode !== config.livemode) {
      await audit(c, {
        tenantId: null,
        actor: { type: "system", id: null, name: "stripe" },
        action: "billing.webhook_rejected",
        target: { type: "stripe_event", id: event.id },
        details: { reason: "livemode_mismatch", eventLivemode: event.livemode, deploymentLivemode: config.livemode, type: event.type },
        severity: "warning",
        outcome: "denied",
      });
      throw new ApiError(
        "livemode_mismatch",
        `A ${event.livemode ? "live" : "test"}-mode event reached a ${config.livemode ? "live" : "test"}-mode deployment; it was not processed.`,
        { eventId: event.id },
      );
    }
    const message: StripeEventMessage = raw.length <= MAX_INLINE_EVENT_BYTES ? { v: 1, event } : { v: 1, eventId: event.id };
    try {
      await c.env.STRIPE_EVENTS.send(message);
    } catch (error) {
      log.error("stripe event could not be queued", { eventId: event.id, error });
      throw new ApiError("unavailable", "The event could not be queued; Stripe will retry it.", { eventId: event.id });
    }
    return c.json({ received: true as const, id: event.id }, 200);
  },
);
