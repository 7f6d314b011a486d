/**
 * Tenants and their versioned config. Every change to name or config writes a new row in
 * tenant_config_versions; rollback writes a new version with an old version's content, so history
 * is append-only. Concurrent changes: the UPDATE is conditional on the version the change was
 * based on and the new version row's primary key (tenant, version) is unique, both in one D1 batch
 * (a transaction), so of two racing changes exactly one lands and the other gets 409.
 */
import canonicalize from "canonicalize";
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, lt } from "drizzle-orm";
import { newId } from "../../../shared/crypto/ids";
import { apiKeys, memberships, projects, tenantConfigVersions, tenants, type TenantRow, type UserRow } from "../../../shared/db/schema";
import { defaultProjectRow } from "../services/projects";
import { enqueueCustomerCreation } from "../services/billing/customers";
import { pageOf, PageQuerySchema, toIso } from "../../../shared/schemas/common";
import {
  CreateTenantInputSchema,
  DEFAULT_TENANT_CONFIG,
  TenantConfigSchema,
  TenantConfigVersionSchema,
  TenantSchema,
  UpdateTenantInputSchema,
  type TenantConfig,
} from "../../../shared/schemas/tenant";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { ConfigVersionParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { requireUser } from "../middleware/access";
import { toTenant } from "../serializers";
import { coreBundleStatements } from "../services/skills";
import type { Context } from "hono";

export const tenantRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Tenants"];
const TenantEnvelope = z.object({ tenant: TenantSchema });
const VersionEnvelope = z.object({ version: TenantConfigVersionSchema });

const toVersion = (v: typeof tenantConfigVersions.$inferSelect): z.infer<typeof TenantConfigVersionSchema> => ({
  version: v.version,
  name: v.name,
  config: v.config,
  reason: v.reason,
  rolledBackFrom: v.rolledBackFrom,
  createdBy: v.createdBy,
  createdAt: toIso(v.createdAt),
});

tenantRoutes.openapi(
  defineRoute("user", {
    method: "post",
    path: "/v1/tenants",
    tags,
    summary: "Create a tenant; the creator becomes its owner",
    request: { body: jsonBody(CreateTenantInputSchema) },
    responses: { 201: jsonResponse(TenantEnvelope, "Created.") },
  }),
  async (c) => {
    const { user } = requireUser(c);
    const input = c.req.valid("json");
    const now = Date.now();
    const config: TenantConfig = TenantConfigSchema.parse({ ...DEFAULT_TENANT_CONFIG, ...input.config });
    assertMayRequireMfa(user, config);
    const tenant: TenantRow = {
      id: newId("tenant", now),
      name: input.name,
      plan: "free",
      config,
      configVersion: 1,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    const db = c.get("db");
    await db.batch([
      db.insert(tenants).values(tenant),
      db.insert(memberships).values({ tenantId: tenant.id, userId: user.id, role: "owner", createdAt: now }),
      db
        .insert(tenantConfigVersions)
        .values({ tenantId: tenant.id, version: 1, name: tenant.name, config, reason: "created", createdBy: user.id, createdAt: now }),
      db.insert(projects).values(defaultProjectRow(tenant.id, now)),
      // Skills: the core bundle is in every new tenant's catalog (docs/skills.md).
      ...coreBundleStatements(db, tenant.id, now),
    ]);
    await audit(c, {
      tenantId: tenant.id,
      action: "tenant.created",
      target: { type: "tenant", id: tenant.id },
      details: { name: tenant.name },
    });
    // Its Stripe customer is made in the background (docs/billing.md): the tenant works at once, whatever Stripe's state.
    await enqueueCustomerCreation(c.env, tenant.id);
    return c.json({ tenant: toTenant(tenant) }, 201);
  },
);

tenantRoutes.openapi(
  defineRoute("tenant:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}",
    tags,
    summary: "Get a tenant",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(TenantEnvelope, "The tenant.") },
  }),
  (c) => c.json({ tenant: toTenant(c.get("tenantAccess").tenant) }, 200),
);

