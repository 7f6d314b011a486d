/**
 * Connects the demo tenant's SSO to the local provider (SWITCHBOARD_OIDC=1), through the API like
 * the rest of the seed. Idempotent: PUT replaces the connection with the same settings.
 */
import { ApiClient } from "./api-client.mjs";
import { OIDC_ISSUER } from "./config.mjs";
import { DEMO, DEMO_SSO } from "./demo.mjs";

export async function seedSso({ baseUrl, tenantId }) {
  const api = new ApiClient(baseUrl);
  await api.post("/v1/auth/login", { email: DEMO.owner.email, password: DEMO.owner.password });
  await api.request("PUT", `/v1/tenants/${tenantId}/sso`, {
    issuer: OIDC_ISSUER,
    ...DEMO_SSO.client,
    emailDomains: [DEMO_SSO.domain],
    groupRoles: DEMO_SSO.groupRoles,
    defaultRole: "viewer",
  });
}
