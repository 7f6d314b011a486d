/**
 * One authorization question in Switchboard's words (who, which action, on what, with what
 * context), and its translation into a Cedar request with the entities it needs. Plain data: it
 * crosses the service binding to the policy Worker (workers/policy) as is.
 */
import { CEDAR_NAMESPACE, type PolicyAction, type PolicyEntityType } from "./schema";

export interface PolicyPrincipal {
  agentId: string;
  trustLevel: number;
  /** The teams the agent is in: `principal in Switchboard::Team::"team_…"` matches through them. */
  teams: string[];
}

export interface PolicyRequest {
  principal: PolicyPrincipal;
  action: PolicyAction;
  resource: { type: Exclude<PolicyEntityType, "Agent"> | "Agent"; id: string };
  context: Record<string, string | number | boolean>;
}

export type PolicyDecision = { decision: "allow" | "deny"; reasons: string[]; errors: string[] };

const uid = (type: string, id: string) => ({ type: `${CEDAR_NAMESPACE}::${type}`, id });

/** The Cedar request and entity slice for one question (the principal, its teams, the resource). */
export function toCedarRequest(req: PolicyRequest) {
  const principal = uid("Agent", req.principal.agentId);
  const resource = uid(req.resource.type, req.resource.id);
  const teams = req.principal.teams.map((t) => uid("Team", t));
  const entities = [
    { uid: principal, attrs: { name: req.principal.agentId, trustLevel: req.principal.trustLevel }, parents: teams },
    ...teams.map((t) => ({ uid: t, attrs: { name: t.id }, parents: [] })),
  ];
  if (!(req.resource.type === "Agent" && req.resource.id === req.principal.agentId))
    entities.push({
      uid: resource,
      attrs: { name: req.resource.id, ...(req.resource.type === "Agent" ? { trustLevel: 0 } : {}) },
      parents: [],
    });
  return { principal, action: uid("Action", req.action), resource, context: req.context, entities };
}

/** The egress proxy's question: may this agent call `method url` (in a skill's name, or not)? */
export function egressPolicyRequest(principal: PolicyPrincipal, method: string, url: URL, skill: string | null): PolicyRequest {
  return {
    principal,
    action: "egress.call",
    resource: { type: "Domain", id: url.hostname.toLowerCase() },
    context: { method: method.toUpperCase(), scheme: url.protocol.replace(/:$/, ""), path: url.pathname, skill: skill ?? "" },
  };
}

/** A skill tool call's question (HTTP or MCP). */
export function skillPolicyRequest(
  principal: PolicyPrincipal,
  skill: string,
  tool: string,
  version: string,
  via: "http" | "mcp",
): PolicyRequest {
  return { principal, action: "skill.invoke", resource: { type: "Skill", id: skill }, context: { tool, version, via } };
}
