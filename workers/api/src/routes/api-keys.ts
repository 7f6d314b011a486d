/**
 * API keys: credentials for automation, scoped to one tenant. A key carries a subset of its
 * creator's permissions, re-checked against the creator's current role at every request
 * (services/api-key-authority.ts), so a key cannot mint a stronger key or outlive its creator's role. The key is shown once; only its prefix and hash are stored. Revocation is read on
 * every request (api-key-auth.ts), so it applies from the next request on.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, gt, isNull, or } from "drizzle-orm";
import type { Context } from "hono";
import { projectRoleHas, type Permission } from "../../../shared/auth/permissions";
import { projectMembers } from "../../../shared/db/schema";
import { ProjectFilterQuerySchema } from "../../../shared/schemas/projects";
import { boundProjectId, requireInProject } from "../services/projects";
import { newId } from "../../../shared/crypto/ids";
import { apiKeys, type ApiKeyRow } from "../../../shared/db/schema";
import { ApiKeySchema, CreateApiKeyInputSchema, CreatedApiKeySchema } from "../../../shared/schemas/api-keys";
import { pageOf, PageQuerySchema } from "../../../shared/schemas/common";
import type { AppEnv, Principal } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { ApiKeyParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { validationError } from "../http/validation-hook";
import { requirePrincipal } from "../middleware/access";
import { toApiKey } from "../serializers";
import { generateApiKey } from "../services/api-key-issue";

export const apiKeysRoutes = new OpenAPIHono<AppEnv>();
const tags = ["API keys"];

/** Who made a key, as stored in `created_by`: a user id, or `apikey:<id>` for a key made by a key. */
const creatorOf = (principal: Principal): string => (principal.type === "user" ? principal.user.id : `apikey:${principal.apiKey.id}`);

apiKeysRoutes.openapi(
  defineRoute("api_keys:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/api-keys",
    tags,
    summary: "Create an API key (the key is returned once)",
    description:
      "Each scope must be a permission the caller holds in this tenant; asking for more is 403 naming the missing scopes. With `projectId` the key is bound to that project (the caller's role there must allow the scopes); a key made by a project-bound key is bound to the same project. A tenant-wide key cannot carry a project-scoped permission that the caller's role in some project does not allow. A key never does more than its creator may do *now*: at every request its scopes are limited to its creator's current role (a demoted creator's keys lose those permissions: 403 with `details.creatorRole`), and when the creator leaves or is removed from the tenant the key — and any key it made — stops working (401, `details.reason: creator_not_member`).",
    request: { params: TenantParams, body: jsonBody(CreateApiKeyInputSchema) },
    responses: { 201: jsonResponse(CreatedApiKeySchema, "Created. Store `key` now: it is never shown again.") },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const { tenant, permissions } = c.get("tenantAccess");
    const scopes = [...new Set(input.scopes)];
    const notHeld = scopes.filter((scope) => !permissions.has(scope));
    if (notHeld.length > 0) {
      throw new ApiError("forbidden", `You cannot give a key permissions you do not hold: ${notHeld.join(", ")}.`, { scopes: notHeld });
    }
    const now = Date.now();
    const expiresAt = input.expiresAt === undefined ? null : Date.parse(input.expiresAt);
    if (expiresAt !== null && expiresAt <= now) {
      throw validationError(
        new z.ZodError([{ code: "custom", path: ["expiresAt"], message: "Must be in the future.", input: input.expiresAt }]),
        "json",
      );
    }
    const projectId = await projectOfNewKey(c, input.projectId, scopes);
    const issued = await generateApiKey();
    const row: ApiKeyRow = {
      id: newId("apiKey", now),
      tenantId: tenant.id,
      name: input.name,
      prefix: issued.prefix,
      secretHash: issued.secretHash,
      scopes,
      createdBy: creatorOf(requirePrincipal(c)),
      createdAt: now,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      projectId,
    };
    await c.get("db").insert(apiKeys).values(row);
    await audit(c, {
      action: "api_key.created",
      target: { type: "api_key", id: row.id },
      details: { name: row.name, scopes, expiresAt: input.expiresAt ?? null, projectId },
    });
    return c.json({ apiKey: toApiKey(row), key: issued.key }, 201);
  },
);

