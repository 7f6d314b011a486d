import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** The real OpenID providers of the SSO tests (test/workers/oidc-global-setup.ts). */
      TEST_OIDC_ISSUER_A: string;
      TEST_OIDC_ISSUER_B: string;
    }
  }
}
