/**
 * The team relay over HTTP: the agents' WebSocket endpoint, the observers' live feed, and the
 * team's allowlist. The relay itself is the TeamRelay Durable Object (durable-objects/team-relay);
 * these routes decide who may reach it and forward the upgrade. Protocol: docs/protocol.md.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { verifyAgentToken } from "../../../shared/agent-identity/agent-token";
import { RELAY_AUDIENCE } from "../../../shared/agent-identity/claims";
import { agentTokenWireError } from "../../../shared/agent-identity/errors";
import { agents } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import {
  AllowlistEditResultSchema,
  AllowlistSchema,
  EdgeSchema,
  PutAllowlistInputSchema,
  TopicRuleSchema,
  type Edge,
  type Subject,
  type TopicRule,
} from "../../../shared/relay/allowlist";
import { BEARER_PROTOCOL_PREFIX, SUBPROTOCOL } from "../../../shared/relay/protocol";
import type { RuleEdit } from "../../../../durable-objects/team-relay/allowlist";
import { IDENTITY_HEADER, type ConnectIdentity } from "../../../../durable-objects/team-relay/identity";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { invalidFields } from "../http/validation-hook";
import { audit } from "../http/audit";
import { TeamParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { allowedOrigins } from "../middleware/csrf";
import { requirePrincipal } from "../middleware/access";
import { relayOf } from "../services/relay";
import { findTeamInScope } from "../services/team-scope";
import { assertWithinBudget } from "../services/billing/budget-guard";

export const relayRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Relay"];
const AllowlistEnvelope = z.object({ allowlist: AllowlistSchema });
const RelayParams = z.object({
  teamId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "teamId", in: "path" }, example: "team_01JD0000000000000000000000" }),
});
/** Query names under which a token would be logged by every proxy on the way: refused outright. */
const QUERY_TOKEN_NAMES = ["token", "access_token", "bearer", "authorization", "auth"];

const SWITCHING_PROTOCOLS = {
  101: { description: "Switching Protocols: the connection is now a relay WebSocket speaking protocol v1 (docs/protocol.md)." },
  426: jsonResponse(ErrorBodySchema, "`upgrade_required`: the request is not a WebSocket upgrade."),
};

relayRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/teams/{teamId}/relay",
    tags,
    summary: "Connect an agent to its team's relay (WebSocket)",
    description: `Upgrade to a WebSocket (\`Upgrade: websocket\`). Authenticated by an agent token issued for this team (\`POST /v1/agent-tokens\` with \`teamId\`): \`Authorization: Bearer <token>\`, or — for browsers, which cannot set headers on a WebSocket — the subprotocol list \`${SUBPROTOCOL}, ${BEARER_PROTOCOL_PREFIX}<token>\` (the relay answers with \`${SUBPROTOCOL}\` only). A token in the query string is refused. The connection stays open until the client closes it, the agent is suspended (close 4003), its tenant or team enters safe mode (close 4023), deleted or removed from the team (4001), or its token has expired at its next frame (4001).`,
    request: { params: RelayParams },
    responses: {
      ...SWITCHING_PROTOCOLS,
      401: jsonResponse(ErrorBodySchema, "`unauthenticated`: no agent token, or it is invalid (`details.reason`)."),
      402: jsonResponse(
        ErrorBodySchema,
        "`budget_exceeded`: the agent's (or the tenant's) relay messages are at a hard cap this month (docs/billing.md).",
      ),
      403: jsonResponse(ErrorBodySchema, "`agent_suspended`; or `forbidden`: the token was issued for another team (or for none)."),
      423: jsonResponse(ErrorBodySchema, "`safe_mode`: the tenant or one of the agent's teams is in safe mode."),
    },
  }),
  async (c) => {
    const { teamId } = c.req.valid("param");
    const url = new URL(c.req.url);
    if (QUERY_TOKEN_NAMES.some((name) => url.searchParams.has(name))) {
      throw new ApiError(
        "bad_request",
        "Tokens in the URL are refused (URLs are logged). Send `Authorization: Bearer <token>`, or the `bearer.<token>` WebSocket subprotocol from a browser.",
      );
    }
    assertUpgrade(c);
    const { token, viaSubprotocol } = presentedToken(c);
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
    const { claims } = result;
    // verifyAgentToken has checked the agent is a live member of claims.team; the path must name that team.
    if (claims.team !== teamId)
      throw new ApiError("forbidden", "The agent token was not issued for this team. Exchange the secret with this `teamId`.", { teamId });
    // Role and trust as they are now (the token's are snapshots from its issue time).
    const agent = await c
      .get("db")
      .select({ template: agents.template, trustLevel: agents.trustLevel })
      .from(agents)
      .where(eq(agents.id, claims.sub))
      .get();
    if (!agent) throw new ApiError("unauthenticated", "The agent no longer exists.", { reason: "agent_deleted" });
    // Billing: an agent whose relay messages are hard-capped this month cannot connect (402; docs/billing.md).
    await assertWithinBudget(c.env, { tenantId: claims.tid, agentId: claims.sub, kind: "relay_messages" });
    const identity: ConnectIdentity = {
      kind: "agent",
      teamId,
      tenantId: claims.tid,
      agentId: claims.sub,
      role: agent.template,
      trust: agent.trustLevel,
      exp: claims.exp,
      subprotocol: viaSubprotocol || offersSubprotocol(c),
    };
    return forward(c, teamId, identity);
  },
);

relayRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/teams/{teamId}/relay/observe",
    tags,
    summary: "Watch a team's live relay feed (WebSocket, read-only)",
    description:
      "For people (viewer or above) and API keys with teams:read. Streams `deliver` (with `to`), `presence` and `denied` (with `from`) frames as they happen; anything sent on it gets an `error` frame. Browsers connect with their session cookie, and then the `Origin` must be present and allowed (the dashboard's): a cookie without an allowed Origin is refused with 403 `csrf_rejected`. An API key (`Authorization: Bearer`) may omit `Origin`; if it sends one, it must be allowed too.",
    request: { params: TeamParams },
    responses: {
      ...SWITCHING_PROTOCOLS,
      403: jsonResponse(
        ErrorBodySchema,
        "`csrf_rejected`: a session cookie without an allowed `Origin`, or any credential from a foreign `Origin`.",
      ),
    },
  }),
  async (c) => {
    const team = await findTeam(c, c.req.valid("param").teamId);
    assertUpgrade(c);
    // WebSockets are not covered by CORS: without this, any site could open the feed with a visitor's
    // cookie. A session cookie is a browser credential, and browsers always send Origin on a
    // WebSocket: no Origin with a cookie is not a browser we can check, so it is refused. An API key
    // (Authorization header) is not sent by browsers on their own: it may omit Origin.
    const principal = requirePrincipal(c);
    const origin = c.req.header("origin");
    if (origin === undefined && principal.type === "user")
      throw new ApiError(
        "csrf_rejected",
        "A feed opened with a session cookie must come from an allowed Origin (browsers send it); scripts use an API key.",
      );
    if (origin !== undefined && !allowedOrigins(c).has(origin))
      throw new ApiError("csrf_rejected", `WebSocket connections from origin ${origin} are not allowed.`, { origin });
    const userId = principal.type === "user" ? principal.user.id : principal.apiKey.id;
    return forward(c, team.id, { kind: "observer", teamId: team.id, tenantId: team.tenantId, userId, subprotocol: offersSubprotocol(c) });
  },
);

relayRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/teams/{teamId}/allowlist",
    tags,
    summary: "Get a team's allowlist",
    description: "Directed edges (agent or role → agent or role) and topic rules. Default deny: what is not listed is refused.",
    request: { params: TeamParams },
    responses: { 200: jsonResponse(AllowlistEnvelope, "The allowlist and its version.") },
  }),
  async (c) => {
    const team = await findTeam(c, c.req.valid("param").teamId);
    const allowlist = await relayOf(c.env, team.id).getAllowlist(team.id, team.tenantId);
    return c.json({ allowlist }, 200);
  },
);

