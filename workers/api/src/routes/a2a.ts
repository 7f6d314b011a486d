/**
 * A2A (protocol v1.0) on the API Worker (docs/a2a.md): each agent's signed Agent Card, the
 * tenant's card JWKS, key rotation, and each agent's JSON-RPC endpoint, mounted with the official
 * SDK's `JsonRpcTransportHandler` + `DefaultRequestHandler`, tasks in D1 (`D1TaskStore`).
 *
 * The agent-facing routes are public at the access layer and authenticate the bearer agent token
 * themselves (as `/mcp` and the relay do). A token names its tenant; an agent of another tenant
 * is "not found" (404), never "forbidden".
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { A2A_VERSION_HEADER, AgentCard } from "@a2a-js/sdk";
import { DefaultRequestHandler, JsonRpcTransportHandler, ServerCallContext, validateVersion, type User } from "@a2a-js/sdk/server";
import { Extensions } from "@a2a-js/sdk";
import type { Context } from "hono";
import { verifyAgentToken } from "../../../shared/agent-identity/agent-token";
import { RELAY_AUDIENCE } from "../../../shared/agent-identity/claims";
import { agentTokenWireError } from "../../../shared/agent-identity/errors";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { JwksSchema } from "../../../shared/schemas/agent-tokens";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { audit } from "../http/audit";
import { AgentParams, TenantParams } from "../http/params";
import { defineRoute, jsonResponse } from "../http/route";
import { agentFromToken, bearerOf } from "../services/agent-caller";
import { findAgentInScope } from "../services/agent-scope";
import { a2aPaths, buildAgentCard, cardRevision, cardVersion, loadCardSubject, signedAgentCard } from "../services/a2a/card";
import { publishedCardKeys, rotateCardKeys } from "../services/a2a/card-keys";
import { RelayAgentExecutor } from "../services/a2a/executor";
import { a2aInvoke } from "../services/a2a/invoke";
import { D1TaskStore } from "../services/a2a/task-store";

export const a2aRoutes = new OpenAPIHono<AppEnv>();
const tags = ["A2A"];

const A2aAgentParams = z.object({
  agentId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "agentId", in: "path" }, example: "agt_01JD0000000000000000000000" }),
});
const A2aTenantParams = z.object({
  tenantId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "tenantId", in: "path" }, example: "ten_01JD0000000000000000000000" }),
});
/** The card's JSON (A2A v1.0 `AgentCard`); described, not re-modelled: the SDK's types are the schema. */
const AgentCardSchema = z
  .looseObject({
    name: z.string(),
    version: z.string(),
    signatures: z.array(z.looseObject({ protected: z.string(), signature: z.string() })),
  })
  .meta({ id: "A2AAgentCard" });
const CardKeyRotationSchema = z
  .object({ created: z.string(), retired: z.array(z.string()), deleted: z.array(z.string()) })
  .meta({ id: "A2ACardKeyRotation" });

const AGENT_ERRORS = {
  401: jsonResponse(ErrorBodySchema, "`unauthenticated`: no agent token, or it is invalid (`details.reason`)."),
  403: jsonResponse(ErrorBodySchema, "`agent_suspended`; `forbidden` (the endpoint needs a team token)."),
  404: jsonResponse(ErrorBodySchema, "`not_found`: no such agent in the token's tenant."),
};
/** Cards are re-signed on every fetch (cheap: one ES256 signature); a copy may be cached briefly. */
const CARD_CACHE_CONTROL = "private, max-age=60";
const JWKS_CACHE_CONTROL = "public, max-age=300";

const originOf = (c: Context<AppEnv>) => new URL(c.req.url).origin;
const notFound = (agentId: string) => new ApiError("not_found", "Agent not found.", { agentId });

a2aRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/a2a/agents/{agentId}/.well-known/agent-card.json",
    tags,
    summary: "An agent's signed A2A Agent Card",
    description:
      "The agent's Agent Card (A2A v1.0): name, description, version (`1.0.<revision>`, bumped when its capabilities change), skills (its installed skills), the JSON-RPC interface URL and the bearer agent-token security scheme, signed (`signatures`: JWS over the RFC 8785 canonical card, `kid` + `jku` → the tenant's card JWKS). Authenticated by an agent token of the same tenant (any audience-`switchboard:relay` token, team or not); another tenant's agent is 404.",
    request: { params: A2aAgentParams },
    responses: { 200: jsonResponse(AgentCardSchema, "The signed card."), ...AGENT_ERRORS },
  }),
  async (c) => {
    const { agentId } = c.req.valid("param");
    const tenantId = await tokenTenant(c);
    const subject = await loadCardSubject(c.env, tenantId, agentId);
    if (!subject) throw notFound(agentId);
    c.header("Cache-Control", CARD_CACHE_CONTROL);
    return c.json(await signedAgentCard(c.env, subject, originOf(c)), 200);
  },
);

