import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant, expectError, signup, tenantWithRoles } from "../../../../../test/workers/harness";
import { auditResults } from "../../../../../test/workers/audit-view";

describe("tenants", () => {
  it("creates a tenant with the creator as owner and default config at version 1", async () => {
    const owner = await signup("creator");
    const res = await call("/v1/tenants", { body: { name: "Acme" }, cookie: owner.cookie });
    expect(res.status).toBe(201);
    expect(res.body.tenant).toMatchObject({
      name: "Acme",
      plan: "free",
      configVersion: 1,
      config: { requireMfa: false, defaultTrustLevel: 1 },
    });
    const me = await call("/v1/me", { cookie: owner.cookie });
    expect(me.body.memberships).toEqual([{ tenantId: res.body.tenant.id, tenantName: "Acme", role: "owner" }]);
  });

  it("refuses an anonymous tenant creation with 401", async () => {
    expectError(await call("/v1/tenants", { body: { name: "x" } }), 401, "unauthenticated");
  });

  it("versions every change and rolls back by writing a new version", async () => {
    const owner = await signup("versions");
    const tenantId = await createTenant(owner, "v1 name");
    // Requiring MFA needs MFA on the acting account (mfa.test.ts covers that rule).
    await env.DB.prepare("update users set mfa_enabled_at = ? where id = ?").bind(Date.now(), owner.id).run();
    const v2 = await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { config: { requireMfa: true } }, cookie: owner.cookie });
    expect(v2.status).toBe(200);
    expect(v2.body.tenant).toMatchObject({ configVersion: 2, config: { requireMfa: true, defaultTrustLevel: 1 } });
    const v3 = await call(`/v1/tenants/${tenantId}`, {
      method: "PATCH",
      body: { name: "v3 name", config: { defaultTrustLevel: 3 } },
      cookie: owner.cookie,
    });
    expect(v3.body.tenant).toMatchObject({ name: "v3 name", configVersion: 3, config: { requireMfa: true, defaultTrustLevel: 3 } });

    const rollback = await call(`/v1/tenants/${tenantId}/config/versions/1/rollback`, { method: "POST", cookie: owner.cookie });
    expect(rollback.status).toBe(200);
    expect(rollback.body.tenant).toMatchObject({ name: "v1 name", configVersion: 4, config: { requireMfa: false, defaultTrustLevel: 1 } });

    const list = await call(`/v1/tenants/${tenantId}/config/versions`, { cookie: owner.cookie });
    expect(list.body.data.map((v: any) => [v.version, v.reason, v.rolledBackFrom])).toEqual([
      [4, "rollback to version 1", 1],
      [3, "update", null],
      [2, "update", null],
      [1, "created", null],
    ]);
    const one = await call(`/v1/tenants/${tenantId}/config/versions/3`, { cookie: owner.cookie });
    expect(one.body.version).toMatchObject({ version: 3, name: "v3 name", createdBy: owner.id });
    expectError(await call(`/v1/tenants/${tenantId}/config/versions/99`, { cookie: owner.cookie }), 404, "not_found");
    expectError(
      await call(`/v1/tenants/${tenantId}/config/versions/99/rollback`, { method: "POST", cookie: owner.cookie }),
      404,
      "not_found",
    );
  });

  it("a change that changes nothing writes no version (and is still checked against expectedVersion)", async () => {
    const owner = await signup("noop");
    const tenantId = await createTenant(owner, "Same name");
    const same = await call(`/v1/tenants/${tenantId}`, {
      method: "PATCH",
      body: { name: "Same name", config: { defaultTrustLevel: 1 }, expectedVersion: 1 },
      cookie: owner.cookie,
    });
    expect(same.status).toBe(200);
    expect(same.body.tenant).toMatchObject({ name: "Same name", configVersion: 1 });
    const list = await call(`/v1/tenants/${tenantId}/config/versions`, { cookie: owner.cookie });
    expect(list.body.data.map((v: any) => v.version)).toEqual([1]);
    expectError(
      await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { name: "Same name", expectedVersion: 7 }, cookie: owner.cookie }),
      409,
      "version_conflict",
    );
    const changed = await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { name: "Other name" }, cookie: owner.cookie });
    expect(changed.body.tenant.configVersion).toBe(2);
  });

  it("pages through config versions with a stable cursor", async () => {
    const owner = await signup("vpages");
    const tenantId = await createTenant(owner);
    for (let i = 0; i < 4; i++) await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { name: `n${i}` }, cookie: owner.cookie });
    const first = await call(`/v1/tenants/${tenantId}/config/versions?limit=2`, { cookie: owner.cookie });
    expect(first.body.data.map((v: any) => v.version)).toEqual([5, 4]);
    await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { name: "meanwhile" }, cookie: owner.cookie });
    const second = await call(`/v1/tenants/${tenantId}/config/versions?limit=2&cursor=${first.body.nextCursor}`, { cookie: owner.cookie });
    expect(second.body.data.map((v: any) => v.version)).toEqual([3, 2]);
    const third = await call(`/v1/tenants/${tenantId}/config/versions?limit=2&cursor=${second.body.nextCursor}`, { cookie: owner.cookie });
    expect(third.body.data.map((v: any) => v.version)).toEqual([1]);
    expect(third.body.nextCursor).toBeNull();
    expectError(await call(`/v1/tenants/${tenantId}/config/versions?cursor=garbage`, { cookie: owner.cookie }), 400, "validation_failed");
    expectError(await call(`/v1/tenants/${tenantId}/config/versions?limit=101`, { cookie: owner.cookie }), 400, "validation_failed");
  });

  it("refuses a change based on a stale version with 409 version_conflict", async () => {
    const owner = await signup("stale");
    const tenantId = await createTenant(owner);
    await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { name: "second" }, cookie: owner.cookie });
    const stale = await call(`/v1/tenants/${tenantId}`, {
      method: "PATCH",
      body: { name: "third", expectedVersion: 1 },
      cookie: owner.cookie,
    });
    expectError(stale, 409, "version_conflict");
    expect(stale.body.error.details).toMatchObject({ expectedVersion: 1, currentVersion: 2 });
    const ok = await call(`/v1/tenants/${tenantId}`, {
      method: "PATCH",
      body: { name: "third", expectedVersion: 2 },
      cookie: owner.cookie,
    });
    expect(ok.body.tenant.configVersion).toBe(3);
  });

  it("lets exactly one of several concurrent changes land per version, with no gaps", async () => {
    const owner = await signup("race");
    const tenantId = await createTenant(owner);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { name: `racer ${i}` }, cookie: owner.cookie }),
      ),
    );
    const ok = results.filter((r) => r.status === 200).length;
    const conflicts = results.filter((r) => r.status === 409 && r.body.error.code === "version_conflict").length;
    expect(ok + conflicts).toBe(5);
    expect(ok).toBeGreaterThanOrEqual(1);
    const versions = await env.DB.prepare("select version from tenant_config_versions where tenant_id = ? order by version")
      .bind(tenantId)
      .all<{ version: number }>();
    expect(versions.results.map((v) => v.version)).toEqual(Array.from({ length: ok + 1 }, (_, i) => i + 1));
    const tenant = await call(`/v1/tenants/${tenantId}`, { cookie: owner.cookie });
    expect(tenant.body.tenant.configVersion).toBe(ok + 1);
  });

  it("validates config changes: unknown keys and out-of-range values are refused", async () => {
    const owner = await signup("badconfig");
    const tenantId = await createTenant(owner);
    expectError(
      await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { config: { nope: 1 } }, cookie: owner.cookie }),
      400,
      "validation_failed",
    );
    expectError(
      await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { config: { defaultTrustLevel: 9 } }, cookie: owner.cookie }),
      400,
      "validation_failed",
    );
    expectError(await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: {}, cookie: owner.cookie }), 400, "validation_failed");
    expect((await call(`/v1/tenants/${tenantId}`, { cookie: owner.cookie })).body.tenant.configVersion).toBe(1);
  });

  it("lets only the owner delete; afterwards the tenant is 404 for everyone", async () => {
    const { tenantId, owner, admin } = await tenantWithRoles();
    expectError(await call(`/v1/tenants/${tenantId}`, { method: "DELETE", cookie: admin.cookie }), 403, "forbidden");
    expect((await call(`/v1/tenants/${tenantId}`, { method: "DELETE", cookie: owner.cookie })).status).toBe(204);
    expectError(await call(`/v1/tenants/${tenantId}`, { cookie: owner.cookie }), 404, "not_found");
    expectError(await call(`/v1/tenants/${tenantId}`, { cookie: admin.cookie }), 404, "not_found");
    expect((await call("/v1/me", { cookie: owner.cookie })).body.memberships).toEqual([]);
  });

  it("audits create, update, rollback and delete", async () => {
    const owner = await signup("tenantaudit");
    const tenantId = await createTenant(owner);
    await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { name: "x" }, cookie: owner.cookie });
    await call(`/v1/tenants/${tenantId}/config/versions/1/rollback`, { method: "POST", cookie: owner.cookie });
    await call(`/v1/tenants/${tenantId}`, { method: "DELETE", cookie: owner.cookie });
    const rows = await auditResults<{ action: string; actor_id: string; target_id: string }>(
      "select action, actor_id, target_id from audit_events where tenant_id = ? order by id",
      tenantId,
    );
    expect(rows.results.map((r) => r.action)).toEqual(["tenant.created", "tenant.updated", "tenant.config_rolled_back", "tenant.deleted"]);
    expect(rows.results.every((r) => r.actor_id === owner.id && r.target_id === tenantId)).toBe(true);
  });
});
