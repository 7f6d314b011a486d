/**
 * The one enforcement point of "SSO required" for password and GitHub/Google sign-in
 * (policy in ./policy.ts). A break-glass owner passes, and every such sign-in is audited as
 * critical on the tenant's chain so it cannot go unnoticed.
 */
import type { Context } from "hono";
import type { UserRow } from "../../../../shared/db/schema";
import type { AppEnv } from "../../env";
import { ApiError } from "../../http/api-error";
import { audit } from "../../http/audit";
import { ssoRequirementsFor, ssoStartPath } from "./policy";

export async function refuseIfSsoRequired(c: Context<AppEnv>, user: UserRow, method: string): Promise<void> {
  const requirements = await ssoRequirementsFor(c.get("db"), user);
  const blocking = requirements.find((r) => !r.breakGlass);
  const actor = { type: "user" as const, id: user.id, name: user.email };
  if (blocking) {
    await audit(c, {
      tenantId: blocking.tenantId,
      actor,
      action: "auth.login_failed",
      target: { type: "user", id: user.id },
      severity: "warning",
      outcome: "failure",
      details: { reason: "sso_required", method },
    });
    throw new ApiError("sso_required", `${blocking.tenantName} requires single sign-on for your account. Sign in with SSO.`, {
      tenantId: blocking.tenantId,
      ssoStartUrl: ssoStartPath(user.email),
    });
  }
  for (const r of requirements) {
    await audit(c, {
      tenantId: r.tenantId,
      actor,
      action: "auth.sso_break_glass",
      target: { type: "user", id: user.id },
      severity: "critical",
      details: { method },
    });
  }
}
