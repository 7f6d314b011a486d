/**
 * The dashboard's "test a command" box (docs/governance.md "Dashboard: the Guardrails screen"): a
 * member asks what the tenant's current guardrail policy (`config.guardrails`) would decide for a
 * command line, SQL or an HTTP call at a chosen trust level. Same input and verdict as the agents'
 * `POST /v1/agent/guardrails/check`, computed by the same pure function, but not audited: a person
 * trying a command is not an agent acting, and the audit log's `guardrail.checked` events must keep
 * meaning "an agent asked".
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { guardrailVerdict } from "../../../shared/coordination/guardrails";
import { guardrailPolicyOf } from "../../../shared/guardrails/tenant-policy";
import { TenantGuardrailCheckInputSchema, TenantGuardrailCheckSchema } from "../../../shared/schemas/guardrails";
import type { TrustLevel } from "../../../shared/trust-levels";
import type { AppEnv } from "../env";
import { TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";

export const guardrailsRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Governance"];

/** The default trust level of a test: 2, the first level whose agents act (below it they only read). */
const DEFAULT_TEST_TRUST: TrustLevel = 2;

guardrailsRoutes.openapi(
  defineRoute("tenant:read", {
    method: "post",
    path: "/v1/tenants/{tenantId}/guardrails/check",
    tags,
    summary: "Test an action against the tenant's guardrail policy",
    description:
      "What the tenant's current guardrail policy (`config.guardrails`) decides for a command line, SQL or an HTTP call (same `action`/`resource`/`content` as `POST /v1/agent/guardrails/check`) at `trustLevel` (default 2): the decision with each finding's rule, pack, severity, action and reason. For people trying the policy (the dashboard's Guardrails screen): nothing is executed and nothing is audited. Every member may use it. docs/governance.md.",
    request: { params: TenantParams, body: jsonBody(TenantGuardrailCheckInputSchema) },
    responses: { 200: jsonResponse(TenantGuardrailCheckSchema, "The verdict, with the policy it was computed under.") },
  }),
  (c) => {
    const tenant = c.get("tenantAccess").tenant;
    const { trustLevel = DEFAULT_TEST_TRUST, ...input } = c.req.valid("json");
    const policy = guardrailPolicyOf(tenant.config);
    const { verdict } = guardrailVerdict(input, policy, trustLevel as TrustLevel);
    return c.json({ verdict, trustLevel, policy, configVersion: tenant.configVersion }, 200);
  },
);
