/**
 * The secrets vault API (docs/secrets.md): create, list, read metadata, rotate, re-scope, delete.
 * Write-only: no route ever returns a value. Values are sealed with the tenant's data key
 * (workers/shared/vault) before they reach D1. Every change is audited and pushed to the tenant's
 * EgressGates; every use is audited by the gate (`secret.used`).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, inArray, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { newId } from "../../../shared/crypto/ids";
import { agents, secrets, secretVersions, skills, skillVersions, type SecretRow, type SecretVersionRow } from "../../../shared/db/schema";
import { SkillManifestSchema } from "../../../shared/skills/manifest";
import {
  CreateSecretInputSchema,
  RotateSecretInputSchema,
  SecretSchema,
  UpdateSecretInputSchema,
  type Secret,
} from "../../../shared/schemas/secrets";
import { pageOf, PageQuerySchema, toIso } from "../../../shared/schemas/common";
import { tenantDataKey } from "../../../shared/vault/data-keys";
import { seal, secretAad } from "../../../shared/vault/envelope";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { actorOf, audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { invalidateTenantEgress } from "../services/egress";

export const secretsRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Secrets"];
const SecretParams = TenantParams.extend({
  secretId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "secretId", in: "path" }, example: "sec_01JD0000000000000000000000" }),
});
const SecretEnvelope = z.object({ secret: SecretSchema });

function toSecret(row: SecretRow, versions: SecretVersionRow[], now = Date.now()): Secret {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    host: row.host,
    pathPrefix: row.pathPrefix,
    methods: row.methods,
    injection: row.injection,
    scope: row.scope,
    currentVersion: row.currentVersion,
    versions: versions
      .sort((a, b) => b.version - a.version)
      .map((v) => ({ version: v.version, createdAt: toIso(v.createdAt), createdBy: v.createdBy })),
    status: row.expiresAt !== null && row.expiresAt <= now ? "expired" : "active",
    expiresAt: toIso(row.expiresAt),
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

async function findSecret(c: Context<AppEnv>, secretId: string): Promise<SecretRow> {
  const row = await c
    .get("db")
    .select()
    .from(secrets)
    .where(and(eq(secrets.id, secretId), eq(secrets.tenantId, c.get("tenantAccess").tenant.id), isNull(secrets.deletedAt)))
    .get();
  if (!row) throw notFound("Secret");
  return row;
}

async function versionsOf(c: Context<AppEnv>, secretIds: string[]): Promise<Map<string, SecretVersionRow[]>> {
  const map = new Map<string, SecretVersionRow[]>();
  if (secretIds.length === 0) return map;
  const rows = await c.get("db").select().from(secretVersions).where(inArray(secretVersions.secretId, secretIds)).all();
  for (const r of rows) map.set(r.secretId, [...(map.get(r.secretId) ?? []), r]);
  return map;
}

/** Agents must be the tenant's; skills must be in its catalog AND declare the secret's name in `env` (a skill gets only what it declares). */
async function assertScope(c: Context<AppEnv>, name: string, scope: SecretRow["scope"]): Promise<void> {
  const db = c.get("db");
  const tenantId = c.get("tenantAccess").tenant.id;
  if ("agents" in scope) {
    const ids = [...new Set(scope.agents)];
    const found = await db
      .select({ id: agents.id })
      .from(agents)
      .where(and(eq(agents.tenantId, tenantId), isNull(agents.deletedAt), inArray(agents.id, ids)))
      .all();
    const unknown = ids.filter((id) => !found.some((f) => f.id === id));
    if (unknown.length)
      throw new ApiError("validation_failed", "Some agents in the scope are not agents of this tenant.", {
        issues: [{ path: "scope.agents", code: "unknown_agent", message: "Unknown agent." }],
        unknownAgentIds: unknown,
      });
    return;
  }
  const names = [...new Set(scope.skills)];
  const rows = await db
    .select({ name: skills.name, manifest: skillVersions.manifest })
    .from(skills)
    .innerJoin(skillVersions, eq(skillVersions.skillId, skills.id))
    .where(and(eq(skills.tenantId, tenantId), inArray(skills.name, names)))
    .all();
  const declaring = new Set(
    rows.filter((r) => SkillManifestSchema.safeParse(r.manifest).data?.env.some((e) => e.name === name)).map((r) => r.name),
  );
  const refused = names.filter((n) => !declaring.has(n));
  if (refused.length) {
    throw new ApiError(
      "validation_failed",
      `A skill can only be given secrets its manifest declares: ${refused.join(", ")} ${refused.length === 1 ? "does" : "do"} not declare ${name} in env (or ${refused.length === 1 ? "is" : "are"} not in this tenant's catalog).`,
      {
        issues: [{ path: "scope.skills", code: "undeclared_secret", message: `Not declared: ${refused.join(", ")}` }],
        skills: refused,
      },
    );
  }
}

