/**
 * Every tenant route × every role, and × API-key scopes, against the permission matrix: a
 * principal without the route's permission gets 403 forbidden naming it; one with it never does.
 * Sub-resource ids are made up, so allowed calls end in 400/404/2xx — anything but 401/403.
 * Each route gets a fresh tenant because some allowed calls (delete tenant) are destructive.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { PERMISSIONS, roleHas, type Permission } from "../../../workers/shared/auth/permissions";
import { ROLES, type Role } from "../../../workers/shared/auth/roles";
import { hashSecret, randomToken } from "../../../workers/shared/crypto/secrets";
import { newId } from "../../../workers/shared/crypto/ids";
import { DEFAULT_TENANT_CONFIG } from "../../../workers/shared/schemas/tenant";
import { call, signup, type TestUser } from "../harness";
import { apiRoutes, fillPath, isPermission } from "../route-table";

const tenantRoutes = apiRoutes().filter((r) => isPermission(r.access));
/** Least powerful first, so the owner's destructive calls come last. */
const ROLES_ASCENDING = [...ROLES].reverse();

let users: Record<Role, TestUser>;

beforeAll(async () => {
  const list = await Promise.all(ROLES.map((role) => signup(`matrix-${role}`)));
  users = Object.fromEntries(ROLES.map((role, i) => [role, list[i]!])) as Record<Role, TestUser>;
});

async function freshTenant(): Promise<string> {
  const id = newId("tenant");
  const stmts = [
    env.DB.prepare("insert into tenants (id, name, plan, config) values (?, 'matrix', 'free', ?)").bind(
      id,
      JSON.stringify(DEFAULT_TENANT_CONFIG),
    ),
    env.DB.prepare(
      "insert into tenant_config_versions (tenant_id, version, name, config, reason) values (?, 1, 'matrix', ?, 'created')",
    ).bind(id, JSON.stringify(DEFAULT_TENANT_CONFIG)),
    ...ROLES.map((role) =>
      env.DB.prepare("insert into memberships (tenant_id, user_id, role) values (?, ?, ?)").bind(id, users[role].id, role),
    ),
  ];
  await env.DB.batch(stmts);
  return id;
}

async function apiKeyWith(tenantId: string, scopes: Permission[]): Promise<string> {
  const prefix = randomToken(16)
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, 12)
    .padEnd(12, "a");
  const key = `sbk_${prefix}_${randomToken()}`;
  // Made by the tenant's owner: a key acts with at most its creator's current permissions.
  await env.DB.prepare(
    "insert into api_keys (id, tenant_id, name, prefix, secret_hash, scopes, created_by) values (?, ?, 'matrix', ?, ?, ?, ?)",
  )
    .bind(newId("apiKey"), tenantId, prefix, await hashSecret(key), JSON.stringify(scopes), users.owner.id)
    .run();
  return key;
}

function request(route: (typeof tenantRoutes)[number], tenantId: string) {
  const values = Object.fromEntries(
    route.params.map((p) => [p, p === "tenantId" ? tenantId : p === "version" ? "1" : `${p}_does_not_exist`]),
  );
  return { path: fillPath(route.path, values), method: route.method, ...(route.hasBody ? { body: {} } : {}) };
}

describe("permission matrix over every tenant route", () => {
  it("covers the tenant routes", () => {
    expect(tenantRoutes.length).toBeGreaterThan(15);
  });

  for (const route of tenantRoutes) {
    const permission = route.access as Permission;
    it(`${route.method} ${route.path} needs ${permission}`, async () => {
      const tenantId = await freshTenant();
      const { path, ...options } = request(route, tenantId);
      // Refusals first: the owner's allowed call (last) may delete the tenant.
      const anonymous = await call(path, options);
      expect(anonymous.status).toBe(401);
      const without = await call(path, {
        ...options,
        apiKey: await apiKeyWith(
          tenantId,
          PERMISSIONS.filter((p) => p !== permission),
        ),
      });
      expect(without.status, "API key without the scope").toBe(403);
      // An allowed call may be destructive (delete tenant), so the allowed key gets its own tenant.
      const keyTenant = await freshTenant();
      const { path: keyPath, ...keyOptions } = request(route, keyTenant);
      const only = await call(keyPath, { ...keyOptions, apiKey: await apiKeyWith(keyTenant, [permission]) });
      expect([401, 403], `API key with only ${permission}: ${JSON.stringify(only.body)}`).not.toContain(only.status);
      for (const role of ROLES_ASCENDING) {
        const res = await call(path, { ...options, cookie: users[role].cookie });
        if (roleHas(role, permission)) {
          expect([401, 403], `${role} should be allowed: ${JSON.stringify(res.body)}`).not.toContain(res.status);
        } else {
          expect(res.status, `${role} should be refused`).toBe(403);
          expect(res.body.error).toMatchObject({ code: "forbidden", details: { permission } });
        }
      }
    });
  }
});
