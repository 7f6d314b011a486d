import { z } from "zod";

/** Tenant roles, most powerful first. The order is used to compare roles (see `roleRank`). */
export const ROLES = ["owner", "admin", "member", "viewer"] as const;
export const RoleSchema = z.enum(ROLES).meta({ id: "Role", description: "A person's role in a tenant." });
export type Role = z.infer<typeof RoleSchema>;

/** 0 for owner … 3 for viewer: lower is more powerful. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}
