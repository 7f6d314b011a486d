/** The dashboard's permission helpers agree with the API's matrix and owner rule (members and invites routes). */
import { describe, expect, it } from "vitest";
import { ROLE_PERMISSIONS } from "@shared/auth/permissions";
import { ROLES } from "@shared/auth/roles";
import { can, grantableRoles, mayManageMember, permissionsOf } from "./permissions";

describe("dashboard permissions", () => {
  it("can() is the shared matrix, and no role means nothing", () => {
    for (const role of ROLES)
      for (const p of ROLE_PERMISSIONS.owner) expect(can(role, p), `${role} ${p}`).toBe(ROLE_PERMISSIONS[role].has(p));
    expect(can(null, "tenant:read")).toBe(false);
    expect(permissionsOf(undefined)).toEqual([]);
  });

  it("only owners grant, change or remove the owner role; roles without members:write grant nothing", () => {
    expect(grantableRoles("owner")).toEqual(["owner", "admin", "member", "viewer"]);
    expect(grantableRoles("admin")).toEqual(["admin", "member", "viewer"]);
    expect(grantableRoles("member")).toEqual([]);
    expect(grantableRoles(null)).toEqual([]);
    expect(mayManageMember("admin", "owner")).toBe(false);
    expect(mayManageMember("admin", "member")).toBe(true);
    expect(mayManageMember("owner", "owner")).toBe(true);
    expect(mayManageMember("viewer", "viewer")).toBe(false);
  });
});
