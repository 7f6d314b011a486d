import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashSecret, randomToken } from "../../../../shared/crypto/secrets";
import { addMember, call, createTenant, expectError, signup, tenantWithRoles, type TestUser } from "../../../../../test/workers/harness";
import { auditResults } from "../../../../../test/workers/audit-view";

const members = (tenantId: string) => `/v1/tenants/${tenantId}/members`;
const member = (tenantId: string, userId: string) => `${members(tenantId)}/${userId}`;
const patchRole = (tenantId: string, actor: TestUser, target: TestUser, role: string) =>
  call(member(tenantId, target.id), { method: "PATCH", body: { role }, cookie: actor.cookie });
const remove = (tenantId: string, actor: TestUser, target: TestUser) =>
  call(member(tenantId, target.id), { method: "DELETE", cookie: actor.cookie });
const leave = (tenantId: string, actor: TestUser) => call(`/v1/me/memberships/${tenantId}`, { method: "DELETE", cookie: actor.cookie });

async function roleOf(tenantId: string, userId: string): Promise<string | null> {
  const row = await env.DB.prepare("select role from memberships where tenant_id = ? and user_id = ?")
    .bind(tenantId, userId)
    .first<{ role: string }>();
  return row?.role ?? null;
}

async function auditRows(tenantId: string, action: string) {
  const { results } = await auditResults<Record<string, string>>(
    "select * from audit_events where tenant_id = ? and action = ? order by id",
    tenantId,
    action,
  );
  return results.map((r) => ({ ...r, details: JSON.parse(r.details!) }));
}

/** An API key row for the tenant, written directly (API key routes are tested on their own). */
async function apiKeyFor(tenantId: string, createdBy: string, scopes: string[]): Promise<string> {
  const prefix = randomToken(9)
    .replace(/[^A-Za-z0-9]/g, "0")
    .slice(0, 12);
  const key = `sbk_${prefix}_${randomToken()}`;
  await env.DB.prepare("insert into api_keys (id, tenant_id, name, prefix, secret_hash, scopes, created_by) values (?, ?, ?, ?, ?, ?, ?)")
    .bind(`key_${prefix}`, tenantId, "test key", prefix, await hashSecret(key), JSON.stringify(scopes), createdBy)
    .run();
  return key;
}

describe("GET /members", () => {
  it("lists every member with email, name, role and join time, paginated by user id", async () => {
    const t = await tenantWithRoles();
    const res = await call(members(t.tenantId), { cookie: t.viewer.cookie });
    expect(res.status).toBe(200);
    const expected = [t.owner, t.admin, t.member, t.viewer].map((u) => u.id).sort();
    expect(res.body.data.map((m: { userId: string }) => m.userId)).toEqual(expected);
    expect(res.body.nextCursor).toBeNull();
    const admin = res.body.data.find((m: { userId: string }) => m.userId === t.admin.id);
    expect(admin).toEqual({ userId: t.admin.id, email: t.admin.email, name: "admin", role: "admin", joinedAt: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/password/i);

    const first = await call(`${members(t.tenantId)}?limit=3`, { cookie: t.viewer.cookie });
    expect(first.body.data).toHaveLength(3);
    const second = await call(`${members(t.tenantId)}?limit=3&cursor=${first.body.nextCursor}`, { cookie: t.viewer.cookie });
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.data, ...second.body.data].map((m: { userId: string }) => m.userId)).toEqual(expected);
  });

  it("does not show another tenant's members", async () => {
    const t = await tenantWithRoles();
    const outsider = await signup("outsider");
    await createTenant(outsider);
    expectError(await call(members(t.tenantId), { cookie: outsider.cookie }), 404, "not_found");
  });
});

