/**
 * Projects inside a tenant (docs/projects.md): create, rename, archive/unarchive, and the
 * per-project roles that narrow a member's tenant role. Agents, teams and API keys name their
 * project (`projectId`); their lists filter by `?projectId=`. The default project always exists
 * (created lazily for tenants older than projects) and cannot be archived.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, isNotNull, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { effectiveProjectRole } from "../../../shared/auth/permissions";
import type { Role } from "../../../shared/auth/roles";
import { newId } from "../../../shared/crypto/ids";
import { memberships, projectMembers, projects, users, type ProjectRow } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { pageOf, PageQuerySchema, toIso } from "../../../shared/schemas/common";
import {
  CreateProjectInputSchema,
  ProjectListQuerySchema,
  ProjectMemberSchema,
  ProjectSchema,
  SetProjectRoleInputSchema,
  UpdateProjectInputSchema,
  type Project,
} from "../../../shared/schemas/projects";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { ProjectMemberParams, ProjectParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { boundProjectId, ensureDefaultProject, findProject } from "../services/projects";

export const projectsRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Projects"];
const ProjectEnvelope = z.object({ project: ProjectSchema });
const ProjectMemberEnvelope = z.object({ member: ProjectMemberSchema });
const NAME_TAKEN = { 409: jsonResponse(ErrorBodySchema, "`conflict`: another project of this tenant has this name.") };

export const toProject = (p: ProjectRow): Project => ({
  id: p.id,
  tenantId: p.tenantId,
  name: p.name,
  description: p.description,
  isDefault: p.isDefault,
  status: p.archivedAt === null ? "active" : "archived",
  archivedAt: toIso(p.archivedAt),
  createdAt: toIso(p.createdAt),
  updatedAt: toIso(p.updatedAt),
});

projectsRoutes.openapi(
  defineRoute("projects:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/projects",
    tags,
    summary: "Create a project",
    request: { params: TenantParams, body: jsonBody(CreateProjectInputSchema) },
    responses: { 201: jsonResponse(ProjectEnvelope, "Created."), ...NAME_TAKEN },
  }),
  async (c) => {
    if (boundProjectId(c) !== null)
      throw new ApiError("forbidden", "An API key bound to one project cannot create projects.", { permission: "projects:write" });
    const input = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const now = Date.now();
    const row: ProjectRow = {
      id: newId("project", now),
      tenantId: tenant.id,
      name: input.name,
      description: input.description ?? "",
      isDefault: false,
      archivedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    // The default project first, so a new tenant's first project is never mistaken for it.
    await ensureDefaultProject(c.get("db"), tenant.id, now);
    await insertOrNameTaken(() => c.get("db").insert(projects).values(row).run(), input.name);
    await audit(c, { action: "project.created", target: { type: "project", id: row.id }, details: { name: row.name, projectId: row.id } });
    return c.json({ project: toProject(row) }, 201);
  },
);

projectsRoutes.openapi(
  defineRoute("projects:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/projects",
    tags,
    summary: "List projects, oldest first (the default project, dated with its tenant, comes first)",
    request: { params: TenantParams, query: PageQuerySchema.extend(ProjectListQuerySchema.shape) },
    responses: { 200: jsonResponse(pageOf(ProjectSchema, "ProjectPage"), "A page of projects.") },
  }),
  async (c) => {
    const { limit, cursor, status } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    await ensureDefaultProject(db, tenant.id);
    const bound = boundProjectId(c);
    const rows = await db
      .select()
      .from(projects)
      .where(
        and(
          eq(projects.tenantId, tenant.id),
          bound !== null ? eq(projects.id, bound) : undefined,
          status === "active" ? isNull(projects.archivedAt) : status === "archived" ? isNotNull(projects.archivedAt) : undefined,
          after !== undefined ? gt(projects.id, after) : undefined,
        ),
      )
      .orderBy(asc(projects.id))
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, toProject), 200);
  },
);

projectsRoutes.openapi(
  defineRoute("projects:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/projects/{projectId}",
    tags,
    summary: "Get a project",
    request: { params: ProjectParams },
    responses: { 200: jsonResponse(ProjectEnvelope, "The project.") },
  }),
  async (c) => c.json({ project: toProject(await findProject(c, c.req.valid("param").projectId)) }, 200),
);

projectsRoutes.openapi(
  defineRoute("projects:write", {
    method: "patch",
    path: "/v1/tenants/{tenantId}/projects/{projectId}",
    tags,
    summary: "Rename a project or change its description",
    request: { params: ProjectParams, body: jsonBody(UpdateProjectInputSchema) },
    responses: { 200: jsonResponse(ProjectEnvelope, "Updated."), ...NAME_TAKEN },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const before = await findProject(c, c.req.valid("param").projectId);
    const updated = await insertOrNameTaken(
      () =>
        c
          .get("db")
          .update(projects)
          .set({ ...input, updatedAt: Date.now() })
          .where(eq(projects.id, before.id))
          .returning()
          .get(),
      input.name ?? before.name,
    );
    if (!updated) throw notFound("Project");
    const changed = Object.keys(input) as Array<keyof typeof input>;
    await audit(c, {
      action: "project.updated",
      target: { type: "project", id: before.id },
      details: {
        projectId: before.id,
        changed,
        from: Object.fromEntries(changed.map((k) => [k, before[k]])),
        to: Object.fromEntries(changed.map((k) => [k, updated[k]])),
      },
    });
    return c.json({ project: toProject(updated) }, 200);
  },
);

for (const verb of ["archive", "unarchive"] as const) {
  projectsRoutes.openapi(
    defineRoute("projects:write", {
      method: "post",
      path: `/v1/tenants/{tenantId}/projects/{projectId}/${verb}`,
      tags,
      summary: verb === "archive" ? "Archive a project: its items stay readable, nothing new or changed enters it" : "Unarchive a project",
      description:
        verb === "archive"
          ? "While archived, creating or changing agents, teams and API keys in the project answers 409 `project_archived`; suspending or deleting agents, deleting teams and revoking keys still work. Running agents are not stopped. The default project cannot be archived (409 `conflict`)."
          : undefined,
      request: { params: ProjectParams },
      responses: {
        200: jsonResponse(ProjectEnvelope, verb === "archive" ? "Archived." : "Active again."),
        409: jsonResponse(ErrorBodySchema, "`conflict`: already in that state, or the default project."),
      },
    }),
    async (c) => {
      const project = await findProject(c, c.req.valid("param").projectId);
      if (verb === "archive" && project.isDefault)
        throw new ApiError("conflict", "The default project cannot be archived: items land there when no project is named.");
      const now = Date.now();
      // Conditional on the current state, so of two racing requests exactly one changes it.
      const updated = await c
        .get("db")
        .update(projects)
        .set({ archivedAt: verb === "archive" ? now : null, updatedAt: now })
        .where(and(eq(projects.id, project.id), verb === "archive" ? isNull(projects.archivedAt) : isNotNull(projects.archivedAt)))
        .returning()
        .get();
      if (!updated)
        throw new ApiError("conflict", verb === "archive" ? "The project is already archived." : "The project is not archived.");
      await audit(c, {
        action: `project.${verb}d`,
        target: { type: "project", id: project.id },
        severity: verb === "archive" ? "warning" : "info",
        details: { projectId: project.id, name: project.name },
      });
      return c.json({ project: toProject(updated) }, 200);
    },
  );
}

projectsRoutes.openapi(
  defineRoute("members:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/projects/{projectId}/members",
    tags,
    summary: "List the members whose role is narrowed in this project",
    description: "Members not listed have their tenant role in the project.",
    request: { params: ProjectParams },
    responses: { 200: jsonResponse(z.object({ data: z.array(ProjectMemberSchema) }), "Project roles, by user id.") },
  }),
  async (c) => {
    const project = await findProject(c, c.req.valid("param").projectId);
    const rows = await projectMemberRows(c, project.id);
    return c.json({ data: rows.map(toProjectMember) }, 200);
  },
);

projectsRoutes.openapi(
  defineRoute("members:write", {
    method: "put",
    path: "/v1/tenants/{tenantId}/projects/{projectId}/members/{userId}",
    tags,
    summary: "Set a member's role in this project (it can only narrow their tenant role)",
    description:
      "The effective role inside the project is the narrower of the tenant role and this one, so a project role never grants more than the tenant role. It applies to the project's agents, teams, API keys and audit views; tenant settings, members and projects themselves follow the tenant role. Only an owner may set a project role for an owner (`owner_required`).",
    request: { params: ProjectMemberParams, body: jsonBody(SetProjectRoleInputSchema) },
    responses: { 200: jsonResponse(ProjectMemberEnvelope, "The member's roles.") },
  }),
  async (c) => {
    const { projectId, userId } = c.req.valid("param");
    const { role } = c.req.valid("json");
    const project = await findProject(c, projectId);
    const tenantRole = await tenantRoleOf(c, userId);
    if (tenantRole === "owner" && c.get("tenantAccess").role !== "owner")
      throw new ApiError("owner_required", "Only an owner may set an owner's project role.");
    const now = Date.now();
    await c
      .get("db")
      .insert(projectMembers)
      .values({ projectId: project.id, tenantId: project.tenantId, userId, role, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role, updatedAt: now } });
    await audit(c, {
      action: "project.member_role_set",
      target: { type: "member", id: userId },
      details: { projectId: project.id, role, tenantRole, effectiveRole: effectiveProjectRole(tenantRole, role) },
    });
    const [row] = (await projectMemberRows(c, project.id)).filter((r) => r.userId === userId);
    if (!row) throw notFound("Member");
    return c.json({ member: toProjectMember(row) }, 200);
  },
);

projectsRoutes.openapi(
  defineRoute("members:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/projects/{projectId}/members/{userId}",
    tags,
    summary: "Remove a member's project role: their tenant role applies in the project again",
    request: { params: ProjectMemberParams },
    responses: { 204: { description: "Removed." } },
  }),
  async (c) => {
    const { projectId, userId } = c.req.valid("param");
    const project = await findProject(c, projectId);
    const tenantRole = await tenantRoleOf(c, userId);
    if (tenantRole === "owner" && c.get("tenantAccess").role !== "owner")
      throw new ApiError("owner_required", "Only an owner may change an owner's project role.");
    const removed = await c
      .get("db")
      .delete(projectMembers)
      .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, userId)))
      .run();
    if (removed.meta.changes === 0) throw notFound("Project role");
    await audit(c, { action: "project.member_role_removed", target: { type: "member", id: userId }, details: { projectId: project.id } });
    return c.body(null, 204);
  },
);

async function tenantRoleOf(c: Context<AppEnv>, userId: string): Promise<Role> {
  const row = await c
    .get("db")
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, c.get("tenantAccess").tenant.id), eq(memberships.userId, userId)))
    .get();
  if (!row) throw notFound("Member");
  return row.role;
}

function projectMemberRows(c: Context<AppEnv>, projectId: string) {
  return c
    .get("db")
    .select({
      userId: projectMembers.userId,
      email: users.email,
      name: users.name,
      tenantRole: memberships.role,
      projectRole: projectMembers.role,
    })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .innerJoin(memberships, and(eq(memberships.userId, projectMembers.userId), eq(memberships.tenantId, projectMembers.tenantId)))
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(projectMembers.userId)
    .all();
}

const toProjectMember = (r: Awaited<ReturnType<typeof projectMemberRows>>[number]): z.infer<typeof ProjectMemberSchema> => ({
  ...r,
  effectiveRole: effectiveProjectRole(r.tenantRole, r.projectRole),
});

async function insertOrNameTaken<T>(write: () => Promise<T>, name: string): Promise<T> {
  try {
    return await write();
  } catch (err) {
    // drizzle wraps D1's error: the constraint is named in the cause.
    if (`${String(err)} ${String((err as { cause?: unknown }).cause)}`.includes("UNIQUE"))
      throw new ApiError("conflict", `A project named "${name}" already exists in this tenant.`, { name });
    throw err;
  }
}