secretsRoutes.openapi(
  defineRoute("secrets:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/secrets",
    tags,
    summary: "List secrets (metadata only; values are never returned)",
    request: { params: TenantParams, query: PageQuerySchema },
    responses: { 200: jsonResponse(pageOf(SecretSchema, "SecretPage"), "A page of secrets, oldest first.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const rows = await c
      .get("db")
      .select()
      .from(secrets)
      .where(
        and(
          eq(secrets.tenantId, c.get("tenantAccess").tenant.id),
          isNull(secrets.deletedAt),
          after !== undefined ? gt(secrets.id, after) : undefined,
        ),
      )
      .orderBy(asc(secrets.id))
      .limit(limit + 1)
      .all();
    const versions = await versionsOf(
      c,
      rows.slice(0, limit).map((r) => r.id),
    );
    return c.json(
      toPage(rows, limit, (r) => toSecret(r, versions.get(r.id) ?? [])),
      200,
    );
  },
);

secretsRoutes.openapi(
  defineRoute("secrets:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/secrets",
    tags,
    summary: "Store a secret, bound to one host and injection scheme, scoped to agents or skills",
    description:
      "The value is encrypted with the tenant's data key before it is stored and is never readable again — rotate it to change it. The proxy injects it only into calls to `host` (and `pathPrefix`, `methods`) that the caller's policy allows, never after a redirect to another host, and redacts it from responses.",
    request: { params: TenantParams, body: jsonBody(CreateSecretInputSchema) },
    responses: {
      201: jsonResponse(SecretEnvelope, "Stored (metadata only)."),
      409: jsonResponse(z.any(), "`conflict`: a secret with this name exists."),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    await assertScope(c, input.name, input.scope);
    const now = Date.now();
    const id = newId("secret", now);
    const by = actorOf(c.get("principal")).id;
    const dek = (await tenantDataKey(c.env, tenant.id, { create: true }))!;
    const ciphertext = await seal(dek.key, new TextEncoder().encode(input.value), secretAad(tenant.id, id, 1));
    const row: SecretRow = {
      id,
      tenantId: tenant.id,
      name: input.name,
      description: input.description ?? "",
      host: input.host,
      pathPrefix: input.pathPrefix ?? null,
      methods: input.methods ? [...new Set(input.methods)] : null,
      injection: input.injection,
      scope: input.scope,
      currentVersion: 1,
      expiresAt: input.expiresAt ? Date.parse(input.expiresAt) : null,
      createdBy: by,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    const version: SecretVersionRow = { secretId: id, version: 1, vaultKeyId: dek.vaultKeyId, ciphertext, createdBy: by, createdAt: now };
    try {
      await db.batch([db.insert(secrets).values(row), db.insert(secretVersions).values(version)]);
    } catch (err) {
      if (String((err as Error)?.message ?? err).includes("UNIQUE"))
        throw new ApiError("conflict", `A secret named ${input.name} already exists. Rotate it, or delete it first.`, { name: input.name });
      throw err;
    }
    await invalidateTenantEgress(c.env, db, tenant.id);
    await audit(c, {
      action: "secret.created",
      target: { type: "secret", id },
      severity: "warning",
      details: {
        name: row.name,
        host: row.host,
        pathPrefix: row.pathPrefix,
        injection: { type: row.injection.type, name: row.injection.name },
        scope: row.scope,
        expiresAt: input.expiresAt ?? null,
      },
    });
    return c.json({ secret: toSecret(row, [version], now) }, 201);
  },
);

secretsRoutes.openapi(
  defineRoute("secrets:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/secrets/{secretId}",
    tags,
    summary: "A secret's metadata and versions (never its value)",
    request: { params: SecretParams },
    responses: { 200: jsonResponse(SecretEnvelope, "The secret.") },
  }),
  async (c) => {
    const row = await findSecret(c, c.req.valid("param").secretId);
    return c.json({ secret: toSecret(row, (await versionsOf(c, [row.id])).get(row.id) ?? []) }, 200);
  },
);

secretsRoutes.openapi(
  defineRoute("secrets:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/secrets/{secretId}/rotate",
    tags,
    summary: "Rotate: store a new value as the next version; the proxy injects it from the next call",
    request: { params: SecretParams, body: jsonBody(RotateSecretInputSchema) },
    responses: { 200: jsonResponse(SecretEnvelope, "Rotated."), 409: jsonResponse(z.any(), "`conflict`: rotated concurrently; retry.") },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const row = await findSecret(c, c.req.valid("param").secretId);
    const db = c.get("db");
    const now = Date.now();
    const next = row.currentVersion + 1;
    const dek = (await tenantDataKey(c.env, row.tenantId, { create: true }))!;
    const version: SecretVersionRow = {
      secretId: row.id,
      version: next,
      vaultKeyId: dek.vaultKeyId,
      ciphertext: await seal(dek.key, new TextEncoder().encode(input.value), secretAad(row.tenantId, row.id, next)),
      createdBy: actorOf(c.get("principal")).id,
      createdAt: now,
    };
    const expiresAt = input.expiresAt === undefined ? row.expiresAt : input.expiresAt === null ? null : Date.parse(input.expiresAt);
    try {
      // The version row's primary key makes concurrent rotations collide instead of both landing.
      await db.batch([
        db.insert(secretVersions).values(version),
        db
          .update(secrets)
          .set({ currentVersion: next, expiresAt, updatedAt: now })
          .where(and(eq(secrets.id, row.id), eq(secrets.currentVersion, row.currentVersion))),
      ]);
    } catch (err) {
      if (String((err as Error)?.message ?? err).includes("UNIQUE") || String(err).includes("PRIMARY"))
        throw new ApiError("conflict", "The secret was rotated at the same time; reload and retry.");
      throw err;
    }
    await invalidateTenantEgress(c.env, db, row.tenantId);
    await audit(c, {
      action: "secret.rotated",
      target: { type: "secret", id: row.id },
      severity: "warning",
      details: { name: row.name, version: next },
    });
    const updated = { ...row, currentVersion: next, expiresAt, updatedAt: now };
    return c.json({ secret: toSecret(updated, (await versionsOf(c, [row.id])).get(row.id) ?? []) }, 200);
  },
);

secretsRoutes.openapi(
  defineRoute("secrets:write", {
    method: "patch",
    path: "/v1/tenants/{tenantId}/secrets/{secretId}",
    tags,
    summary: "Change a secret's description, scope or expiry (the binding and value are changed by rotating or re-creating it)",
    request: { params: SecretParams, body: jsonBody(UpdateSecretInputSchema) },
    responses: { 200: jsonResponse(SecretEnvelope, "Updated.") },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const row = await findSecret(c, c.req.valid("param").secretId);
    if (input.scope) await assertScope(c, row.name, input.scope);
    const now = Date.now();
    const set = {
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.scope ? { scope: input.scope } : {}),
      ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt === null ? null : Date.parse(input.expiresAt) } : {}),
      updatedAt: now,
    };
    const updated = await c
      .get("db")
      .update(secrets)
      .set(set)
      .where(and(eq(secrets.id, row.id), isNull(secrets.deletedAt)))
      .returning()
      .get();
    if (!updated) throw notFound("Secret");
    await invalidateTenantEgress(c.env, c.get("db"), row.tenantId);
    await audit(c, {
      action: "secret.updated",
      target: { type: "secret", id: row.id },
      severity: input.scope ? "warning" : "info",
      details: {
        name: row.name,
        changed: Object.keys(input),
        from: { scope: row.scope, expiresAt: toIso(row.expiresAt) },
        to: { scope: updated.scope, expiresAt: toIso(updated.expiresAt) },
      },
    });
    return c.json({ secret: toSecret(updated, (await versionsOf(c, [row.id])).get(row.id) ?? []) }, 200);
  },
);

secretsRoutes.openapi(
  defineRoute("secrets:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/secrets/{secretId}",
    tags,
    summary: "Delete a secret: it is never injected again and its versions are erased",
    request: { params: SecretParams },
    responses: { 204: { description: "Deleted." } },
  }),
  async (c) => {
    const row = await findSecret(c, c.req.valid("param").secretId);
    const db = c.get("db");
    const now = Date.now();
    // The row stays (soft delete) for the audit trail; the ciphertexts go at once.
    await db.batch([
      db.update(secrets).set({ deletedAt: now, updatedAt: now }).where(eq(secrets.id, row.id)),
      db.delete(secretVersions).where(eq(secretVersions.secretId, row.id)),
    ]);
    await invalidateTenantEgress(c.env, db, row.tenantId);
    await audit(c, { action: "secret.deleted", target: { type: "secret", id: row.id }, severity: "warning", details: { name: row.name } });
    return c.body(null, 204);
  },
);