apiKeysRoutes.openapi(
  defineRoute("api_keys:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/api-keys",
    tags,
    summary: "List the tenant's API keys, including revoked and expired ones (never the key itself)",
    description:
      "With `projectId`: the keys that work in that project (bound to it, or tenant-wide). A project-bound API key sees only its project's bound keys.",
    request: { params: TenantParams, query: PageQuerySchema.extend(ProjectFilterQuerySchema.shape) },
    responses: { 200: jsonResponse(pageOf(ApiKeySchema, "ApiKeyPage"), "A page of API keys, oldest first.") },
  }),
  async (c) => {
    const { limit, cursor, projectId } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const bound = boundProjectId(c);
    const requested = projectId ?? bound;
    if (requested !== null && requested !== undefined) await requireInProject(c, requested, "api_keys:read");
    const inScope =
      bound !== null
        ? eq(apiKeys.projectId, bound)
        : requested
          ? or(eq(apiKeys.projectId, requested), isNull(apiKeys.projectId))
          : undefined;
    const rows = await c
      .get("db")
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.tenantId, c.get("tenantAccess").tenant.id), inScope, after !== undefined ? gt(apiKeys.id, after) : undefined))
      .orderBy(apiKeys.id)
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, toApiKey), 200);
  },
);

apiKeysRoutes.openapi(
  defineRoute("api_keys:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/api-keys/{apiKeyId}",
    tags,
    summary: "Revoke an API key; it stops working from the next request",
    request: { params: ApiKeyParams },
    responses: { 204: { description: "Revoked." }, 409: jsonResponse(z.any(), "`conflict`: already revoked.") },
  }),
  async (c) => {
    const { apiKeyId } = c.req.valid("param");
    const tenantId = c.get("tenantAccess").tenant.id;
    const db = c.get("db");
    const row = await db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, apiKeyId), eq(apiKeys.tenantId, tenantId)))
      .get();
    if (!row) throw notFound("API key");
    // A bound key's project decides (revoking works in an archived project); a project-bound caller cannot touch tenant-wide keys.
    if (row.projectId !== null)
      await requireInProject(c, row.projectId, "api_keys:write").catch((err: unknown) =>
        Promise.reject(err instanceof ApiError && err.code === "not_found" ? notFound("API key") : err),
      );
    else if (boundProjectId(c) !== null) throw notFound("API key");
    // Conditional on still being live, so two racing revocations yield one 204 and one 409.
    const result = await db
      .update(apiKeys)
      .set({ revokedAt: Date.now() })
      .where(and(eq(apiKeys.id, row.id), isNull(apiKeys.revokedAt)))
      .run();
    if (result.meta.changes === 0) throw new ApiError("conflict", "This API key is already revoked.");
    await audit(c, {
      action: "api_key.revoked",
      target: { type: "api_key", id: row.id },
      severity: "warning",
      details: { name: row.name, prefix: toApiKey(row).prefix, projectId: row.projectId },
    });
    return c.body(null, 204);
  },
);

/**
 * The project a new key is bound to (null: tenant-wide). A key never outgrows its creator: bound
 * to the creator's project when the creator is a bound key; checked against the person's role in
 * the named project; and a tenant-wide key may not carry a project-scoped scope that the person's
 * role in some project withholds (it would act there with more than they have).
 */
async function projectOfNewKey(c: Context<AppEnv>, requested: string | undefined, scopes: Permission[]): Promise<string | null> {
  const bound = boundProjectId(c);
  const projectId = requested ?? bound;
  if (projectId !== null && projectId !== undefined) {
    for (const scope of scopes) await requireInProject(c, projectId, scope, { write: true });
    return projectId;
  }
  const principal = requirePrincipal(c);
  const { role, tenant } = c.get("tenantAccess");
  if (principal.type !== "user" || role === null) return null;
  const narrowed = await c
    .get("db")
    .select({ projectId: projectMembers.projectId, role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.tenantId, tenant.id), eq(projectMembers.userId, principal.user.id)))
    .all();
  for (const m of narrowed) {
    const withheld = scopes.filter((scope) => !projectRoleHas(role, m.role, scope));
    if (withheld.length > 0) {
      throw new ApiError(
        "forbidden",
        `Your role in project ${m.projectId} does not allow ${withheld.join(", ")}, so a tenant-wide key cannot carry it. Bind the key to a project instead.`,
        { scopes: withheld, projectId: m.projectId },
      );
    }
  }
  return null;
}
