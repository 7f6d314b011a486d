/** The Stripe settings of the workers tests (vitest.config.ts bindings and the fake's options agree through these). */
import { fakePriceIds } from "../../scripts/stripe-fake/fake-stripe";

export const TEST_STRIPE = {
  secretKey: "sk_test_switchboard_vitest",
  webhookSecret: "whsec_switchboard_vitest_0123456789",
  prices: fakePriceIds(),
} as const;