relayRoutes.openapi(
  defineRoute("teams:write", {
    method: "put",
    path: "/v1/tenants/{tenantId}/teams/{teamId}/allowlist",
    tags,
    summary: "Replace a team's allowlist",
    description:
      "Replaces every edge and topic rule at once. `expectedVersion` must be the current version (409 `version_conflict` otherwise: reload and retry). Applies to open relay connections immediately: their next frame is judged by the new rules. Agent subjects must be agents of this tenant.",
    request: { params: TeamParams, body: jsonBody(PutAllowlistInputSchema) },
    responses: {
      200: jsonResponse(AllowlistEnvelope, "The new allowlist and version."),
      409: jsonResponse(ErrorBodySchema, "`version_conflict`: `details.currentVersion` is the version to build on."),
    },
  }),
  async (c) => {
    const team = await findTeam(c, c.req.valid("param").teamId);
    const { expectedVersion, edges, topics } = c.req.valid("json");
    await assertAgentsOfTenant(
      c,
      team.tenantId,
      [...edges.flatMap((e) => [e.from, e.to]), ...topics.map((t) => t.subject)].filter((s) => s.kind === "agent").map((s) => s.id),
    );
    const result = await relayOf(c.env, team.id).putAllowlist(team.id, team.tenantId, expectedVersion, { edges, topics });
    if (!result.ok)
      throw new ApiError("version_conflict", `The allowlist is at version ${result.current.version}, not ${expectedVersion}.`, {
        currentVersion: result.current.version,
      });
    const { allowlist } = result;
    await audit(c, {
      action: "team.allowlist_updated",
      target: { type: "team", id: team.id },
      details: { version: allowlist.version, edges: allowlist.edges.length, topics: allowlist.topics.length },
    });
    return c.json({ allowlist }, 200);
  },
);

/**
 * Single-rule edits: add (POST) or remove (DELETE) one edge or one topic rule, the body being the
 * rule itself in the allowlist document's schema. Idempotent, no `expectedVersion` (edits of
 * single rules commute), applied to open connections at once, audited only when they change
 * something. DELETE carries the rule as its JSON body: a rule has no id of its own, it IS its key.
 */
interface RuleKind<T extends Edge | TopicRule> {
  /** Path segment under …/allowlist/. */
  segment: "edges" | "topics";
  schema: z.ZodType<T>;
  noun: string;
  /** Key of the rule in the audit event's details. */
  detailKey: "edge" | "topicRule";
  edit: (op: RuleEdit["op"], rule: T) => RuleEdit;
  agentIds: (rule: T) => string[];
}

function ruleEditRoutes<T extends Edge | TopicRule>(kind: RuleKind<T>): void {
  for (const op of ["add", "remove"] as const) {
    relayRoutes.openapi(
      defineRoute("teams:write", {
        method: op === "add" ? "post" : "delete",
        path: `/v1/tenants/{tenantId}/teams/{teamId}/allowlist/${kind.segment}`,
        tags,
        summary: op === "add" ? `Add one ${kind.noun} to a team's allowlist` : `Remove one ${kind.noun} from a team's allowlist`,
        description: `${op === "add" ? "Adds" : "Removes"} exactly the ${kind.noun} in the body (the same shape as in the allowlist document). Idempotent: ${op === "add" ? "adding one that is already there" : "removing one that is not there"} answers 200 with \`changed: false\` and the version unchanged. No \`expectedVersion\`: single-rule edits do not conflict with each other. Applies to open relay connections immediately (their next frame is judged by the new rules) and is audited as \`team.allowlist_updated\` with the ${kind.noun}.${op === "add" ? " Agent subjects must be agents of this tenant." : ""}`,
        request: { params: TeamParams, body: jsonBody(kind.schema) },
        responses: {
          200: jsonResponse(AllowlistEditResultSchema, "The allowlist after the edit, and whether it changed."),
          ...(op === "add"
            ? {
                409: jsonResponse(
                  ErrorBodySchema,
                  "`conflict`: the allowlist already holds the maximum number of these rules (`details.max`).",
                ),
              }
            : {}),
        },
      }),
      async (c) => {
        const team = await findTeam(c, c.req.valid("param").teamId);
        // Validated against kind.schema by the route; the generic loses that type on the way.
        const rule = c.req.valid("json") as T;
        if (op === "add") await assertAgentsOfTenant(c, team.tenantId, kind.agentIds(rule));
        const result = await relayOf(c.env, team.id).editAllowlist(team.id, team.tenantId, kind.edit(op, rule));
        if (!result.ok)
          throw new ApiError("conflict", `The allowlist already holds ${result.max} ${kind.segment}; remove some first.`, {
            max: result.max,
            version: result.current.version,
          });
        if (result.changed) {
          const { version, edges, topics } = result.allowlist;
          await audit(c, {
            action: "team.allowlist_updated",
            target: { type: "team", id: team.id },
            details: { version, op, [kind.detailKey]: rule, edges: edges.length, topics: topics.length },
          });
        }
        return c.json({ allowlist: result.allowlist, changed: result.changed }, 200);
      },
    );
  }
}

