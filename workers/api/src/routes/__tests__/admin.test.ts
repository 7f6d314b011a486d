import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PERMISSIONS } from "../../../../shared/auth/permissions";
import { newId } from "../../../../shared/crypto/ids";
import { addMember, call, createTenant, expectError, signup, type TestUser } from "../../../../../test/workers/harness";

const ADMIN_PATHS = ["/v1/admin/tenants", "/v1/admin/tenants/ten_01JD0000000000000000000000", "/v1/admin/health"];

/** There is no API to grant the operator flag, on purpose: it is set in the database. */
async function operator(): Promise<TestUser> {
  const user = await signup("operator");
  await env.DB.prepare("update users set is_operator = 1 where id = ?").bind(user.id).run();
  return user;
}

async function insertAgent(tenantId: string, deleted = false): Promise<void> {
  await env.DB.prepare(
    "insert into agents (id, tenant_id, name, template, tool_categories, trust_level, secret_hash, secret_prefix, deleted_at) values (?, ?, 'a', 'custom', '[]', 0, 'x', 'x', ?)",
  )
    .bind(newId("agent"), tenantId, deleted ? Date.now() : null)
    .run();
}

async function insertTeam(tenantId: string, deleted = false): Promise<void> {
  await env.DB.prepare("insert into teams (id, tenant_id, name, deleted_at) values (?, ?, 't', ?)")
    .bind(newId("team"), tenantId, deleted ? Date.now() : null)
    .run();
}

async function allTenants(cookie: string, limit = 2): Promise<any[]> {
  const seen: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { data: any[]; nextCursor: string | null } } = await call(
      `/v1/admin/tenants?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
      { cookie },
    );
    expect(page.status).toBe(200);
    expect(page.body.data.length).toBeLessThanOrEqual(limit);
    seen.push(...page.body.data);
    cursor = page.body.nextCursor;
  } while (cursor);
  return seen;
}

describe("operator routes: access", () => {
  it("refuses people without the operator flag, even tenant owners, with 403", async () => {
    const owner = await signup("not-operator");
    const tenantId = await createTenant(owner);
    for (const path of [...ADMIN_PATHS, `/v1/admin/tenants/${tenantId}`]) {
      const res = await call(path, { cookie: owner.cookie });
      expectError(res, 403, "forbidden");
      expect(res.body.error.details).toEqual({ permission: "operator" });
    }
  });

  it("refuses anonymous callers with 401", async () => {
    for (const path of ADMIN_PATHS) expectError(await call(path), 401, "unauthenticated");
  });

  it("refuses API keys with 403, even an operator's key with every scope", async () => {
    const op = await operator();
    const tenantId = await createTenant(op, "operator's own");
    const created = await call(`/v1/tenants/${tenantId}/api-keys`, { body: { name: "all", scopes: [...PERMISSIONS] }, cookie: op.cookie });
    expect(created.status).toBe(201);
    for (const path of [...ADMIN_PATHS, `/v1/admin/tenants/${tenantId}`])
      expectError(await call(path, { apiKey: created.body.key }), 403, "forbidden");
  });
});

describe("GET /v1/admin/tenants", () => {
  it("lists other people's tenants, deleted ones included, with counts of members and live agents and teams", async () => {
    const op = await operator();
    const alice = await signup("alice");
    const busy = await createTenant(alice, "Busy");
    await addMember(busy, "admin");
    await addMember(busy, "viewer");
    await insertAgent(busy);
    await insertAgent(busy);
    await insertAgent(busy, true);
    await insertTeam(busy);
    await insertTeam(busy, true);
    const bob = await signup("bob");
    const gone = await createTenant(bob, "Gone");
    expect((await call(`/v1/tenants/${gone}`, { method: "DELETE", cookie: bob.cookie })).status).toBe(204);

    const tenants = await allTenants(op.cookie);
    // pages are in id order with no repeats
    const ids = tenants.map((t) => t.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);

    expect(tenants.find((t) => t.id === busy)).toMatchObject({
      name: "Busy",
      plan: "free",
      deletedAt: null,
      counts: { members: 3, agents: 2, teams: 1 },
    });
    const deleted = tenants.find((t) => t.id === gone);
    expect(deleted).toMatchObject({ name: "Gone", counts: { members: 1, agents: 0, teams: 0 } });
    expect(Date.parse(deleted.deletedAt)).not.toBeNaN();
    // the operator is a member of neither
    expect((await call("/v1/me", { cookie: op.cookie })).body.memberships).toEqual([]);
  });

  it("rejects a cursor it did not issue", async () => {
    const op = await operator();
    expectError(await call("/v1/admin/tenants?cursor=nonsense", { cookie: op.cookie }), 400, "validation_failed");
  });
});

describe("GET /v1/admin/tenants/{tenantId}", () => {
  it("shows one tenant with its members and counts", async () => {
    const op = await operator();
    const owner = await signup("detail-owner");
    const tenantId = await createTenant(owner, "Detail");
    const member = await addMember(tenantId, "member");
    await insertAgent(tenantId);
    await insertTeam(tenantId);
    await insertTeam(tenantId);
    const res = await call(`/v1/admin/tenants/${tenantId}`, { cookie: op.cookie });
    expect(res.status).toBe(200);
    expect(res.body.tenant).toMatchObject({ id: tenantId, name: "Detail", deletedAt: null, counts: { members: 2, agents: 1, teams: 2 } });
    const members = [...res.body.members].sort((a: any, b: any) => a.role.localeCompare(b.role));
    expect(members).toEqual([
      { userId: member.id, email: member.email, name: "member", role: "member", joinedAt: expect.any(String) },
      { userId: owner.id, email: owner.email, name: "detail-owner", role: "owner", joinedAt: expect.any(String) },
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/password/i);
  });

  it("shows a deleted tenant with deletedAt", async () => {
    const op = await operator();
    const owner = await signup("deleted-owner");
    const tenantId = await createTenant(owner, "Deleted");
    await call(`/v1/tenants/${tenantId}`, { method: "DELETE", cookie: owner.cookie });
    const res = await call(`/v1/admin/tenants/${tenantId}`, { cookie: op.cookie });
    expect(res.status).toBe(200);
    expect(res.body.tenant.deletedAt).not.toBeNull();
  });

  it("answers 404 for an unknown tenant id", async () => {
    const op = await operator();
    expectError(await call("/v1/admin/tenants/ten_01JD0000000000000000000000", { cookie: op.cookie }), 404, "not_found");
  });
});

describe("GET /v1/admin/health", () => {
  it("reports D1 reachable, live totals and the newest applied migration", async () => {
    const op = await operator();
    const owner = await signup("health-owner");
    const tenantId = await createTenant(owner, "Health");
    await insertAgent(tenantId);
    await insertAgent(tenantId, true);
    const expected = await env.DB.prepare(
      "select (select count(*) from users) as users, (select count(*) from tenants where deleted_at is null) as tenants, (select count(*) from agents where deleted_at is null) as agents",
    ).first<{ users: number; tenants: number; agents: number }>();
    const res = await call("/v1/admin/health", { cookie: op.cookie });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "ok",
      d1: { reachable: true },
      counts: expected,
      latestMigration: env.TEST_MIGRATIONS.at(-1)!.name,
    });
    expect(res.body.counts.users).toBeGreaterThanOrEqual(2);
    expect(res.body.d1.latencyMs).toBeGreaterThanOrEqual(0);
  });
});
