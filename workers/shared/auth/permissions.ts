/**
 * The permission matrix: the one place that says what each tenant role may do.
 * Every API route declares exactly one `RouteAccess` (see workers/api/src/http/route.ts) and the
 * route table test checks that none is missing. API keys carry a subset of these as scopes.
 */
import { z } from "zod";
import { roleRank, type Role } from "./roles";

export const PERMISSIONS = [
  "tenant:read",
  "tenant:update",
  "tenant:delete",
  "members:read",
  "members:write",
  "agents:read",
  "agents:write",
  "agents:credentials",
  "teams:read",
  "teams:write",
  "api_keys:read",
  "api_keys:write",
  "audit:read",
  /** Bulk export of the audit trail (JSONL/CSV): admins and owners only, it is a data-exfiltration path. */
  "audit:export",
  /** Alert rules and webhooks; resolving alerts. Reading alerts needs only audit:read. */
  "alerts:write",
  /** Coordination administration: force-release any lock, apply a team YAML (docs/coordination.md). Admins and owners. */
  "coordination:admin",
  /** Projects inside the tenant (docs/projects.md): everyone sees them, admins and owners make, rename and archive them. */
  "projects:read",
  "projects:write",
  /** The tenant's single sign-on connection (docs/sso.md); its client secret is never read back. */
  "sso:read",
  "sso:write",
  /** Egress: read agents' rules and mode, test a URL, read egress activity. */
  "egress:read",
  /** Egress: grant and remove rules, tenant deny rules, switch an agent between mock and live. */
  "egress:write",
  /** Secrets: metadata only (names, bindings, scopes, versions) — values are never readable. */
  "secrets:read",
  /** Secrets: create, rotate, re-scope, delete. */
  "secrets:write",
  /** Skills: browse the catalog and the private registry, dry-run. */
  "skills:read",
  /** Skills: publish custom skills to the tenant's registry, deprecate and yank versions. */
  "skills:publish",
  /** Skills: install and uninstall skills on agents (grants their network permissions). */
  "skills:install",
  /** Billing (docs/billing.md): everyone sees the plan, usage and budgets (the banner says why an agent is refused); owners and admins buy, manage and set budgets. */
  "billing:read",
  "billing:write",
  /** The kill switch (docs/governance.md): put the tenant or a team in safe mode and lift it. Owners and admins (and API keys given this scope). */
  "governance:safe_mode",
  /** Policies as code (docs/governance.md): everyone reads the tenant's Cedar policy sets; owners and admins save, roll back, dry-run and turn Cedar on. */
  "policies:read",
  "policies:write",
  /** Approvals (docs/governance.md#approvals): everyone sees the inbox; owners and admins approve or deny. */
  "approvals:read",
  "approvals:decide",
] as const;
export const PermissionSchema = z.enum(PERMISSIONS).meta({ id: "Permission" });
export type Permission = z.infer<typeof PermissionSchema>;

const READ: Permission[] = [
  "tenant:read",
  "members:read",
  "agents:read",
  "teams:read",
  "audit:read",
  "projects:read",
  "egress:read",
  "skills:read",
  "billing:read",
  "policies:read",
  "approvals:read",
];

/**
 * - owner: everything, including deleting the tenant and granting owner (see members service).
 * - admin: runs the tenant day to day: people, agents and their credentials, API keys, settings.
 * - member: builds with agents and teams, reads everything else; no people, keys or settings.
 * - viewer: reads, never changes.
 */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(PERMISSIONS),
  admin: new Set(PERMISSIONS.filter((p) => p !== "tenant:delete")),
  member: new Set([...READ, "agents:write", "teams:write", "secrets:read", "skills:publish"]),
  viewer: new Set(READ),
};

export function roleHas(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/**
 * What a route needs. `public`: nobody needs to be signed in. `authenticated`: a person or an
 * API key. `user`: a signed-in person (not an API key), no tenant involved. `operator`: the platform operator flag. A `Permission`: a principal of the
 * route's `{tenantId}` holding that permission (through its role, or an API key's scopes).
 */
export type RouteAccess = "public" | "authenticated" | "user" | "operator" | Permission;

/**
 * Project roles (docs/projects.md). These permissions act on a project's resources, so a person's
 * role in that project (project_members) can narrow them; every other permission is tenant-wide
 * and follows the tenant role only. The effective role in a project is the less powerful of the
 * tenant role and the project role: a project role never widens. This is the one place for that rule.
 */
export const PROJECT_SCOPED_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  "agents:read",
  "agents:write",
  "agents:credentials",
  "teams:read",
  "teams:write",
  "api_keys:read",
  "api_keys:write",
  "audit:read",
]);

/** The role that applies inside a project: the narrower of the two. */
export function effectiveProjectRole(tenantRole: Role, projectRole: Role | null): Role {
  if (projectRole === null) return tenantRole;
  return roleRank(projectRole) > roleRank(tenantRole) ? projectRole : tenantRole;
}

/** Whether a person with this tenant role (and project role, if any) holds `permission` inside the project. */
export function projectRoleHas(tenantRole: Role, projectRole: Role | null, permission: Permission): boolean {
  const role = PROJECT_SCOPED_PERMISSIONS.has(permission) ? effectiveProjectRole(tenantRole, projectRole) : tenantRole;
  return roleHas(role, permission);
}
