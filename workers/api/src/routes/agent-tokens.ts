/**
 * Agent identity over HTTP: the client-credentials exchange (agent id + secret → short-lived
 * signed token), the JWKS that verifies those tokens, and `/v1/agent/me`, which verifies one
 * end to end. Contract and threat notes: docs/agent-identity.md.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { issueAgentToken, verifyAgentToken } from "../../../shared/agent-identity/agent-token";
import { AGENT_TOKEN_TTL_SECONDS, RELAY_AUDIENCE, TOKEN_AUDIENCES } from "../../../shared/agent-identity/claims";
import { agentTokenWireError } from "../../../shared/agent-identity/errors";
import { publishedKeys } from "../../../shared/agent-identity/signing-keys";
import { secretMatches } from "../../../shared/crypto/secrets";
import { agents, teamAgents, teams, tenants, type AgentRow } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { holdOf, safeModeDetails, safeModeHoldSql, safeModeMessage } from "../../../shared/governance/safe-mode";
import { AgentMeSchema, AgentTokenRequestSchema, AgentTokenResponseSchema, JwksSchema } from "../../../shared/schemas/agent-tokens";
import { toIso } from "../../../shared/schemas/common";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { audit } from "../http/audit";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { AGENT_TOKEN_LIMITS, limiter, throwIfLimited } from "../services/throttle";
import { recordAgentActive } from "../services/billing/budget-guard";

export const agentTokensRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Agent identity"];

/** Compared against when the agent does not exist, so unknown ids and wrong secrets cost the same. */
const DUMMY_SECRET_HASH = "0".repeat(64);
const JWKS_CACHE_CONTROL = "public, max-age=300";
const INVALID_CREDENTIALS = "Agent id or secret is incorrect.";

agentTokensRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/agent-tokens",
    tags,
    summary: "Exchange an agent's id and secret for a short-lived agent token",
    description: `Client-credentials exchange for agents (no browser involved). The token is an EdDSA-signed JWT valid for ${AGENT_TOKEN_TTL_SECONDS} s with audience \`${RELAY_AUDIENCE}\` (or \`switchboard:egress\` with \`audience: "egress"\`, for the egress proxy); exchange again before it expires. With \`teamId\`, the agent must be a member of that team and the token carries it. Failures are throttled per source IP (${AGENT_TOKEN_LIMITS.perIpFailures.limit} / 15 min, then every request from it is refused) and per agent id (${AGENT_TOKEN_LIMITS.perAgentFailures.limit} wrong attempts / 15 min, then wrong attempts get 429; the right secret still works): 429 with Retry-After.`,
    request: { body: jsonBody(AgentTokenRequestSchema) },
    responses: {
      200: jsonResponse(AgentTokenResponseSchema, "The token."),
      401: jsonResponse(ErrorBodySchema, "`invalid_credentials`: unknown agent or wrong secret (the same answer for both)."),
      403: jsonResponse(ErrorBodySchema, "`agent_suspended`: the agent is suspended; `forbidden`: the agent is not a member of `teamId`."),
      423: jsonResponse(ErrorBodySchema, "`safe_mode`: the tenant or one of the agent's teams is in safe mode (`details.scope`)."),
    },
  }),
  async (c) => {
    const { agentId, secret, teamId, audience = "relay" } = c.req.valid("json");
    const db = c.get("db");
    const { perIpFailures, perAgentFailures } = AGENT_TOKEN_LIMITS;
    const ipLimiter = limiter(c.env, `agent-token:ip:${c.get("ip") ?? "unknown"}`);
    throwIfLimited(await ipLimiter.peek(perIpFailures.limit, perIpFailures.windowMs), "failed token requests from your network");

    // An agent of a deleted tenant is as good as deleted.
    const found = await db
      .select({ agent: agents, held: safeModeHoldSql(agents.id, agents.tenantId) })
      .from(agents)
      .innerJoin(tenants, eq(tenants.id, agents.tenantId))
      .where(and(eq(agents.id, agentId), isNull(agents.deletedAt), isNull(tenants.deletedAt)))
      .get();
    const agent = found?.agent;
    const secretOk = await secretMatches(secret, agent?.secretHash ?? DUMMY_SECRET_HASH);
    if (!agent || !secretOk) {
      await refused(c, agent ?? null, agent ? "wrong_secret" : "unknown_agent", { agentId });
      const [, agentResult] = await Promise.all([
        ipLimiter.consume(perIpFailures.limit, perIpFailures.windowMs),
        limiter(c.env, `agent-token:agent:${agentId}`).consume(perAgentFailures.limit, perAgentFailures.windowMs),
      ]);
      throwIfLimited(agentResult, "failed token requests for this agent");
      throw new ApiError("invalid_credentials", INVALID_CREDENTIALS);
    }
    // Only now, to a caller holding the secret, is the agent's status revealed.
    if (agent.status !== "active") {
      await refused(c, agent, "suspended");
      throw new ApiError("agent_suspended", "The agent is suspended. An admin must resume it before it can get tokens.");
    }
    const hold = holdOf(found?.held ?? null, agent.tenantId);
    if (hold) {
      await refused(c, agent, "safe_mode", safeModeDetails(hold));
      throw new ApiError("safe_mode", safeModeMessage(hold), safeModeDetails(hold));
    }
    if (teamId !== undefined && !(await isLiveTeamMember(c, agent, teamId))) {
      await refused(c, agent, "not_in_team", { teamId });
      throw new ApiError("forbidden", "The agent is not a member of this team.", { teamId });
    }

    // Billing: the first token of the month makes the agent an active agent (docs/billing.md); past a hard cap on active agents, no token.
    await recordAgentActive(c.env, agent).catch(async (error: unknown) => {
      if (error instanceof ApiError && error.code === "budget_exceeded") await refused(c, agent, "budget_exceeded");
      throw error;
    });
    const issued = await issueAgentToken(
      c.env,
      { agentId: agent.id, tenantId: agent.tenantId, teamId, role: agent.template, trust: agent.trustLevel },
      { audience: TOKEN_AUDIENCES[audience] },
    );
    await audit(c, {
      tenantId: agent.tenantId,
      actor: { type: "agent", id: agent.id, name: agent.name },
      action: "agent.token_issued",
      target: { type: "agent", id: agent.id },
      details: {
        kid: issued.kid,
        jti: issued.claims.jti,
        teamId: teamId ?? null,
        audience: issued.claims.aud,
        expiresAt: toIso(issued.claims.exp * 1000),
      },
    });
    return c.json({ access_token: issued.token, token_type: "Bearer" as const, expires_in: AGENT_TOKEN_TTL_SECONDS, kid: issued.kid }, 200);
  },
);

agentTokensRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/.well-known/jwks.json",
    tags,
    summary: "Public keys that verify agent tokens",
    description:
      "Every signing key that has not expired: the current one and retired ones whose tokens may still be live. Pick the key by the token's `kid`; accept only `alg` EdDSA. Cacheable for 5 minutes; refetch (at most every 30 s) on an unknown `kid`.",
    responses: { 200: jsonResponse(JwksSchema, "A JSON Web Key Set (RFC 7517).") },
  }),
  async (c) => {
    const keys = await publishedKeys(c.env);
    c.header("Cache-Control", JWKS_CACHE_CONTROL);
    return c.json({ keys }, 200);
  },
);

agentTokensRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/agent/me",
    tags,
    summary: "Which agent this agent token belongs to",
    description:
      "Authenticated by an agent token (`Authorization: Bearer <agent token>`), not by a session or API key: the route is public at the access layer and verifies the token itself, exactly as the relay does.",
    responses: {
      200: jsonResponse(AgentMeSchema, "The token's agent, tenant and team."),
      401: jsonResponse(ErrorBodySchema, "`unauthenticated`: no token, or it is invalid; `details.reason` says why."),
      403: jsonResponse(ErrorBodySchema, "`agent_suspended`: the agent was suspended."),
      423: jsonResponse(ErrorBodySchema, "`safe_mode`: the tenant or one of the agent's teams is in safe mode."),
    },
  }),
  async (c) => {
    const [scheme, token] = (c.req.header("authorization") ?? "").split(" ", 2);
    if (scheme?.toLowerCase() !== "bearer" || !token)
      throw unauthenticated("Send the agent token as `Authorization: Bearer <token>`.", undefined, "invalid_request");
    const result = await verifyAgentToken(c.env, token.trim(), { audience: RELAY_AUDIENCE });
    if (!result.ok) {
      const wire = agentTokenWireError(result);
      throw wire.code === "unauthenticated"
        ? unauthenticated(wire.message, wire.details)
        : new ApiError(wire.code, wire.message, wire.details);
    }
    const { claims } = result;
    return c.json({ agentId: claims.sub, tenantId: claims.tid, teamId: claims.team ?? null, expiresAt: toIso(claims.exp * 1000) }, 200);
  },
);

/** 401 with the RFC 6750 challenge, so generic OAuth clients know to fetch a new token. */
function unauthenticated(message: string, details?: Record<string, unknown>, error = "invalid_token") {
  return new ApiError("unauthenticated", message, details, { "WWW-Authenticate": `Bearer error="${error}"` });
}

async function isLiveTeamMember(c: Context<AppEnv>, agent: AgentRow, teamId: string): Promise<boolean> {
  const row = await c
    .get("db")
    .select({ teamId: teamAgents.teamId })
    .from(teamAgents)
    .innerJoin(teams, eq(teams.id, teamAgents.teamId))
    .where(
      and(eq(teamAgents.teamId, teamId), eq(teamAgents.agentId, agent.id), eq(teams.tenantId, agent.tenantId), isNull(teams.deletedAt)),
    )
    .get();
  return row !== undefined;
}

/**
 * Audits a refused exchange. The actor is the agent only when it proved its secret; otherwise the
 * caller is anonymous and the agent (if it exists) is the target, in its tenant's trail.
 */
function refused(
  c: Context<AppEnv>,
  agent: AgentRow | null,
  reason: "unknown_agent" | "wrong_secret" | "suspended" | "not_in_team" | "budget_exceeded" | "safe_mode",
  details: Record<string, unknown> = {},
): Promise<void> {
  const authenticated = reason === "suspended" || reason === "not_in_team" || reason === "budget_exceeded" || reason === "safe_mode";
  return audit(c, {
    tenantId: agent?.tenantId ?? null,
    actor: authenticated && agent ? { type: "agent", id: agent.id, name: agent.name } : { type: "anonymous", id: null, name: null },
    action: "agent.token_refused",
    target: agent ? { type: "agent", id: agent.id } : null,
    severity: "warning",
    outcome: authenticated ? "denied" : "failure",
    details: { reason, ...details },
  });
}
