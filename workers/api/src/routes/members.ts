/**
 * Tenant members: list, change role, remove, and leave.
 *
 * Owner rules (shared/auth/owner-rules.ts, also used by invites and the dashboard): only an owner
 * may grant the owner role or change or remove an owner. The last-owner rule lives in the SQL of
 * the UPDATE/DELETE itself (`keepsAnOwner`): a count-then-write would let two concurrent demotions
 * of the last two owners both see "two owners" and leave none.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, gt, sql } from "drizzle-orm";
import type { Context } from "hono";
import { ownerRuleViolation } from "../../../shared/auth/owner-rules";
import type { Role } from "../../../shared/auth/roles";
import { memberships, users } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { pageOf, PageQuerySchema } from "../../../shared/schemas/common";
import { MemberSchema, UpdateMemberInputSchema } from "../../../shared/schemas/members";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { MemberParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { enterTenant, requireUser } from "../middleware/access";
import { toMember, type MemberView } from "../serializers";

export const membersRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Members"];
const MemberEnvelope = z.object({ member: MemberSchema });
const CONFLICTS = { 409: jsonResponse(ErrorBodySchema, "`last_owner`: the change would leave the tenant without an owner.") };

const MEMBER_COLUMNS = {
  userId: memberships.userId,
  email: users.email,
  name: users.name,
  role: memberships.role,
  createdAt: memberships.createdAt,
};

membersRoutes.openapi(
  defineRoute("members:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/members",
    tags,
    summary: "List the tenant's members, ordered by user id",
    request: { params: TenantParams, query: PageQuerySchema },
    responses: { 200: jsonResponse(pageOf(MemberSchema, "MemberPage"), "A page of members.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const { tenant } = c.get("tenantAccess");
    const rows = await c
      .get("db")
      .select(MEMBER_COLUMNS)
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.tenantId, tenant.id), after !== undefined ? gt(memberships.userId, after) : undefined))
      .orderBy(memberships.userId)
      .limit(limit + 1)
      .all();
    return c.json(
      toPage(rows, limit, toMember, (m) => m.userId),
      200,
    );
  },
);

membersRoutes.openapi(
  defineRoute("members:write", {
    method: "patch",
    path: "/v1/tenants/{tenantId}/members/{userId}",
    tags,
    summary: "Change a member's role",
    description:
      "Only an owner may grant the owner role or change an owner's role (`owner_required`). The last owner cannot be demoted (`last_owner`).",
    request: { params: MemberParams, body: jsonBody(UpdateMemberInputSchema) },
    responses: { 200: jsonResponse(MemberEnvelope, "The member with the new role."), ...CONFLICTS },
  }),
  async (c) => {
    const { userId } = c.req.valid("param");
    const { role } = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const member = await findMember(c, userId);
    assertMayTouch(c, member.role, role);
    if (member.role === role) return c.json({ member: toMember(member) }, 200);

    const result = await c
      .get("db")
      .update(memberships)
      .set({ role })
      // Also conditional on the role we read, so the audit's `from` is the role actually replaced.
      .where(
        and(
          eq(memberships.tenantId, tenant.id),
          eq(memberships.userId, userId),
          eq(memberships.role, member.role),
          keepsAnOwner(tenant.id),
        ),
      )
      .run();
    if (result.meta.changes === 0) throw await whyUnchanged(c, member);

    await audit(c, {
      action: "member.role_changed",
      target: { type: "member", id: userId },
      severity: member.role === "owner" || role === "owner" ? "warning" : "info",
      details: { from: member.role, to: role },
    });
    return c.json({ member: toMember({ ...member, role }) }, 200);
  },
);

membersRoutes.openapi(
  defineRoute("members:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/members/{userId}",
    tags,
    summary: "Remove a member from the tenant",
    description:
      "Only an owner may remove an owner (`owner_required`). The last owner cannot be removed (`last_owner`). To leave a tenant yourself, use `DELETE /v1/me/memberships/{tenantId}`.",
    request: { params: MemberParams },
    responses: { 204: { description: "Removed." }, ...CONFLICTS },
  }),
  async (c) => {
    const { userId } = c.req.valid("param");
    const member = await findMember(c, userId);
    assertMayTouch(c, member.role, null);
    await removeMembership(c, member);
    await audit(c, {
      action: "member.removed",
      target: { type: "member", id: userId },
      severity: "warning",
      details: { role: member.role, email: member.email },
    });
    return c.body(null, 204);
  },
);

membersRoutes.openapi(
  // A person's own membership, so "user" access: leaving must not need the right to manage people,
  // and API keys (which are not members) cannot leave anything.
  defineRoute("user", {
    method: "delete",
    path: "/v1/me/memberships/{tenantId}",
    tags,
    summary: "Leave a tenant (remove your own membership)",
    description: "Any member may leave. The last owner cannot (`last_owner`): make someone else an owner first.",
    request: { params: TenantParams },
    responses: { 204: { description: "You are no longer a member." }, ...CONFLICTS },
  }),
  async (c) => {
    const { user } = requireUser(c);
    await enterTenant(c, c.req.valid("param").tenantId);
    const member = await findMember(c, user.id);
    await removeMembership(c, member);
    await audit(c, { action: "member.left", target: { type: "member", id: user.id }, details: { role: member.role } });
    return c.body(null, 204);
  },
);

async function findMember(c: Context<AppEnv>, userId: string): Promise<MemberView> {
  const { tenant } = c.get("tenantAccess");
  const member = await c
    .get("db")
    .select(MEMBER_COLUMNS)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenant.id), eq(memberships.userId, userId)))
    .get();
  if (!member) throw notFound("Member");
  return member;
}

/** Owners are changed, removed or created only by owners (shared/auth/owner-rules.ts; API keys are never owners). */
function assertMayTouch(c: Context<AppEnv>, currentRole: Role, newRole: Role | null): void {
  const violation = ownerRuleViolation(c.get("tenantAccess").role, currentRole, newRole);
  if (violation === "owner_target") throw new ApiError("owner_required", "Only an owner may change or remove an owner.");
  if (violation === "owner_grant") throw new ApiError("owner_required", "Only an owner may grant the owner role.");
}

/**
 * A WHERE condition that is false for the tenant's only owner. Evaluated by SQLite inside the
 * same statement as the write, so it sees the owner count at the moment of the write.
 */
function keepsAnOwner(tenantId: string) {
  return sql`NOT (${memberships.role} = 'owner' AND (SELECT count(*) FROM memberships AS o WHERE o.tenant_id = ${tenantId} AND o.role = 'owner') <= 1)`;
}

async function removeMembership(c: Context<AppEnv>, member: MemberView): Promise<void> {
  const { tenant } = c.get("tenantAccess");
  const result = await c
    .get("db")
    .delete(memberships)
    .where(and(eq(memberships.tenantId, tenant.id), eq(memberships.userId, member.userId), keepsAnOwner(tenant.id)))
    .run();
  if (result.meta.changes === 0) throw await whyUnchanged(c, member);
}

/** A guarded write changed nothing: say whether the member went away, changed meanwhile, or is the last owner. */
async function whyUnchanged(c: Context<AppEnv>, before: MemberView): Promise<ApiError> {
  const { tenant } = c.get("tenantAccess");
  const now = await c
    .get("db")
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenant.id), eq(memberships.userId, before.userId)))
    .get();
  if (!now) return notFound("Member");
  if (now.role !== before.role)
    return new ApiError("conflict", "The member's role changed while this request was made. Reload and try again.", { role: now.role });
  return new ApiError("last_owner", "This would leave the tenant without an owner. Make another member an owner first.");
}
