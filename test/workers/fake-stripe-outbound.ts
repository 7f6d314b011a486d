/**
 * The Stripe fake (scripts/stripe-fake/fake-stripe.ts) as the Worker under test sees it: vitest's
 * outbound service (fake-oauth-providers.ts) hands it every fetch to https://api.stripe.com. Runs
 * in Node; state is per vitest process, so tests use their own tenants (customers). Webhooks are
 * not POSTed anywhere here: tests collect them (`/__fake/deliveries`) and deliver them themselves,
 * in whatever order and number the test wants (test/workers/stripe-test.ts).
 */
import { FakeStripe } from "../../scripts/stripe-fake/fake-stripe";
import { TEST_STRIPE } from "./stripe-constants";

export const FAKE_STRIPE_HOST = "api.stripe.com";

const fake = new FakeStripe({
  secretKey: TEST_STRIPE.secretKey,
  webhookSecret: TEST_STRIPE.webhookSecret,
  publicOrigin: `https://${FAKE_STRIPE_HOST}`,
});

export function fakeStripe(request: Request): Promise<Response> {
  return fake.handle(request);
}
