/**
 * What the signed-in person may do in a tenant, from the one permission matrix the API enforces
 * (workers/shared/auth/permissions.ts). Used only to hide what would be refused: the API still checks.
 */
import { ROLE_PERMISSIONS, type Permission } from "@shared/auth/permissions";
import { ROLES, roleRank, type Role } from "@shared/auth/roles";

export type { Permission, Role };

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role != null && ROLE_PERMISSIONS[role].has(permission);
}

/** Permissions the role holds, in matrix order (e.g. the scopes an API key may carry). */
export function permissionsOf(role: Role | null | undefined): Permission[] {
  return role ? [...ROLE_PERMISSIONS[role]] : [];
}

/**
 * Roles `actor` may grant, mirroring the API's owner rules: only an owner grants owner.
 * (members:write is required to grant anything at all.)
 */
export function grantableRoles(actor: Role | null | undefined): Role[] {
  if (!can(actor, "members:write")) return [];
  return ROLES.filter((r) => r !== "owner" || actor === "owner");
}

/** Whether `actor` may change or remove a member who has `target` role (only owners touch owners). */
export function mayManageMember(actor: Role | null | undefined, target: Role): boolean {
  return can(actor, "members:write") && (target !== "owner" || actor === "owner");
}

export { ROLES, roleRank };
