import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { fakeOAuthProviders } from "./test/workers/fake-oauth-providers";
import { TEST_STRIPE } from "./test/workers/stripe-constants";
// @ts-expect-error: a plain .mjs module shared with scripts/ (no types)
import { freePort } from "./scripts/lib/oidc-dev-provider.mjs";
import { buildPolicyWorker } from "./test/workers/policy-worker-build";

/**
 * Three projects:
 * - `workers`: unit and API tests inside workerd (the Workers Vitest integration) against real D1
 *   with the migrations applied, real Durable Objects. Storage is isolated per test file.
 * - `node`: tests that drive real processes (`npm start`'s stack, docs generation) from Node.
 * - `browser`: the dashboard in a real Chromium (playwright-core + Debian's chromium) against the
 *   real local stack, which its global setup starts once (`npm start` on free ports).
 */
/**
 * A Worker's background work (waitUntil: audit flushes, meter records) may still log after a test
 * file's last test has ended; vitest then reports "Closing rpc while onUserConsoleLog was pending"
 * as an unhandled error and fails the run although no test failed. Only that one teardown race,
 * a log line arriving late, is ignored; every other unhandled error still fails the run.
 */
function ignoreLateConsoleLog(error: { name?: string; message?: string }): boolean | void {
  if (error.name === "EnvironmentTeardownError" && error.message?.includes('"onUserConsoleLog" was pending')) return false;
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./d1-migrations");
  // Two real OpenID providers (oidc-provider) for the SSO tests, started by the workers project's
  // global setup on these ports (test/workers/oidc-global-setup.ts); tenant A's and tenant B's.
  process.env.SB_TEST_OIDC_PORT_A ??= String(await freePort());
  process.env.SB_TEST_OIDC_PORT_B ??= String(await freePort());
  // The policy Worker (workers/policy) runs beside the API as an auxiliary Worker, bundled here.
  const policyWorker = await buildPolicyWorker();
  return {
    test: {
      onUnhandledError: ignoreLateConsoleLog,
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ENVIRONMENT: "development",
                  SESSION_SECRET: "test-session-secret-0123456789abcdef0123456789",
                  PASSWORD_PEPPER: "test-password-pepper-0123456789abcdef012345678",
                  DATA_ENCRYPTION_KEY: "test-data-encryption-key-0123456789abcdef01234",
                  VAULT_KEKS: "test-vault-kek-0123456789abcdef0123456789abcdef",
                  GITHUB_CLIENT_ID: "test-github-client",
                  GITHUB_CLIENT_SECRET: "test-github-secret",
                  GOOGLE_CLIENT_ID: "test-google-client",
                  GOOGLE_CLIENT_SECRET: "test-google-secret",
                  TEST_OIDC_ISSUER_A: `http://127.0.0.1:${process.env.SB_TEST_OIDC_PORT_A}`,
                  TEST_OIDC_ISSUER_B: `http://127.0.0.1:${process.env.SB_TEST_OIDC_PORT_B}`,
                  // Billing against the Stripe fake (test/workers/fake-stripe-outbound.ts), reached at api.stripe.com.
                  STRIPE_SECRET_KEY: TEST_STRIPE.secretKey,
                  STRIPE_WEBHOOK_SECRET: TEST_STRIPE.webhookSecret,
                  STRIPE_PRICES: JSON.stringify(TEST_STRIPE.prices),
                },
                // The Worker's fetch() to the internet: GitHub and Google are impersonated there.
                outboundService: fakeOAuthProviders,
                // The API's POLICY service binding (wrangler.toml) reaches it by name.
                workers: [policyWorker],
              },
            }),
          ],
          test: {
            name: "workers",
            onUnhandledError: ignoreLateConsoleLog,
            // Two files at a time: each file has its own isolated storage, and workerd runs beside
            // vitest, so on 2 cores this nearly halves the project's time. The node and browser
            // projects start real stacks (wrangler, Chromium) and stay one file at a time, after it.
            maxWorkers: 2,
            sequence: { groupOrder: 0 },
            include: ["workers/**/*.test.ts", "durable-objects/**/*.test.ts", "test/workers/**/*.test.ts"],
            // Sign-ups and logins hash at workerd's PBKDF2 maximum, and two files share 2 cores (with
            // the browser project's idle stack): the default 5 s is too tight there.
            testTimeout: 60_000,
            setupFiles: ["./test/workers/apply-migrations.ts"],
            globalSetup: ["./test/workers/oidc-global-setup.ts"],
          },
        },
        {
          // Also the dashboard's unit tests (web/src/**/*.test.ts, pure modules), with its import aliases.
          resolve: {
            alias: {
              "@shared": fileURLToPath(new URL("./workers/shared", import.meta.url)),
              "@": fileURLToPath(new URL("./web/src", import.meta.url)),
            },
          },
          test: {
            name: "node",
            maxWorkers: 1,
            sequence: { groupOrder: 1 },
            include: ["test/node/**/*.test.ts", "web/src/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 180_000,
          },
        },
        {
          test: {
            name: "browser",
            maxWorkers: 1,
            sequence: { groupOrder: 2 },
            include: ["test/browser/**/*.test.ts"],
            environment: "node",
            globalSetup: ["./test/browser/global-setup.ts"],
            testTimeout: 90_000,
            hookTimeout: 60_000,
          },
        },
      ],
    },
  };
});
