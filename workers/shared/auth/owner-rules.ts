/**
 * The owner rules, in one place for the API (members and invites routes) and the dashboard (which
 * hides what would be refused): only an owner may grant the owner role — by a role change or an
 * invite — or change or remove an owner. An API key has no role (`null`) and is never an owner.
 * (The last-owner rule is not here: it is enforced inside the SQL of the write itself, see the
 * members route, because only the database sees concurrent demotions.)
 *
 * Imports only the role and permission tables, so the browser can import it.
 */
import { ROLE_PERMISSIONS } from "./permissions";
import { ROLES, type Role } from "./roles";

/** What an owner rule forbids: touching an existing owner, or handing out the owner role. */
export type OwnerRuleViolation = "owner_target" | "owner_grant";

/**
 * Whether `actor` may move a person from role `current` (null: not a member yet, i.e. an invite)
 * to role `next` (null: removal). Returns the rule it breaks, or null when allowed. Does not check
 * `members:write` itself: routes require it as their access rule.
 */
export function ownerRuleViolation(actor: Role | null, current: Role | null, next: Role | null): OwnerRuleViolation | null {
  if (actor === "owner") return null;
  if (current === "owner") return "owner_target";
  if (next === "owner") return "owner_grant";
  return null;
}

/** Roles `actor` may grant (to a member or in an invite): none without members:write, owner only by an owner. */
export function grantableRoles(actor: Role | null | undefined): Role[] {
  if (!actor || !ROLE_PERMISSIONS[actor].has("members:write")) return [];
  return ROLES.filter((role) => ownerRuleViolation(actor, null, role) === null);
}

/** Whether `actor` may change or remove a member who has role `target`. */
export function mayManageMember(actor: Role | null | undefined, target: Role): boolean {
  return !!actor && ROLE_PERMISSIONS[actor].has("members:write") && ownerRuleViolation(actor, target, null) === null;
}