const agentIdsOf = (subjects: Subject[]) => subjects.filter((s) => s.kind === "agent").map((s) => s.id);
ruleEditRoutes<Edge>({
  segment: "edges",
  schema: EdgeSchema,
  noun: "edge",
  detailKey: "edge",
  edit: (op, edge) => ({ op, edge }),
  agentIds: (e) => agentIdsOf([e.from, e.to]),
});
ruleEditRoutes<TopicRule>({
  segment: "topics",
  schema: TopicRuleSchema,
  noun: "topic rule",
  detailKey: "topicRule",
  edit: (op, topic) => ({ op, topic }),
  agentIds: (t) => agentIdsOf([t.subject]),
});

function assertUpgrade(c: Context<AppEnv>): void {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    throw new ApiError("upgrade_required", "This is a WebSocket endpoint: connect with `Upgrade: websocket`.");
}

function subprotocols(c: Context<AppEnv>): string[] {
  return (c.req.header("sec-websocket-protocol") ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}

function offersSubprotocol(c: Context<AppEnv>): boolean {
  return subprotocols(c).includes(SUBPROTOCOL);
}

/** The agent token from the Authorization header, or (browsers) a `bearer.<token>` subprotocol. */
function presentedToken(c: Context<AppEnv>): { token: string; viaSubprotocol: boolean } {
  const [scheme, credential] = (c.req.header("authorization") ?? "").split(" ", 2);
  if (scheme?.toLowerCase() === "bearer" && credential) return { token: credential.trim(), viaSubprotocol: false };
  const offered = subprotocols(c);
  const entry = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (entry) {
    // A browser must accept the subprotocol we echo; it has to be on the list it offered.
    if (!offered.includes(SUBPROTOCOL)) throw new ApiError("bad_request", `Offer \`${SUBPROTOCOL}\` next to the bearer entry.`);
    return { token: entry.slice(BEARER_PROTOCOL_PREFIX.length), viaSubprotocol: true };
  }
  throw new ApiError(
    "unauthenticated",
    "Send the agent token as `Authorization: Bearer <token>` (or as the `bearer.<token>` subprotocol from a browser).",
    undefined,
    { "WWW-Authenticate": 'Bearer error="invalid_request"' },
  );
}

/** Hands the upgrade to the team's relay with an identity we built — nothing of the client's request travels on. */
async function forward(c: Context<AppEnv>, teamId: string, identity: ConnectIdentity): Promise<Response> {
  const response = await relayOf(c.env, teamId).fetch("https://relay.internal/connect", {
    headers: { upgrade: "websocket", [IDENTITY_HEADER]: JSON.stringify(identity) },
  });
  if (response.status !== 101) {
    const body = await response.text();
    if (response.status === 429)
      throw new ApiError("rate_limited", "This agent holds the maximum number of connections to this team's relay.");
    // Suspended while the upgrade was on its way (the relay read it from D1 after our check).
    if (response.status === 403)
      throw new ApiError("agent_suspended", "The agent is suspended. An admin must resume it before it can connect.");
    throw new ApiError("internal_error", `The relay refused the connection: ${body.slice(0, 200)}`);
  }
  return response;
}

/** The team through the one scoped lookup: watching needs teams:read in the team's project, allowlist changes teams:write. */
function findTeam(c: Context<AppEnv>, teamId: string) {
  const writes = c.req.method !== "GET";
  return findTeamInScope(c, teamId, writes ? "teams:write" : "teams:read", { write: writes });
}

async function assertAgentsOfTenant(c: Context<AppEnv>, tenantId: string, agentIds: string[]): Promise<void> {
  const wanted = [...new Set(agentIds)];
  if (wanted.length === 0) return;
  const found = new Set<string>();
  for (let i = 0; i < wanted.length; i += 90) {
    const rows = await c
      .get("db")
      .select({ id: agents.id })
      .from(agents)
      .where(and(eq(agents.tenantId, tenantId), isNull(agents.deletedAt), inArray(agents.id, wanted.slice(i, i + 90))))
      .all();
    for (const r of rows) found.add(r.id);
  }
  const unknown = wanted.filter((id) => !found.has(id));
  if (unknown.length > 0)
    throw invalidFields(
      unknown.map((id) => ({ path: "agentId", message: `Not an agent of this tenant: ${id}` })),
      { unknownAgentIds: unknown },
    );
}
