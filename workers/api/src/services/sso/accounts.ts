/**
 * Which Switchboard user and tenant role an SSO sign-in yields (docs/sso.md). The rules, in order:
 * 1. an `sso_identities` row for (connection, issuer, sub) → that user;
 * 2. otherwise the ID token's email must be present, not marked unverified, and in one of the
 *    connection's domains;
 * 3. a user with that email exists → linked only if already a member of this tenant (its admins
 *    vouched for them by inviting them). Domains are claimed first come, first served, without DNS
 *    proof yet, so a tenant's provider must not take over accounts it never had;
 * 4. no such user → created without a password when just-in-time provisioning is on.
 * Then the role: the group mapping (roles.ts) decides a new member's role and, at every sign-in,
 * an existing member's — never the last owner's demotion (checked inside the UPDATE).
 */
import { and, eq, sql } from "drizzle-orm";
import type { Context } from "hono";
import type { Role } from "../../../../shared/auth/roles";
import { newId } from "../../../../shared/crypto/ids";
import { memberships, ssoIdentities, users, type SsoConnectionRow, type UserRow } from "../../../../shared/db/schema";
import { EmailSchema } from "../../../../shared/schemas/common";
import type { SsoLoginError } from "../../../../shared/schemas/sso";
import type { AppEnv } from "../../env";
import { ApiError } from "../../http/api-error";
import { insertWithinPlanLimit } from "../plan-limits";
import { groupsFromClaims, nextRole, roleFromGroups } from "./roles";

export interface SsoClaims {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
  [claim: string]: unknown;
}

export type SsoSignIn =
  | { ok: true; user: UserRow; role: Role; previousRole: Role | null; account: "existing" | "linked" | "created"; groups: string[] }
  | {
      ok: false;
      reason: Extract<SsoLoginError, "sso_email_not_allowed" | "sso_account_exists" | "sso_not_provisioned" | "sso_no_role">;
      userId: string | null;
      groups: string[];
    };

export async function signInWithSso(c: Context<AppEnv>, connection: SsoConnectionRow, claims: SsoClaims): Promise<SsoSignIn> {
  const db = c.get("db");
  const groups = groupsFromClaims(claims, connection.groupsClaim);
  const mapped = roleFromGroups(groups, connection);
  const fail = (reason: Extract<SsoSignIn, { ok: false }>["reason"], userId: string | null = null): SsoSignIn => ({
    ok: false,
    reason,
    userId,
    groups,
  });

  const linked = await db
    .select({ user: users })
    .from(ssoIdentities)
    .innerJoin(users, eq(users.id, ssoIdentities.userId))
    .where(
      and(
        eq(ssoIdentities.connectionId, connection.id),
        eq(ssoIdentities.issuer, connection.issuer),
        eq(ssoIdentities.subject, claims.sub),
      ),
    )
    .get();

  let user: UserRow;
  let account: "existing" | "linked" | "created";
  const email = allowedEmail(claims, connection);
  if (linked) {
    user = linked.user;
    account = "existing";
  } else {
    if (!email) return fail("sso_email_not_allowed");
    const existing = await db.select().from(users).where(eq(users.email, email)).get();
    if (existing) {
      if (!(await memberRole(c, connection.tenantId, existing.id))) return fail("sso_account_exists", existing.id);
      user = existing;
      account = "linked";
    } else {
      if (!connection.jitProvisioning) return fail("sso_not_provisioned");
      if (mapped === null) return fail("sso_no_role");
      const now = Date.now();
      user = {
        id: newId("user", now),
        email,
        name: (typeof claims.name === "string" ? claims.name.trim().slice(0, 100) : "") || email.split("@")[0]!,
        passwordHash: null,
        isOperator: false,
        // The tenant's provider vouches for its own domain only; our own proof of the address stays unset.
        emailVerifiedAt: null,
        totpSecretEnc: null,
        totpLastStep: null,
        mfaEnabledAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await db.insert(users).values(user);
      account = "created";
    }
    await db
      .insert(ssoIdentities)
      .values({
        connectionId: connection.id,
        issuer: connection.issuer,
        subject: claims.sub,
        userId: user.id,
        email,
        createdAt: Date.now(),
        lastLoginAt: null,
      })
      .onConflictDoNothing();
  }

  const current = await memberRole(c, connection.tenantId, user.id);
  if (current === null) {
    if (!connection.jitProvisioning) return fail("sso_not_provisioned", user.id);
    if (mapped === null) return fail("sso_no_role", user.id);
    try {
      await insertWithinPlanLimit(c, "members", memberships, {
        tenantId: connection.tenantId,
        userId: user.id,
        role: mapped,
        createdAt: Date.now(),
      });
    } catch (err) {
      if (err instanceof ApiError && err.code === "plan_limit_exceeded") return fail("sso_not_provisioned", user.id);
      throw err;
    }
    await touchIdentity(c, connection, claims.sub);
    return { ok: true, user, role: mapped, previousRole: null, account, groups };
  }
  if (mapped === null && connection.groupRoles.length > 0) return fail("sso_no_role", user.id);
  const role = nextRole(current, mapped, connection);
  if (role !== current) {
    const changed = await db
      .update(memberships)
      .set({ role })
      .where(
        and(
          eq(memberships.tenantId, connection.tenantId),
          eq(memberships.userId, user.id),
          eq(memberships.role, current),
          // Never leave the tenant without an owner (same rule as the members API).
          sql`NOT (${memberships.role} = 'owner' AND (SELECT count(*) FROM memberships AS o WHERE o.tenant_id = ${connection.tenantId} AND o.role = 'owner') <= 1)`,
        ),
      )
      .run();
    if (changed.meta.changes === 0) {
      await touchIdentity(c, connection, claims.sub);
      return { ok: true, user, role: current, previousRole: current, account, groups };
    }
  }
  await touchIdentity(c, connection, claims.sub);
  return { ok: true, user, role, previousRole: current, account, groups };
}

/** The email of the claims, lower-cased, if the provider did not mark it unverified and its domain is the connection's. */
export function allowedEmail(claims: SsoClaims, connection: Pick<SsoConnectionRow, "emailDomains">): string | null {
  if (typeof claims.email !== "string" || claims.email_verified === false) return null;
  const parsed = EmailSchema.safeParse(claims.email);
  if (!parsed.success) return null;
  const domain = parsed.data.slice(parsed.data.lastIndexOf("@") + 1);
  return connection.emailDomains.includes(domain) ? parsed.data : null;
}

async function memberRole(c: Context<AppEnv>, tenantId: string, userId: string): Promise<Role | null> {
  const row = await c
    .get("db")
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
    .get();
  return row?.role ?? null;
}

function touchIdentity(c: Context<AppEnv>, connection: SsoConnectionRow, subject: string) {
  return c
    .get("db")
    .update(ssoIdentities)
    .set({ lastLoginAt: Date.now() })
    .where(
      and(eq(ssoIdentities.connectionId, connection.id), eq(ssoIdentities.issuer, connection.issuer), eq(ssoIdentities.subject, subject)),
    );
}
