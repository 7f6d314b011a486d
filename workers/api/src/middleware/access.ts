/**
 * Enforces a route's declared `RouteAccess` (see shared/auth/permissions.ts).
 * For tenant routes: a tenant the principal cannot see is 404 (never 403, so ids do not leak
 * existence); a visible tenant without the permission is 403 naming the permission; a person
 * without MFA in a tenant that requires it is 403 `mfa_required`, whatever the route.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { ROLE_PERMISSIONS, type Permission, type RouteAccess } from "../../../shared/auth/permissions";
import { memberships, tenants } from "../../../shared/db/schema";
import type { AppEnv, Principal, TenantAccess } from "../env";
import { ApiError, notFound } from "../http/api-error";

export function requireAccess(access: RouteAccess): MiddlewareHandler<AppEnv> {
  return async function checkAccess(c, next) {
    if (access === "public") return next();
    const principal = requirePrincipal(c);
    if (access === "authenticated") return next();
    if (access === "user") {
      if (principal.type !== "user") throw new ApiError("forbidden", "This route needs a signed-in person, not an API key.");
      return next();
    }
    if (access === "operator") {
      if (principal.type !== "user" || !principal.user.isOperator)
        throw new ApiError("forbidden", "This route is for platform operators.", { permission: "operator" });
      return next();
    }
    const tenantId = c.req.param("tenantId");
    if (!tenantId) throw new Error(`route ${c.req.path} declares ${access} but has no {tenantId}`);
    const tenantAccess = await resolveTenantAccess(c, principal, tenantId);
    if (!tenantAccess.permissions.has(access)) throw forbidden(principal, tenantAccess, access);
    c.set("tenantAccess", tenantAccess);
    return next();
  };
}

/**
 * For routes outside `/v1/tenants/{tenantId}` that still act inside one tenant as the caller
 * (e.g. leaving it): loads the caller's access the same way, 404 for a tenant they cannot see.
 */
export async function enterTenant(c: Context<AppEnv>, tenantId: string): Promise<TenantAccess> {
  const tenantAccess = await resolveTenantAccess(c, requirePrincipal(c), tenantId);
  c.set("tenantAccess", tenantAccess);
  return tenantAccess;
}

export function requirePrincipal(c: Context<AppEnv>): Principal {
  const principal = c.get("principal");
  if (!principal) throw new ApiError("unauthenticated", "Sign in, or send an API key as `Authorization: Bearer <key>`.");
  return principal;
}

export function requireUser(c: Context<AppEnv>) {
  const principal = requirePrincipal(c);
  if (principal.type !== "user") throw new ApiError("forbidden", "This route needs a signed-in person, not an API key.");
  return principal;
}

async function resolveTenantAccess(c: Context<AppEnv>, principal: Principal, tenantId: string): Promise<TenantAccess> {
  const db = c.get("db");
  if (principal.type === "api_key") {
    if (principal.apiKey.tenantId !== tenantId) throw notFound("Tenant");
    const tenant = await db
      .select()
      .from(tenants)
      .where(and(eq(tenants.id, tenantId), isNull(tenants.deletedAt)))
      .get();
    if (!tenant) throw notFound("Tenant");
    return { tenant, role: null, permissions: principal.permissions };
  }
  const row = await db
    .select({ tenant: tenants, role: memberships.role })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, principal.user.id), isNull(tenants.deletedAt)))
    .get();
  if (!row) throw notFound("Tenant");
  // People only: an API key is not a person and has no second factor to show.
  if (row.tenant.config.requireMfa && principal.user.mfaEnabledAt === null) {
    throw new ApiError(
      "mfa_required",
      "This tenant requires multi-factor authentication. Turn on MFA in your account security settings, then try again.",
      { tenantId },
    );
  }
  return { tenant: row.tenant, role: row.role, permissions: ROLE_PERMISSIONS[row.role] };
}

function forbidden(principal: Principal, tenantAccess: TenantAccess, access: Permission): ApiError {
  if (principal.type === "api_key" && principal.apiKey.scopes.includes(access)) {
    // The scope is there, but the key's maker no longer holds it: say so, or the 403 looks like a bug.
    return new ApiError(
      "forbidden",
      `This API key has the scope ${access}, but the role its creator holds now (${principal.creatorRole}) does not allow it.`,
      { permission: access, creatorRole: principal.creatorRole },
    );
  }
  return new ApiError("forbidden", `Your ${tenantAccess.role ? `role (${tenantAccess.role})` : "API key"} does not allow ${access}.`, {
    permission: access,
  });
}
