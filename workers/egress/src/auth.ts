/**
 * Agents authenticate to the proxy with an agent token of audience `switchboard:egress`
 * (`POST /v1/agent-tokens` with `"audience": "egress"`). The signature and claims are verified
 * here (signing keys cached per isolate: no D1 read per call); the agent's current state —
 * suspended, deleted, tenant — is checked by its EgressGate, which the API tells of every change.
 */
import { verifyAgentTokenSignature } from "../../shared/agent-identity/agent-token";
import { EGRESS_AUDIENCE } from "../../shared/agent-identity/claims";
import { agentTokenWireError } from "../../shared/agent-identity/errors";
import type { EgressEnv, EgressIdentity } from "./env";
import { errorResponse } from "./errors";

export async function authenticate(env: EgressEnv, request: Request, via: EgressIdentity["via"]): Promise<EgressIdentity | Response> {
  const [scheme, token] = (request.headers.get("authorization") ?? "").split(" ", 2);
  if (scheme?.toLowerCase() !== "bearer" || !token) {
    return errorResponse(
      "unauthenticated",
      'Send an egress agent token as `Authorization: Bearer <token>` (POST /v1/agent-tokens with audience "egress").',
      undefined,
      { "www-authenticate": 'Bearer error="invalid_request"' },
    );
  }
  const result = await verifyAgentTokenSignature(env, token.trim(), { audience: EGRESS_AUDIENCE });
  if (!result.ok) {
    const wire = agentTokenWireError(result);
    return errorResponse(wire.code, wire.message, wire.details, { "www-authenticate": 'Bearer error="invalid_token"' });
  }
  const skill = request.headers.get("x-switchboard-skill");
  const run = request.headers.get("x-switchboard-run");
  return {
    agentId: result.claims.sub,
    tenantId: result.claims.tid,
    skill: skill && skill.length <= 40 ? skill : null,
    run: run ? run.slice(0, 128) : null,
    via,
  };
}
