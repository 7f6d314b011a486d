/** The `get_my_profile` tool's and the profile resource's answer: the agent as the platform sees it. */
import { COORDINATION_TRUST, TRUST_LEVELS } from "../../../shared/trust-levels";
import type { AgentContext } from "../services/agent-caller";

export function profileOf(agent: AgentContext) {
  const { caller, team, claims } = agent;
  const trust = caller.trust as 0 | 1 | 2 | 3 | 4;
  return {
    agentId: caller.agentId,
    name: caller.name,
    role: caller.role,
    trustLevel: caller.trust,
    trust: { ...TRUST_LEVELS[trust], coordination: COORDINATION_TRUST[trust] },
    teamId: team.teamId,
    tenantId: team.tenantId,
    tokenExpiresAt: new Date(claims.exp * 1000).toISOString(),
  };
}
