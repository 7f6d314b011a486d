/**
 * The kill switch (docs/governance.md "Kill switch and safe mode"): put the tenant or one team in
 * safe mode with a reason, read where it stands (every member sees it: the dashboard banner), and
 * lift it. Entering and lifting need `governance:safe_mode` (owners and admins, or an API key given
 * that scope — incident automation); a person with MFA re-proves it with `mfaCode`, because a
 * stolen session must not be able to stop — or restart — a company's agents.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import {
  EnterSafeModeInputSchema,
  LiftSafeModeInputSchema,
  SafeModeEnteredSchema,
  SafeModeStatusSchema,
} from "../../../shared/schemas/safe-mode";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { TeamParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { requirePrincipal } from "../middleware/access";
import { enterSafeMode, liftSafeMode, readSafeMode } from "../services/safe-mode";
import { checkSecondFactor } from "../services/second-factor";
import { findTeamInScope } from "../services/team-scope";

export const safeModeRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Governance"];

const switchErrors = {
  403: jsonResponse(
    ErrorBodySchema,
    "`forbidden`: not an owner or admin (or an API key without `governance:safe_mode`); `mfa_code_required`: your account has MFA and `mfaCode` is missing.",
  ),
  409: jsonResponse(ErrorBodySchema, "`conflict`: already in safe mode (enter) / not in safe mode (lift)."),
  401: jsonResponse(ErrorBodySchema, "`invalid_mfa_code`: the code is not right."),
};

/**
 * Who throws the switch: a person, having re-proved their second factor when they have one, or an
 * API key holding the scope (a key has no second factor; its maker chose to grant the scope).
 * Returns the person's id, or the key's.
 */
async function recheckedActor(c: Context<AppEnv>, mfaCode: string | undefined, purpose: string): Promise<string> {
  const principal = requirePrincipal(c);
  if (principal.type === "api_key") return principal.apiKey.id;
  const { user } = principal;
  if (user.mfaEnabledAt !== null) {
    if (!mfaCode)
      throw new ApiError("mfa_code_required", "Your account has MFA: enter a current authenticator code (or a recovery code) to confirm.", {
        field: "mfaCode",
      });
    const factor = await checkSecondFactor(c, user, mfaCode, { purpose });
    if (!factor)
      throw new ApiError(
        "invalid_mfa_code",
        "That code is not right. Enter the current code from your authenticator app, or an unused recovery code.",
      );
  }
  return user.id;
}

safeModeRoutes.openapi(
  defineRoute("tenant:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/safe-mode",
    tags,
    summary: "Is the tenant, or any of its teams, in safe mode",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(SafeModeStatusSchema, "The tenant's safe mode and each held team's.") },
  }),
  async (c) => c.json(await readSafeMode(c.get("db"), c.get("tenantAccess").tenant.id), 200),
);

for (const scope of ["tenant", "team"] as const) {
  const base = scope === "tenant" ? "/v1/tenants/{tenantId}/safe-mode" : "/v1/tenants/{tenantId}/teams/{teamId}/safe-mode";
  const params = scope === "tenant" ? TenantParams : TeamParams;
  const whom = scope === "tenant" ? "every agent of the tenant" : "the team's agents";
  const teamIdOf = async (c: Context<AppEnv>): Promise<string | null> => {
    if (scope === "tenant") return null;
    const teamId = c.req.param("teamId")!;
    return (await findTeamInScope(c, teamId, "governance:safe_mode")).id;
  };

  safeModeRoutes.openapi(
    defineRoute("governance:safe_mode", {
      method: "post",
      path: base,
      tags,
      summary: scope === "tenant" ? "Put the tenant in safe mode (kill switch)" : "Put a team in safe mode",
      description: `Stops ${whom} at once: their relay connections close (code 4023), token exchanges and verifications answer 423 \`safe_mode\`, egress calls, MCP tools and skill invocations are refused. A held agent is held everywhere (a team's agents on their other teams too). Audited (\`safe_mode.entered\`, critical) and alerted (a "Safe mode" alert rule is created on first use).`,
      request: { params, body: jsonBody(EnterSafeModeInputSchema) },
      responses: { 201: jsonResponse(SafeModeEnteredSchema, "In safe mode."), ...switchErrors },
    }),
    async (c) => {
      const { reason, mfaCode } = c.req.valid("json");
      const teamId = await teamIdOf(c);
      const actorId = await recheckedActor(c, mfaCode, "safe_mode_enter");
      const entered = await enterSafeMode(c, { teamId, reason, userId: actorId });
      const status = await readSafeMode(c.get("db"), c.get("tenantAccess").tenant.id);
      const safeMode = teamId ? status.teams.find((t) => t.teamId === teamId) : status.tenant;
      return c.json({ safeMode: safeMode!, closedConnections: entered.closedConnections, agentsHeld: entered.agentsHeld }, 201);
    },
  );

  safeModeRoutes.openapi(
    defineRoute("governance:safe_mode", {
      method: "post",
      path: `${base}/lift`,
      tags,
      summary: scope === "tenant" ? "Lift the tenant's safe mode" : "Lift a team's safe mode",
      description:
        "Agents may get tokens, connect and call out again (the SDK reconnects by itself). A team held on its own stays held when the tenant's safe mode is lifted, and the reverse. Audited (`safe_mode.lifted`).",
      request: { params, body: jsonBody(LiftSafeModeInputSchema) },
      responses: { 200: jsonResponse(SafeModeStatusSchema, "Lifted; where the tenant stands now."), ...switchErrors },
    }),
    async (c) => {
      const { reason, mfaCode } = c.req.valid("json");
      const teamId = await teamIdOf(c);
      await recheckedActor(c, mfaCode, "safe_mode_lift");
      await liftSafeMode(c, { teamId, reason: reason ?? null });
      return c.json(await readSafeMode(c.get("db"), c.get("tenantAccess").tenant.id), 200);
    },
  );
}
