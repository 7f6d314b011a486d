/**
 * "SSO required" (docs/sso.md): a person who is a member of a tenant whose enabled connection
 * requires SSO, and whose email is in that connection's domains, may not sign in with a password or
 * GitHub/Google — except the tenant's break-glass owner. Membership, not the domain alone, decides,
 * so a tenant cannot lock strangers at a domain out of their accounts.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../../../shared/db/client";
import { memberships, ssoConnections, tenants, type UserRow } from "../../../../shared/db/schema";

export interface SsoRequirement {
  tenantId: string;
  tenantName: string;
  /** This person is the tenant's break-glass owner: allowed, and audited as such. */
  breakGlass: boolean;
}

/** The tenants that require SSO of this person (break-glass ones flagged), empty when none does. */
export async function ssoRequirementsFor(db: Database, user: Pick<UserRow, "id" | "email">): Promise<SsoRequirement[]> {
  const domain = user.email.slice(user.email.lastIndexOf("@") + 1);
  const rows = await db
    .select({ tenantId: tenants.id, tenantName: tenants.name, role: memberships.role, connection: ssoConnections })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .innerJoin(ssoConnections, eq(ssoConnections.tenantId, memberships.tenantId))
    .where(
      and(
        eq(memberships.userId, user.id),
        isNull(tenants.deletedAt),
        eq(ssoConnections.ssoRequired, true),
        eq(ssoConnections.enabled, true),
      ),
    )
    .all();
  return rows
    .filter((r) => r.connection.emailDomains.includes(domain))
    .map((r) => ({
      tenantId: r.tenantId,
      tenantName: r.tenantName,
      breakGlass: r.connection.breakGlassUserId === user.id && r.role === "owner",
    }));
}

/** Where the login page sends a person to sign in with SSO. */
export function ssoStartPath(email: string, redirectTo: string | null = null): string {
  const params = new URLSearchParams({ email });
  if (redirectTo) params.set("redirectTo", redirectTo);
  return `/v1/auth/sso/start?${params}`;
}