describe("PATCH /members/{userId}", () => {
  it("lets an admin change a member to viewer, and audits from/to", async () => {
    const t = await tenantWithRoles();
    const res = await patchRole(t.tenantId, t.admin, t.member, "viewer");
    expect(res.status).toBe(200);
    expect(res.body.member).toMatchObject({ userId: t.member.id, email: t.member.email, role: "viewer" });
    expect(await roleOf(t.tenantId, t.member.id)).toBe("viewer");
    const [row] = await auditRows(t.tenantId, "member.role_changed");
    expect(row).toMatchObject({
      actor_id: t.admin.id,
      target_type: "member",
      target_id: t.member.id,
      details: { from: "member", to: "viewer" },
    });
    const me = await call("/v1/me", { cookie: t.member.cookie });
    expect(me.body.memberships).toEqual([{ tenantId: t.tenantId, tenantName: expect.any(String), role: "viewer" }]);
  });

  it("refuses an admin granting owner or changing an owner (owner_required); an owner can grant owner", async () => {
    const t = await tenantWithRoles();
    expectError(await patchRole(t.tenantId, t.admin, t.member, "owner"), 403, "owner_required");
    expectError(await patchRole(t.tenantId, t.admin, t.admin, "owner"), 403, "owner_required");
    expectError(await patchRole(t.tenantId, t.admin, t.owner, "admin"), 403, "owner_required");
    expect(await roleOf(t.tenantId, t.member.id)).toBe("member");
    expect(await roleOf(t.tenantId, t.owner.id)).toBe("owner");

    const res = await patchRole(t.tenantId, t.owner, t.member, "owner");
    expect(res.status).toBe(200);
    expect(await roleOf(t.tenantId, t.member.id)).toBe("owner");
    const [row] = await auditRows(t.tenantId, "member.role_changed");
    expect(row).toMatchObject({ severity: "warning", details: { from: "member", to: "owner" } });
  });

  it("refuses an API key granting owner, since only a person who is an owner may", async () => {
    const t = await tenantWithRoles();
    const key = await apiKeyFor(t.tenantId, t.owner.id, ["members:read", "members:write"]);
    expectError(
      await call(member(t.tenantId, t.member.id), { method: "PATCH", body: { role: "owner" }, apiKey: key }),
      403,
      "owner_required",
    );
    const ok = await call(member(t.tenantId, t.member.id), { method: "PATCH", body: { role: "admin" }, apiKey: key });
    expect(ok.status).toBe(200);
    const [row] = await auditRows(t.tenantId, "member.role_changed");
    expect(row).toMatchObject({ actor_type: "api_key", details: { from: "member", to: "admin" } });
  });

  it("never demotes the last owner (409 last_owner), but does once a second owner exists", async () => {
    const t = await tenantWithRoles();
    expectError(await patchRole(t.tenantId, t.owner, t.owner, "admin"), 409, "last_owner");
    expect(await roleOf(t.tenantId, t.owner.id)).toBe("owner");

    expect((await patchRole(t.tenantId, t.owner, t.admin, "owner")).status).toBe(200);
    const res = await patchRole(t.tenantId, t.admin, t.owner, "member");
    expect(res.status).toBe(200);
    expect(await roleOf(t.tenantId, t.owner.id)).toBe("member");
    // the new sole owner is now the last one
    expectError(await patchRole(t.tenantId, t.admin, t.admin, "viewer"), 409, "last_owner");
  });

  it("lets exactly one of two owners demoting themselves at the same moment succeed", async () => {
    const owner = await signup("owner");
    const tenantId = await createTenant(owner);
    const second = await addMember(tenantId, "owner");
    const results = await Promise.all([patchRole(tenantId, owner, owner, "admin"), patchRole(tenantId, second, second, "admin")]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expectError(results.find((r) => r.status === 409)!, 409, "last_owner");
    const owners = await env.DB.prepare("select count(*) as n from memberships where tenant_id = ? and role = 'owner'")
      .bind(tenantId)
      .first<{ n: number }>();
    expect(owners!.n).toBe(1);
  });

  it("answers 404 for a user who is not a member, and 400 for an unknown role", async () => {
    const t = await tenantWithRoles();
    const stranger = await signup("stranger");
    expectError(await patchRole(t.tenantId, t.admin, stranger, "viewer"), 404, "not_found");
    expectError(await patchRole(t.tenantId, t.admin, t.member, "superuser"), 400, "validation_failed");
    expectError(
      await call(member(t.tenantId, t.member.id), { method: "PATCH", body: { role: "viewer", extra: 1 }, cookie: t.admin.cookie }),
      400,
      "validation_failed",
    );
  });

  it("does not let a member change roles (403)", async () => {
    const t = await tenantWithRoles();
    expectError(await patchRole(t.tenantId, t.member, t.viewer, "member"), 403, "forbidden");
    expect(await roleOf(t.tenantId, t.viewer.id)).toBe("viewer");
  });
});

describe("DELETE /members/{userId}", () => {
  it("lets an admin remove a member, who then loses access; audited", async () => {
    const t = await tenantWithRoles();
    expect((await remove(t.tenantId, t.admin, t.member)).status).toBe(204);
    expect(await roleOf(t.tenantId, t.member.id)).toBeNull();
    expectError(await call(members(t.tenantId), { cookie: t.member.cookie }), 404, "not_found");
    const [row] = await auditRows(t.tenantId, "member.removed");
    expect(row).toMatchObject({ actor_id: t.admin.id, target_id: t.member.id, details: { role: "member" } });
    expectError(await remove(t.tenantId, t.admin, t.member), 404, "not_found");
  });

  it("refuses an admin removing an owner (owner_required)", async () => {
    const t = await tenantWithRoles();
    expectError(await remove(t.tenantId, t.admin, t.owner), 403, "owner_required");
    expect(await roleOf(t.tenantId, t.owner.id)).toBe("owner");
  });

  it("never removes the last owner, but does once a second owner exists", async () => {
    const t = await tenantWithRoles();
    expectError(await remove(t.tenantId, t.owner, t.owner), 409, "last_owner");
    await patchRole(t.tenantId, t.owner, t.admin, "owner");
    expect((await remove(t.tenantId, t.admin, t.owner)).status).toBe(204);
    expect(await roleOf(t.tenantId, t.owner.id)).toBeNull();
    expect((await auditRows(t.tenantId, "member.removed"))[0]).toMatchObject({ target_id: t.owner.id, details: { role: "owner" } });
  });
});

describe("DELETE /v1/me/memberships/{tenantId} (leave)", () => {
  it("lets a viewer leave without members:write; the tenant disappears from /v1/me", async () => {
    const t = await tenantWithRoles();
    expect((await leave(t.tenantId, t.viewer)).status).toBe(204);
    const me = await call("/v1/me", { cookie: t.viewer.cookie });
    expect(me.body.memberships).toEqual([]);
    expectError(await call(`/v1/tenants/${t.tenantId}`, { cookie: t.viewer.cookie }), 404, "not_found");
    const [row] = await auditRows(t.tenantId, "member.left");
    expect(row).toMatchObject({ actor_id: t.viewer.id, target_id: t.viewer.id, details: { role: "viewer" } });
    // leaving twice: no longer a member, so the tenant is invisible
    expectError(await leave(t.tenantId, t.viewer), 404, "not_found");
  });

  it("refuses the last owner leaving, and allows it once another owner exists", async () => {
    const t = await tenantWithRoles();
    expectError(await leave(t.tenantId, t.owner), 409, "last_owner");
    expect(await roleOf(t.tenantId, t.owner.id)).toBe("owner");
    await patchRole(t.tenantId, t.owner, t.member, "owner");
    expect((await leave(t.tenantId, t.owner)).status).toBe(204);
    expect(await roleOf(t.tenantId, t.owner.id)).toBeNull();
  });

  it("is not available to API keys", async () => {
    const t = await tenantWithRoles();
    const key = await apiKeyFor(t.tenantId, t.owner.id, ["tenant:read", "members:write"]);
    expect((await call(`/v1/tenants/${t.tenantId}`, { apiKey: key })).status).toBe(200);
    expectError(await call(`/v1/me/memberships/${t.tenantId}`, { method: "DELETE", apiKey: key }), 403, "forbidden");
    expect(await auditRows(t.tenantId, "member.left")).toEqual([]);
  });

  it("cannot be used on a tenant the caller does not belong to", async () => {
    const t = await tenantWithRoles();
    const outsider = await signup("outsider");
    expectError(await leave(t.tenantId, outsider), 404, "not_found");
  });
});
