import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Permission } from "../../../../shared/auth/permissions";
import { hashSecret } from "../../../../shared/crypto/secrets";
import { addMember, call, createTenant, expectError, signup, tenantWithRoles, type TestUser } from "../../../../../test/workers/harness";
import { parseApiKey } from "../../services/api-key-auth";
import { generateApiKey } from "../../services/api-key-issue";
import { auditResults } from "../../../../../test/workers/audit-view";

interface Created {
  apiKey: {
    id: string;
    prefix: string;
    scopes: Permission[];
    createdBy: string;
    expiresAt: string | null;
    lastUsedAt: string | null;
    revokedAt: string | null;
  };
  key: string;
}

const keysPath = (tenantId: string) => `/v1/tenants/${tenantId}/api-keys`;

async function createKey(
  tenantId: string,
  auth: { cookie?: string; apiKey?: string },
  scopes: Permission[],
  extra: Record<string, unknown> = {},
): Promise<Created> {
  const res = await call(keysPath(tenantId), { body: { name: "automation", scopes, ...extra }, ...auth });
  if (res.status !== 201) throw new Error(`create key failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function ownerAndTenant(label = "keys"): Promise<{ owner: TestUser; tenantId: string }> {
  const owner = await signup(label);
  return { owner, tenantId: await createTenant(owner, `${label} tenant`) };
}

async function auditRows(targetId: string) {
  const rows = await auditResults<{
    action: string;
    tenant_id: string;
    actor_type: string;
    actor_id: string;
    details: string;
    severity: string;
  }>("select action, tenant_id, actor_type, actor_id, details, severity from audit_events where target_id = ? order by id", targetId);
  return rows.results;
}

describe("generateApiKey", () => {
  it("mints keys that the authenticator's parser accepts, with the stored prefix and hash", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const issued = await generateApiKey();
      expect(issued.key).toMatch(/^sbk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      expect(parseApiKey(issued.key)).toEqual({ prefix: issued.prefix });
      expect(issued.secretHash).toBe(await hashSecret(issued.key));
      seen.add(issued.prefix);
    }
    expect(seen.size).toBe(50);
  });
});

describe("creating API keys", () => {
  it("returns the key once; the row stores only prefix and hash; the list never shows it", async () => {
    const { owner, tenantId } = await ownerAndTenant("once");
    const res = await call(keysPath(tenantId), {
      body: { name: "ci", scopes: ["agents:read", "agents:read", "teams:read"] },
      cookie: owner.cookie,
    });
    expect(res.status).toBe(201);
    const { apiKey, key } = res.body as Created;
    const prefix = parseApiKey(key)!.prefix;
    expect(apiKey).toMatchObject({
      prefix: `sbk_${prefix}`,
      scopes: ["agents:read", "teams:read"],
      createdBy: owner.id,
      tenantId,
      lastUsedAt: null,
      revokedAt: null,
      expiresAt: null,
    });
    expect(JSON.stringify(apiKey)).not.toContain(key);

    const row = await env.DB.prepare("select * from api_keys where id = ?").bind(apiKey.id).first<Record<string, unknown>>();
    expect(row).toMatchObject({ prefix, secret_hash: await hashSecret(key) });
    expect(JSON.stringify(row)).not.toContain(key.slice(`sbk_${prefix}_`.length));

    const list = await call(keysPath(tenantId), { cookie: owner.cookie });
    expect(list.status).toBe(200);
    expect(list.body.data.map((k: Created["apiKey"]) => k.id)).toEqual([apiKey.id]);
    const listText = JSON.stringify(list.body);
    expect(listText).not.toContain(key);
    expect(listText).not.toContain(key.slice(`sbk_${prefix}_`.length));
    expect(listText).not.toContain(row!.secret_hash as string);
    expect(list.body.data[0]).not.toHaveProperty("secretHash");
    expect(list.body.data[0]).not.toHaveProperty("key");
  });

  it("audits creation with name and scopes, never the key", async () => {
    const { owner, tenantId } = await ownerAndTenant("audit-create");
    const { apiKey, key } = await createKey(tenantId, { cookie: owner.cookie }, ["agents:read"]);
    const rows = await auditRows(apiKey.id);
    expect(rows.map((r) => r.action)).toEqual(["api_key.created"]);
    expect(rows[0]).toMatchObject({ tenant_id: tenantId, actor_type: "user", actor_id: owner.id });
    expect(JSON.parse(rows[0]!.details)).toMatchObject({ name: "automation", scopes: ["agents:read"] });
    expect(rows[0]!.details).not.toContain(key.split("_")[2]!);
  });

  it("refuses a member (no api_keys:write or api_keys:read) with 403", async () => {
    const { tenantId, member, viewer } = await tenantWithRoles("member keys");
    const res = await call(keysPath(tenantId), { body: { name: "x", scopes: ["agents:read"] }, cookie: member.cookie });
    expectError(res, 403, "forbidden");
    expect(res.body.error.details).toEqual({ permission: "api_keys:write" });
    expectError(await call(keysPath(tenantId), { cookie: member.cookie }), 403, "forbidden");
    expectError(await call(keysPath(tenantId), { body: { name: "x", scopes: ["agents:read"] }, cookie: viewer.cookie }), 403, "forbidden");
  });

  it("refuses scopes the creator does not hold: an admin cannot mint tenant:delete", async () => {
    const { tenantId, admin, owner } = await tenantWithRoles("admin keys");
    const res = await call(keysPath(tenantId), {
      body: { name: "too strong", scopes: ["agents:read", "tenant:delete"] },
      cookie: admin.cookie,
    });
    expectError(res, 403, "forbidden");
    expect(res.body.error.details).toEqual({ scopes: ["tenant:delete"] });
    expect(res.body.error.message).toContain("tenant:delete");
    const count = await env.DB.prepare("select count(*) as n from api_keys where tenant_id = ?").bind(tenantId).first<{ n: number }>();
    expect(count!.n).toBe(0);
    // the owner holds it, and an admin may mint what an admin holds
    await createKey(tenantId, { cookie: owner.cookie }, ["tenant:delete"]);
    await createKey(tenantId, { cookie: admin.cookie }, ["api_keys:write", "members:write"]);
  });

  it("lets a key create keys only within its own scopes, recorded as created by the key", async () => {
    const { owner, tenantId } = await ownerAndTenant("key-made");
    const parent = await createKey(tenantId, { cookie: owner.cookie }, ["api_keys:write", "agents:read"]);
    const child = await createKey(tenantId, { apiKey: parent.key }, ["agents:read"]);
    expect(child.apiKey.createdBy).toBe(`apikey:${parent.apiKey.id}`);
    const escalate = await call(keysPath(tenantId), { body: { name: "escalate", scopes: ["agents:write"] }, apiKey: parent.key });
    expectError(escalate, 403, "forbidden");
    expect(escalate.body.error.details).toEqual({ scopes: ["agents:write"] });
    const rows = await auditRows(child.apiKey.id);
    expect(rows[0]).toMatchObject({ action: "api_key.created", actor_type: "api_key", actor_id: parent.apiKey.id });
  });

  it("requires expiresAt in the future and stores it when given", async () => {
    const { owner, tenantId } = await ownerAndTenant("expiry");
    const past = await call(keysPath(tenantId), {
      body: { name: "old", scopes: ["agents:read"], expiresAt: new Date(Date.now() - 60_000).toISOString() },
      cookie: owner.cookie,
    });
    expectError(past, 400, "validation_failed");
    expect(past.body.error.details.issues[0]).toMatchObject({ path: "expiresAt" });
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const created = await createKey(tenantId, { cookie: owner.cookie }, ["agents:read"], { expiresAt: future });
    expect(created.apiKey.expiresAt).toBe(future);
  });

  it("rejects unknown scopes, empty scopes and unknown fields", async () => {
    const { owner, tenantId } = await ownerAndTenant("bad-input");
    for (const body of [
      { name: "x", scopes: ["agents:everything"] },
      { name: "x", scopes: [] },
      { name: "x", scopes: ["agents:read"], secret: "mine" },
      { name: "", scopes: ["agents:read"] },
      { name: "x", scopes: ["agents:read"], expiresAt: "tomorrow" },
    ]) {
      expectError(await call(keysPath(tenantId), { body, cookie: owner.cookie }), 400, "validation_failed");
    }
  });
});

describe("authenticating with an API key", () => {
  it("acts within its scopes only: agents:read may list agents but not create them", async () => {
    const { owner, tenantId } = await ownerAndTenant("scoped");
    const { key } = await createKey(tenantId, { cookie: owner.cookie }, ["agents:read", "tenant:read"]);
    expect((await call(`/v1/tenants/${tenantId}/agents`, { apiKey: key })).status).toBe(200);
    expect((await call(`/v1/tenants/${tenantId}`, { apiKey: key })).status).toBe(200);
    const create = await call(`/v1/tenants/${tenantId}/agents`, { body: { name: "Nope", template: "pm" }, apiKey: key });
    expectError(create, 403, "forbidden");
    expect(create.body.error.details).toEqual({ permission: "agents:write" });
    expectError(await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { name: "Renamed" }, apiKey: key }), 403, "forbidden");
    expectError(await call(keysPath(tenantId), { apiKey: key }), 403, "forbidden");
  });

  it("is confined to its own tenant: other tenants answer 404, even ones its creator owns", async () => {
    const { owner, tenantId } = await ownerAndTenant("confined");
    const ownersOther = await createTenant(owner, "second tenant");
    const stranger = await signup("stranger");
    const strangers = await createTenant(stranger, "stranger tenant");
    const { key } = await createKey(tenantId, { cookie: owner.cookie }, ["agents:read", "tenant:read", "api_keys:read"]);
    for (const other of [ownersOther, strangers]) {
      expectError(await call(`/v1/tenants/${other}`, { apiKey: key }), 404, "not_found");
      expectError(await call(`/v1/tenants/${other}/agents`, { apiKey: key }), 404, "not_found");
      expectError(await call(keysPath(other), { apiKey: key }), 404, "not_found");
    }
  });

  it("GET /v1/me answers with the key as principal", async () => {
    const { owner, tenantId } = await ownerAndTenant("me");
    const { apiKey, key } = await createKey(tenantId, { cookie: owner.cookie }, ["agents:read"]);
    const me = await call("/v1/me", { apiKey: key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      principal: "api_key",
      user: null,
      memberships: [],
      apiKey: { id: apiKey.id, tenantId, scopes: ["agents:read"] },
    });
  });

  it("refuses malformed Authorization headers with 401", async () => {
    for (const authorization of [
      "Bearer nonsense",
      "Basic xyz",
      "Bearer",
      "Bearer sbk_short_secret",
      "Token sbk_AAAAAAAAAAAA_" + "A".repeat(43),
    ]) {
      expectError(await call("/v1/me", { headers: { authorization } }), 401, "unauthenticated");
    }
  });

  it("refuses a well-formed key with the right prefix and a wrong secret, and an unknown prefix", async () => {
    const { owner, tenantId } = await ownerAndTenant("wrong-secret");
    const { key } = await createKey(tenantId, { cookie: owner.cookie }, ["agents:read"]);
    const secret = key.slice(-43);
    const altered = key.slice(0, -43) + (secret[0] === "A" ? "B" : "A") + secret.slice(1);
    expect(parseApiKey(altered)).not.toBeNull();
    expectError(await call("/v1/me", { apiKey: altered }), 401, "unauthenticated");
    const unknown = (await generateApiKey()).key;
    expectError(await call("/v1/me", { apiKey: unknown }), 401, "unauthenticated");
    // the real one still works, so the refusals above are about the secret
    expect((await call("/v1/me", { apiKey: key })).status).toBe(200);
  });

  it("refuses an expired key with 401", async () => {
    const { owner, tenantId } = await ownerAndTenant("expired");
    const { apiKey, key } = await createKey(tenantId, { cookie: owner.cookie }, ["agents:read"], {
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect((await call("/v1/me", { apiKey: key })).status).toBe(200);
    await env.DB.prepare("update api_keys set expires_at = ? where id = ?")
      .bind(Date.now() - 1000, apiKey.id)
      .run();
    expectError(await call("/v1/me", { apiKey: key }), 401, "unauthenticated");
  });

  it("records lastUsedAt after use", async () => {
    const { owner, tenantId } = await ownerAndTenant("last-used");
    const { apiKey, key } = await createKey(tenantId, { cookie: owner.cookie }, ["agents:read"]);
    const before = Date.now();
    expect((await call(`/v1/tenants/${tenantId}/agents`, { apiKey: key })).status).toBe(200);
    let lastUsedAt: string | null = null;
    for (let i = 0; i < 20 && lastUsedAt === null; i++) {
      const list = await call(keysPath(tenantId), { cookie: owner.cookie });
      lastUsedAt = list.body.data.find((k: Created["apiKey"]) => k.id === apiKey.id).lastUsedAt;
      if (lastUsedAt === null) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(lastUsedAt).not.toBeNull();
    expect(Date.parse(lastUsedAt!)).toBeGreaterThanOrEqual(before - 5);
  });

  it("skips the CSRF Origin check: a key's POST from a foreign Origin works, a cookie's does not", async () => {
    const { owner, tenantId } = await ownerAndTenant("csrf");
    const { key } = await createKey(tenantId, { cookie: owner.cookie }, ["api_keys:write", "agents:read"]);
    const headers = { origin: "https://evil.example" };
    const withKey = await call(keysPath(tenantId), { body: { name: "from anywhere", scopes: ["agents:read"] }, apiKey: key, headers });
    expect(withKey.status).toBe(201);
    expectError(
      await call(keysPath(tenantId), { body: { name: "forged", scopes: ["agents:read"] }, cookie: owner.cookie, headers }),
      403,
      "csrf_rejected",
    );
  });
});

describe("listing API keys", () => {
  it("paginates in creation order with a stable cursor and includes revoked keys", async () => {
    const { owner, tenantId } = await ownerAndTenant("paging");
    const created: string[] = [];
    for (let i = 0; i < 3; i++) created.push((await createKey(tenantId, { cookie: owner.cookie }, ["agents:read"])).apiKey.id);
    expect((await call(`${keysPath(tenantId)}/${created[1]}`, { method: "DELETE", cookie: owner.cookie })).status).toBe(204);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Created["apiKey"][]; nextCursor: string | null } } = await call(
        `${keysPath(tenantId)}?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        { cookie: owner.cookie },
      );
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((k) => k.id));
      if (page.body.data.some((k) => k.id === created[1]))
        expect(page.body.data.find((k) => k.id === created[1])!.revokedAt).not.toBeNull();
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created);
  });

  it("shows another tenant's keys to nobody else", async () => {
    const { owner, tenantId } = await ownerAndTenant("list-owner");
    await createKey(tenantId, { cookie: owner.cookie }, ["agents:read"]);
    const stranger = await signup("list-stranger");
    expectError(await call(keysPath(tenantId), { cookie: stranger.cookie }), 404, "not_found");
  });
});