a2aRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/a2a/agents/{agentId}",
    tags,
    summary: "An agent's A2A endpoint (JSON-RPC binding)",
    description:
      "A2A v1.0 JSON-RPC (`SendMessage`, `GetTask`, `CancelTask`, `ListTasks`); send `A2A-Version: 1.0`. Authenticated by a **team** agent token of the same tenant: the caller is the token's agent. `SendMessage` is a cross-agent invocation delivered to this agent as a relay request in the token's team (the team's allowlist applies); its reply is the task's answer. Protocol-level errors are JSON-RPC errors in a 200 response; authentication errors are the API's error shape with their HTTP status.",
    request: { params: A2aAgentParams },
    responses: { 200: { description: "A JSON-RPC 2.0 response." }, ...AGENT_ERRORS },
  }),
  async (c) => {
    const { agentId } = c.req.valid("param");
    const agent = await agentFromToken(c.env, bearerOf(c.req.header("authorization")));
    const { tenantId } = agent.team;
    const subject = await loadCardSubject(c.env, tenantId, agentId);
    if (!subject) throw notFound(agentId);
    if (agentId === agent.caller.agentId)
      throw new ApiError("self_invocation", "An agent cannot send an A2A message to itself.", { agentId });
    const version = cardVersion(await cardRevision(c.env, subject));
    const card = AgentCard.fromJSON(buildAgentCard(subject, version, originOf(c)));
    const executor = new RelayAgentExecutor(agentId, agent.caller.agentId, a2aInvoke(c.env, agent, { cardVersion: version }));
    const store = new D1TaskStore(c.env.DB, { tenantId, agentId, callerAgentId: agent.caller.agentId });
    const handler = new JsonRpcTransportHandler(new DefaultRequestHandler(card, store, executor));
    const user: User = { isAuthenticated: true, userName: agent.caller.agentId };
    const context = new ServerCallContext({
      user,
      requestedVersion: c.req.header(A2A_VERSION_HEADER) || undefined,
      requestedExtensions: Extensions.parseServiceParameter(c.req.header("A2A-Extensions")),
    });
    const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    const id = body && (typeof body.id === "string" || typeof body.id === "number") ? body.id : null;
    try {
      validateVersion(context.requestedVersion, card, "JSONRPC");
    } catch (err) {
      return c.json({ jsonrpc: "2.0", id, error: JsonRpcTransportHandler.mapToJSONRPCError(err) }, 200);
    }
    const answer = await handler.handle(body ?? "", context);
    // A `returnImmediately` send answers before the relay does: keep the Worker alive until it has.
    if (executor.pending.length > 0) c.executionCtx.waitUntil(Promise.all(executor.pending));
    if (answer && typeof (answer as AsyncGenerator)[Symbol.asyncIterator] === "function") {
      // Streaming is off in the card; the SDK refuses streaming methods before this point.
      return c.json({ jsonrpc: "2.0", id, error: { code: -32004, message: "Streaming is not supported." } }, 200);
    }
    return c.json(answer as object, 200);
  },
);

a2aRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/a2a/tenants/{tenantId}/jwks.json",
    tags,
    summary: "The tenant's Agent Card signing keys",
    description:
      "A JSON Web Key Set (ES256, `use: sig`): the current card signing key and retired ones whose cards may still be presented (kept 90 days after a rotation). Public, like any JWKS. A tenant that never served a card, or does not exist, has an empty set.",
    request: { params: A2aTenantParams },
    responses: { 200: jsonResponse(JwksSchema, "A JSON Web Key Set (RFC 7517).") },
  }),
  async (c) => {
    const { tenantId } = c.req.valid("param");
    c.header("Cache-Control", JWKS_CACHE_CONTROL);
    c.header("Access-Control-Allow-Origin", "*");
    return c.json({ keys: await publishedCardKeys(c.env, tenantId) }, 200);
  },
);

a2aRoutes.openapi(
  defineRoute("agents:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/agent-card",
    tags,
    summary: "An agent's signed A2A Agent Card (for people and API keys)",
    description:
      "The same signed card the agent-facing URL serves (`GET /v1/a2a/agents/{agentId}/.well-known/agent-card.json`), for the dashboard and automation.",
    request: { params: AgentParams },
    responses: {
      200: jsonResponse(z.object({ card: AgentCardSchema, url: z.string(), jwksUrl: z.string() }), "The signed card and its URLs."),
    },
  }),
  async (c) => {
    const { tenantId, agentId } = c.req.valid("param");
    await findAgentInScope(c, agentId);
    const subject = await loadCardSubject(c.env, tenantId, agentId);
    if (!subject) throw notFound(agentId);
    const origin = originOf(c);
    const card = await signedAgentCard(c.env, subject, origin);
    return c.json({ card, url: `${origin}${a2aPaths.card(agentId)}`, jwksUrl: `${origin}${a2aPaths.jwks(tenantId)}` }, 200);
  },
);

a2aRoutes.openapi(
  defineRoute("tenant:update", {
    method: "post",
    path: "/v1/tenants/{tenantId}/a2a/card-keys/rotate",
    tags,
    summary: "Rotate the tenant's Agent Card signing key",
    description:
      "A new key signs cards from now on; the previous keys are retired but stay in the card JWKS for 90 days, so cards signed before the rotation still verify. Keys past that are deleted. Audited (`a2a.card_key_rotated`).",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(CardKeyRotationSchema, "What the rotation did (key ids).") },
  }),
  async (c) => {
    const { tenantId } = c.req.valid("param");
    const result = await rotateCardKeys(c.env, tenantId);
    await audit(c, { action: "a2a.card_key_rotated", target: { type: "tenant", id: tenantId }, details: { ...result } });
    return c.json(result, 200);
  },
);

/** The tenant of a valid agent token (any team or none); the wire error otherwise. */
async function tokenTenant(c: Context<AppEnv>): Promise<string> {
  const token = bearerOf(c.req.header("authorization"));
  if (!token)
    throw new ApiError("unauthenticated", "Send an agent token as `Authorization: Bearer <token>`.", undefined, {
      "WWW-Authenticate": 'Bearer error="invalid_request"',
    });
  const result = await verifyAgentToken(c.env, token, { audience: RELAY_AUDIENCE });
  if (!result.ok) {
    const wire = agentTokenWireError(result);
    throw new ApiError(
      wire.code,
      wire.message,
      wire.details,
      wire.code === "unauthenticated" ? { "WWW-Authenticate": 'Bearer error="invalid_token"' } : {},
    );
  }
  return result.claims.tid;
}
