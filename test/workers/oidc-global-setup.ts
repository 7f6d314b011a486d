/**
 * Starts two real OpenID providers (oidc-provider, scripts/lib/oidc-dev-provider.mjs) in vitest's
 * Node process for the workers project: the Worker under test reaches them through Miniflare's
 * outbound fetch, exactly as a deployed Worker reaches a tenant's provider. Tenant A's provider
 * knows client `switchboard-a`, tenant B's `switchboard-b`; both redirect to the test origin.
 */
// @ts-expect-error: a plain .mjs module shared with scripts/ (no types)
import { startOidcProvider } from "../../scripts/lib/oidc-dev-provider.mjs";
import { OIDC_TEST_CLIENTS } from "./oidc-clients";

export default async function setup() {
  const redirectUris = ["http://localhost:8787/v1/auth/sso/callback"];
  const a = await startOidcProvider({ port: Number(process.env.SB_TEST_OIDC_PORT_A), clients: [{ ...OIDC_TEST_CLIENTS.a, redirectUris }] });
  const b = await startOidcProvider({ port: Number(process.env.SB_TEST_OIDC_PORT_B), clients: [{ ...OIDC_TEST_CLIENTS.b, redirectUris }] });
  return async () => {
    await a.close();
    await b.close();
  };
}
