/**
 * The API's side of the team relay: addressing a team's TeamRelay, and telling it at once when an
 * agent must lose its connections (suspended, deleted, removed from the team). Those calls follow
 * a D1 change that already refuses the agent's tokens; if a relay cannot be reached the change
 * still stands, the failure is logged, and the agent's next frame after its token expires (≤ 15
 * min) closes the socket anyway.
 */
import { CLOSE_CODES } from "../../../shared/relay/protocol";
import type { AgentTemplate } from "../../../shared/agent-templates";
import type { TrustLevel } from "../../../shared/trust-levels";
import { log } from "../../../shared/observability/log";

export function relayOf(env: Env, teamId: string) {
  return env.TEAM_RELAY.get(env.TEAM_RELAY.idFromName(teamId));
}

export type RelayEviction = "suspended" | "removed";

/** Closes the agent's sockets on each team's relay: 4003 for a suspension, 4001 (and forget it) when it left. */
export async function evictAgentFromRelays(env: Env, teamIds: readonly string[], agentId: string, why: RelayEviction): Promise<void> {
  const results = await Promise.allSettled(
    teamIds.map((teamId) => {
      const relay = relayOf(env, teamId);
      return why === "suspended"
        ? relay.closeAgent(agentId, CLOSE_CODES.suspended.code, CLOSE_CODES.suspended.reason)
        : relay.removeMember(agentId);
    }),
  );
  results.forEach((r, i) => {
    if (r.status === "rejected") log.error("relay eviction failed", { teamId: teamIds[i], agentId, why, error: r.reason });
  });
}

/**
 * The agent's template (its role on allowlists) or trust level changed: each of its teams' relays
 * updates its member list and the attachments of the agent's open sockets, so role edges, the
 * rate limit and the broadcast right apply from the agent's next frame. Same failure rule as above:
 * a relay that cannot be reached is logged, and picks the change up when the agent reconnects.
 */
export async function updateAgentOnRelays(
  env: Env,
  tenantId: string,
  teamIds: readonly string[],
  member: { agentId: string; role: AgentTemplate; trust: TrustLevel },
): Promise<void> {
  const results = await Promise.allSettled(teamIds.map((teamId) => relayOf(env, teamId).updateMember(teamId, tenantId, member)));
  results.forEach((r, i) => {
    if (r.status === "rejected") log.error("relay member update failed", { teamId: teamIds[i], agentId: member.agentId, error: r.reason });
  });
}
