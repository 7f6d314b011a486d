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