describe("revoking API keys", () => {
  it("stops the key on the next request, answers 409 when repeated, and is audited", async () => {
    const { owner, tenantId } = await ownerAndTenant("revoke");
    const { apiKey, key } = await createKey(tenantId, { cookie: owner.cookie }, ["agents:read"]);
    expect((await call("/v1/me", { apiKey: key })).status).toBe(200);
    expect((await call(`${keysPath(tenantId)}/${apiKey.id}`, { method: "DELETE", cookie: owner.cookie })).status).toBe(204);
    expectError(await call("/v1/me", { apiKey: key }), 401, "unauthenticated");
    expectError(await call(`/v1/tenants/${tenantId}/agents`, { apiKey: key }), 401, "unauthenticated");
    expectError(await call(`${keysPath(tenantId)}/${apiKey.id}`, { method: "DELETE", cookie: owner.cookie }), 409, "conflict");
    const listed = (await call(keysPath(tenantId), { cookie: owner.cookie })).body.data.find((k: Created["apiKey"]) => k.id === apiKey.id);
    expect(listed.revokedAt).not.toBeNull();
    const rows = await auditRows(apiKey.id);
    expect(rows.map((r) => r.action)).toEqual(["api_key.created", "api_key.revoked"]);
    expect(rows[1]).toMatchObject({ tenant_id: tenantId, actor_id: owner.id });
  });

  it("lets a key with api_keys:write revoke itself", async () => {
    const { owner, tenantId } = await ownerAndTenant("self-revoke");
    const { apiKey, key } = await createKey(tenantId, { cookie: owner.cookie }, ["api_keys:write"]);
    expect((await call(`${keysPath(tenantId)}/${apiKey.id}`, { method: "DELETE", apiKey: key })).status).toBe(204);
    expectError(await call(`${keysPath(tenantId)}/${apiKey.id}`, { method: "DELETE", apiKey: key }), 401, "unauthenticated");
  });

  it("answers 404 for another tenant's key and for an unknown id, leaving the key working", async () => {
    const a = await ownerAndTenant("revoke-a");
    const b = await ownerAndTenant("revoke-b");
    const foreign = await createKey(b.tenantId, { cookie: b.owner.cookie }, ["agents:read"]);
    // A's owner has no role in B: B's key is invisible through A's path and through B's
    expectError(await call(`${keysPath(a.tenantId)}/${foreign.apiKey.id}`, { method: "DELETE", cookie: a.owner.cookie }), 404, "not_found");
    expectError(await call(`${keysPath(b.tenantId)}/${foreign.apiKey.id}`, { method: "DELETE", cookie: a.owner.cookie }), 404, "not_found");
    expectError(await call(`${keysPath(a.tenantId)}/key_doesnotexist`, { method: "DELETE", cookie: a.owner.cookie }), 404, "not_found");
    expect((await call("/v1/me", { apiKey: foreign.key })).status).toBe(200);
    expect((await auditRows(foreign.apiKey.id)).map((r) => r.action)).toEqual(["api_key.created"]);
  });

  it("refuses revocation to roles without api_keys:write", async () => {
    const { tenantId, owner, member } = await tenantWithRoles("revoke roles");
    const { apiKey } = await createKey(tenantId, { cookie: owner.cookie }, ["agents:read"]);
    expectError(await call(`${keysPath(tenantId)}/${apiKey.id}`, { method: "DELETE", cookie: member.cookie }), 403, "forbidden");
    const admin = await addMember(tenantId, "admin");
    expect((await call(`${keysPath(tenantId)}/${apiKey.id}`, { method: "DELETE", cookie: admin.cookie })).status).toBe(204);
  });
});

