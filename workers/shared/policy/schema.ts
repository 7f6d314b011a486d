/**
 * The Cedar schema every tenant policy set is validated against (docs/governance.md "Policies as
 * code (Cedar)"). Entity ids are Switchboard ids (agents, teams) or names (domains, topics,
 * skills); each non-action entity also carries its id as `name`, so a policy can match patterns
 * (`resource.name like "*.example.com"`) where `==` would need the exact entity.
 *
 * Actions: one per decision point. Enforced today: `egress.call` (the egress proxy) and
 * `skill.invoke` (a skill's tool over HTTP or MCP). Declared so that policies can be written for
 * them now and are validated, not yet enforced: the relay's four actions, `mcp.call` (the
 * platform's own MCP tools) and `agent.invoke` (future).
 */
export const CEDAR_NAMESPACE = "Switchboard";

export const POLICY_ACTIONS = [
  "relay.send",
  "relay.request",
  "relay.broadcast",
  "relay.publish",
  "egress.call",
  "skill.invoke",
  "mcp.call",
  "agent.invoke",
] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** Which actions a Cedar policy set actually gates today (the rest validate, and are documented as not enforced). */
export const ENFORCED_ACTIONS: ReadonlySet<PolicyAction> = new Set(["egress.call", "skill.invoke"]);

export const POLICY_ENTITY_TYPES = ["Agent", "Team", "Domain", "Topic", "Skill"] as const;
export type PolicyEntityType = (typeof POLICY_ENTITY_TYPES)[number];

export const CEDAR_SCHEMA = `namespace ${CEDAR_NAMESPACE} {
  entity Team = { name: String };
  entity Agent in [Team] = { name: String, trustLevel: Long };
  entity Domain = { name: String };
  entity Topic = { name: String };
  entity Skill = { name: String };

  action "relay.send" appliesTo { principal: Agent, resource: Agent, context: {} };
  action "relay.request" appliesTo { principal: Agent, resource: Agent, context: {} };
  action "relay.broadcast" appliesTo { principal: Agent, resource: Team, context: {} };
  action "relay.publish" appliesTo { principal: Agent, resource: Topic, context: {} };
  action "egress.call" appliesTo {
    principal: Agent,
    resource: Domain,
    context: { method: String, scheme: String, path: String, skill: String }
  };
  action "skill.invoke" appliesTo {
    principal: Agent,
    resource: Skill,
    context: { tool: String, version: String, via: String }
  };
  action "mcp.call" appliesTo { principal: Agent, resource: Skill, context: { tool: String } };
  action "agent.invoke" appliesTo { principal: Agent, resource: Agent, context: {} };
}
`;

/**
 * What a new tenant's editor starts with. Cedar denies unless a policy permits, so a set that only
 * forbids would refuse everything: the starter permits all and leaves the forbids to the tenant.
 * Native policy still applies underneath (Cedar can only take away, never grant).
 */
export const STARTER_POLICY = `// Cedar only ever narrows what native policy allows. Cedar denies unless some policy permits,
// so keep a permit and add forbids below.
permit (principal, action, resource);

// Example: no agent may DELETE anything on api.example.com.
// forbid (
//   principal,
//   action == Switchboard::Action::"egress.call",
//   resource == Switchboard::Domain::"api.example.com"
// ) when { context.method == "DELETE" };
`;
