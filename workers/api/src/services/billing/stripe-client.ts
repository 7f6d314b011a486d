/**
 * The Stripe client and billing configuration, in one place (docs/billing.md, docs/deploy.md).
 *
 * - `STRIPE_SECRET_KEY` (secret): empty = billing not configured; the product works on the plans
 *   the tenants have, and the billing routes answer 503 `unavailable`.
 * - `STRIPE_WEBHOOK_SECRET` (secret): the endpoint's signing secret (`whsec_…`).
 * - `STRIPE_PRICES` (var, JSON): price ids per plan — `base` plus one metered price per usage kind.
 * - `STRIPE_API_BASE` (var, development only): send every Stripe call (meter events included) to
 *   this base URL — the local fake — through the client's host/port/protocol settings.
 *
 * stripe-node 23 in workerd uses fetch and WebCrypto by itself; only the async webhook helpers work
 * there (shared research B1). The live/test mode is the key's: events of the other mode are refused.
 */
import Stripe from "stripe";
import { z } from "zod";
import { PLAN_IDS, type PlanId } from "../../../../shared/plans";
import { USAGE_KIND_IDS, type UsageKind } from "../../../../shared/billing/usage-kinds";
import { ApiError } from "../../http/api-error";

/** Webhook signatures older (or newer) than this are refused: Stripe's default, written out because the low-level helpers have none. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const PlanPricesSchema = z.object({
  base: z.string().min(1),
  ...Object.fromEntries(USAGE_KIND_IDS.map((k) => [k, z.string().min(1).optional()])),
} as { base: z.ZodString } & Record<UsageKind, z.ZodOptional<z.ZodString>>);
const PricesSchema = z.partialRecord(z.enum(PLAN_IDS), PlanPricesSchema);
export type StripePrices = z.infer<typeof PricesSchema>;

export interface BillingConfig {
  stripe: Stripe;
  livemode: boolean;
  webhookSecret: string;
  prices: StripePrices;
}

type BillingEnv = Pick<Env, "STRIPE_SECRET_KEY" | "STRIPE_WEBHOOK_SECRET" | "STRIPE_PRICES" | "STRIPE_API_BASE">;

const cache = new WeakMap<object, BillingConfig | null>();

/** The configuration, or null when this deployment has no Stripe key. Throws on a malformed STRIPE_PRICES (a deployment error, loudly). */
export function billingConfig(env: BillingEnv): BillingConfig | null {
  if (cache.has(env)) return cache.get(env)!;
  const key = env.STRIPE_SECRET_KEY ?? "";
  let config: BillingConfig | null = null;
  if (key) {
    const base = env.STRIPE_API_BASE ? new URL(env.STRIPE_API_BASE) : null;
    const stripe = new Stripe(key, {
      maxNetworkRetries: 1,
      timeout: 10_000,
      ...(base
        ? {
            host: base.hostname,
            port: base.port || (base.protocol === "https:" ? 443 : 80),
            protocol: base.protocol === "https:" ? "https" : "http",
          }
        : {}),
    });
    const prices = env.STRIPE_PRICES ? PricesSchema.parse(JSON.parse(env.STRIPE_PRICES)) : {};
    config = { stripe, livemode: /^(sk|rk)_live_/.test(key), webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? "", prices };
  }
  cache.set(env, config);
  return config;
}

export function requireBilling(env: BillingEnv): BillingConfig {
  const config = billingConfig(env);
  if (!config)
    throw new ApiError("unavailable", "Billing is not configured on this deployment (no Stripe key).", { missing: ["STRIPE_SECRET_KEY"] });
  return config;
}

/** The plan a price id buys (its `base` price), or null. */
export function planOfPrice(prices: StripePrices, priceId: string | null | undefined): PlanId | null {
  if (!priceId) return null;
  for (const plan of PLAN_IDS) if (prices[plan]?.base === priceId) return plan;
  return null;
}

/** Wraps a Stripe call: a network failure or a Stripe 5xx/429 becomes 503 `billing_provider_unavailable`; other Stripe refusals are bugs or config errors and are rethrown. */
export async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (
      error instanceof Stripe.errors.StripeError &&
      (error.type === "StripeConnectionError" ||
        error.type === "StripeAPIError" ||
        error.type === "StripeRateLimitError" ||
        (error.statusCode ?? 0) >= 500)
    ) {
      throw new ApiError("billing_provider_unavailable", `Stripe could not ${what} just now; nothing changed. Try again in a moment.`, {
        stripe: error.type,
      });
    }
    throw error;
  }
}
