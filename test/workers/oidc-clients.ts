/** The clients registered at the SSO tests' real providers (test/workers/oidc-global-setup.ts). */
export const OIDC_TEST_CLIENTS = {
  a: { clientId: "switchboard-a", clientSecret: "secret-a" },
  b: { clientId: "switchboard-b", clientSecret: "secret-b" },
} as const;
