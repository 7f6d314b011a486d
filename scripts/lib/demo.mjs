/** The demo data `npm start` seeds. README.md documents the same values: change both together. */
export const DEMO = {
  owner: { email: "owner@acme.test", password: "switchboard-demo", name: "Ada Owner" },
  tenantName: "Acme",
  agents: [
    { name: "PM", template: "pm" },
    { name: "Engineering", template: "engineering" },
    { name: "Ops", template: "ops" },
  ],
  team: { name: "Sprint team", description: "The demo team: PM, Engineering and Ops working one sprint." },
  // Egress: Engineering may GET the local demo stub (scripts/lib/egress.mjs) and is live; every other host is refused.
  egress: { agent: "Engineering", host: "stub.switchboard.test" },
};

/**
 * The demo SSO (SWITCHBOARD_OIDC=1): the local provider's client, the people it knows and their
 * groups, and how the demo tenant maps those groups to roles. docs/sso.md documents the same values.
 */
export const DEMO_SSO = {
  client: { clientId: "switchboard-local", clientSecret: "switchboard-local-secret" },
  domain: "sso.acme.test",
  people: [
    { email: "grace@sso.acme.test", name: "Grace Engineer", groups: ["engineering"] },
    { email: "linus@sso.acme.test", name: "Linus Admin", groups: ["platform-admins"] },
  ],
  groupRoles: [
    { group: "engineering", role: "member" },
    { group: "platform-admins", role: "admin" },
  ],
};