describe("a key acts with at most its creator's current permissions", () => {
  const setRole = (tenantId: string, owner: TestUser, userId: string, role: string) =>
    call(`/v1/tenants/${tenantId}/members/${userId}`, { method: "PATCH", body: { role }, cookie: owner.cookie });

  it("an admin demoted to viewer cannot change roles with a key minted earlier; promoted again, the key works again", async () => {
    const { tenantId, owner, admin, member } = await tenantWithRoles("demoted-key");
    const { key } = await createKey(tenantId, { cookie: admin.cookie }, ["members:write", "members:read", "agents:read"]);
    // As admin, the key changes a role.
    expect((await setRole(tenantId, owner, member.id, "viewer")).status).toBe(200);
    expect(
      (await call(`/v1/tenants/${tenantId}/members/${member.id}`, { method: "PATCH", body: { role: "member" }, apiKey: key })).status,
    ).toBe(200);

    expect((await setRole(tenantId, owner, admin.id, "viewer")).status).toBe(200);
    const refused = await call(`/v1/tenants/${tenantId}/members/${member.id}`, { method: "PATCH", body: { role: "viewer" }, apiKey: key });
    expectError(refused, 403, "forbidden");
    expect(refused.body.error.details).toEqual({ permission: "members:write", creatorRole: "viewer" });
    expect(refused.body.error.message).toMatch(/creator/);
    // What a viewer may do, the key still may (within its scopes).
    expect((await call(`/v1/tenants/${tenantId}/agents`, { apiKey: key })).status).toBe(200);
    const me = await call("/v1/me", { apiKey: key });
    expect(me.body.apiKey).toMatchObject({
      scopes: ["members:write", "members:read", "agents:read"],
      permissions: ["members:read", "agents:read"],
    });

    expect((await setRole(tenantId, owner, admin.id, "admin")).status).toBe(200);
    expect(
      (await call(`/v1/tenants/${tenantId}/members/${member.id}`, { method: "PATCH", body: { role: "viewer" }, apiKey: key })).status,
    ).toBe(200);
  });

  it("a removed member's keys stop working at once (401), and so do keys those keys made", async () => {
    const { tenantId, owner, admin } = await tenantWithRoles("removed-key");
    const parent = await createKey(tenantId, { cookie: admin.cookie }, ["api_keys:write", "agents:read"]);
    const child = await createKey(tenantId, { apiKey: parent.key }, ["agents:read"]);
    expect((await call(`/v1/tenants/${tenantId}/agents`, { apiKey: child.key })).status).toBe(200);

    expect((await call(`/v1/tenants/${tenantId}/members/${admin.id}`, { method: "DELETE", cookie: owner.cookie })).status).toBe(204);
    for (const key of [parent.key, child.key]) {
      const res = await call(`/v1/tenants/${tenantId}/agents`, { apiKey: key });
      expectError(res, 401, "unauthenticated");
      expect(res.body.error.details).toEqual({ reason: "creator_not_member" });
      expectError(await call("/v1/me", { apiKey: key }), 401, "unauthenticated");
    }
  });

  it("a member who leaves on their own loses their keys too", async () => {
    const { tenantId, admin } = await tenantWithRoles("left-key");
    const { key } = await createKey(tenantId, { cookie: admin.cookie }, ["agents:read"]);
    expect((await call(`/v1/me/memberships/${tenantId}`, { method: "DELETE", cookie: admin.cookie })).status).toBe(204);
    expectError(await call(`/v1/tenants/${tenantId}/agents`, { apiKey: key }), 401, "unauthenticated");
  });

  it("a key made by a key stops when its maker is revoked, and is limited by its maker's creator", async () => {
    const { tenantId, owner, admin } = await tenantWithRoles("chain-key");
    const parent = await createKey(tenantId, { cookie: admin.cookie }, ["api_keys:write", "members:write", "agents:read"]);
    const child = await createKey(tenantId, { apiKey: parent.key }, ["members:write", "agents:read"]);
    expect((await setRole(tenantId, owner, admin.id, "member")).status).toBe(200);
    const me = await call("/v1/me", { apiKey: child.key });
    expect(me.body.apiKey.permissions).toEqual(["agents:read"]);

    expect((await call(`${keysPath(tenantId)}/${parent.apiKey.id}`, { method: "DELETE", cookie: owner.cookie })).status).toBe(204);
    const res = await call(`/v1/tenants/${tenantId}/agents`, { apiKey: child.key });
    expectError(res, 401, "unauthenticated");
    expect(res.body.error.details).toEqual({ reason: "creator_key_inactive" });
  });
});
