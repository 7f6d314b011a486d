/**
 * Approvals (docs/governance.md#approvals): the tenant's inbox for people — list, get, approve,
 * deny, the live feed — and an agent's read of its own approval. Decisions need `approvals:decide`
 * (owners and admins, or an API key an admin gave that scope on purpose, e.g. a ChatOps bot).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { verifyAgentToken } from "../../../shared/agent-identity/agent-token";
import { EGRESS_AUDIENCE, RELAY_AUDIENCE } from "../../../shared/agent-identity/claims";
import { agentTokenWireError } from "../../../shared/agent-identity/errors";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { ApprovalDecisionInputSchema, ApprovalListQuerySchema, ApprovalSchema, type Approval } from "../../../shared/schemas/approvals";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { actorOf } from "../http/audit";
import { TeamParams, TenantParams } from "../http/params";
import { audit } from "../http/audit";
import { invalidFields } from "../http/validation-hook";
import { relayOf } from "../services/relay";
import { findTeamInScope } from "../services/team-scope";
import { MAX_SUPERVISED_PAIRS } from "../../../../durable-objects/team-relay/held";
import { agents, teamAgents } from "../../../shared/db/schema";
import { and, eq, inArray } from "drizzle-orm";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { allowedOrigins } from "../middleware/csrf";
import { bearerOf } from "../services/agent-caller";
import { deskOf } from "../services/approvals";

export const approvalsRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Approvals"];
const ApprovalEnvelope = z.object({ approval: ApprovalSchema });
const ApprovalList = z.object({ data: z.array(ApprovalSchema) }).meta({ id: "ApprovalList" });
const approvalId = z
  .string()
  .min(1)
  .max(64)
  .meta({ param: { name: "approvalId", in: "path" }, example: "apr_01JD0000000000000000000000" });
const ApprovalParams = TenantParams.extend({ approvalId });

// Registered before /approvals/{approvalId} so "live" is never taken for an id.
approvalsRoutes.openapi(
  defineRoute("approvals:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/approvals/live",
    tags,
    summary: "Live approvals (WebSocket, read-only)",
    description:
      'Upgrade to a WebSocket with the session cookie. Every new approval and every change of one (approved, denied, expired, executed) arrives as `{ "type": "approval", "approval": Approval }`: upsert by `approval.id`. Send `ping` to get `pong`. Frames flow from the moment the socket opens: load `GET .../approvals` after connecting.',
    request: { params: TenantParams },
    responses: {
      101: { description: "Switching Protocols: the connection is now the live approvals feed." },
      426: jsonResponse(ErrorBodySchema, "`upgrade_required`: the request is not a WebSocket upgrade."),
    },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
      throw new ApiError("upgrade_required", "This is a WebSocket endpoint: connect with `Upgrade: websocket`.");
    const origin = c.req.header("origin");
    if (origin !== undefined && !allowedOrigins(c).has(origin))
      throw new ApiError("csrf_rejected", `WebSocket connections from origin ${origin} are not allowed.`, { origin });
    return deskOf(c.env, tenant.id).fetch("https://approval-desk/live", { headers: { upgrade: "websocket" } });
  },
);

approvalsRoutes.openapi(
  defineRoute("approvals:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/approvals",
    tags,
    summary: "List approvals, newest first",
    description: "Filter with `status` (`pending` for the inbox). At most `limit` (default 50, max 200).",
    request: { params: TenantParams, query: ApprovalListQuerySchema },
    responses: { 200: jsonResponse(ApprovalList, "Approvals, newest first.") },
  }),
  async (c) => {
    const { status, limit } = c.req.valid("query");
    const { tenant } = c.get("tenantAccess");
    return c.json({ data: (await deskOf(c.env, tenant.id).list(status, limit)) as Approval[] }, 200);
  },
);

approvalsRoutes.openapi(
  defineRoute("approvals:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/approvals/{approvalId}",
    tags,
    summary: "Get an approval",
    request: { params: ApprovalParams },
    responses: { 200: jsonResponse(ApprovalEnvelope, "The approval.") },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const approval = (await deskOf(c.env, tenant.id).get(c.req.valid("param").approvalId)) as Approval | null;
    if (!approval) throw notFound("Approval");
    return c.json({ approval }, 200);
  },
);

for (const decision of ["approve", "deny"] as const) {
  approvalsRoutes.openapi(
    defineRoute("approvals:decide", {
      method: "post",
      path: `/v1/tenants/{tenantId}/approvals/{approvalId}/${decision}`,
      tags,
      summary: decision === "approve" ? "Approve a pending approval" : "Deny a pending approval",
      description:
        (decision === "approve"
          ? "The operation may go ahead: a held relay message is delivered at once; an egress call goes out when the agent retries it with `X-Switchboard-Approval` (within 15 minutes, once). "
          : "The operation is refused: a held relay message's sender gets a `denied` frame; an egress retry gets `approval_denied`. ") +
        "Needs `approvals:decide`. Audited (`approval.approved` / `approval.denied`, with the reason). 409 `conflict` if the approval is no longer pending (`details.status`).",
      request: { params: ApprovalParams, body: { ...jsonBody(ApprovalDecisionInputSchema), required: false } },
      responses: {
        200: jsonResponse(ApprovalEnvelope, "The decided approval."),
        409: jsonResponse(ErrorBodySchema, "`conflict`: the approval was already decided, used or expired."),
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      const { tenant } = c.get("tenantAccess");
      const raw = await c.req.text();
      let reason: string | null = null;
      if (raw.trim() !== "") {
        let json: unknown;
        try {
          json = JSON.parse(raw);
        } catch {
          throw new ApiError("invalid_json", "The body is not valid JSON.");
        }
        const parsed = ApprovalDecisionInputSchema.safeParse(json);
        if (!parsed.success)
          throw new ApiError("validation_failed", "The body is not a valid decision.", {
            issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
          });
        reason = parsed.data.reason || null;
      }
      const answer = await deskOf(c.env, tenant.id).decide(
        c.req.valid("param").approvalId,
        { decision, by: principal?.type === "user" ? principal.user.id : (principal?.apiKey.id ?? "unknown"), reason },
        actorOf(principal),
      );
      if (!answer.ok) {
        if (answer.code === "not_found") throw notFound("Approval");
        throw new ApiError("conflict", `The approval is ${answer.status}: it can no longer be decided.`, { status: answer.status });
      }
      return c.json({ approval: answer.approval as Approval }, 200);
    },
  );
}

approvalsRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/agent/approvals/{approvalId}",
    tags,
    summary: "Your approval's status (agent)",
    description:
      "An agent reads one of its own approvals (the id an `approval_pending` error or a `held` frame gave it): poll until `status` is `approved` (retry the egress call with `X-Switchboard-Approval`), `denied` or `expired`. Authenticated by the agent's relay or egress token; another agent's approval is 404.",
    request: { params: z.object({ approvalId }) },
    responses: { 200: jsonResponse(ApprovalEnvelope, "The approval.") },
  }),
  async (c) => {
    const token = bearerOf(c.req.header("authorization"));
    if (!token)
      throw new ApiError("unauthenticated", "Send the agent token as `Authorization: Bearer <token>`.", undefined, {
        "WWW-Authenticate": 'Bearer error="invalid_request"',
      });
    let result = await verifyAgentToken(c.env, token, { audience: RELAY_AUDIENCE });
    if (!result.ok) result = await verifyAgentToken(c.env, token, { audience: EGRESS_AUDIENCE });
    if (!result.ok) {
      const wire = agentTokenWireError(result);
      throw new ApiError(wire.code, wire.message, wire.details, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
    }
    const approval = (await deskOf(c.env, result.claims.tid).get(c.req.valid("param").approvalId)) as Approval | null;
    if (!approval || approval.agentId !== result.claims.sub) throw notFound("Approval");
    return c.json({ approval }, 200);
  },
);

// ---- supervised pairs: a team setting held by the team's relay

const SupervisedPairSchema = z
  .object({ a: z.string().min(1).max(64), b: z.string().min(1).max(64) })
  .strict()
  .meta({
    id: "SupervisedPair",
    description: "Two agents of the team: every direct message between them, either way, waits for a person.",
  });
const SupervisedPairsSchema = z
  .object({ pairs: z.array(SupervisedPairSchema).max(MAX_SUPERVISED_PAIRS) })
  .strict()
  .meta({ id: "SupervisedPairs" });

approvalsRoutes.openapi(
  defineRoute("teams:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/teams/{teamId}/supervised-pairs",
    tags,
    summary: "Get a team's supervised pairs",
    request: { params: TeamParams },
    responses: { 200: jsonResponse(SupervisedPairsSchema, "The pairs (each once, `a` < `b`).") },
  }),
  async (c) => {
    const team = await findTeamInScope(c, c.req.valid("param").teamId, "teams:read");
    return c.json({ pairs: await relayOf(c.env, team.id).getSupervisedPairs(team.id, team.tenantId) }, 200);
  },
);

approvalsRoutes.openapi(
  defineRoute("approvals:decide", {
    method: "put",
    path: "/v1/tenants/{tenantId}/teams/{teamId}/supervised-pairs",
    tags,
    summary: "Replace a team's supervised pairs",
    description:
      "Every `send` and `request` between the two agents of a pair (either direction) is held for a person's approval (a `held` frame to the sender; an approval of kind `supervised_message`). Applies from the next frame. Both agents must be members of the team. Owners and admins (`approvals:decide`). Audited (`team.supervised_pairs_updated`).",
    request: { params: TeamParams, body: jsonBody(SupervisedPairsSchema) },
    responses: { 200: jsonResponse(SupervisedPairsSchema, "The new pairs.") },
  }),
  async (c) => {
    const team = await findTeamInScope(c, c.req.valid("param").teamId, "approvals:decide", { write: true });
    const { pairs } = c.req.valid("json");
    const wanted = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
    if (wanted.length > 0) {
      const found = new Set<string>();
      for (let i = 0; i < wanted.length; i += 90) {
        const rows = await c
          .get("db")
          .select({ id: teamAgents.agentId })
          .from(teamAgents)
          .innerJoin(agents, eq(agents.id, teamAgents.agentId))
          .where(and(eq(teamAgents.teamId, team.id), inArray(teamAgents.agentId, wanted.slice(i, i + 90))))
          .all();
        for (const r of rows) found.add(r.id);
      }
      const unknown = wanted.filter((id) => !found.has(id));
      if (unknown.length > 0)
        throw invalidFields(
          unknown.map((id) => ({ path: "pairs", message: `Not an agent of this team: ${id}` })),
          { unknownAgentIds: unknown },
        );
    }
    const saved = await relayOf(c.env, team.id).putSupervisedPairs(team.id, team.tenantId, pairs);
    await audit(c, { action: "team.supervised_pairs_updated", target: { type: "team", id: team.id }, details: { pairs: saved } });
    return c.json({ pairs: saved }, 200);
  },
);
