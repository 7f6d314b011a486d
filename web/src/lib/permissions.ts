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

/** The owner rules, exactly as the API applies them (one home: workers/shared/auth/owner-rules.ts). */
export { grantableRoles, mayManageMember } from "@shared/auth/owner-rules";

export { ROLES, roleRank };
