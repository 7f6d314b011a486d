/** The owner rules, over every combination the API and the dashboard ask about. */
import { describe, expect, it } from "vitest";
import { grantableRoles, mayManageMember, ownerRuleViolation } from "./owner-rules";
import { ROLES, type Role } from "./roles";

const actors: (Role | null)[] = [...ROLES, null]; // null: an API key

describe("owner rules", () => {
  it("an owner may do anything; nobody else may touch an owner or hand out the owner role", () => {
    for (const actor of actors) {
      for (const current of [...ROLES, null] as (Role | null)[]) {
        for (const next of [...ROLES, null] as (Role | null)[]) {
          const violation = ownerRuleViolation(actor, current, next);
          const expected = actor === "owner" ? null : current === "owner" ? "owner_target" : next === "owner" ? "owner_grant" : null;
          expect(violation, `${actor} moves ${current} → ${next}`).toBe(expected);
        }
      }
    }
  });

  it("grantable roles: all for an owner, all but owner for an admin, none without members:write or for an API key", () => {
    expect(grantableRoles("owner")).toEqual(["owner", "admin", "member", "viewer"]);
    expect(grantableRoles("admin")).toEqual(["admin", "member", "viewer"]);
    expect(grantableRoles("member")).toEqual([]);
    expect(grantableRoles("viewer")).toEqual([]);
    expect(grantableRoles(null)).toEqual([]);
    expect(grantableRoles(undefined)).toEqual([]);
  });

  it("who may manage whom", () => {
    expect(mayManageMember("owner", "owner")).toBe(true);
    expect(mayManageMember("admin", "owner")).toBe(false);
    expect(mayManageMember("admin", "admin")).toBe(true);
    expect(mayManageMember("admin", "viewer")).toBe(true);
    expect(mayManageMember("member", "viewer")).toBe(false);
    expect(mayManageMember(null, "viewer")).toBe(false);
  });
});
