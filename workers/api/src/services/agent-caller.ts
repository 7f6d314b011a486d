/**
 * Who an agent-token request is, for the coordination routes and the MCP server: verifies the
 * bearer agent token completely (verifyAgentToken: signature, claims, agent active and still in
 * the token's team), requires a team token, and reads the agent's current name, template and
 * trust from D1 (the token's are snapshots). One place for both surfaces, so HTTP and MCP agree.
 */
import { eq } from "drizzle-orm";
import { verifyAgentToken } from "../../../shared/agent-identity/agent-token";
import { RELAY_AUDIENCE, type AgentTokenClaims } from "../../../shared/agent-identity/claims";
import { agentTokenWireError } from "../../../shared/agent-identity/errors";
import type { Caller } from "../../../shared/coordination/policy";
import { createDb } from "../../../shared/db/client";
import { agents } from "../../../shared/db/schema";
import type { TrustLevel } from "../../../shared/trust-levels";
import type { TeamRef } from "../../../../durable-objects/team-coordinator/team-coordinator";
import { ApiError } from "../http/api-error";

export interface AgentContext {
  team: TeamRef;
  caller: Extract<Caller, { kind: "agent" }>;
  claims: AgentTokenClaims;
}

/** Throws ApiError (401 with a Bearer challenge, 403 suspended / not a team token). */
export async function agentFromToken(env: Env, token: string | null | undefined): Promise<AgentContext> {
  if (!token) throw unauthenticated("Send the agent token as `Authorization: Bearer <token>`.", undefined, "invalid_request");
  const result = await verifyAgentToken(env, token.trim(), { audience: RELAY_AUDIENCE });
  if (!result.ok) {
    const wire = agentTokenWireError(result);
    throw wire.code === "unauthenticated"
      ? unauthenticated(wire.message, wire.details)
      : new ApiError(wire.code, wire.message, wire.details);
  }
  const { claims } = result;
  if (!claims.team)
    throw new ApiError("forbidden", "Coordination needs a team token: exchange the agent secret with `teamId` (POST /v1/agent-tokens).", {
      reason: "no_team",
    });
  const agent = await createDb(env.DB)
    .select({ name: agents.name, template: agents.template, trustLevel: agents.trustLevel })
    .from(agents)
    .where(eq(agents.id, claims.sub))
    .get();
  if (!agent) throw unauthenticated("The agent no longer exists.", { reason: "agent_deleted" });
  return {
    team: { teamId: claims.team, tenantId: claims.tid },
    caller: { kind: "agent", agentId: claims.sub, name: agent.name, role: agent.template, trust: agent.trustLevel as TrustLevel },
    claims,
  };
}

export function bearerOf(header: string | null | undefined): string | null {
  const [scheme, credential] = (header ?? "").split(" ", 2);
  return scheme?.toLowerCase() === "bearer" && credential ? credential.trim() : null;
}

/** 401 with the RFC 6750 challenge, so generic OAuth clients know to fetch a new token. */
function unauthenticated(message: string, details?: Record<string, unknown>, error = "invalid_token") {
  return new ApiError("unauthenticated", message, details, { "WWW-Authenticate": `Bearer error="${error}"` });
}
