/**
 * Project scope for tenant routes (docs/projects.md). The route's `defineRoute` access check has
 * already passed at tenant level (a project role only ever narrows); these helpers add the project
 * part, in one place:
 * - which project a request acts in (named, the API key's own, or the tenant's default);
 * - 404 for a project outside the tenant, or outside a project-bound API key's project;
 * - 403 when the person's project role lacks the permission (`details.projectId` says where);
 * - 409 `project_archived` for changes in an archived project;
 * - the WHERE clause that limits a list to what the caller may see.
 * Rows with a null `project_id` (written before projects existed) belong to the default project.
 */
import { and, eq, isNull, not, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Context } from "hono";
import { projectRoleHas, type Permission } from "../../../shared/auth/permissions";
import type { Role } from "../../../shared/auth/roles";
import type { Database } from "../../../shared/db/client";
import { projectMembers, projects, type ProjectRow } from "../../../shared/db/schema";
import { DEFAULT_PROJECT_NAME, defaultProjectId } from "../../../shared/projects";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";

/** Creates the tenant's default project if it is not there yet (tenants made before projects, or by old code mid-rollout). */
export async function ensureDefaultProject(db: Database, tenantId: string, now = Date.now()): Promise<void> {
  await db.insert(projects).values(defaultProjectRow(tenantId, now)).onConflictDoNothing();
}

export function defaultProjectRow(tenantId: string, now: number): ProjectRow {
  return {
    id: defaultProjectId(tenantId),
    tenantId,
    name: DEFAULT_PROJECT_NAME,
    description: "",
    isDefault: true,
    archivedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The project-bound API key's project, or null for a person or a tenant-wide key. */
export function boundProjectId(c: Context<AppEnv>): string | null {
  const principal = c.get("principal");
  return principal?.type === "api_key" ? principal.apiKey.projectId : null;
}

/** A project of the route's tenant that the caller can see; 404 otherwise. */
export async function findProject(c: Context<AppEnv>, projectId: string): Promise<ProjectRow> {
  const { tenant } = c.get("tenantAccess");
  const bound = boundProjectId(c);
  if (bound !== null && bound !== projectId) throw notFound("Project");
  const db = c.get("db");
  const select = () =>
    db
      .select()
      .from(projects)
      .where(and(eq(projects.id, projectId), eq(projects.tenantId, tenant.id)))
      .get();
  let row = await select();
  if (!row && projectId === defaultProjectId(tenant.id)) {
    await ensureDefaultProject(db, tenant.id);
    row = await select();
  }
  if (!row) throw notFound("Project");
  return row;
}

/** The caller's role in a project, or null when none narrows their tenant role (and for API keys). */
export async function projectRoleOf(c: Context<AppEnv>, projectId: string): Promise<Role | null> {
  const principal = c.get("principal");
  if (principal?.type !== "user") return null;
  const row = await c
    .get("db")
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, principal.user.id)))
    .get();
  return row?.role ?? null;
}

export interface ProjectAccessOptions {
  /** The request changes something in the project: refused in an archived project. */
  write?: boolean;
}

/** The project, once the caller may use `permission` inside it. */
export async function requireInProject(
  c: Context<AppEnv>,
  projectId: string,
  permission: Permission,
  options: ProjectAccessOptions = {},
): Promise<ProjectRow> {
  const project = await findProject(c, projectId);
  const { role } = c.get("tenantAccess");
  if (role !== null && !projectRoleHas(role, await projectRoleOf(c, project.id), permission)) {
    throw new ApiError("forbidden", `Your role in the project "${project.name}" does not allow ${permission}.`, {
      permission,
      projectId: project.id,
    });
  }
  if (options.write && project.archivedAt !== null) {
    throw new ApiError("project_archived", `The project "${project.name}" is archived. Unarchive it to make changes in it.`, {
      projectId: project.id,
    });
  }
  return project;
}

/** For creating something: the named project, else the API key's project, else the tenant's default. */
export function requireProjectForCreate(c: Context<AppEnv>, requested: string | undefined, permission: Permission): Promise<ProjectRow> {
  const projectId = requested ?? boundProjectId(c) ?? defaultProjectId(c.get("tenantAccess").tenant.id);
  return requireInProject(c, projectId, permission, { write: true });
}

/** `column` (a `project_id`) is in the project; null counts as the default project. */
export function inProject(column: SQLiteColumn, project: Pick<ProjectRow, "id" | "isDefault">): SQL {
  return project.isDefault ? or(eq(column, project.id), isNull(column))! : eq(column, project.id);
}

/**
 * The filter of a list: one project when the request names one (or the API key is bound to one);
 * otherwise every project except those where the person's project role lacks `permission`.
 */
export async function listProjectFilter(
  c: Context<AppEnv>,
  column: SQLiteColumn,
  permission: Permission,
  requested: string | undefined,
): Promise<SQL | undefined> {
  const projectId = requested ?? boundProjectId(c);
  if (projectId !== null && projectId !== undefined) return inProject(column, await requireInProject(c, projectId, permission));
  const { role, tenant } = c.get("tenantAccess");
  const principal = c.get("principal");
  if (role === null || principal?.type !== "user") return undefined;
  const narrowed = await c
    .get("db")
    .select({ projectId: projectMembers.projectId, role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.tenantId, tenant.id), eq(projectMembers.userId, principal.user.id)))
    .all();
  const hidden = narrowed.filter((m) => !projectRoleHas(role, m.role, permission)).map((m) => m.projectId);
  if (hidden.length === 0) return undefined;
  const excluded = sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(hidden)}))`;
  // A null project_id is the default project: hidden with it, kept otherwise.
  return hidden.includes(defaultProjectId(tenant.id)) ? and(not(excluded), sql`${column} IS NOT NULL`) : or(isNull(column), not(excluded));
}
