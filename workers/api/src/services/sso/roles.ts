/**
 * Group claim → tenant role (docs/sso.md), a pure decision. The most powerful mapped role wins; a
 * person in no mapped group gets the connection's default role (null: refused). The owner role is
 * never granted by a group unless the tenant opted in (`allowOwnerFromGroups`): an "owner" mapping
 * is then read as admin.
 */
import { roleRank, type Role } from "../../../../shared/auth/roles";
import type { SsoConnectionRow } from "../../../../shared/db/schema";

export function groupsFromClaims(claims: Record<string, unknown>, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  return [];
}

export function roleFromGroups(
  groups: readonly string[],
  connection: Pick<SsoConnectionRow, "groupRoles" | "defaultRole" | "allowOwnerFromGroups">,
): Role | null {
  const held = new Set(groups);
  let best: Role | null = null;
  for (const { group, role } of connection.groupRoles) {
    if (!held.has(group)) continue;
    const granted: Role = role === "owner" && !connection.allowOwnerFromGroups ? "admin" : role;
    if (best === null || roleRank(granted) < roleRank(best)) best = granted;
  }
  return best ?? connection.defaultRole;
}

/**
 * The role an SSO sign-in leaves a member with. With group mappings the provider is the source of
 * truth and the mapped role replaces the current one at every sign-in — except that an owner stays
 * an owner unless groups may decide ownership. Without mappings the current role is kept.
 */
export function nextRole(
  current: Role,
  mapped: Role | null,
  connection: Pick<SsoConnectionRow, "groupRoles" | "allowOwnerFromGroups">,
): Role {
  if (mapped === null || connection.groupRoles.length === 0) return current;
  if (current === "owner" && !connection.allowOwnerFromGroups) return current;
  return mapped;
}