tenantRoutes.openapi(
  defineRoute("tenant:update", {
    method: "patch",
    path: "/v1/tenants/{tenantId}",
    tags,
    summary: "Change the tenant's name or config (writes a new config version)",
    request: { params: TenantParams, body: jsonBody(UpdateTenantInputSchema) },
    responses: {
      200: jsonResponse(TenantEnvelope, "Updated."),
      409: jsonResponse(z.any(), "`version_conflict`; `conflict` when requiring MFA without having it yourself"),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const current = c.get("tenantAccess").tenant;
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.configVersion)
      throw versionConflict(input.expectedVersion, current.configVersion);
    const name = input.name ?? current.name;
    const config = TenantConfigSchema.parse({ ...current.config, ...input.config });
    // Saving a form without changing anything must not grow the history with identical versions.
    if (name === current.name && canonicalize(config) === canonicalize(current.config)) return c.json({ tenant: toTenant(current) }, 200);
    const updated = await writeVersion(c, current, { name, config, reason: "update", rolledBackFrom: null });
    await audit(c, {
      action: "tenant.updated",
      target: { type: "tenant", id: current.id },
      details: { version: updated.configVersion, changed: Object.keys(input).filter((k) => k !== "expectedVersion") },
    });
    return c.json({ tenant: toTenant(updated) }, 200);
  },
);

tenantRoutes.openapi(
  defineRoute("tenant:delete", {
    method: "delete",
    path: "/v1/tenants/{tenantId}",
    tags,
    summary: "Delete a tenant (owner only). Its API keys stop working at once.",
    request: { params: TenantParams },
    responses: { 204: { description: "Deleted." } },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const now = Date.now();
    const db = c.get("db");
    await db.batch([
      db.update(tenants).set({ deletedAt: now, updatedAt: now }).where(eq(tenants.id, tenant.id)),
      db
        .update(apiKeys)
        .set({ revokedAt: now })
        .where(and(eq(apiKeys.tenantId, tenant.id))),
    ]);
    await audit(c, { action: "tenant.deleted", target: { type: "tenant", id: tenant.id }, severity: "critical" });
    return c.body(null, 204);
  },
);

tenantRoutes.openapi(
  defineRoute("tenant:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/config/versions",
    tags,
    summary: "List config versions, newest first",
    request: { params: TenantParams, query: PageQuerySchema },
    responses: { 200: jsonResponse(pageOf(TenantConfigVersionSchema, "TenantConfigVersionPage"), "A page of versions.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const before = decodeCursor(cursor, "number");
    const { tenant } = c.get("tenantAccess");
    const rows = await c
      .get("db")
      .select()
      .from(tenantConfigVersions)
      .where(and(eq(tenantConfigVersions.tenantId, tenant.id), before !== undefined ? lt(tenantConfigVersions.version, before) : undefined))
      .orderBy(desc(tenantConfigVersions.version))
      .limit(limit + 1)
      .all();
    return c.json(
      toPage(rows, limit, toVersion, (v) => v.version),
      200,
    );
  },
);

tenantRoutes.openapi(
  defineRoute("tenant:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/config/versions/{version}",
    tags,
    summary: "Get one config version",
    request: { params: ConfigVersionParams },
    responses: { 200: jsonResponse(VersionEnvelope, "The version.") },
  }),
  async (c) => {
    const { version } = c.req.valid("param");
    const row = await findVersion(c, version);
    return c.json({ version: toVersion(row) }, 200);
  },
);

tenantRoutes.openapi(
  defineRoute("tenant:update", {
    method: "post",
    path: "/v1/tenants/{tenantId}/config/versions/{version}/rollback",
    tags,
    summary: "Roll back to a version: writes a new version with that version's name and config",
    request: { params: ConfigVersionParams },
    responses: {
      200: jsonResponse(TenantEnvelope, "Rolled back."),
      409: jsonResponse(z.any(), "`version_conflict`; `conflict` when requiring MFA without having it yourself"),
    },
  }),
  async (c) => {
    const { version } = c.req.valid("param");
    const target = await findVersion(c, version);
    const current = c.get("tenantAccess").tenant;
    const updated = await writeVersion(c, current, {
      name: target.name,
      config: target.config,
      reason: `rollback to version ${version}`,
      rolledBackFrom: version,
    });
    await audit(c, {
      action: "tenant.config_rolled_back",
      target: { type: "tenant", id: current.id },
      severity: "warning",
      details: { toVersion: version, newVersion: updated.configVersion },
    });
    return c.json({ tenant: toTenant(updated) }, 200);
  },
);

async function findVersion(c: Context<AppEnv>, version: number) {
  const { tenant } = c.get("tenantAccess");
  const row = await c
    .get("db")
    .select()
    .from(tenantConfigVersions)
    .where(and(eq(tenantConfigVersions.tenantId, tenant.id), eq(tenantConfigVersions.version, version)))
    .get();
  if (!row) throw notFound(`Config version ${version}`);
  return row;
}

async function writeVersion(
  c: Context<AppEnv>,
  current: TenantRow,
  next: { name: string; config: TenantConfig; reason: string; rolledBackFrom: number | null },
): Promise<TenantRow> {
  const now = Date.now();
  const version = current.configVersion + 1;
  const db = c.get("db");
  const actor = c.get("principal")?.type === "user" ? requireUser(c).user : null;
  const createdBy = actor?.id ?? null;
  if (!current.config.requireMfa) assertMayRequireMfa(actor, next.config);
  try {
    const [update] = await db.batch([
      db
        .update(tenants)
        .set({ name: next.name, config: next.config, configVersion: version, updatedAt: now })
        .where(and(eq(tenants.id, current.id), eq(tenants.configVersion, current.configVersion))),
      db.insert(tenantConfigVersions).values({
        tenantId: current.id,
        version,
        name: next.name,
        config: next.config,
        reason: next.reason,
        rolledBackFrom: next.rolledBackFrom,
        createdBy,
        createdAt: now,
      }),
    ]);
    if (update.meta.changes === 0) throw versionConflict(current.configVersion, null);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (String(err).includes("UNIQUE") || String(err).includes("PRIMARY KEY")) throw versionConflict(current.configVersion, null);
    throw err;
  }
  return { ...current, name: next.name, config: next.config, configVersion: version, updatedAt: now };
}

/** Requiring MFA while having none would lock the person out of the tenant on their next request. */
function assertMayRequireMfa(actor: UserRow | null, config: TenantConfig): void {
  if (config.requireMfa && actor && actor.mfaEnabledAt === null) {
    throw new ApiError("conflict", "Turn on MFA for your own account (account security) before requiring it for this tenant.", {
      field: "config.requireMfa",
    });
  }
}

function versionConflict(expected: number, current: number | null) {
  return new ApiError("version_conflict", "The config changed since you loaded it. Reload and apply your change again.", {
    expectedVersion: expected,
    ...(current !== null ? { currentVersion: current } : {}),
  });
}
