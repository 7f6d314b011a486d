/**
 * What the signed-in person may do in a tenant, from the one permission matrix the API enforces
 * (workers/shared/auth/permissions.ts: `roleHas`, `ROLE_PERMISSIONS`). Used only to hide what
 * would be refused: the API still checks.
 */
import { ROLE_PERMISSIONS, roleHas, type Permission } from "@shared/auth/permissions";
import { ROLES, roleRank, type Role } from "@shared/auth/roles";

export type { Permission, Role };

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role != null && roleHas(role, permission);
}

/** Permissions the role holds, in matrix order (e.g. the scopes an API key may carry). */
export function permissionsOf(role: Role | null | undefined): Permission[] {
  return role ? [...ROLE_PERMISSIONS[role]] : [];
}

/**
 * The owner-only rule, as the API applies it in its members and invites routes: only an owner
 * grants the owner role, or changes or removes an owner.
 * STILL A COPY: workers/shared/auth/ has no home for this rule yet (the API checks it in
 * routes/members.ts `assertMayTouch` and routes/invites.ts). When the shared module exports it,
 * this function becomes an import.
 */
function ownerRuleAllows(actor: Role, target: Role): boolean {
  return target !== "owner" || actor === "owner";
}

/** Roles `actor` may grant: members:write is needed to grant anything, and only owners grant owner. */
export function grantableRoles(actor: Role | null | undefined): Role[] {
  if (!actor || !can(actor, "members:write")) return [];
  return ROLES.filter((r) => ownerRuleAllows(actor, r));
}

/** Whether `actor` may change or remove a member who has `target` role (only owners touch owners). */
export function mayManageMember(actor: Role | null | undefined, target: Role): boolean {
  return !!actor && can(actor, "members:write") && ownerRuleAllows(actor, target);
}

export { ROLES, roleRank };
