#!/usr/bin/env node
/**
 * The local OpenID provider `SWITCHBOARD_OIDC=1 npm start` runs beside the stack (and the browser
 * tests use): oidc-provider with the demo client and people of scripts/lib/demo.mjs. Sign in on its
 * page with one of those emails and any password. Never deployed.
 */
import { OIDC_PORT, PUBLIC_URL, WEB_PUBLIC_URL } from "./lib/config.mjs";
import { DEMO_SSO } from "./lib/demo.mjs";
import { startOidcProvider } from "./lib/oidc-dev-provider.mjs";

const provider = await startOidcProvider({
  port: OIDC_PORT,
  clients: [{ ...DEMO_SSO.client, redirectUris: [`${WEB_PUBLIC_URL}/v1/auth/sso/callback`, `${PUBLIC_URL}/v1/auth/sso/callback`] }],
  accounts: DEMO_SSO.people,
});
process.stdout.write(`• Local OpenID provider at ${provider.issuer}\n`);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => provider.close().then(() => process.exit(0)));
